/**
 * Proxy version v1 (upstream test/e2e/network/proxy.go): pods/proxy and services/proxy pass every
 * HTTP verb through to an agnhost `porter --json-response` pod, and GET/HEAD on a proxy URL with an
 * empty path are redirected (301) to the same URL with a trailing slash.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail } from '../framework/expect.ts';
import { agnhostImage } from '../framework/images.ts';
import { createPod, waitForPodRunning } from '../framework/pods.ts';

const PC = '[sig-network] Proxy version v1';
const MSG = 'foo';

/** startPorter runs upstream's `agnhost porter --json-response` pod and a Service selecting it. */
async function startPorter(ctx: CaseContext, service: string, labels: Record<string, string>): Promise<void> {
  ctx.step('Creating pod...');
  const pod: KubeObject = {
    metadata: { name: 'agnhost', labels },
    spec: { restartPolicy: 'Never', containers: [{ name: 'agnhost', image: agnhostImage(ctx), args: ['porter', '--json-response'], env: [{ name: 'SERVE_PORT_80', value: MSG }] }] },
  };
  await createPod(ctx, pod);
  await waitForPodRunning(ctx, 'agnhost');
  ctx.step('Creating service...');
  await ctx.core('services').create({ metadata: { name: service, labels }, spec: { selector: labels, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] } });
}

/**
 * validateProxyVerbRequest sends `verb` to `path` until it answers 200 with the porter's JSON
 * echo of the verb and the message (upstream validateProxyVerbRequest; HEAD has no body).
 */
async function validateProxyVerbRequest(ctx: CaseContext, path: string, query: Record<string, string>, verb: string): Promise<void> {
  let last = '';
  await ctx.waitFor(
    async () => {
      const res = await ctx.client.requestRaw({ method: verb, path, query, timeoutMs: 10_000 });
      last = `${res.statusCode} ${res.body.slice(0, 200)}`;
      if (res.statusCode !== 200) return false;
      if (verb === 'HEAD') return true;
      try {
        const body = JSON.parse(res.body) as { Method?: string; Body?: string };
        return body.Method === verb && body.Body === MSG;
      } catch {
        return false;
      }
    },
    { timeoutMs: 30_000, intervalMs: 1000, message: `${verb} ${path}${query['method'] ? `?method=${query['method']}` : ''} to answer 200 with {"Method":"${verb}","Body":"${MSG}"}`, describe: () => `last answer: ${last}` },
  );
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'NW-21',
    codename: `${PC} A set of valid responses are returned for both pod and service Proxy [Conformance]`,
    async run(ctx) {
      const service = 'e2e-proxy-test-service';
      await startPorter(ctx, service, { 'e2e-test': 'proxy-endpoints' });
      const podPath = `/api/v1/namespaces/${ctx.ns}/pods/agnhost/proxy`;
      const svcPath = `/api/v1/namespaces/${ctx.ns}/services/${service}/proxy`;
      for (const path of [podPath, svcPath]) {
        for (const verb of ['DELETE', 'OPTIONS', 'PATCH', 'POST', 'PUT']) {
          ctx.log(`Starting http.Client for ${path}?method=${verb}`);
          await validateProxyVerbRequest(ctx, path, { method: verb }, verb);
        }
      }
      // GET and HEAD on an empty proxy path are redirected to the path with a trailing slash.
      for (const verb of ['GET', 'HEAD']) {
        for (const path of [podPath, svcPath]) {
          const res = await ctx.client.requestRaw({ method: verb, path, query: { method: verb } });
          ctx.log(`http.Client request:${verb} StatusCode:${res.statusCode}`);
          if (res.statusCode !== 301) fail(`${verb} ${path}?method=${verb}: the resp.StatusCode returned: ${res.statusCode}, want 301`);
          const location = String(res.headers['location'] ?? '');
          if (location !== `${path}/?method=${verb}`) fail(`${verb} ${path}: redirect Location is "${location}", want "${path}/?method=${verb}"`);
        }
      }
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-22',
    codename: `${PC} A set of valid responses are returned for both pod and service ProxyWithPath [Conformance]`,
    async run(ctx) {
      const service = 'test-service';
      await startPorter(ctx, service, { test: 'response' });
      for (const base of [`/api/v1/namespaces/${ctx.ns}/pods/agnhost/proxy`, `/api/v1/namespaces/${ctx.ns}/services/${service}/proxy`]) {
        for (const verb of ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']) {
          const path = `${base}/some/path/with/${verb}`;
          ctx.log(`Starting http.Client for ${path}`);
          await validateProxyVerbRequest(ctx, path, {}, verb);
        }
      }
    },
  }),
];

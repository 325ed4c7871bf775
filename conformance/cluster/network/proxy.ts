/**
 * Proxy version v1 (upstream test/e2e/network/proxy.go): pods/proxy and services/proxy pass every
 * HTTP verb through to an agnhost `porter --json-response` pod, GET/HEAD on a proxy URL with an
 * empty path are redirected (301) to the same URL with a trailing slash, and a porter serving
 * plain and TLS ports is reached through its Service's named ports and its pod's port numbers,
 * with root-relative HTML links rewritten under the proxy path.
 *
 * Deviations: the echo server runs in a ReplicationController of one pod as upstream, but its
 * container declares port 80 first (upstream's map order is random, while its table expects the
 * portless pod URL to reach port 80); each URL is tried 5 times instead of 20.
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

const PROXY_ATTEMPTS = 5;

export const cases = [
  defineCase(import.meta.url, {
    id: 'NW-23',
    codename: `${PC} should proxy through a service and a pod [Conformance]`,
    async run(ctx) {
      const labels = { 'proxy-service-target': 'true' };
      const service = await ctx.core('services').create({
        metadata: { generateName: 'proxy-service-' },
        spec: {
          selector: labels,
          ports: [
            { name: 'portname1', port: 80, targetPort: 'dest1' },
            { name: 'portname2', port: 81, targetPort: 162 },
            { name: 'tlsportname1', port: 443, targetPort: 'tlsdest1' },
            { name: 'tlsportname2', port: 444, targetPort: 462 },
          ],
        },
      });
      const svcName = String(service.metadata?.name);
      ctx.step('starting an echo server on multiple ports');
      const env = Object.entries({
        SERVE_PORT_80: '<a href="/rewriteme">test</a>',
        SERVE_PORT_1080: '<a href="/rewriteme">test</a>',
        SERVE_PORT_160: 'foo',
        SERVE_PORT_162: 'bar',
        SERVE_TLS_PORT_443: '<a href="/tlsrewriteme">test</a>',
        SERVE_TLS_PORT_460: 'tls baz',
        SERVE_TLS_PORT_462: 'tls qux',
      }).map(([name, value]) => ({ name, value }));
      const ports = [{ containerPort: 80 }, { name: 'dest1', containerPort: 160 }, { name: 'dest2', containerPort: 162 }, { name: 'tlsdest1', containerPort: 460 }, { name: 'tlsdest2', containerPort: 462 }];
      const rcs = ctx.core('replicationcontrollers');
      await rcs.create({
        metadata: { name: svcName },
        spec: {
          replicas: 1,
          selector: labels,
          template: {
            metadata: { labels },
            spec: {
              terminationGracePeriodSeconds: 1,
              containers: [{ name: svcName, image: agnhostImage(ctx), args: ['porter'], env, ports, readinessProbe: { httpGet: { port: 80 }, initialDelaySeconds: 1, timeoutSeconds: 5, periodSeconds: 10 } }],
            },
          },
        },
      });
      ctx.defer(() => rcs.delete(svcName, { propagationPolicy: 'Foreground' }).catch(() => undefined));
      const pod = await ctx.waitFor(
        async () => (await ctx.core('pods').list({ labelSelector: 'proxy-service-target=true' })).items.find((p) => (p.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Ready' && c.status === 'True')),
        { timeoutMs: 120_000, intervalMs: 1000, message: `the pod of ReplicationController ${svcName} to be Ready` },
      );
      const podName = String(pod.metadata?.name);
      await ctx.waitFor(async () => ((await ctx.core('endpoints').get(svcName).catch(() => undefined))?.subsets ?? []).some((s: KubeObject) => (s.addresses ?? []).length > 0), {
        timeoutMs: 60_000,
        intervalMs: 500,
        message: `endpoints of service ${svcName}`,
      });

      // upstream net.JoinSchemeNamePort
      const join = (scheme: string, name: string, port: string): string => (scheme ? `${scheme}:${name}:${port}` : port ? `${name}:${port}` : name);
      const svcURL = (scheme: string, port: string): string => `/api/v1/namespaces/${ctx.ns}/services/${join(scheme, svcName, port)}/proxy`;
      const podURL = (scheme: string, port: string): string => `/api/v1/namespaces/${ctx.ns}/pods/${join(scheme, podName, port)}/proxy`;
      const expectations: Record<string, string> = {
        [`${svcURL('', 'portname1')}/`]: 'foo',
        [`${svcURL('http', 'portname1')}/`]: 'foo',
        [`${svcURL('', 'portname2')}/`]: 'bar',
        [`${svcURL('http', 'portname2')}/`]: 'bar',
        [`${svcURL('https', 'tlsportname1')}/`]: 'tls baz',
        [`${svcURL('https', 'tlsportname2')}/`]: 'tls qux',
        [`${podURL('', '')}/`]: `<a href="${podURL('', '')}/rewriteme">test</a>`,
        [`${podURL('', '1080')}/`]: `<a href="${podURL('', '1080')}/rewriteme">test</a>`,
        [`${podURL('http', '1080')}/`]: `<a href="${podURL('http', '1080')}/rewriteme">test</a>`,
        [`${podURL('', '160')}/`]: 'foo',
        [`${podURL('http', '160')}/`]: 'foo',
        [`${podURL('', '162')}/`]: 'bar',
        [`${podURL('http', '162')}/`]: 'bar',
        [`${podURL('https', '443')}/`]: `<a href="${podURL('https', '443')}/tlsrewriteme">test</a>`,
        [`${podURL('https', '460')}/`]: 'tls baz',
        [`${podURL('https', '462')}/`]: 'tls qux',
      };
      ctx.step(`running ${Object.keys(expectations).length} cases, ${PROXY_ATTEMPTS} attempts per case`);
      const errors: string[] = [];
      for (let i = 0; i < PROXY_ATTEMPTS; i++) {
        await Promise.all(
          Object.entries(expectations).map(async ([path, want]) => {
            const started = Date.now();
            const res = await ctx.client.requestRaw({ path, accept: '*/*', timeoutMs: 30_000 }).catch((err: unknown) => ({ statusCode: 0, headers: {}, body: String(err) }));
            if (res.statusCode !== 200) errors.push(`${i}: path ${path} gave status: ${res.statusCode} ${res.body.slice(0, 200)}`);
            else if (res.body !== want) errors.push(`${i}: path ${path}: wanted ${want}, got ${res.body}`);
            if (Date.now() - started > 30_000) errors.push(`${i}: path ${path} took ${Date.now() - started} ms > 30 s`);
          }),
        );
      }
      if (errors.length > 0) fail(errors.slice(0, 20).join('\n'));
    },
  }),

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

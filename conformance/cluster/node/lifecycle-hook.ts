/**
 * Container lifecycle hooks: upstream common/node/lifecycle_hook.go ("Container Lifecycle Hook
 * when create a pod with lifecycle hook"). A handler pod logs the request line of every HTTP
 * request it gets; a second pod with a postStart or preStop hook calls it, and the handler's log
 * must show `GET /echo?msg=poststart` (or `prestop`). Deviations: the handler is busybox `nc`
 * (upstream: agnhost netexec); the exec hooks run `wget` (upstream: `curl`) in the test-server
 * image running `pause` (upstream: agnhost, whose default is `pause`); the HTTP hooks call the
 * handler pod directly through `httpGet.host` (upstream v1.32 does the same; later releases
 * route the request through a netexec sidecar's `/dial`).
 */
import { isNotFound, type KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail } from '../framework/expect.ts';
import { createPod, podLogs, waitForPodRunning } from '../framework/pods.ts';

const H = '[sig-node] Container Lifecycle Hook when create a pod with lifecycle hook';
const NC = '[Conformance] [NodeConformance]';
/** upstream postStartWaitTimeout / preStopWaitTimeout (the latter doubled for a loaded node). */
const POST_START_WAIT_MS = 2 * 60_000;
const PRE_STOP_WAIT_MS = 60_000;
const POD_DELETE_TIMEOUT_MS = 5 * 60_000;

/**
 * HANDLER answers one HTTP connection (busybox `nc -e`): it writes the request line to the
 * container log (PID 1's stdout), reads the headers up to the blank line, and answers 200.
 */
const HANDLER = [
  '#!/bin/sh',
  'read -r line',
  'echo "${line%?}" > /proc/1/fd/1',
  'while read -r h; do [ -z "${h%?}" ] && break; done',
  "printf 'HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok'",
].join('\n');

/** createHandlerPod starts the request logger (upstream pod-handle-http-request) and returns its IP. */
async function createHandlerPod(ctx: CaseContext): Promise<{ name: string; container: string; ip: string }> {
  const name = 'pod-handle-http-request';
  const container = 'container-handle-http-request';
  ctx.step('create the container to handle the HTTPGet hook request.');
  await createPod(ctx, {
    metadata: { name },
    spec: {
      containers: [{
        name: container,
        image: ctx.images.busybox,
        env: [{ name: 'HANDLER', value: HANDLER }],
        command: ['sh', '-c', 'echo "$HANDLER" > /tmp/handle && chmod +x /tmp/handle && exec nc -ll -p 8080 -e /tmp/handle'],
        ports: [{ containerPort: 8080, protocol: 'TCP' }],
      }],
    },
  });
  const p = await waitForPodRunning(ctx, name);
  const ip: string = p.status?.podIP ?? '';
  if (!ip) fail(`handler pod ${name} has no IP`);
  return { name, container, ip };
}

/** getPodWithHook is upstream's: one container named after the pod, carrying `lifecycle`. */
function getPodWithHook(name: string, image: string, lifecycle: KubeObject, args?: string[]): KubeObject {
  return { metadata: { name }, spec: { containers: [{ name, image, lifecycle, ...(args ? { args } : {}) }] } };
}

async function expectHandlerLog(ctx: CaseContext, handler: { name: string; container: string }, re: RegExp, timeoutMs: number): Promise<void> {
  let logs = '';
  await ctx.waitFor(
    async () => {
      logs = await podLogs(ctx, handler.name, handler.container);
      return re.test(logs);
    },
    { timeoutMs, intervalMs: 1000, message: `the handler pod to log ${re}`, describe: () => `handler log: ${JSON.stringify(logs)}` },
  ).catch((err: Error) => fail(err.message));
}

/** testPodWithHook is upstream's: create, check postStart, delete (grace 15s), check preStop. */
async function testPodWithHook(ctx: CaseContext, handler: { name: string; container: string }, pod: KubeObject): Promise<void> {
  const name = String(pod.metadata?.name);
  const lifecycle = pod.spec.containers[0].lifecycle;
  ctx.step('create the pod with lifecycle hook');
  await createPod(ctx, pod);
  await waitForPodRunning(ctx, name);
  if (lifecycle.postStart) {
    ctx.step('check poststart hook');
    await expectHandlerLog(ctx, handler, /GET \/echo\?msg=poststart/, POST_START_WAIT_MS);
  }
  ctx.step('delete the pod with lifecycle hook');
  await ctx.core('pods').delete(name, { gracePeriodSeconds: 15 });
  await ctx.waitFor(
    async () => {
      try {
        await ctx.core('pods').get(name);
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    },
    { timeoutMs: POD_DELETE_TIMEOUT_MS, intervalMs: 1000, message: `pod ${name} to be deleted` },
  );
  if (lifecycle.preStop) {
    ctx.step('check prestop hook');
    await expectHandlerLog(ctx, handler, /GET \/echo\?msg=prestop/, PRE_STOP_WAIT_MS);
  }
}

const wgetHook = (ip: string, msg: string): KubeObject => ({ exec: { command: ['sh', '-c', `wget -qO- http://${ip.includes(':') ? `[${ip}]` : ip}:8080/echo?msg=${msg}`] } });
const httpHook = (ip: string, msg: string): KubeObject => ({ httpGet: { host: ip, path: `/echo?msg=${msg}`, port: 8080 } });

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-05',
    codename: `${H} should execute poststart exec hook properly ${NC}`,
    async run(ctx) {
      const handler = await createHandlerPod(ctx);
      await testPodWithHook(ctx, handler, getPodWithHook('pod-with-poststart-exec-hook', ctx.images.testServer, { postStart: wgetHook(handler.ip, 'poststart') }, ['pause']));
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-07',
    codename: `${H} should execute prestop exec hook properly ${NC}`,
    async run(ctx) {
      const handler = await createHandlerPod(ctx);
      await testPodWithHook(ctx, handler, getPodWithHook('pod-with-prestop-exec-hook', ctx.images.testServer, { preStop: wgetHook(handler.ip, 'prestop') }, ['pause']));
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-06',
    codename: `${H} should execute poststart http hook properly ${NC}`,
    async run(ctx) {
      const handler = await createHandlerPod(ctx);
      await testPodWithHook(ctx, handler, getPodWithHook('pod-with-poststart-http-hook', ctx.images.pause, { postStart: httpHook(handler.ip, 'poststart') }));
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-08',
    codename: `${H} should execute prestop http hook properly ${NC}`,
    async run(ctx) {
      const handler = await createHandlerPod(ctx);
      await testPodWithHook(ctx, handler, getPodWithHook('pod-with-prestop-http-hook', ctx.images.pause, { preStop: httpHook(handler.ip, 'prestop') }));
    },
  }),
];

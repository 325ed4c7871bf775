/**
 * Liveness and readiness probes: upstream common/node/container_probe.go. Upstream's agnhost
 * servers are replaced by busybox: `httpd` serves `/` (an index.html) where upstream runs
 * test-webserver on port 80, and serves `/healthz` on 8080 for 10 seconds (then removes it)
 * where upstream runs the `liveness` server; the GRPC restart spec probes a port nothing
 * listens on, as upstream's (its agnhost grpc server listens elsewhere). The GRPC no-restart spec
 * runs the test-server image's `grpc-health` responder (SERVING on every call) on etcd's client
 * port 2379 where upstream runs the etcd image.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, fail } from '../framework/expect.ts';
import { createPod, isPodReady, POD_START_TIMEOUT_MS, waitForPod, waitForPodReady } from '../framework/pods.ts';

/** DEFAULT_OBSERVATION_TIMEOUT_MS is upstream's defaultObservationTimeout (4 minutes). */
const DEFAULT_OBSERVATION_TIMEOUT_MS = 4 * 60_000;
/** PROBE_TEST_INITIAL_DELAY_SECONDS is upstream's probeTestInitialDelaySeconds. */
const PROBE_TEST_INITIAL_DELAY_SECONDS = 15;
/** Cases that observe for 4 minutes get room for that plus pod start. */
const LONG_CASE_MS = DEFAULT_OBSERVATION_TIMEOUT_MS + 150_000;

const execHandler = (cmd: string[]): KubeObject => ({ exec: { command: cmd } });
const httpGetHandler = (path: string, port: number): KubeObject => ({ httpGet: { path, port } });
const tcpSocketHandler = (port: number): KubeObject => ({ tcpSocket: { port } });

/** busyBoxPodSpec is upstream's: `busybox-<uid>`, label test=liveness, one busybox container. */
function busyBoxPodSpec(ctx: CaseContext, readinessProbe: KubeObject | undefined, livenessProbe: KubeObject | undefined, cmd: string[]): KubeObject {
  return {
    metadata: { name: `busybox-${ctx.uid}`, labels: { test: 'liveness' } },
    spec: { containers: [{ name: 'busybox', image: ctx.images.busybox, command: cmd, ...(livenessProbe ? { livenessProbe } : {}), ...(readinessProbe ? { readinessProbe } : {}) }] },
  };
}

/** testWebServerPodSpec stands in for upstream's test-webserver pod: an HTTP server answering `/` on `port`. */
function testWebServerPodSpec(ctx: CaseContext, readinessProbe: KubeObject | undefined, livenessProbe: KubeObject | undefined, containerName: string, port: number): KubeObject {
  return {
    metadata: { name: `test-webserver-${ctx.uid}` },
    spec: {
      containers: [{
        name: containerName,
        image: ctx.images.busybox,
        command: ['sh', '-c', `mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p ${port} -h /www`],
        ports: [{ containerPort: port }],
        ...(livenessProbe ? { livenessProbe } : {}),
        ...(readinessProbe ? { readinessProbe } : {}),
      }],
    },
  };
}

/** livenessPodSpec stands in for upstream's `liveness` pod: `/healthz` on 8080 answers 200 for 10s, then 404; TCP 8080 stays open. */
function livenessPodSpec(ctx: CaseContext, livenessProbe: KubeObject): KubeObject {
  return {
    metadata: { name: `liveness-${ctx.uid}`, labels: { test: 'liveness' } },
    spec: {
      containers: [{
        name: 'agnhost-container',
        image: ctx.images.busybox,
        command: ['sh', '-c', 'mkdir -p /www; echo ok > /www/healthz; (sleep 10; rm -f /www/healthz) & exec httpd -f -p 8080 -h /www'],
        livenessProbe,
      }],
    },
  };
}

const containerStatus = (p: KubeObject, name: string): KubeObject | undefined => (p.status?.containerStatuses ?? []).find((s: KubeObject) => s.name === name);

/** runLivenessTest is upstream RunLivenessTest: create, wait not Pending, then watch restartCount. */
async function runLivenessTest(ctx: CaseContext, pod: KubeObject, expectNumRestarts: number, timeoutMs: number): Promise<void> {
  const containerName: string = pod.spec.containers[0].name;
  const name = String(pod.metadata?.name);
  ctx.step(`Creating pod ${name} in namespace ${ctx.ns}`);
  await createPod(ctx, pod);
  await waitForPod(ctx, name, (p) => !!p.status?.phase && p.status.phase !== 'Pending', 'not to be Pending');
  ctx.log(`Started pod ${name} in namespace ${ctx.ns}`);

  ctx.step("checking the pod's current state and verifying that restartCount is present");
  let p = await ctx.core('pods').get(name);
  const initial = containerStatus(p, containerName)?.restartCount;
  if (initial === undefined) fail(`pod ${name} has no status for container ${containerName}`);
  ctx.log(`Initial restart count of pod ${name} is ${initial}`);

  const deadline = Date.now() + timeoutMs + initial * 10_000;
  let last = initial;
  let observed = 0;
  const start = Date.now();
  while (Date.now() < deadline) {
    p = await ctx.core('pods').get(name);
    const rc: number = containerStatus(p, containerName)?.restartCount ?? 0;
    if (rc !== last) {
      ctx.log(`Restart count of pod ${ctx.ns}/${name} is now ${rc} (${((Date.now() - start) / 1000).toFixed(0)}s elapsed)`);
      if (rc < last) fail(`Restart count should increment monotonically: restart count of pod ${ctx.ns}/${name} changed from ${last} to ${rc}`);
    }
    observed = rc - initial;
    if (expectNumRestarts > 0 && observed >= expectNumRestarts) break;
    last = rc;
    await new Promise((r) => setTimeout(r, 2000));
    if (ctx.signal.aborted) break;
  }
  if ((expectNumRestarts === 0 && observed > 0) || (expectNumRestarts > 0 && observed < expectNumRestarts)) {
    fail(`pod ${ctx.ns}/${name} - expected number of restarts: ${expectNumRestarts}, found restarts: ${observed}. Pod status: ${JSON.stringify(p.status?.containerStatuses)}`);
  }
}

/** gRPCServerPodSpec stands in for upstream's: an `etcd` container serving the gRPC health protocol on 2379. */
function gRPCServerPodSpec(ctx: CaseContext, livenessProbe: KubeObject): KubeObject {
  return {
    metadata: { name: `test-grpc-${ctx.uid}` },
    spec: {
      containers: [{
        name: 'etcd',
        image: ctx.images.testServer,
        args: ['grpc-health', '--port=2379'],
        ports: [{ containerPort: 2379 }],
        livenessProbe,
      }],
    },
  };
}

const getRestartCount = (p: KubeObject): number => (p.status?.containerStatuses ?? []).reduce((n: number, s: KubeObject) => n + (s.restartCount ?? 0), 0);

const PC = '[sig-node] Probing container';
const NC = '[Conformance] [NodeConformance]';

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-60',
    codename: `${PC} should be restarted with a exec "cat /tmp/health" liveness probe ${NC}`,
    timeoutMs: LONG_CASE_MS,
    run: (ctx) =>
      runLivenessTest(ctx, busyBoxPodSpec(ctx, undefined, { ...execHandler(['cat', '/tmp/health']), initialDelaySeconds: 15, timeoutSeconds: 5, failureThreshold: 1 }, ['/bin/sh', '-c', 'echo ok >/tmp/health; sleep 10; rm -rf /tmp/health; sleep 600']), 1, DEFAULT_OBSERVATION_TIMEOUT_MS),
  }),
  defineCase(import.meta.url, {
    id: 'ND-56',
    codename: `${PC} should *not* be restarted with a exec "cat /tmp/health" liveness probe ${NC}`,
    timeoutMs: LONG_CASE_MS,
    run: (ctx) =>
      runLivenessTest(ctx, busyBoxPodSpec(ctx, undefined, { ...execHandler(['cat', '/tmp/health']), initialDelaySeconds: 15, timeoutSeconds: 5, failureThreshold: 1 }, ['/bin/sh', '-c', 'echo ok >/tmp/health; sleep 600']), 0, DEFAULT_OBSERVATION_TIMEOUT_MS),
  }),
  defineCase(import.meta.url, {
    id: 'ND-58',
    codename: `${PC} should be restarted with a /healthz http liveness probe ${NC}`,
    timeoutMs: LONG_CASE_MS,
    run: (ctx) => runLivenessTest(ctx, livenessPodSpec(ctx, { ...httpGetHandler('/healthz', 8080), initialDelaySeconds: 15, failureThreshold: 1 }), 1, DEFAULT_OBSERVATION_TIMEOUT_MS),
  }),
  defineCase(import.meta.url, {
    id: 'ND-57',
    codename: `${PC} should *not* be restarted with a tcp:8080 liveness probe ${NC}`,
    timeoutMs: LONG_CASE_MS,
    run: (ctx) => runLivenessTest(ctx, livenessPodSpec(ctx, { ...tcpSocketHandler(8080), initialDelaySeconds: 15, failureThreshold: 1 }), 0, DEFAULT_OBSERVATION_TIMEOUT_MS),
  }),
  defineCase(import.meta.url, {
    id: 'ND-54',
    codename: `${PC} should *not* be restarted with a /healthz http liveness probe ${NC}`,
    timeoutMs: LONG_CASE_MS,
    run: (ctx) => runLivenessTest(ctx, testWebServerPodSpec(ctx, undefined, { ...httpGetHandler('/', 80), initialDelaySeconds: 15, timeoutSeconds: 5, failureThreshold: 5 }, 'test-webserver', 80), 0, DEFAULT_OBSERVATION_TIMEOUT_MS),
  }),
  defineCase(import.meta.url, {
    id: 'ND-59',
    codename: `${PC} should be restarted with a GRPC liveness probe ${NC}`,
    timeoutMs: LONG_CASE_MS,
    run: (ctx) => {
      // upstream's grpc server listens on 5000; the probe asks 2333, where nothing answers.
      const pod: KubeObject = {
        metadata: { name: `test-grpc-${ctx.uid}` },
        spec: { containers: [{ name: 'agnhost', image: ctx.images.busybox, command: ['sh', '-c', 'sleep 600'], ports: [{ containerPort: 5000 }], livenessProbe: { grpc: { port: 2333 }, initialDelaySeconds: 10, timeoutSeconds: 5, failureThreshold: 1 } }] },
      };
      return runLivenessTest(ctx, pod, 1, DEFAULT_OBSERVATION_TIMEOUT_MS);
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-55',
    codename: `${PC} should *not* be restarted with a GRPC liveness probe ${NC}`,
    timeoutMs: LONG_CASE_MS,
    run: (ctx) =>
      runLivenessTest(ctx, gRPCServerPodSpec(ctx, { grpc: { port: 2379 }, initialDelaySeconds: PROBE_TEST_INITIAL_DELAY_SECONDS, timeoutSeconds: 5, failureThreshold: 1 }), 0, DEFAULT_OBSERVATION_TIMEOUT_MS),
  }),
  defineCase(import.meta.url, {
    id: 'ND-61',
    codename: `${PC} should have monotonically increasing restart count ${NC}`,
    // upstream: ~2 minutes backoff + 4 minutes observation + 2 minutes for each of 4 restarts
    timeoutMs: 2 * 60_000 + DEFAULT_OBSERVATION_TIMEOUT_MS + 4 * 2 * 60_000 + 150_000,
    run: (ctx) => runLivenessTest(ctx, livenessPodSpec(ctx, { ...httpGetHandler('/healthz', 8080), initialDelaySeconds: 5, failureThreshold: 1 }), 5, 2 * 60_000 + DEFAULT_OBSERVATION_TIMEOUT_MS + 4 * 2 * 60_000),
  }),
  defineCase(import.meta.url, {
    id: 'ND-62',
    codename: `${PC} with readiness probe should not be ready before initial delay and never restart ${NC}`,
    async run(ctx) {
      const containerName = 'test-webserver';
      const pod = testWebServerPodSpec(ctx, { ...httpGetHandler('/', 80), initialDelaySeconds: PROBE_TEST_INITIAL_DELAY_SECONDS }, undefined, containerName, 80);
      const name = String(pod.metadata?.name);
      await createPod(ctx, pod);
      await waitForPodReady(ctx, name, undefined, POD_START_TIMEOUT_MS);
      const p = await ctx.core('pods').get(name);
      if (!(p.status?.phase === 'Running' && isPodReady(p))) fail(`pod ${ctx.ns}/${name} should be ready`);
      // The pod became ready when its only container became ready.
      const readyCond = (p.status?.conditions ?? []).find((c: KubeObject) => c.type === 'Ready');
      const readyTime = Date.parse(readyCond?.lastTransitionTime ?? '');
      const startedAt = containerStatus(p, containerName)?.state?.running?.startedAt;
      const startedTime = Date.parse(startedAt ?? '');
      if (Number.isNaN(readyTime) || Number.isNaN(startedTime)) fail(`pod ${name}: cannot read the Ready transition time (${readyCond?.lastTransitionTime}) or the container start time (${startedAt})`);
      ctx.log(`Container started at ${startedAt}, pod became ready at ${readyCond?.lastTransitionTime}`);
      if (readyTime - startedTime < PROBE_TEST_INITIAL_DELAY_SECONDS * 1000) fail(`Pod became ready before it's ${PROBE_TEST_INITIAL_DELAY_SECONDS}s initial delay (started ${startedAt}, ready ${readyCond?.lastTransitionTime})`);
      expectEqual(getRestartCount(p), 0, 'pod restart count');
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-63',
    codename: `${PC} with readiness probe that fails should never be ready and never restart ${NC}`,
    // Upstream watches the pod for a full minute after it starts.
    timeoutMs: 60_000 + POD_START_TIMEOUT_MS,
    async run(ctx) {
      // upstream's failing probe is an HTTP GET on port 81, where the web server does not listen.
      const pod = testWebServerPodSpec(ctx, httpGetHandler('/', 81), undefined, 'test-webserver', 80);
      const name = String(pod.metadata?.name);
      await createPod(ctx, pod);
      const until = Date.now() + 60_000;
      while (Date.now() < until && !ctx.signal.aborted) {
        const p = await ctx.core('pods').get(name);
        if (isPodReady(p)) fail(`pod ${name} should not be ready`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      const p = await ctx.core('pods').get(name);
      if (p.status?.phase === 'Running' && isPodReady(p)) fail(`pod ${ctx.ns}/${name} should be not ready`);
      expectEqual(getRestartCount(p), 0, 'pod restart count');
    },
  }),
];

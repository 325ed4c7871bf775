import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigMap, Container, Pod, Secret } from '#generated/k8s/index.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
import type { ContainerStatus, PodStatus, SandboxStatus } from '../container/runtime.ts';
import { ImageManager } from '../images/image-manager.ts';
import { VolumeManager } from '../volumemanager/volume-manager.ts';
import { hashContainer } from './container.ts';
import { FakeRuntimeService } from './fake-runtime-service.ts';
import { computePodActions, formatDuration, KubeGenericRuntimeManager } from './kuberuntime-manager.ts';

const c = (name: string, image = 'busybox'): Container => ({ name, image, command: ['sh'] });

function pod(opts: { restartPolicy?: string; containers?: Container[]; init?: Container[]; hostNetwork?: boolean } = {}): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u1' },
    spec: {
      restartPolicy: opts.restartPolicy ?? 'Always',
      containers: opts.containers ?? [c('a'), c('b')],
      initContainers: opts.init,
      hostNetwork: opts.hostNetwork,
    },
  };
}

let seq = 0;
function sandbox(ready: boolean, attempt = 0, ips = ['198.18.0.2']): SandboxStatus {
  return { id: `sb${++seq}`, ready, attempt, createdAt: 1000 - seq, ips: ready ? ips : [], hostNetwork: false };
}
function cs(container: Container, state: ContainerStatus['state'], exitCode = 0, restartCount = 0): ContainerStatus {
  return {
    id: `${container.name}-${++seq}`,
    runtime: 'containerd',
    name: container.name,
    state,
    createdAt: 1000 - seq,
    startedAt: 1,
    finishedAt: state === 'exited' ? 2 : 0,
    exitCode,
    image: container.image ?? '',
    imageRef: 'sha256:x',
    imageId: 'sha256:x',
    restartCount,
    reason: '',
    message: '',
    hash: hashContainer(container),
  };
}
function status(sandboxes: SandboxStatus[], containers: ContainerStatus[] = []): PodStatus {
  const ready = sandboxes.find((s) => s.ready);
  return { uid: 'u1', name: 'p', namespace: 'default', ips: ready?.ips ?? [], sandboxStatuses: sandboxes, containerStatuses: containers, timestamp: 0 };
}

interface Case {
  name: string;
  pod: Pod;
  status: PodStatus;
  want: { killPod: boolean; createSandbox: boolean; attempt?: number; initStart?: number[]; start: number[]; kill?: string[] };
  /** started: containers whose startup probe has not passed yet are listed as false. */
  started?: Record<string, boolean>;
  failed?: Record<string, 'liveness' | 'startup'>;
}

const A = c('a');
const B = c('b');
const I1 = c('i1');
const I2 = c('i2');
const S: Container = { ...c('s'), restartPolicy: 'Always' };
const SP: Container = { ...c('sp'), restartPolicy: 'Always', startupProbe: { exec: { command: ['true'] } } };
const cases: Case[] = [
  { name: 'new pod: create sandbox, start all containers', pod: pod(), status: status([]), want: { killPod: true, createSandbox: true, attempt: 0, start: [0, 1] } },
  { name: 'new pod with init containers: create sandbox, start the first init container', pod: pod({ init: [I1, I2] }), status: status([]), want: { killPod: true, createSandbox: true, attempt: 0, initStart: [0], start: [] } },
  { name: 'all running: nothing to do', pod: pod(), status: status([sandbox(true)], [cs(A, 'running'), cs(B, 'running')]), want: { killPod: false, createSandbox: false, start: [] } },
  { name: 'one container missing: start it', pod: pod(), status: status([sandbox(true)], [cs(A, 'running')]), want: { killPod: false, createSandbox: false, start: [1] } },
  { name: 'Always: an exited container is restarted', pod: pod(), status: status([sandbox(true)], [cs(A, 'running'), cs(B, 'exited', 0)]), want: { killPod: false, createSandbox: false, start: [1] } },
  { name: 'OnFailure: a container that exited 0 stays down', pod: pod({ restartPolicy: 'OnFailure' }), status: status([sandbox(true)], [cs(A, 'running'), cs(B, 'exited', 0)]), want: { killPod: false, createSandbox: false, start: [] } },
  { name: 'OnFailure: a container that exited 1 is restarted', pod: pod({ restartPolicy: 'OnFailure' }), status: status([sandbox(true)], [cs(A, 'running'), cs(B, 'exited', 1)]), want: { killPod: false, createSandbox: false, start: [1] } },
  { name: 'Never: all exited -> kill the pod (stop the sandbox)', pod: pod({ restartPolicy: 'Never' }), status: status([sandbox(true)], [cs(A, 'exited', 3), cs(B, 'exited', 0)]), want: { killPod: true, createSandbox: false, start: [] } },
  { name: 'sandbox not ready: new sandbox with the next attempt', pod: pod(), status: status([sandbox(false, 2)], [cs(A, 'exited', 137)]), want: { killPod: true, createSandbox: true, attempt: 3, start: [0, 1] } },
  { name: 'Never: sandbox gone after the containers ran -> do not recreate', pod: pod({ restartPolicy: 'Never' }), status: status([sandbox(false, 0)], [cs(A, 'exited', 0)]), want: { killPod: true, createSandbox: false, start: [] } },
  { name: 'OnFailure: new sandbox skips containers that succeeded', pod: pod({ restartPolicy: 'OnFailure' }), status: status([sandbox(false, 0)], [cs(A, 'exited', 0), cs(B, 'exited', 1)]), want: { killPod: true, createSandbox: true, attempt: 1, start: [1] } },
  { name: 'sandbox without IP: recreate', pod: pod(), status: status([sandbox(true, 0, [])], []), want: { killPod: true, createSandbox: true, attempt: 1, start: [0, 1] } },
  { name: 'init running: wait', pod: pod({ init: [I1, I2] }), status: status([sandbox(true)], [cs(I1, 'running')]), want: { killPod: false, createSandbox: false, start: [] } },
  { name: 'init 1 succeeded: start init 2', pod: pod({ init: [I1, I2] }), status: status([sandbox(true)], [cs(I1, 'exited', 0)]), want: { killPod: false, createSandbox: false, initStart: [1], start: [] } },
  { name: 'all init succeeded: start the containers', pod: pod({ init: [I1, I2] }), status: status([sandbox(true)], [cs(I2, 'exited', 0), cs(I1, 'exited', 0)]), want: { killPod: false, createSandbox: false, start: [0, 1] } },
  { name: 'init failed, Always: restart it', pod: pod({ init: [I1] }), status: status([sandbox(true)], [cs(I1, 'exited', 1)]), want: { killPod: false, createSandbox: false, initStart: [0], start: [] } },
  { name: 'init failed, Never: kill the pod', pod: pod({ init: [I1], restartPolicy: 'Never' }), status: status([sandbox(true)], [cs(I1, 'exited', 1)]), want: { killPod: true, createSandbox: false, start: [] } },
  { name: 'changed spec (image): kill and restart the container', pod: pod({ containers: [c('a', 'busybox:2'), B] }), status: status([sandbox(true)], [cs(A, 'running'), cs(B, 'running')]), want: { killPod: false, createSandbox: false, start: [0], kill: ['a'] } },
  { name: 'unknown container: kill and restart it', pod: pod(), status: status([sandbox(true)], [cs(A, 'unknown'), cs(B, 'running')]), want: { killPod: false, createSandbox: false, start: [0], kill: ['a'] } },
  { name: 'sidecar running: start the next init container', pod: pod({ init: [S, I2] }), status: status([sandbox(true)], [cs(S, 'running')]), want: { killPod: false, createSandbox: false, initStart: [1], start: [] } },
  { name: 'last init is a running sidecar: start the main containers', pod: pod({ init: [S] }), status: status([sandbox(true)], [cs(S, 'running')]), want: { killPod: false, createSandbox: false, start: [0, 1] } },
  { name: 'sidecar with a startup probe not passed yet: wait', pod: pod({ init: [SP] }), status: status([sandbox(true)], [cs(SP, 'running')]), started: { sp: false }, want: { killPod: false, createSandbox: false, start: [] } },
  { name: 'sidecar startup probe passed: start the main containers', pod: pod({ init: [SP] }), status: status([sandbox(true)], [cs(SP, 'running')]), want: { killPod: false, createSandbox: false, start: [0, 1] } },
  { name: 'sidecar failed its startup probe: kill and restart it', pod: pod({ init: [SP] }), status: status([sandbox(true)], [cs(SP, 'running')]), started: { sp: false }, failed: { sp: 'startup' }, want: { killPod: false, createSandbox: false, initStart: [0], start: [], kill: ['sp'] } },
  { name: 'sidecar exited while the pod runs: restart it, keep the main containers', pod: pod({ init: [I1, S] }), status: status([sandbox(true)], [cs(A, 'running'), cs(B, 'running'), cs(S, 'exited', 1)]), want: { killPod: false, createSandbox: false, initStart: [1], start: [] } },
  { name: 'sidecar exited under restartPolicy Never: still restarted', pod: pod({ init: [S], restartPolicy: 'Never' }), status: status([sandbox(true)], [cs(A, 'running'), cs(B, 'running'), cs(S, 'exited', 0)]), want: { killPod: false, createSandbox: false, initStart: [0], start: [] } },
  { name: 'sidecar status gone after initialization: start it again, not the regular init', pod: pod({ init: [I1, S] }), status: status([sandbox(true)], [cs(A, 'running'), cs(B, 'running')]), want: { killPod: false, createSandbox: false, initStart: [1], start: [] } },
  { name: 'sidecar failed liveness: kill and restart it', pod: pod({ init: [S] }), status: status([sandbox(true)], [cs(S, 'running'), cs(A, 'running'), cs(B, 'running')]), failed: { s: 'liveness' }, want: { killPod: false, createSandbox: false, initStart: [0], start: [], kill: ['s'] } },
  { name: 'Never: main containers done, sidecar running -> kill the pod, no sidecar restart', pod: pod({ init: [S], restartPolicy: 'Never' }), status: status([sandbox(true)], [cs(S, 'running'), cs(A, 'exited', 0), cs(B, 'exited', 0)]), want: { killPod: true, createSandbox: false, start: [] } },
  { name: 'regular init after a sidecar exited 0: start the main containers', pod: pod({ init: [S, I2] }), status: status([sandbox(true)], [cs(S, 'running'), cs(I2, 'exited', 0)]), want: { killPod: false, createSandbox: false, start: [0, 1] } },
];

for (const tc of cases) {
  test(`computePodActions: ${tc.name}`, (t) => {
    const a = computePodActions(tc.pod, tc.status, { failed: (name) => tc.failed?.[name], started: (name) => tc.started?.[name] ?? true });
    t.is(a.killPod, tc.want.killPod, 'killPod');
    t.is(a.createSandbox, tc.want.createSandbox, 'createSandbox');
    if (tc.want.attempt !== undefined) t.is(a.attempt, tc.want.attempt, 'attempt');
    t.deepEqual(a.initContainersToStart, tc.want.initStart ?? [], 'initContainersToStart');
    t.deepEqual(a.containersToStart, tc.want.start, 'containersToStart');
    t.deepEqual([...a.containersToKill.values()].map((k) => k.name), tc.want.kill ?? [], 'containersToKill');
  });
}

const durations: [number, string][] = [[10_000, '10s'], [80_000, '1m20s'], [300_000, '5m0s']];
for (const [ms, want] of durations) test(`formatDuration(${ms}) is ${want}`, (t) => t.is(formatDuration(ms), want));

function manager(extra: { configMaps?: Record<string, ConfigMap>; secrets?: Record<string, Secret> } = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const fake = new FakeRuntimeService({ now: () => clock.now() });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-krm-'));
  const configSource = {
    getConfigMap: async (_ns: string, name: string) => extra.configMaps?.[name],
    getSecret: async (_ns: string, name: string) => extra.secrets?.[name],
  };
  const m = new KubeGenericRuntimeManager({
    runtimeService: fake,
    imageManager: new ImageManager({ imageService: fake, clock }),
    volumeManager: new VolumeManager({ rootDir: dir, configSource }),
    configSource,
    clock,
    sandboxContext: { podLogsRootDir: path.join(dir, 'logs/pods'), cgroupRoot: '/', clusterDNS: [], clusterDomain: 'cluster.local', resolvConf: '/nonexistent' },
    runtimeName: 'containerd',
    nodeName: 'n1',
    nodeIPs: ['127.0.0.1'],
  });
  return { m, fake, clock, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function sync(m: KubeGenericRuntimeManager, p: Pod) {
  const st = await m.getPodStatus('u1', 'p', 'default');
  return m.syncPod(p, st, new AbortController().signal);
}

test('syncPod on a new pod runs the sandbox, pulls and starts containers with upstream labels and log paths', async (t) => {
  const { m, fake, cleanup } = manager({ configMaps: { cfg: { metadata: { name: 'cfg' }, data: { k: 'v' } } } });
  t.teardown(cleanup);
  const p = pod({ containers: [{ name: 'a', image: 'busybox', command: ['sh', '-c', 'echo $(GREETING)'], env: [{ name: 'GREETING', value: 'hi' }, { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }, { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }] });
  const r = await sync(m, p);
  t.deepEqual(r.startedContainers, ['a']);
  t.is(r.containerErrors.size, 0);
  t.deepEqual(fake.calls.filter((x) => !x.startsWith('list') && x !== 'podSandboxStatus' && x !== 'containerStatus'), ['runPodSandbox', 'pullImage', 'imageStatus', 'createContainer', 'startContainer']);
  const sb = [...fake.sandboxes.values()][0];
  t.like(sb.config.labels, { 'io.kubernetes.pod.name': 'p', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'u1' });
  t.true(String(sb.config.logDirectory).endsWith('logs/pods/default_p_u1'));
  t.is(sb.config.linux?.cgroupParent, '/kubepods/besteffort/podu1');
  t.is(sb.config.hostname, 'p');
  const ctr = fake.containerByName('a')!;
  t.is(ctr.config.logPath, 'a/0.log');
  t.deepEqual(ctr.config.command, ['sh', '-c', 'echo hi']);
  const env = Object.fromEntries((ctr.config.envs ?? []).map((e) => [e.key, Buffer.from(e.value as Uint8Array).toString()]));
  t.deepEqual(env, { GREETING: 'hi', FROM_CM: 'v', IP: sb.ip });
  t.like(ctr.config.labels, { 'io.kubernetes.container.name': 'a', 'io.kubernetes.pod.uid': 'u1' });
  t.like(ctr.config.annotations, { 'io.kubernetes.container.restartCount': '0' });
  // A second sync is a no-op.
  fake.calls.length = 0;
  const again = await sync(m, p);
  t.deepEqual(again.startedContainers, []);
  t.false(fake.calls.includes('createContainer'));
});

test('syncPod: a missing image gives ErrImagePull, then ImagePullBackOff while backing off', async (t) => {
  const { m, clock, cleanup } = manager();
  t.teardown(cleanup);
  const p = pod({ containers: [c('a', 'missing:1')] });
  const r1 = await sync(m, p);
  t.is(r1.containerErrors.get('a')?.reason, 'ErrImagePull');
  t.regex(r1.containerErrors.get('a')?.message ?? '', /^Failed to pull image "missing:1": /);
  const r2 = await sync(m, p);
  t.is(r2.containerErrors.get('a')?.reason, 'ImagePullBackOff');
  t.is(r2.containerErrors.get('a')?.message, 'Back-off pulling image "missing:1"');
  clock.step(10_001);
  const r3 = await sync(m, p);
  t.is(r3.containerErrors.get('a')?.reason, 'ErrImagePull');
});

test('syncPod: a missing ConfigMap gives CreateContainerConfigError with the upstream message', async (t) => {
  const { m, cleanup } = manager();
  t.teardown(cleanup);
  const p = pod({ containers: [{ name: 'a', image: 'busybox', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] }] });
  const r = await sync(m, p);
  t.is(r.containerErrors.get('a')?.reason, 'CreateContainerConfigError');
  t.is(r.containerErrors.get('a')?.message, 'configmap "nope" not found');
});

test('syncPod: a crashing container restarts with a growing CrashLoopBackOff and a rising restart count', async (t) => {
  const { m, fake, clock, cleanup } = manager();
  t.teardown(cleanup);
  const p = pod({ containers: [c('a')] });
  await sync(m, p);
  fake.exitContainer(fake.containerByName('a')!.id, 1);
  // First restart is immediate (the back-off starts with this failure).
  const r1 = await sync(m, p);
  t.deepEqual(r1.startedContainers, ['a']);
  t.is(fake.containerByName('a')!.config.metadata?.attempt, 1);
  fake.exitContainer(fake.containerByName('a')!.id, 1);
  const r2 = await sync(m, p);
  t.is(r2.containerErrors.get('a')?.reason, 'CrashLoopBackOff');
  t.is(r2.containerErrors.get('a')?.message, 'back-off 10s restarting failed container=a pod=p_default(u1)');
  clock.step(10_000);
  const r3 = await sync(m, p);
  t.deepEqual(r3.startedContainers, ['a']);
  t.is(fake.containerByName('a')!.config.metadata?.attempt, 2);
  fake.exitContainer(fake.containerByName('a')!.id, 1);
  const r4 = await sync(m, p);
  t.is(r4.containerErrors.get('a')?.message, 'back-off 20s restarting failed container=a pod=p_default(u1)');
});

test('killPod stops running containers with the grace period, then the sandbox; removePod removes them', async (t) => {
  const { m, fake, cleanup } = manager();
  t.teardown(cleanup);
  const p = pod();
  await sync(m, p);
  const st = await m.getPodStatus('u1', 'p', 'default');
  fake.calls.length = 0;
  await m.killPod(p, st, 5);
  t.deepEqual(fake.calls, ['stopContainer', 'stopContainer', 'stopPodSandbox']);
  const after = await m.getPodStatus('u1', 'p', 'default');
  t.true(after.containerStatuses.every((x) => x.state === 'exited' && x.exitCode === 137));
  t.false(after.sandboxStatuses[0].ready);
  await m.removePod(after);
  t.is(fake.containers.size, 0);
  t.is(fake.sandboxes.size, 0);
});

test('killPod stops the main containers first, then the sidecars in reverse order', async (t) => {
  const { m, fake, cleanup } = manager();
  t.teardown(cleanup);
  const s1: Container = { ...c('s1'), restartPolicy: 'Always' };
  const s2: Container = { ...c('s2'), restartPolicy: 'Always' };
  const p = pod({ init: [s1, s2], containers: [A] });
  for (let i = 0; i < 4; i++) await sync(m, p);
  const st = await m.getPodStatus('u1', 'p', 'default');
  t.deepEqual(st.containerStatuses.filter((x) => x.state === 'running').map((x) => x.name).sort(), ['a', 's1', 's2']);
  const order: string[] = [];
  const stop = fake.stopContainer.bind(fake);
  fake.stopContainer = async (req) => {
    order.push(fake.containers.get(req.containerId ?? '')?.config.metadata?.name ?? '?');
    return stop(req);
  };
  await m.killPod(p, st, 5);
  t.deepEqual(order, ['a', 's2', 's1']);
});

const ephemeralCases: { name: string; pod: Pod; status: PodStatus; want: { start: number[]; ephemeral: number[]; killPod?: boolean } }[] = [
  (() => {
    const p = pod({ containers: [c('a')] });
    p.spec!.ephemeralContainers = [{ name: 'debugger', image: 'busybox' }];
    return { name: 'a new ephemeral container in a running pod is started', pod: p, status: status([sandbox(true)], [cs(c('a'), 'running')]), want: { start: [], ephemeral: [0] } };
  })(),
  (() => {
    const p = pod({ containers: [c('a')] });
    p.spec!.ephemeralContainers = [{ name: 'debugger', image: 'busybox' }, { name: 'd2', image: 'busybox' }];
    return { name: 'an exited ephemeral container is never restarted', pod: p, status: status([sandbox(true)], [cs(c('a'), 'running'), cs(c('debugger'), 'exited', 1)]), want: { start: [], ephemeral: [1] } };
  })(),
  (() => {
    const p = pod({ containers: [c('a')] });
    p.spec!.ephemeralContainers = [{ name: 'debugger', image: 'busybox' }];
    return { name: 'a new sandbox does not start ephemeral containers', pod: p, status: status([]), want: { start: [0], ephemeral: [], killPod: true } };
  })(),
  (() => {
    const p = pod({ containers: [c('a')] });
    p.spec!.ephemeralContainers = [{ name: 'debugger', image: 'busybox' }];
    return { name: 'a running ephemeral container does not keep a finished pod alive', pod: { ...p, spec: { ...p.spec!, restartPolicy: 'Never' } }, status: status([sandbox(true)], [cs(c('a'), 'exited'), cs(c('debugger'), 'running')]), want: { start: [], ephemeral: [], killPod: true } };
  })(),
];
for (const tc of ephemeralCases) {
  test(`computePodActions (ephemeral): ${tc.name}`, (t) => {
    const a = computePodActions(tc.pod, tc.status);
    t.deepEqual(a.containersToStart, tc.want.start);
    t.deepEqual(a.ephemeralContainersToStart, tc.want.ephemeral);
    t.is(a.killPod, tc.want.killPod ?? false);
  });
}

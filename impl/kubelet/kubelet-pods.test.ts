import test from 'ava';
import type { ContainerStatus as APIContainerStatus, Pod } from '#generated/k8s/index.ts';
import type { ContainerStatus, PodStatus } from './container/runtime.ts';
import { generateAPIPodStatus, getPhase, ReasonCache, toRFC3339, type PodPhase } from './kubelet-pods.ts';

const running: APIContainerStatus = { name: 'x', image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: {} } };
const waiting: APIContainerStatus = { name: 'x', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } };
const exited = (code: number): APIContainerStatus => ({ name: 'x', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: code } } });
const crashLoop = (code: number): APIContainerStatus => ({ ...waiting, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: code } } });
const pod = (restartPolicy: string): Pod => ({ metadata: { name: 'p', uid: 'u' }, spec: { restartPolicy, containers: [] } });

const phaseCases: { name: string; policy: string; init?: APIContainerStatus[]; containers: APIContainerStatus[]; terminal?: boolean; want: PodPhase }[] = [
  { name: 'waiting container is Pending', policy: 'Always', containers: [waiting], want: 'Pending' },
  { name: 'running container is Running', policy: 'Always', containers: [running], want: 'Running' },
  { name: 'Always: all exited is still Running (restarting)', policy: 'Always', containers: [exited(1)], want: 'Running' },
  { name: 'Always: crash looping is Running', policy: 'Always', containers: [crashLoop(1)], want: 'Running' },
  { name: 'Never: exit 0 is Succeeded', policy: 'Never', containers: [exited(0)], want: 'Succeeded' },
  { name: 'Never: exit 3 is Failed', policy: 'Never', containers: [exited(3)], want: 'Failed' },
  { name: 'Never: one running one failed is Running', policy: 'Never', containers: [running, exited(3)], want: 'Running' },
  { name: 'OnFailure: exit 0 is Succeeded', policy: 'OnFailure', containers: [exited(0)], want: 'Succeeded' },
  { name: 'OnFailure: exit 1 is Running (will restart)', policy: 'OnFailure', containers: [exited(1)], want: 'Running' },
  { name: 'pending init container is Pending', policy: 'Always', init: [running], containers: [waiting], want: 'Pending' },
  { name: 'Never: failed init container is Failed', policy: 'Never', init: [exited(1)], containers: [waiting], want: 'Failed' },
  { name: 'Always: failed init container is Pending', policy: 'Always', init: [exited(1)], containers: [waiting], want: 'Pending' },
  { name: 'terminated pod (deleted) with killed containers is Failed', policy: 'Always', containers: [exited(137)], terminal: true, want: 'Failed' },
  { name: 'terminated pod whose containers succeeded is Succeeded', policy: 'Always', containers: [exited(0)], terminal: true, want: 'Succeeded' },
];
for (const tc of phaseCases) {
  test(`getPhase: ${tc.name}`, (t) => t.is(getPhase(pod(tc.policy), tc.init ?? [], tc.containers, tc.terminal ?? false), tc.want));
}

const NOW = Date.parse('2026-11-27T03:00:00Z');
function rc(name: string, state: ContainerStatus['state'], exitCode = 0, restartCount = 0, createdAt = 100): ContainerStatus {
  return { id: `${name}${createdAt}`, runtime: 'containerd', name, state, createdAt, startedAt: NOW - 5000, finishedAt: state === 'exited' ? NOW - 1000 : 0, exitCode, image: 'busybox', imageRef: 'docker.io/library/busybox@sha256:abc', imageId: 'sha256:def', restartCount, reason: '', message: '', hash: '' };
}
function rs(containers: ContainerStatus[], ready = true): PodStatus {
  return { uid: 'u', name: 'p', namespace: 'default', ips: ready ? ['198.18.0.5'] : [], sandboxStatuses: [{ id: 's', ready, attempt: 0, createdAt: 1, ips: ready ? ['198.18.0.5'] : [], hostNetwork: false }], containerStatuses: containers, timestamp: NOW };
}
const apiPod: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { restartPolicy: 'Always', containers: [{ name: 'a', image: 'busybox' }] } };

test('generateAPIPodStatus: a running pod has IPs, conditions in upstream order and a containerd:// ID', (t) => {
  const s = generateAPIPodStatus(apiPod, rs([rc('a', 'running')]), { reasons: new ReasonCache(), hostIPs: ['127.0.0.1'], now: NOW, podIsTerminal: false });
  t.is(s.phase, 'Running');
  t.is(s.podIP, '198.18.0.5');
  t.deepEqual(s.podIPs, [{ ip: '198.18.0.5' }]);
  t.is(s.hostIP, '127.0.0.1');
  t.is(s.qosClass, 'BestEffort');
  t.is(s.startTime, toRFC3339(NOW));
  t.deepEqual(s.conditions?.map((c) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
  const c = s.containerStatuses?.[0];
  t.is(c?.containerID, 'containerd://a100');
  t.is(c?.imageID, 'docker.io/library/busybox@sha256:abc');
  t.true(c?.ready);
  t.is(c?.state?.running?.startedAt, toRFC3339(NOW - 5000));
});

test('generateAPIPodStatus: a crash-looping container is waiting with the cached reason and the last termination', (t) => {
  const reasons = new ReasonCache();
  reasons.add('u', 'a', 'CrashLoopBackOff', 'back-off 10s restarting failed container=a pod=p_default(u)');
  const s = generateAPIPodStatus(apiPod, rs([rc('a', 'exited', 1, 1, 200), rc('a', 'exited', 1, 0, 100)]), { reasons, hostIPs: ['127.0.0.1'], now: NOW, podIsTerminal: false });
  const c = s.containerStatuses?.[0];
  t.is(c?.state?.waiting?.reason, 'CrashLoopBackOff');
  t.is(c?.lastState?.terminated?.exitCode, 1);
  t.is(c?.lastState?.terminated?.reason, 'Error');
  t.is(c?.restartCount, 1);
  t.is(s.phase, 'Running');
  const ready = s.conditions?.find((x) => x.type === 'Ready');
  t.is(ready?.status, 'False');
  t.is(ready?.reason, 'ContainersNotReady');
  t.is(ready?.message, 'containers with unready status: [a]');
});

test('generateAPIPodStatus: a container not created yet waits in ContainerCreating (PodInitializing with init containers)', (t) => {
  const s1 = generateAPIPodStatus(apiPod, rs([], false), { reasons: new ReasonCache(), hostIPs: ['127.0.0.1'], now: NOW, podIsTerminal: false });
  t.is(s1.containerStatuses?.[0]?.state?.waiting?.reason, 'ContainerCreating');
  t.is(s1.phase, 'Pending');
  t.is(s1.conditions?.find((c) => c.type === 'PodReadyToStartContainers')?.status, 'False');
  const withInit: Pod = { ...apiPod, spec: { ...apiPod.spec!, initContainers: [{ name: 'i', image: 'busybox' }] } };
  const s2 = generateAPIPodStatus(withInit, rs([rc('i', 'running')]), { reasons: new ReasonCache(), hostIPs: ['127.0.0.1'], now: NOW, podIsTerminal: false });
  t.is(s2.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
  const init = s2.conditions?.find((c) => c.type === 'Initialized');
  t.is(init?.status, 'False');
  t.is(init?.reason, 'ContainersNotInitialized');
  t.is(init?.message, 'containers with incomplete status: [i]');
  const s3 = generateAPIPodStatus(withInit, rs([], false), { reasons: new ReasonCache(), hostIPs: ['127.0.0.1'], now: NOW, podIsTerminal: false });
  t.is(s3.initContainerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing', 'an init container not created yet');
});

test('generateAPIPodStatus: a terminal phase never goes back and keeps the pod IP', (t) => {
  const old = generateAPIPodStatus({ ...apiPod, spec: { ...apiPod.spec!, restartPolicy: 'Never' } }, rs([rc('a', 'exited', 3)]), { reasons: new ReasonCache(), hostIPs: ['127.0.0.1'], now: NOW, podIsTerminal: false });
  t.is(old.phase, 'Failed');
  const later = generateAPIPodStatus({ ...apiPod, spec: { ...apiPod.spec!, restartPolicy: 'Never' } }, rs([], false), { reasons: new ReasonCache(), hostIPs: ['127.0.0.1'], now: NOW + 60_000, podIsTerminal: true, oldStatus: old });
  t.is(later.phase, 'Failed');
  t.is(later.podIP, '198.18.0.5');
  t.is(later.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);
  t.is(later.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime, old.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
});

const sidecarPod: Pod = {
  metadata: { name: 'p', namespace: 'default', uid: 'u' },
  spec: { restartPolicy: 'Always', initContainers: [{ name: 'side', image: 'busybox', restartPolicy: 'Always' }], containers: [{ name: 'a', image: 'busybox' }] },
};
const sidecarCases: { name: string; runtime: ContainerStatus[]; podIsTerminal?: boolean; want: { phase: PodPhase; initialized: string; ready: string; sideReady: boolean; sideStarted: boolean; mainWaiting?: string; initMessage?: string } }[] = [
  { name: 'sidecar running, main not created: Initialized, main ContainerCreating', runtime: [rc('side', 'running')], want: { phase: 'Pending', initialized: 'True', ready: 'False', sideReady: true, sideStarted: true, mainWaiting: 'ContainerCreating' } },
  { name: 'sidecar not started yet: PodInitializing', runtime: [], want: { phase: 'Pending', initialized: 'False', ready: 'False', sideReady: false, sideStarted: false, mainWaiting: 'PodInitializing', initMessage: 'containers with incomplete status: [side]' } },
  { name: 'sidecar and main running: Running and Ready', runtime: [rc('side', 'running'), rc('a', 'running')], want: { phase: 'Running', initialized: 'True', ready: 'True', sideReady: true, sideStarted: true } },
  { name: 'sidecar exited while main runs: still Initialized and Running, not Ready', runtime: [rc('side', 'exited', 1, 0, 50), rc('a', 'running')], want: { phase: 'Running', initialized: 'True', ready: 'False', sideReady: false, sideStarted: false } },
  { name: 'terminated pod: main succeeded, sidecar killed: Succeeded', runtime: [rc('side', 'exited', 137, 0, 50), rc('a', 'exited', 0)], podIsTerminal: true, want: { phase: 'Succeeded', initialized: 'True', ready: 'False', sideReady: false, sideStarted: false } },
];
for (const tc of sidecarCases) {
  test(`generateAPIPodStatus sidecar: ${tc.name}`, (t) => {
    const s = generateAPIPodStatus(sidecarPod, rs(tc.runtime), { reasons: new ReasonCache(), hostIPs: ['127.0.0.1'], now: NOW, podIsTerminal: tc.podIsTerminal ?? false });
    t.is(s.phase, tc.want.phase);
    const cond = (type: string) => s.conditions?.find((c) => c.type === type);
    t.is(cond('Initialized')?.status, tc.want.initialized);
    t.is(cond('Ready')?.status, tc.want.ready);
    if (tc.want.initMessage) t.is(cond('Initialized')?.message, tc.want.initMessage);
    t.is(s.initContainerStatuses?.[0]?.ready, tc.want.sideReady);
    t.is(s.initContainerStatuses?.[0]?.started, tc.want.sideStarted);
    if (tc.want.mainWaiting) t.is(s.containerStatuses?.[0]?.state?.waiting?.reason, tc.want.mainWaiting);
  });
}

test('generateAPIPodStatus: 1.35 status fields: lastState {} always, volumeMounts, resources, user, observedGeneration', (t) => {
  const p: Pod = {
    metadata: { name: 'p', namespace: 'default', uid: 'u', generation: 3 },
    spec: { restartPolicy: 'Always', containers: [{ name: 'a', image: 'busybox', resources: { limits: { cpu: '500m', memory: '64Mi', 'example.com/gpu': '1' }, requests: { cpu: '500m', memory: '64Mi', 'example.com/gpu': '1' } }, volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'kube-api-access-x', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] }] },
  };
  const running = { ...rc('a', 'running'), user: { uid: 0, gid: 0, supplementalGroups: [0, 10] } };
  const s = generateAPIPodStatus(p, rs([running]), { reasons: new ReasonCache(), hostIPs: ['127.0.0.1'], now: NOW, podIsTerminal: false });
  const c = s.containerStatuses?.[0];
  t.deepEqual(c?.lastState, {});
  t.deepEqual(c?.volumeMounts, [
    { name: 'data', mountPath: '/data' },
    { name: 'kube-api-access-x', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true, recursiveReadOnly: 'Disabled' },
  ]);
  t.deepEqual(c?.user, { linux: { uid: 0, gid: 0, supplementalGroups: [0, 10] } });
  t.deepEqual(c?.resources, { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '500m', memory: '64Mi' } });
  t.is(s.observedGeneration, 3);
  t.is(s.conditions?.find((x) => x.type === 'Ready')?.observedGeneration, 3);
  // A container not created yet has lastState {}, its volumeMounts, and no resources.
  const pending = generateAPIPodStatus(p, rs([]), { reasons: new ReasonCache(), hostIPs: ['127.0.0.1'], now: NOW, podIsTerminal: false });
  t.deepEqual(pending.containerStatuses?.[0]?.lastState, {});
  t.is(pending.containerStatuses?.[0]?.volumeMounts?.length, 2);
  t.is(pending.containerStatuses?.[0]?.resources, undefined);
});

const ephemeralStatusCases: { name: string; running: ContainerStatus[]; want: Array<{ name: string; state: string }> }[] = [
  { name: 'a pending ephemeral container is ContainerCreating', running: [rc('a', 'running')], want: [{ name: 'debugger', state: 'waiting:ContainerCreating' }] },
  { name: 'a running ephemeral container is running and not ready', running: [rc('a', 'running'), rc('debugger', 'running')], want: [{ name: 'debugger', state: 'running' }] },
];
for (const tc of ephemeralStatusCases) {
  test(`generateAPIPodStatus (ephemeral): ${tc.name}`, (t) => {
    const p: Pod = { ...apiPod, spec: { ...apiPod.spec!, ephemeralContainers: [{ name: 'debugger', image: 'busybox' }] } };
    const s = generateAPIPodStatus(p, rs(tc.running), { reasons: new ReasonCache(), hostIPs: ['127.0.0.1'], now: NOW, podIsTerminal: false });
    const got = (s.ephemeralContainerStatuses ?? []).map((e) => ({ name: e.name, state: e.state?.running ? 'running' : `waiting:${e.state?.waiting?.reason}` }));
    t.deepEqual(got, tc.want);
    t.true((s.ephemeralContainerStatuses ?? []).every((e) => e.ready === false));
    // ephemeral containers do not count for the pod's phase or readiness
    t.is(s.phase, 'Running');
    t.is(s.containerStatuses?.length, 1);
    t.deepEqual(s.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });
}

test('generateAPIPodStatus: no ephemeral containers, no ephemeralContainerStatuses', (t) => {
  const s = generateAPIPodStatus(apiPod, rs([rc('a', 'running')]), { reasons: new ReasonCache(), hostIPs: ['127.0.0.1'], now: NOW, podIsTerminal: false });
  t.is(s.ephemeralContainerStatuses, undefined);
});

import test from 'ava';
import type { Pod, Probe } from '#generated/k8s/index.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
import { ProbeWorker, initialResult, type ContainerRuntimeInfo, type ProbeType } from './worker.ts';
import { resolvePort, type ProbeResult } from './prober.ts';

const pod: Pod = { metadata: { name: 'p', uid: 'u' }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: 8080 }] }] } };

function worker(type: ProbeType, probe: Probe, exits: number[], info: Partial<ContainerRuntimeInfo> = {}) {
  const clock = new FakeClock(1_000_000);
  const changes: string[] = [];
  let i = 0;
  let current: ContainerRuntimeInfo = { containerId: 'c1', running: true, startedAt: 0, podIP: '198.18.0.9', started: true, ...info };
  const w = new ProbeWorker({
    pod,
    container: pod.spec!.containers[0],
    probeType: type,
    probe,
    clock,
    runtime: { execSync: async () => ({ stdout: Buffer.from('out'), stderr: Buffer.alloc(0), exitCode: exits[Math.min(i++, exits.length - 1)] }) },
    info: () => current,
    onResult: (_w, r, _o, changed) => changes.push(`${r}${changed ? '' : ' (again)'}`),
  });
  return { w, clock, changes, set: (next: Partial<ContainerRuntimeInfo>) => (current = { ...current, ...next }) };
}

const exec: Probe = { exec: { command: ['true'] }, periodSeconds: 1 };

test('initial results follow upstream: readiness failure, liveness success, startup unknown', (t) => {
  t.is(initialResult('readiness'), 'failure');
  t.is(initialResult('liveness'), 'success');
  t.is(initialResult('startup'), 'unknown');
});

const thresholdCases: { name: string; type: ProbeType; probe: Probe; exits: number[]; runs: number; want: ProbeResult }[] = [
  { name: 'readiness succeeds after successThreshold successes', type: 'readiness', probe: { ...exec, successThreshold: 2 }, exits: [0], runs: 2, want: 'success' },
  { name: 'readiness stays failed below successThreshold', type: 'readiness', probe: { ...exec, successThreshold: 2 }, exits: [0], runs: 1, want: 'failure' },
  { name: 'liveness fails only after failureThreshold failures', type: 'liveness', probe: { ...exec, failureThreshold: 3 }, exits: [1], runs: 2, want: 'success' },
  { name: 'liveness fails at failureThreshold', type: 'liveness', probe: { ...exec, failureThreshold: 3 }, exits: [1], runs: 3, want: 'failure' },
  { name: 'a success resets the failure run', type: 'liveness', probe: { ...exec, failureThreshold: 2 }, exits: [1, 0, 1], runs: 3, want: 'success' },
  { name: 'startup succeeds once', type: 'startup', probe: exec, exits: [0], runs: 1, want: 'success' },
];
for (const tc of thresholdCases) {
  test(`thresholds: ${tc.name}`, async (t) => {
    const { w } = worker(tc.type, tc.probe, tc.exits);
    for (let i = 0; i < tc.runs; i++) await w.doProbe();
    t.is(w.result, tc.want);
  });
}

test('nothing runs before initialDelaySeconds after the container started', async (t) => {
  const { w, clock } = worker('readiness', { ...exec, initialDelaySeconds: 5 }, [0], { startedAt: 1_000_000 });
  await w.doProbe();
  t.is(w.result, 'failure');
  clock.step(5000);
  await w.doProbe();
  t.is(w.result, 'success');
});

test('liveness and readiness wait for the startup probe', async (t) => {
  const { w, set } = worker('readiness', exec, [0], { started: false });
  await w.doProbe();
  t.is(w.result, 'failure');
  set({ started: true });
  await w.doProbe();
  t.is(w.result, 'success');
});

test('a new container resets the result; a liveness failure holds until then', async (t) => {
  const { w, set, changes } = worker('liveness', { ...exec, failureThreshold: 1 }, [1, 1, 0]);
  await w.doProbe();
  t.is(w.result, 'failure');
  await w.doProbe(); // on hold: no second failure for the same container
  t.deepEqual(changes, ['failure']);
  set({ containerId: 'c2' });
  await w.doProbe();
  t.is(w.containerId, 'c2');
  t.is(w.result, 'failure'); // the new container's first probe (exit 1) failed again
});

test('resolvePort accepts numbers, numeric strings and named container ports', (t) => {
  const c = pod.spec!.containers[0];
  t.is(resolvePort(80, c), 80);
  t.is(resolvePort('81', c), 81);
  t.is(resolvePort('http', c), 8080);
  t.is(resolvePort('nope', c), undefined);
});

test('an invalid probe (unknown named port) is reported through onError and not counted', async (t) => {
  const errors: string[] = [];
  const w = new ProbeWorker({
    pod,
    container: pod.spec!.containers[0],
    probeType: 'liveness',
    probe: { httpGet: { port: 'nope', path: '/' }, periodSeconds: 1, failureThreshold: 1 },
    clock: new FakeClock(1_000_000),
    runtime: { execSync: async () => ({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0 }) },
    info: () => ({ containerId: 'c1', running: true, startedAt: 0, podIP: '198.18.0.9', started: true }),
    onResult: () => {},
    onError: (o) => errors.push(o.output),
  });
  await w.doProbe();
  await w.doProbe();
  t.deepEqual(errors, ["couldn't find port: nope", "couldn't find port: nope"]);
  t.is(w.result, 'success', 'liveness keeps its initial result: the container is not restarted');
});

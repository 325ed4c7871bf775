import test from 'ava';
import type { Pod } from '#generated/k8s/index.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
import { FakePodSyncer } from './fake-pod-syncer.ts';
import { PodWorkers, calculateEffectiveGracePeriod, workerState, type PodSyncStatus, type PodWorkerState } from './pod-workers.ts';

function pod(uid: string, extra: { deletionTimestamp?: string; deletionGracePeriodSeconds?: number; grace?: number; phase?: string } = {}): Pod {
  return {
    metadata: { name: `p-${uid}`, namespace: 'default', uid, deletionTimestamp: extra.deletionTimestamp, deletionGracePeriodSeconds: extra.deletionGracePeriodSeconds },
    spec: { containers: [{ name: 'c', image: 'busybox' }], terminationGracePeriodSeconds: extra.grace },
    status: extra.phase ? { phase: extra.phase } : {},
  };
}

function setup(): { syncer: FakePodSyncer; clock: FakeClock; workers: PodWorkers; errors: string[] } {
  const syncer = new FakePodSyncer();
  const clock = new FakeClock();
  const errors: string[] = [];
  const workers = new PodWorkers({ syncer, clock, backOffPeriodMs: 1000, resyncIntervalMs: 60_000, onError: (uid, phase) => errors.push(`${uid} ${phase}`) });
  return { syncer, clock, workers, errors };
}

const DELETED = '2026-01-01T00:00:00Z';

const stateCases: { name: string; s: Pick<PodSyncStatus, 'terminatingAt' | 'terminatedAt'>; want: PodWorkerState }[] = [
  { name: 'no timestamps is sync', s: {}, want: 'sync' },
  { name: 'terminatingAt is terminating', s: { terminatingAt: 1 }, want: 'terminating' },
  { name: 'terminatedAt wins', s: { terminatingAt: 1, terminatedAt: 2 }, want: 'terminated' },
];
for (const tc of stateCases) test(`workerState: ${tc.name}`, (t) => t.is(workerState(tc.s), tc.want));

const graceCases: { name: string; pod: Pod; current?: number; override?: number; want: number }[] = [
  { name: 'API default is 30', pod: pod('a'), want: 30 },
  { name: 'spec grace period', pod: pod('a', { grace: 5 }), want: 5 },
  { name: 'deletion grace period wins over spec', pod: pod('a', { grace: 30, deletionGracePeriodSeconds: 3 }), want: 3 },
  { name: 'override wins', pod: pod('a', { grace: 30 }), override: 7, want: 7 },
  { name: 'never longer than the one in effect', pod: pod('a', { grace: 30 }), current: 4, want: 4 },
  { name: 'at least 1', pod: pod('a', { grace: 0 }), want: 1 },
];
for (const tc of graceCases) {
  test(`calculateEffectiveGracePeriod: ${tc.name}`, (t) => {
    const s = { uid: 'a', fullname: '', deleted: false, finished: false, working: false, gracePeriod: tc.current } as PodSyncStatus;
    t.is(calculateEffectiveGracePeriod(s, tc.pod, tc.override !== undefined ? { podTerminationGracePeriodSecondsOverride: tc.override } : undefined), tc.want);
  });
}

test('a new pod is synced once with its update type', async (t) => {
  const { syncer, workers } = setup();
  workers.updatePod({ updateType: 'create', pod: pod('a') });
  await workers.waitIdle();
  t.deepEqual(syncer.calls, ['syncPod a create']);
  t.is(workers.state('a'), 'sync');
});

test('latest wins: updates during a sync collapse into one pending sync', async (t) => {
  const { syncer, workers } = setup();
  syncer.hold('syncPod');
  workers.updatePod({ updateType: 'create', pod: pod('a') });
  workers.updatePod({ updateType: 'update', pod: pod('a') });
  workers.updatePod({ updateType: 'sync', pod: pod('a') });
  syncer.release('syncPod');
  await workers.waitIdle();
  t.deepEqual(syncer.calls, ['syncPod a create', 'syncPod a sync']);
  t.is(syncer.maxInFlight.get('a'), 1);
});

test('pods are serialized per UID but run concurrently across UIDs', async (t) => {
  const { syncer, workers } = setup();
  syncer.hold('syncPod');
  workers.updatePod({ updateType: 'create', pod: pod('a') });
  workers.updatePod({ updateType: 'create', pod: pod('b') });
  await new Promise((r) => setImmediate(r));
  t.deepEqual(syncer.calls, ['syncPod a create', 'syncPod b create']);
  syncer.release('syncPod');
  await workers.waitIdle();
});

test('a terminal syncPod moves on through terminating and terminated to finished', async (t) => {
  const { syncer, workers } = setup();
  syncer.terminal.add('a');
  workers.updatePod({ updateType: 'create', pod: pod('a', { grace: 10 }) });
  await workers.waitIdle();
  t.deepEqual(syncer.calls, ['syncPod a create', 'syncTerminatingPod a grace=10', 'syncTerminatedPod a']);
  t.true(workers.isFinished('a'));
  t.false(workers.couldHaveRunningContainers('a'));
});

test('a deletionTimestamp aborts a running sync and terminates with the deletion grace period', async (t) => {
  const { syncer, workers } = setup();
  syncer.hold('syncPod');
  workers.updatePod({ updateType: 'create', pod: pod('a') });
  await new Promise((r) => setImmediate(r));
  workers.updatePod({ updateType: 'update', pod: pod('a', { deletionTimestamp: DELETED, deletionGracePeriodSeconds: 3 }) });
  await workers.waitIdle();
  syncer.release('syncPod');
  t.deepEqual(syncer.aborted, ['syncPod a']);
  t.deepEqual(syncer.calls, ['syncPod a create', 'syncTerminatingPod a grace=3', 'syncTerminatedPod a']);
});

test('a kill update for a pod never synced goes straight to terminating', async (t) => {
  const { syncer, workers } = setup();
  workers.updatePod({ updateType: 'kill', pod: pod('a', { grace: 2 }) });
  await workers.waitIdle();
  t.deepEqual(syncer.calls, ['syncTerminatingPod a grace=2', 'syncTerminatedPod a']);
});

test('a shorter grace period restarts a running termination', async (t) => {
  const { syncer, workers } = setup();
  syncer.hold('syncTerminatingPod');
  workers.updatePod({ updateType: 'kill', pod: pod('a', { grace: 30 }) });
  await new Promise((r) => setImmediate(r));
  workers.updatePod({ updateType: 'kill', pod: pod('a', { grace: 30 }), killPodOptions: { podTerminationGracePeriodSecondsOverride: 1 } });
  await new Promise((r) => setImmediate(r));
  syncer.release('syncTerminatingPod');
  await workers.waitIdle();
  t.deepEqual(syncer.calls, ['syncTerminatingPod a grace=30', 'syncTerminatingPod a grace=1', 'syncTerminatedPod a']);
});

test('phases never go back: updates after finishing are ignored', async (t) => {
  const { syncer, workers } = setup();
  workers.updatePod({ updateType: 'kill', pod: pod('a') });
  await workers.waitIdle();
  workers.updatePod({ updateType: 'update', pod: pod('a') });
  await workers.waitIdle();
  t.deepEqual(syncer.calls, ['syncTerminatingPod a grace=30', 'syncTerminatedPod a']);
});

test('a failed sync is retried after the back-off period', async (t) => {
  const { syncer, workers, clock, errors } = setup();
  syncer.failures.set('syncPod', 1);
  workers.updatePod({ updateType: 'create', pod: pod('a') });
  await workers.waitIdle();
  t.deepEqual(errors, ['a sync']);
  clock.step(999);
  await workers.waitIdle();
  t.is(syncer.calls.length, 1);
  clock.step(1);
  await workers.waitIdle();
  t.deepEqual(syncer.calls, ['syncPod a create', 'syncPod a sync']);
});

test('a failed termination is retried and stays terminating until it succeeds', async (t) => {
  const { syncer, workers, clock } = setup();
  syncer.failures.set('syncTerminatingPod', 2);
  workers.updatePod({ updateType: 'kill', pod: pod('a', { grace: 1 }) });
  await workers.waitIdle();
  t.is(workers.state('a'), 'terminating');
  t.true(workers.couldHaveRunningContainers('a'));
  clock.step(1000);
  await workers.waitIdle();
  clock.step(1000);
  await workers.waitIdle();
  t.deepEqual(syncer.calls, ['syncTerminatingPod a grace=1', 'syncTerminatingPod a grace=1', 'syncTerminatingPod a grace=1', 'syncTerminatedPod a']);
  t.true(workers.isFinished('a'));
});

test('a running pod is resynced periodically', async (t) => {
  const { syncer, workers, clock } = setup();
  workers.updatePod({ updateType: 'create', pod: pod('a') });
  await workers.waitIdle();
  clock.step(60_000);
  await workers.waitIdle();
  t.deepEqual(syncer.calls, ['syncPod a create', 'syncPod a sync']);
});

test('a pod the API already reports Failed starts in terminating (kubelet restart)', async (t) => {
  const { syncer, workers } = setup();
  workers.updatePod({ updateType: 'create', pod: pod('a', { phase: 'Failed', grace: 5 }) });
  await workers.waitIdle();
  t.deepEqual(syncer.calls, ['syncTerminatingPod a grace=5', 'syncTerminatedPod a']);
});

test('a runtime-only pod is stopped with syncTerminatingRuntimePod', async (t) => {
  const { syncer, workers } = setup();
  workers.updatePod({ updateType: 'kill', runningPod: { uid: 'o', name: 'orphan', namespace: 'default', sandboxes: [], containers: [] } });
  await workers.waitIdle();
  t.deepEqual(syncer.calls, ['syncTerminatingRuntimePod o']);
  t.true(workers.isFinished('o'));
});

test('syncKnownPods terminates pods no longer desired and forgets finished ones', async (t) => {
  const { syncer, workers } = setup();
  workers.updatePod({ updateType: 'create', pod: pod('a') });
  workers.updatePod({ updateType: 'create', pod: pod('b') });
  await workers.waitIdle();
  workers.syncKnownPods(new Set(['a']));
  await workers.waitIdle();
  t.deepEqual(syncer.calls.filter((c) => c.includes(' b')), ['syncPod b create', 'syncTerminatingPod b grace=30', 'syncTerminatedPod b']);
  t.deepEqual(workers.knownUIDs().sort(), ['a', 'b']);
  workers.syncKnownPods(new Set(['a']));
  t.deepEqual(workers.knownUIDs(), ['a']);
});

test('stop aborts running calls and ignores later updates', async (t) => {
  const { syncer, workers } = setup();
  syncer.hold('syncPod');
  workers.updatePod({ updateType: 'create', pod: pod('a') });
  await new Promise((r) => setImmediate(r));
  await workers.stop();
  workers.updatePod({ updateType: 'update', pod: pod('a') });
  await workers.waitIdle();
  t.deepEqual(syncer.aborted, ['syncPod a']);
  t.deepEqual(syncer.calls, ['syncPod a create']);
});

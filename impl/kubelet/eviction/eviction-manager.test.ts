import test from 'ava';
import type { Pod } from '#generated/k8s/index.ts';
import type { PodStats, Summary } from '../stats/summary.ts';
import { EvictionManager, makeSignalObservations, parseThresholds, rankForEviction, thresholdsMet, type Threshold } from './eviction-manager.ts';

const Mi = 1024 ** 2;
const Gi = 1024 ** 3;

const parseCases: { name: string; spec: string; want?: Threshold[]; error?: RegExp }[] = [
  { name: 'quantities and percentages', spec: 'memory.available<100Mi,nodefs.available<10%', want: [{ signal: 'memory.available', quantity: 100 * Mi }, { signal: 'nodefs.available', percentage: 0.1 }] },
  { name: 'empty disables eviction', spec: '', want: [] },
  { name: 'an unknown signal fails', spec: 'cpu.available<1', error: /unsupported eviction signal/ },
  { name: 'a bad operator fails', spec: 'memory.available>1Gi', error: /invalid eviction threshold syntax/ },
  { name: 'a percentage over 100 fails', spec: 'nodefs.available<150%', error: /must be >= 0% and <= 100%/ },
];
for (const tc of parseCases) {
  test(`parseThresholds: ${tc.name}`, (t) => {
    if (tc.error) t.throws(() => parseThresholds(tc.spec), { message: tc.error });
    else t.deepEqual(parseThresholds(tc.spec), tc.want);
  });
}

function summary(memAvailable: number, fsAvailable = 50 * Gi, pods: PodStats[] = []): Summary {
  return {
    node: { nodeName: 'n', startTime: '', memory: { time: '', availableBytes: memAvailable, workingSetBytes: 8 * Gi - memAvailable }, fs: { time: '', availableBytes: fsAvailable, capacityBytes: 100 * Gi, inodes: 1000, inodesFree: 900 } },
    pods,
  };
}

test('thresholdsMet: memory below 100Mi and nodefs below 10% are met, others not', (t) => {
  const th = parseThresholds('memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%');
  t.deepEqual(thresholdsMet(th, makeSignalObservations(summary(50 * Mi, 5 * Gi))).map((x) => x.signal), ['memory.available', 'nodefs.available']);
  t.deepEqual(thresholdsMet(th, makeSignalObservations(summary(4 * Gi))), []);
});

const pod = (name: string, opts: { priority?: number; memRequest?: string } = {}): Pod => ({
  metadata: { name, namespace: 'ns', uid: name },
  spec: { priority: opts.priority, containers: [{ name: 'c', resources: opts.memRequest ? { requests: { memory: opts.memRequest } } : {} }] },
});
const stats = (uid: string, mem: number): PodStats => ({ podRef: { name: uid, namespace: 'ns', uid }, startTime: '', containers: [{ name: 'c', startTime: '', memory: { time: '', workingSetBytes: mem } }], memory: { time: '', workingSetBytes: mem } });

const rankCases: { name: string; pods: Pod[]; stats: PodStats[]; first: string }[] = [
  { name: 'a BestEffort pod goes before a pod within its requests', pods: [pod('guaranteed', { memRequest: '1Gi' }), pod('besteffort')], stats: [stats('guaranteed', 500 * Mi), stats('besteffort', 10 * Mi)], first: 'besteffort' },
  { name: 'among pods over their requests, lower priority first', pods: [pod('high', { priority: 1000 }), pod('low', { priority: 0 })], stats: [stats('high', 900 * Mi), stats('low', 10 * Mi)], first: 'low' },
  { name: 'same priority: the largest usage above requests first', pods: [pod('small'), pod('big')], stats: [stats('small', 10 * Mi), stats('big', 900 * Mi)], first: 'big' },
];
for (const tc of rankCases) {
  test(`rankForEviction: ${tc.name}`, (t) => {
    t.is(rankForEviction(tc.pods, new Map(tc.stats.map((s) => [s.podRef.uid, s])), 'memory')[0].metadata?.name, tc.first);
  });
}

test('synchronize: under memory pressure one pod is evicted with the upstream message and MemoryPressure holds for the transition period', async (t) => {
  let now = 1_000_000;
  const evicted: string[] = [];
  const m = new EvictionManager({
    thresholds: parseThresholds('memory.available<100Mi'),
    summary: async () => summary(50 * Mi, 50 * Gi, [stats('a', 20 * Mi), stats('b', 30 * Mi)]),
    activePods: () => [pod('a', { memRequest: '100Mi' }), pod('b')],
    evictPod: (p, msg) => evicted.push(`${p.metadata?.name}: ${msg}`),
    now: () => now,
    pressureTransitionPeriodMs: 60_000,
  });
  t.false(m.isUnderMemoryPressure());
  await m.synchronize();
  t.deepEqual(evicted, ['b: The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container c was using 30Mi, request is 0, has larger consumption of memory.']);
  t.true(m.isUnderMemoryPressure());
  t.false(m.isUnderDiskPressure());
  now += 61_000;
  t.false(m.isUnderMemoryPressure());
});

test('synchronize: disk pressure reclaims node resources first and evicts nobody when that is enough', async (t) => {
  let reclaimed = false;
  const evicted: string[] = [];
  const m = new EvictionManager({
    thresholds: parseThresholds('nodefs.available<10%'),
    summary: async () => summary(4 * Gi, reclaimed ? 50 * Gi : 5 * Gi),
    activePods: () => [pod('a')],
    evictPod: (p) => evicted.push(p.metadata?.name ?? ''),
    reclaimNodeResources: async () => { reclaimed = true; },
    now: () => 0,
  });
  t.is(await m.synchronize(), undefined);
  t.true(reclaimed);
  t.deepEqual(evicted, []);
  t.true(m.isUnderDiskPressure());
});

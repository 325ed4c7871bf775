/**
 * A scheduler_perf-style benchmark (upstream `test/integration/scheduler_perf`, SchedulingBasic):
 * N fake nodes (4 cpu, 32Gi, 110 pods) and M pods (100m cpu, 500Mi) created at once; the
 * scheduler runs in-process with its real informers, queue, cache and default plugins, fed by
 * in-memory list-watches, and binds by updating the fake pod store (so the informer confirms
 * assumed pods as with a real apiserver). It prints pods/s, per-pod scheduling latency
 * (creation -> bound, and the attempt latency histogram's p50/p99 as upstream reports), and memory.
 *
 * This isolates the scheduler from the apiserver: upstream's run includes a real apiserver and
 * etcd, which here would measure the apiserver's write path instead (see `npm run bench` apiserver).
 *
 * Run: `npx tsx tools/bench/scheduler.ts [--nodes 5000] [--pods 10000] [--variant SchedulingBasic]`.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Node, Pod } from '#generated/k8s/index.ts';
import { FakeListWatch } from '#impl/client/tools/cache/index.ts';
import { startScheduler, type BindPlugin, type PluginFactory } from '#impl/scheduler/index.ts';

/** SchedulerBenchVariant names a workload. */
export type SchedulerBenchVariant = 'SchedulingBasic' | 'SchedulingPodAntiAffinity' | 'TopologySpreading';

/** SchedulerBenchOptions size the run. */
export interface SchedulerBenchOptions {
  nodes?: number;
  pods?: number;
  variant?: SchedulerBenchVariant;
}

/** SchedulerBenchResult is one run's numbers. */
export interface SchedulerBenchResult {
  variant: SchedulerBenchVariant;
  nodes: number;
  pods: number;
  scheduled: number;
  seconds: number;
  podsPerSecond: number;
  /** cpuSeconds is the process CPU time (user+system) of the measured window. */
  cpuSeconds: number;
  /** podsPerCpuSecond is pods / cpuSeconds: throughput independent of other load on a shared machine. */
  podsPerCpuSecond: number;
  /** latencyP50Ms/P99Ms: per pod, creation -> bound (includes the wait in the queue behind the burst). */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** attemptP50Ms/P99Ms: `scheduler_scheduling_attempt_duration_seconds` quantiles (pop -> bound), as upstream scheduler_perf reports them. */
  attemptP50Ms: number;
  attemptP99Ms: number;
  heapUsedMiB: number;
  rssMiB: number;
}

const ZONES = ['zone-a', 'zone-b', 'zone-c'];

function makeNode(i: number): Node {
  const name = `node-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': ZONES[i % ZONES.length]! } },
    spec: {},
    status: {
      capacity: { cpu: '4', memory: '32Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '32Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

function makePod(i: number, variant: SchedulerBenchVariant): Pod {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: 'sched-test', uid: `uid-${i}`, labels: { app: 'bench', color: `c${i % 100}` }, creationTimestamp: new Date().toISOString() },
    spec: {
      schedulerName: 'default-scheduler',
      containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '500Mi' } } }],
    },
    status: { phase: 'Pending' },
  };
  if (variant === 'SchedulingPodAntiAffinity') {
    pod.spec!.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: `c${i % 100}` } }, topologyKey: 'kubernetes.io/hostname' }],
      },
    };
  }
  if (variant === 'TopologySpreading') {
    pod.spec!.topologySpreadConstraints = [{ maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'bench' } } }];
  }
  return pod;
}

/**
 * histogramQuantile estimates a quantile from cumulative histogram buckets by linear
 * interpolation inside the bucket, as Prometheus `histogram_quantile` does.
 */
export function histogramQuantile(q: number, buckets: ReadonlyArray<{ le: number; count: number }>): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return 0;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe;
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / Math.max(1, b.count - prevCount);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** benchScheduler runs one workload and returns its numbers. */
export async function benchScheduler(o: SchedulerBenchOptions = {}): Promise<SchedulerBenchResult> {
  const numNodes = o.nodes ?? 5000;
  const numPods = o.pods ?? 10_000;
  const variant = o.variant ?? 'SchedulingBasic';
  const nodeLW = new FakeListWatch<Node>({ kind: 'Node', objects: Array.from({ length: numNodes }, (_, i) => makeNode(i)) });
  const podLW = new FakeListWatch<Pod>({ kind: 'Pod' });
  const created = new Map<string, number>();
  const latencies: number[] = [];
  let lastBind = 0;
  let done!: () => void;
  const allBound = new Promise<void>((r) => (done = r));
  const fakeBinder: PluginFactory = () =>
    ({
      name: 'DefaultBinder',
      async bind(_state, pod, nodeName) {
        const now = performance.now();
        podLW.update({ ...pod, spec: { ...pod.spec!, nodeName } });
        latencies.push(now - (created.get(pod.metadata!.uid!) ?? now));
        lastBind = now;
        if (latencies.length === numPods) done();
        return undefined;
      },
    }) satisfies BindPlugin;
  const running = await startScheduler({
    listWatch: { nodes: nodeLW, pods: podLW },
    outOfTreeRegistry: new Map([['DefaultBinder', fakeBinder]]),
    recorder: { event() {}, eventf() {}, annotatedEventf() {} },
    skipPodStatusUpdates: true,
    logger: pino({ level: 'silent' }),
  });
  await running.synced;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < numPods; i++) {
    const pod = makePod(i, variant);
    created.set(pod.metadata!.uid!, performance.now());
    podLW.create(pod);
  }
  const timeout = setTimeout(() => done(), 10 * 60_000);
  await allBound;
  clearTimeout(timeout);
  const seconds = (lastBind - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const mem = process.memoryUsage();
  const attempt = await running.metrics.schedulingAttemptDuration.get();
  const buckets = attempt.values
    .map((v) => ({ name: v.metricName, labels: v.labels as Record<string, string | number | undefined>, value: v.value }))
    .filter((v) => v.name === 'scheduler_scheduling_attempt_duration_seconds_bucket' && v.labels.result === 'scheduled')
    .map((v) => ({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), count: v.value }));
  await running.stop();
  latencies.sort((a, b) => a - b);
  return {
    variant,
    nodes: numNodes,
    pods: numPods,
    scheduled: latencies.length,
    seconds,
    podsPerSecond: latencies.length / seconds,
    cpuSeconds,
    podsPerCpuSecond: latencies.length / cpuSeconds,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    attemptP50Ms: histogramQuantile(0.5, buckets) * 1000,
    attemptP99Ms: histogramQuantile(0.99, buckets) * 1000,
    heapUsedMiB: mem.heapUsed / 2 ** 20,
    rssMiB: mem.rss / 2 ** 20,
  };
}

/** formatSchedulerBench renders results as a table. */
export function formatSchedulerBench(rows: SchedulerBenchResult[]): string {
  const head = 'variant                    nodes   pods scheduled  pods/s pods/cpu-s   p50 ms   p99 ms  attempt p50/p99 ms  heap MiB  rss MiB';
  const lines = rows.map(
    (r) =>
      `${r.variant.padEnd(25)} ${String(r.nodes).padStart(6)} ${String(r.pods).padStart(6)} ${String(r.scheduled).padStart(9)} ${r.podsPerSecond.toFixed(0).padStart(7)} ${r.podsPerCpuSecond.toFixed(0).padStart(10)} ${r.latencyP50Ms.toFixed(0).padStart(8)} ${r.latencyP99Ms.toFixed(0).padStart(8)} ${`${r.attemptP50Ms.toFixed(1)}/${r.attemptP99Ms.toFixed(1)}`.padStart(19)} ${r.heapUsedMiB.toFixed(0).padStart(9)} ${r.rssMiB.toFixed(0).padStart(8)}`,
  );
  return [head, ...lines].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { nodes: { type: 'string', default: '5000' }, pods: { type: 'string', default: '10000' }, variant: { type: 'string', default: 'SchedulingBasic' } },
  });
  const variants = values.variant.split(',') as SchedulerBenchVariant[];
  const rows: SchedulerBenchResult[] = [];
  for (const v of variants) rows.push(await benchScheduler({ nodes: Number(values.nodes), pods: Number(values.pods), variant: v }));
  process.stdout.write(formatSchedulerBench(rows) + '\n');
}

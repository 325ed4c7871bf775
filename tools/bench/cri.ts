/**
 * CRI lifecycle benchmark (`kubets cri-bench`, `npm run bench`): N iterations, C at a time, of
 * RunPodSandbox -> CreateContainer -> StartContainer -> ListContainers -> StopContainer ->
 * RemoveContainer -> StopPodSandbox -> RemovePodSandbox, plus a PullImage phase (RemoveImage, then
 * a timed PullImage), with p50/p90/p99 per operation. critest's benchmarks time the same calls but
 * only emit raw durations; the JSON here carries both the percentiles and critest-style datapoints.
 */
import { randomUUID } from 'node:crypto';
import { ContainerState } from '#generated/cri/api.ts';
import * as grpc from '@grpc/grpc-js';
import { dialCri, isCriCallError, type RawCri } from '../../conformance/cri/framework/raw-client.ts';
import { preflight } from '../../conformance/cri/validate.ts';

/** BENCH_OPERATIONS are the timed operations, in lifecycle order. */
export const BENCH_OPERATIONS = [
  'RunPodSandbox',
  'CreateContainer',
  'StartContainer',
  'ListContainers',
  'StopContainer',
  'RemoveContainer',
  'StopPodSandbox',
  'RemovePodSandbox',
  'PullImage',
] as const;

/** BenchOperation is one timed CRI call. */
export type BenchOperation = (typeof BENCH_OPERATIONS)[number];

/** CriBenchOptions configures runCriBench. */
export interface CriBenchOptions {
  runtimeEndpoint: string;
  imageEndpoint?: string;
  /** iterations of the lifecycle (default 20). */
  iterations?: number;
  /** concurrency is how many lifecycles run at once (default 1). */
  concurrency?: number;
  /** image runs the containers (default busybox). */
  image?: string;
  /** pullImage is removed and pulled once per pull iteration (default registry.k8s.io/pause:3.10). */
  pullImage?: string;
  /** pullIterations (default: iterations, at most 20; 0 skips the pull phase). */
  pullIterations?: number;
  /** runtimeHandler is passed to RunPodSandbox. */
  runtimeHandler?: string;
  /** connectTimeoutMs bounds the first Version call (default 10 s). */
  connectTimeoutMs?: number;
  /** callTimeoutMs bounds each timed call (default 60 s). */
  callTimeoutMs?: number;
  /** onProgress is called after each finished iteration. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** now returns a monotonic time in ms (injected for tests). */
  now?: () => number;
}

/** OperationStats summarises one operation's samples (milliseconds). */
export interface OperationStats {
  count: number;
  errors: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** CriBenchResult is the benchmark outcome (the `--json` file). */
export interface CriBenchResult {
  runtime: { name: string; version: string; endpoint: string };
  iterations: number;
  concurrency: number;
  startedAt: string;
  durationMs: number;
  operations: Record<BenchOperation, OperationStats>;
  /** errors holds the first few error messages. */
  errors: string[];
  /** critest is the lifecycle samples in critest's benchmark JSON shape (durations in ns). */
  critest: { operationsNames: string[]; numParallel: number; datapoints: Array<{ sampleIndex: number; operationsDurationsNs: number[] }> };
}

/** percentile returns the nearest-rank p-th percentile of ascending-sorted values (0 if empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** summarize computes OperationStats from raw samples. */
export function summarize(samples: readonly number[], errors = 0): OperationStats {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 100) / 100;
  return {
    count: s.length,
    errors,
    min: r(s[0] ?? 0),
    mean: r(s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0),
    p50: r(percentile(s, 50)),
    p90: r(percentile(s, 90)),
    p99: r(percentile(s, 99)),
    max: r(s[s.length - 1] ?? 0),
  };
}

/** formatBenchTable renders the percentiles as a text table (milliseconds). */
export function formatBenchTable(res: CriBenchResult): string {
  const rows = [['OPERATION', 'N', 'ERR', 'MIN', 'P50', 'P90', 'P99', 'MAX', 'MEAN']];
  for (const op of BENCH_OPERATIONS) {
    const s = res.operations[op];
    if (s.count === 0 && s.errors === 0) continue;
    rows.push([op, String(s.count), String(s.errors), ...[s.min, s.p50, s.p90, s.p99, s.max, s.mean].map((x) => x.toFixed(1))]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '));
  return [
    `CRI benchmark: ${res.runtime.name} ${res.runtime.version} at ${res.runtime.endpoint}`,
    `${res.iterations} iterations, concurrency ${res.concurrency}, ${(res.durationMs / 1000).toFixed(1)}s; times in ms`,
    ...lines,
    ...(res.errors.length ? ['', 'errors:', ...res.errors.map((e) => `  ${e}`)] : []),
  ].join('\n');
}

async function ensureImage(cri: RawCri, image: string, signal?: AbortSignal): Promise<void> {
  const st = await cri.image.imageStatus({ image: { image } }, { signal });
  if (!st.image?.id) await cri.image.pullImage({ image: { image } }, { signal, timeoutMs: 300_000 });
}

/**
 * runCriBench runs the benchmark against a CRI endpoint and returns the statistics. It throws
 * (CriUnreachableError) when the endpoint does not answer Version; failed calls during the run are
 * counted as errors and the iteration's leftovers are cleaned up.
 */
export async function runCriBench(opts: CriBenchOptions): Promise<CriBenchResult> {
  const now = opts.now ?? (() => performance.now());
  const iterations = opts.iterations ?? 20;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const callTimeout = opts.callTimeoutMs ?? 60_000;
  const image = opts.image ?? 'busybox';
  const pullImage = opts.pullImage ?? 'registry.k8s.io/pause:3.10';
  const pullIterations = opts.pullIterations ?? Math.min(iterations, 20);
  const cri = dialCri({ runtimeEndpoint: opts.runtimeEndpoint, imageEndpoint: opts.imageEndpoint, defaultTimeoutMs: callTimeout });
  const samples = Object.fromEntries(BENCH_OPERATIONS.map((o) => [o, [] as number[]])) as Record<BenchOperation, number[]>;
  const errorCounts = Object.fromEntries(BENCH_OPERATIONS.map((o) => [o, 0])) as Record<BenchOperation, number>;
  const errors: string[] = [];
  const datapoints: CriBenchResult['critest']['datapoints'] = [];
  const started = new Date();
  const t0 = now();
  const signal = opts.signal;
  try {
    const v = await preflight(cri, opts.runtimeEndpoint, opts.connectTimeoutMs ?? 10_000, signal);
    await ensureImage(cri, image, signal);

    // gone is set when the runtime stops answering: the run stops instead of failing every call.
    let gone = '';
    const timed = async <T>(op: BenchOperation, call: () => Promise<T>, durations: number[]): Promise<T> => {
      const s = now();
      try {
        const r = await call();
        const d = now() - s;
        samples[op].push(d);
        durations.push(Math.round(d * 1e6));
        return r;
      } catch (err) {
        errorCounts[op]++;
        if (isCriCallError(err, grpc.status.UNAVAILABLE) && !gone) gone = `${op}: ${err.message}`;
        if (errors.length < 10) errors.push(`${op}: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    };

    const lifecycle = async (i: number): Promise<void> => {
      const uid = randomUUID();
      const d: number[] = [];
      const podConfig = {
        metadata: { name: `bench-pod-${i}`, uid, namespace: 'cri-bench', attempt: 0 },
        linux: { cgroupParent: '' },
      };
      let podId = '';
      let ctrId = '';
      try {
        podId = (await timed('RunPodSandbox', () => cri.runtime.runPodSandbox({ config: podConfig, runtimeHandler: opts.runtimeHandler ?? '' }, { signal }), d)).podSandboxId;
        const cfg = {
          metadata: { name: `bench-ctr-${i}`, attempt: 0 },
          image: { image },
          command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1 & wait $!; done'],
          linux: {},
        };
        ctrId = (await timed('CreateContainer', () => cri.runtime.createContainer({ podSandboxId: podId, config: cfg, sandboxConfig: podConfig }, { signal }), d)).containerId;
        await timed('StartContainer', () => cri.runtime.startContainer({ containerId: ctrId }, { signal }), d);
        await timed('ListContainers', () => cri.runtime.listContainers({ filter: { podSandboxId: podId, state: { state: ContainerState.CONTAINER_RUNNING } } }, { signal }), d);
        await timed('StopContainer', () => cri.runtime.stopContainer({ containerId: ctrId, timeout: '10' }, { signal, timeoutMs: callTimeout + 10_000 }), d);
        await timed('RemoveContainer', () => cri.runtime.removeContainer({ containerId: ctrId }, { signal }), d);
        ctrId = '';
        await timed('StopPodSandbox', () => cri.runtime.stopPodSandbox({ podSandboxId: podId }, { signal }), d);
        await timed('RemovePodSandbox', () => cri.runtime.removePodSandbox({ podSandboxId: podId }, { signal }), d);
        podId = '';
        datapoints.push({ sampleIndex: i, operationsDurationsNs: d });
      } catch {
        if (ctrId) await cri.runtime.removeContainer({ containerId: ctrId }, { timeoutMs: 30_000 }).catch(() => undefined);
        if (podId) {
          await cri.runtime.stopPodSandbox({ podSandboxId: podId }, { timeoutMs: 30_000 }).catch(() => undefined);
          await cri.runtime.removePodSandbox({ podSandboxId: podId }, { timeoutMs: 30_000 }).catch(() => undefined);
        }
      }
    };

    let next = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, iterations) }, async () => {
        while (next < iterations && !signal?.aborted && !gone) {
          const i = next++;
          await lifecycle(i);
          opts.onProgress?.(++done, iterations + pullIterations);
          // A runtime that is gone fails every call: stop instead of spinning through iterations.
          if (errors.length >= 10 && datapoints.length === 0) throw new Error(`every iteration failed; first error: ${errors[0]}`);
        }
      }),
    );

    if (gone) throw new Error(`the runtime stopped answering after ${datapoints.length} complete iterations: ${gone}`);
    for (let i = 0; i < pullIterations && !signal?.aborted; i++) {
      const st = await cri.image.imageStatus({ image: { image: pullImage } }, { signal }).catch(() => undefined);
      if (st?.image?.id) await cri.image.removeImage({ image: { image: st.image.id } }, { signal }).catch(() => undefined);
      await timed('PullImage', () => cri.image.pullImage({ image: { image: pullImage } }, { signal, timeoutMs: 300_000 }), []).catch(() => undefined);
      opts.onProgress?.(iterations + i + 1, iterations + pullIterations);
    }
    datapoints.sort((a, b) => a.sampleIndex - b.sampleIndex);
    return {
      runtime: { name: v.runtimeName, version: v.runtimeVersion, endpoint: cri.runtimeEndpoint },
      iterations,
      concurrency,
      startedAt: started.toISOString(),
      durationMs: Math.round(now() - t0),
      operations: Object.fromEntries(BENCH_OPERATIONS.map((o) => [o, summarize(samples[o], errorCounts[o])])) as Record<BenchOperation, OperationStats>,
      errors,
      critest: { operationsNames: BENCH_OPERATIONS.slice(0, 8), numParallel: concurrency, datapoints },
    };
  } finally {
    cri.close();
  }
}

/**
 * Service endpoints latency (upstream test/e2e/network/service_latency.go): with one running
 * pod, 200 Services selecting it are created 15 at a time, and the time from each create to its
 * Endpoints listing the pod is measured through an Endpoints informer. At least 100 samples
 * (at most 5% failures), median under 20 s and 99th percentile under 50 s, as upstream.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { newListWatchFromClient, newSharedIndexInformer, waitForCacheSync } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { fail } from '../framework/expect.ts';
import { createPod, waitForPodRunning } from '../framework/pods.ts';

const TOTAL_TRIALS = 200;
const PARALLEL_TRIALS = 15;
const MIN_SAMPLE_SIZE = 100;
const LIMIT_MEDIAN_MS = 20_000;
const LIMIT_TAIL_MS = 50_000;
const ACCEPTABLE_FAILURE_RATIO = 0.05;
/** How long one Service may wait for its Endpoints before the trial counts as failed (upstream 1 min). */
const TRIAL_TIMEOUT_MS = 60_000;

/** percentile returns the p-th percentile of sorted durations (upstream `durations[len*p/100]`). */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'NW-24',
    codename: '[sig-network] Service endpoints latency should not be very high [Conformance]',
    timeoutMs: 600_000,
    run: async (ctx) => {
      const labels = { name: 'svc-latency-rc' };
      ctx.step('creating the backing pod svc-latency-rc');
      await ctx.core('replicationcontrollers').create({
        metadata: { name: 'svc-latency-rc' },
        spec: { replicas: 1, selector: labels, template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'svc-latency-rc', image: ctx.images.pause, ports: [{ containerPort: 80 }] }] } } },
      });
      const pod = await ctx.waitFor(async () => (await ctx.core('pods').list({ labelSelector: 'name=svc-latency-rc' })).items[0], { timeoutMs: 60_000, intervalMs: 1000, message: 'the svc-latency-rc pod' });
      await waitForPodRunning(ctx, pod.metadata!.name!);

      // Endpoints informer: the first time each Endpoints object lists an address.
      const seen = new Map<string, number>();
      const waiters = new Map<string, () => void>();
      const note = (ep: KubeObject): void => {
        const name = ep.metadata?.name ?? '';
        const has = ((ep.subsets ?? []) as Array<{ addresses?: unknown[] }>).some((s) => (s.addresses?.length ?? 0) > 0);
        if (!has || seen.has(name)) return;
        seen.set(name, Date.now());
        waiters.get(name)?.();
      };
      const informer = newSharedIndexInformer<KubeObject>({ listWatch: newListWatchFromClient(ctx.core('endpoints')), objectType: 'Endpoints' });
      informer.addEventHandler({ onAdd: note, onUpdate: (_o, n) => note(n) });
      const stop = new AbortController();
      const running = informer.run(AbortSignal.any([stop.signal, ctx.signal]));
      ctx.defer(async () => {
        stop.abort();
        await running.catch(() => undefined);
      });
      await waitForCacheSync(ctx.signal, [() => informer.hasSynced()]);

      ctx.step(`creating ${TOTAL_TRIALS} Services, ${PARALLEL_TRIALS} at a time`);
      const durations: number[] = [];
      const errors: string[] = [];
      let next = 0;
      const trial = async (i: number): Promise<void> => {
        const name = `latency-svc-${ctx.uid}-${i}`;
        const done = new Promise<void>((resolve) => waiters.set(name, resolve));
        const start = Date.now();
        try {
          await ctx.core('services').create({ metadata: { name }, spec: { selector: labels, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } });
          let timer: NodeJS.Timeout | undefined;
          const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), TRIAL_TIMEOUT_MS)))]);
          clearTimeout(timer);
          if (timedOut) throw new Error(`no endpoints for ${name} after ${TRIAL_TIMEOUT_MS / 1000} s`);
          durations.push(seen.get(name)! - start);
        } catch (err) {
          errors.push(err instanceof Error ? err.message : String(err));
        } finally {
          waiters.delete(name);
        }
      };
      await Promise.all(
        Array.from({ length: PARALLEL_TRIALS }, async () => {
          while (next < TOTAL_TRIALS && !ctx.signal.aborted) await trial(next++);
        }),
      );
      if (errors.length > TOTAL_TRIALS * ACCEPTABLE_FAILURE_RATIO) fail(`${errors.length} of ${TOTAL_TRIALS} trials failed (more than ${ACCEPTABLE_FAILURE_RATIO * 100}%); first: ${errors[0]}`);
      if (durations.length < MIN_SAMPLE_SIZE) fail(`only ${durations.length} samples, want at least ${MIN_SAMPLE_SIZE}`);
      durations.sort((a, b) => a - b);
      const [p50, p90, p99] = [50, 90, 99].map((p) => percentile(durations, p));
      ctx.log(`latencies: 50 %ile ${p50} ms, 90 %ile ${p90} ms, 99 %ile ${p99} ms, total ${durations.length}`);
      const failing: string[] = [];
      if (p50 > LIMIT_MEDIAN_MS) failing.push(`median latency ${p50} ms should be less than ${LIMIT_MEDIAN_MS} ms`);
      if (p99 > LIMIT_TAIL_MS) failing.push(`tail (99 percentile) latency ${p99} ms should be less than ${LIMIT_TAIL_MS} ms`);
      if (failing.length) fail(failing.join('; '));
    },
  }),
];

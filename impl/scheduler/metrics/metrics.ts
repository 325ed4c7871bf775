/**
 * Scheduler metrics with upstream names (upstream `pkg/scheduler/metrics/metrics.go`), on a
 * registry of their own so several schedulers (tests, `kubets up`) can live in one process.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** ScheduleResult labels `scheduler_schedule_attempts_total{result}`. */
export type ScheduleResultLabel = 'scheduled' | 'unschedulable' | 'error';

/** SchedulerMetrics holds the scheduler's collectors. */
export class SchedulerMetrics {
  readonly registry = new Registry();
  readonly scheduleAttempts: Counter<'result' | 'profile'>;
  readonly schedulingAttemptDuration: Histogram<'result' | 'profile'>;
  readonly schedulingAlgorithmDuration: Histogram<string>;
  readonly podSchedulingSLIDuration: Histogram<'attempts'>;
  readonly podSchedulingAttempts: Histogram<string>;
  readonly frameworkExtensionPointDuration: Histogram<'extension_point' | 'status' | 'profile'>;
  readonly queueIncomingPods: Counter<'queue' | 'event'>;
  readonly pendingPods: Gauge<'queue'>;
  readonly unschedulablePods: Gauge<'plugin' | 'profile'>;
  readonly preemptionAttempts: Counter<string>;
  readonly preemptionVictims: Histogram<string>;
  readonly cacheSize: Gauge<'type'>;

  constructor(
    opts: {
      pending?: () => Record<string, number>;
      unschedulable?: () => Array<{ plugin: string; profile: string; count: number }>;
      cache?: () => Record<string, number>;
      processMetrics?: boolean;
    } = {},
  ) {
    const registers = [this.registry];
    const exp = (start: number, factor: number, count: number): number[] => Array.from({ length: count }, (_, i) => start * factor ** i);
    this.scheduleAttempts = new Counter({
      name: 'scheduler_schedule_attempts_total',
      help: 'Number of attempts to schedule pods, by the result. \'unschedulable\' means a pod could not be scheduled, while \'error\' means an internal scheduler problem.',
      labelNames: ['result', 'profile'],
      registers,
    });
    this.schedulingAttemptDuration = new Histogram({
      name: 'scheduler_scheduling_attempt_duration_seconds',
      help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
      labelNames: ['result', 'profile'],
      buckets: exp(0.001, 2, 15),
      registers,
    });
    this.schedulingAlgorithmDuration = new Histogram({
      name: 'scheduler_scheduling_algorithm_duration_seconds',
      help: 'Scheduling algorithm latency in seconds',
      buckets: exp(0.001, 2, 15),
      registers,
    });
    this.podSchedulingSLIDuration = new Histogram({
      name: 'scheduler_pod_scheduling_sli_duration_seconds',
      help: 'E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue and might involve multiple scheduling attempts.',
      labelNames: ['attempts'],
      buckets: exp(0.01, 2, 20),
      registers,
    });
    this.podSchedulingAttempts = new Histogram({
      name: 'scheduler_pod_scheduling_attempts',
      help: 'Number of attempts to successfully schedule a pod.',
      buckets: exp(1, 2, 5),
      registers,
    });
    this.frameworkExtensionPointDuration = new Histogram({
      name: 'scheduler_framework_extension_point_duration_seconds',
      help: 'Latency for running all plugins of a specific extension point.',
      labelNames: ['extension_point', 'status', 'profile'],
      buckets: exp(0.0001, 2, 12),
      registers,
    });
    this.queueIncomingPods = new Counter({
      name: 'scheduler_queue_incoming_pods_total',
      help: 'Number of pods added to scheduling queues by event and queue type.',
      labelNames: ['queue', 'event'],
      registers,
    });
    const pending = opts.pending;
    this.pendingPods = new Gauge({
      name: 'scheduler_pending_pods',
      help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
      labelNames: ['queue'],
      registers,
      collect() {
        if (!pending) return;
        for (const [q, n] of Object.entries(pending())) this.set({ queue: q }, n);
      },
    });
    const unschedulable = opts.unschedulable;
    this.unschedulablePods = new Gauge({
      name: 'scheduler_unschedulable_pods',
      help: 'The number of unschedulable pods broken down by plugin name. A pod will increment the gauge for all plugins that caused it to not schedule and so this metric have meaning only when broken down by plugin.',
      labelNames: ['plugin', 'profile'],
      registers,
      collect() {
        if (!unschedulable) return;
        this.reset();
        for (const { plugin, profile, count } of unschedulable()) this.set({ plugin, profile }, count);
      },
    });
    this.preemptionAttempts = new Counter({ name: 'scheduler_preemption_attempts_total', help: 'Total preemption attempts in the cluster till now', registers });
    this.preemptionVictims = new Histogram({ name: 'scheduler_preemption_victims', help: 'Number of selected preemption victims', buckets: exp(1, 2, 7), registers });
    const cache = opts.cache;
    this.cacheSize = new Gauge({
      name: 'scheduler_cache_size',
      help: 'Number of nodes, pods, and assumed (bound) pods in the scheduler cache.',
      labelNames: ['type'],
      registers,
      collect() {
        if (!cache) return;
        for (const [t, n] of Object.entries(cache())) this.set({ type: t }, n);
      },
    });
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** observeExtensionPoint records one extension point run. */
  observeExtensionPoint(profile: string, point: string, status: string, seconds: number): void {
    this.frameworkExtensionPointDuration.observe({ extension_point: point, status, profile }, seconds);
  }
}

/**
 * Workqueue metrics, after client-go `util/workqueue/metrics.go` and the Prometheus provider in
 * component-base (`metrics/prometheus/workqueue`): a {@link MetricsProvider} makes one metric of
 * each kind per queue name, and {@link QueueMetrics} records adds, waits and work durations.
 * Queues without a name record nothing, as upstream.
 */
import { Counter, Gauge, Histogram, register as defaultRegistry, type Registry } from 'prom-client';
import type { Clock, TimerHandle } from '#impl/apimachinery/util/clock/index.ts';

/** GaugeMetric is a gauge that goes up and down (`workqueue_depth`). */
export interface GaugeMetric {
  inc(): void;
  dec(): void;
}
/** SettableGaugeMetric is a gauge that is set (`workqueue_unfinished_work_seconds`). */
export interface SettableGaugeMetric {
  set(value: number): void;
}
/** CounterMetric only counts up (`workqueue_adds_total`, `workqueue_retries_total`). */
export interface CounterMetric {
  inc(): void;
}
/** HistogramMetric observes durations in seconds. */
export interface HistogramMetric {
  observe(seconds: number): void;
}

/** MetricsProvider makes the metrics of one queue, identified by its name (client-go `MetricsProvider`). */
export interface MetricsProvider {
  newDepthMetric(name: string): GaugeMetric;
  newAddsMetric(name: string): CounterMetric;
  newLatencyMetric(name: string): HistogramMetric;
  newWorkDurationMetric(name: string): HistogramMetric;
  newUnfinishedWorkSecondsMetric(name: string): SettableGaugeMetric;
  newLongestRunningProcessorSecondsMetric(name: string): SettableGaugeMetric;
  newRetriesMetric(name: string): CounterMetric;
}

const noop = { inc() {}, dec() {}, set() {}, observe() {} };

/** noopMetricsProvider records nothing; it is the default until {@link setProvider} is called. */
export const noopMetricsProvider: MetricsProvider = {
  newDepthMetric: () => noop,
  newAddsMetric: () => noop,
  newLatencyMetric: () => noop,
  newWorkDurationMetric: () => noop,
  newUnfinishedWorkSecondsMetric: () => noop,
  newLongestRunningProcessorSecondsMetric: () => noop,
  newRetriesMetric: () => noop,
};

let globalProvider: MetricsProvider = noopMetricsProvider;

/**
 * setProvider sets the provider used by queues created afterwards without an explicit
 * `metricsProvider` (client-go `workqueue.SetProvider`). Components call it once at startup.
 */
export function setProvider(provider: MetricsProvider): void {
  globalProvider = provider;
}

/** globalMetricsProvider returns the provider set by {@link setProvider}. */
export function globalMetricsProvider(): MetricsProvider {
  return globalProvider;
}

/** WORKQUEUE_METRIC_NAMES are the upstream metric names, all labelled by queue `name`. */
export const WORKQUEUE_METRIC_NAMES = {
  depth: 'workqueue_depth',
  adds: 'workqueue_adds_total',
  queueLatency: 'workqueue_queue_duration_seconds',
  workDuration: 'workqueue_work_duration_seconds',
  unfinishedWork: 'workqueue_unfinished_work_seconds',
  longestRunningProcessor: 'workqueue_longest_running_processor_seconds',
  retries: 'workqueue_retries_total',
} as const;

/** Upstream buckets: `prometheus.ExponentialBuckets(10e-9, 10, 12)`, 1e-8 s .. 1e3 s. */
const DURATION_BUCKETS = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

interface PromMetrics {
  depth: Gauge<'name'>;
  adds: Counter<'name'>;
  latency: Histogram<'name'>;
  workDuration: Histogram<'name'>;
  unfinished: Gauge<'name'>;
  longest: Gauge<'name'>;
  retries: Counter<'name'>;
}

const perRegistry = new WeakMap<Registry, PromMetrics>();

function promMetrics(registry: Registry): PromMetrics {
  let m = perRegistry.get(registry);
  if (m) return m;
  const n = WORKQUEUE_METRIC_NAMES;
  const registers = [registry];
  const labelNames = ['name'] as const;
  m = {
    depth: new Gauge({ name: n.depth, help: 'Current depth of workqueue', labelNames, registers }),
    adds: new Counter({ name: n.adds, help: 'Total number of adds handled by workqueue', labelNames, registers }),
    latency: new Histogram({ name: n.queueLatency, help: 'How long in seconds an item stays in workqueue before being requested.', labelNames, buckets: DURATION_BUCKETS, registers }),
    workDuration: new Histogram({ name: n.workDuration, help: 'How long in seconds processing an item from workqueue takes.', labelNames, buckets: DURATION_BUCKETS, registers }),
    unfinished: new Gauge({
      name: n.unfinishedWork,
      help: 'How many seconds of work has done that is in progress and hasn\'t been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.',
      labelNames,
      registers,
    }),
    longest: new Gauge({ name: n.longestRunningProcessor, help: 'How many seconds has the longest running processor for workqueue been running.', labelNames, registers }),
    retries: new Counter({ name: n.retries, help: 'Total number of retries handled by workqueue', labelNames, registers }),
  };
  perRegistry.set(registry, m);
  return m;
}

/**
 * prometheusMetricsProvider registers the upstream workqueue metrics in `registry` (default: the
 * prom-client global registry) once, and hands out children labelled with the queue name.
 */
export function prometheusMetricsProvider(registry: Registry = defaultRegistry): MetricsProvider {
  const m = promMetrics(registry);
  return {
    newDepthMetric: (name) => m.depth.labels(name),
    newAddsMetric: (name) => m.adds.labels(name),
    newLatencyMetric: (name) => m.latency.labels(name),
    newWorkDurationMetric: (name) => m.workDuration.labels(name),
    newUnfinishedWorkSecondsMetric: (name) => m.unfinished.labels(name),
    newLongestRunningProcessorSecondsMetric: (name) => m.longest.labels(name),
    newRetriesMetric: (name) => m.retries.labels(name),
  };
}

/** UNFINISHED_WORK_UPDATE_PERIOD_MS is how often unfinished-work gauges refresh (upstream 500 ms). */
export const UNFINISHED_WORK_UPDATE_PERIOD_MS = 500;

/**
 * QueueMetrics records one queue's metrics (client-go `defaultQueueMetrics`). The queue calls
 * `add` when an item enters the queue, `get` when a worker takes it and `done` when the worker
 * finishes; `retry` counts rate-limited re-adds.
 */
export class QueueMetrics<T> {
  private readonly clock: Clock;
  private readonly depth: GaugeMetric;
  private readonly adds: CounterMetric;
  private readonly latency: HistogramMetric;
  private readonly workDuration: HistogramMetric;
  private readonly unfinished: SettableGaugeMetric;
  private readonly longest: SettableGaugeMetric;
  private readonly retries: CounterMetric;
  /** When each queued item was added (first add wins, like upstream's addTimes). */
  private readonly addTimes = new Map<T, number>();
  /** When each in-flight item was taken by a worker. */
  private readonly processingStartTimes = new Map<T, number>();
  private timer: TimerHandle | undefined;
  private readonly enabled: boolean;

  constructor(opts: { name: string; provider: MetricsProvider; clock: Clock }) {
    const { name, provider } = opts;
    this.clock = opts.clock;
    this.enabled = name !== '' && provider !== noopMetricsProvider;
    this.depth = provider.newDepthMetric(name);
    this.adds = provider.newAddsMetric(name);
    this.latency = provider.newLatencyMetric(name);
    this.workDuration = provider.newWorkDurationMetric(name);
    this.unfinished = provider.newUnfinishedWorkSecondsMetric(name);
    this.longest = provider.newLongestRunningProcessorSecondsMetric(name);
    this.retries = provider.newRetriesMetric(name);
    if (this.enabled) this.scheduleUpdate();
  }

  add(item: T): void {
    if (!this.enabled) return;
    this.adds.inc();
    this.depth.inc();
    if (!this.addTimes.has(item)) this.addTimes.set(item, this.clock.now());
  }

  get(item: T): void {
    if (!this.enabled) return;
    this.depth.dec();
    const now = this.clock.now();
    this.processingStartTimes.set(item, now);
    const added = this.addTimes.get(item);
    if (added !== undefined) {
      this.latency.observe((now - added) / 1000);
      this.addTimes.delete(item);
    }
  }

  done(item: T): void {
    if (!this.enabled) return;
    const started = this.processingStartTimes.get(item);
    if (started !== undefined) {
      this.workDuration.observe((this.clock.now() - started) / 1000);
      this.processingStartTimes.delete(item);
    }
  }

  retry(): void {
    if (this.enabled) this.retries.inc();
  }

  /** updateUnfinishedWork refreshes the two in-progress gauges. */
  updateUnfinishedWork(): void {
    if (!this.enabled) return;
    const now = this.clock.now();
    let total = 0;
    let oldest = 0;
    for (const t of this.processingStartTimes.values()) {
      const age = (now - t) / 1000;
      total += age;
      if (age > oldest) oldest = age;
    }
    this.unfinished.set(total);
    this.longest.set(oldest);
  }

  /** stop ends the periodic gauge refresh. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.updateUnfinishedWork();
  }

  private scheduleUpdate(): void {
    this.timer = this.clock.setTimeout(() => {
      this.updateUnfinishedWork();
      this.scheduleUpdate();
    }, UNFINISHED_WORK_UPDATE_PERIOD_MS, { background: true });
  }
}

/**
 * ApiServerMetrics: the Prometheus metrics of the request path, with upstream names and labels.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/metrics/metrics.go.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** RequestLabels are the upstream labels of apiserver_request_total / _duration_seconds. */
export interface RequestLabels {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  component: string;
  code?: string;
  dry_run?: string;
}

/** ApiServerMetrics owns one prom-client Registry (not the global one, so tests can run several servers). */
export class ApiServerMetrics {
  readonly registry = new Registry();
  readonly requestTotal: Counter<string>;
  readonly requestDuration: Histogram<string>;
  readonly inflight: Gauge<string>;
  readonly registeredWatchers: Gauge<string>;
  private readonly pending = new Map<string, { labels: Record<string, string>; code: string; count: number; durations: number[] }>();
  private pendingCount = 0;

  constructor() {
    this.requestTotal = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component', 'code'],
      registers: [this.registry],
      collect: () => this.flush(),
    });
    this.requestDuration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
      registers: [this.registry],
      collect: () => this.flush(),
    });
    this.inflight = new Gauge({
      name: 'apiserver_current_inflight_requests',
      help: 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
      labelNames: ['request_kind'],
      registers: [this.registry],
    });
    this.registeredWatchers = new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      registers: [this.registry],
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * observe records one finished request. Observations are queued per label set and handed to
   * prom-client when the metrics are read (or when the queue grows past {@link MAX_PENDING}):
   * prom-client validates and hashes the labels on every call, which would otherwise run on
   * every request's path.
   */
  observe(l: RequestLabels, code: number, seconds: number): void {
    const key = `${l.verb}|${l.dry_run ?? ''}|${l.group}|${l.version}|${l.resource}|${l.subresource}|${l.scope}|${l.component}|${code}`;
    let p = this.pending.get(key);
    if (!p) {
      const labels = { verb: l.verb, dry_run: l.dry_run ?? '', group: l.group, version: l.version, resource: l.resource, subresource: l.subresource, scope: l.scope, component: l.component };
      p = { labels, code: String(code), count: 0, durations: [] };
      this.pending.set(key, p);
    }
    p.count++;
    if (l.verb !== 'WATCH') p.durations.push(seconds);
    if (++this.pendingCount >= MAX_PENDING) this.flush();
  }

  /** flush hands the queued observations to prom-client. */
  flush(): void {
    for (const p of this.pending.values()) {
      if (p.count > 0) this.requestTotal.inc({ ...p.labels, code: p.code }, p.count);
      for (const d of p.durations) this.requestDuration.observe(p.labels, d);
      p.count = 0;
      p.durations = [];
    }
    this.pendingCount = 0;
  }
}

/** MAX_PENDING bounds the request observations queued between two reads of the metrics. */
const MAX_PENDING = 4096;

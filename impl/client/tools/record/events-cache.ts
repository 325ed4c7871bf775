/**
 * EventCorrelator de-duplicates, aggregates and rate-limits events before they are written
 * (client-go `tools/record/events_cache.go`):
 *
 * - **Dedup:** an event identical to one already written (same source, object, type, reason
 *   and message) is written as a patch of the existing Event: `count` + 1, new `lastTimestamp`.
 * - **Aggregation:** after `maxEvents` (10) events that differ only in message for the same
 *   object/reason within `maxIntervalSeconds` (600 s), further ones collapse into one Event
 *   whose message is prefixed `(combined from similar events): `, itself de-duplicated.
 * - **Spam filter:** a token bucket per source+object (burst 25, refill 1 per 300 s) drops
 *   excess events.
 */
import type { Event } from '#generated/k8s/index.ts';
import type { Clock } from '#impl/apimachinery/util/clock/index.ts';

/** Limits of the correlator (upstream defaults in {@link DEFAULT_CORRELATOR_OPTIONS}). */
export interface CorrelatorOptions {
  lruCacheSize: number;
  burstSize: number;
  qps: number;
  maxEvents: number;
  maxIntervalSeconds: number;
}

/** DEFAULT_CORRELATOR_OPTIONS are upstream's `maxLruCacheEntries`, `defaultSpamBurst`, `defaultSpamQPS`, `defaultAggregateMaxEvents`, `defaultAggregateIntervalInSeconds`. */
export const DEFAULT_CORRELATOR_OPTIONS: CorrelatorOptions = { lruCacheSize: 4096, burstSize: 25, qps: 1 / 300, maxEvents: 10, maxIntervalSeconds: 600 };

/** AGGREGATE_MESSAGE_PREFIX starts the message of an aggregated event. */
export const AGGREGATE_MESSAGE_PREFIX = '(combined from similar events): ';

/** Lru is a small least-recently-used map. */
export class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}

const join = (...parts: Array<string | number | undefined>): string => parts.map((p) => p ?? '').join('');

/** getEventKey identifies identical events (client-go `getEventKey`). */
export function getEventKey(e: Event): string {
  const o = e.involvedObject;
  return join(e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.fieldPath, o.uid, o.apiVersion, e.type, e.reason, e.message);
}

/** getSpamKey identifies an event's source and object for the spam filter (client-go `getSpamKey`). */
export function getSpamKey(e: Event): string {
  const o = e.involvedObject;
  return join(e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion, e.type);
}

/** eventAggregatorByReasonFunc groups events by everything but the message (client-go `EventAggregatorByReasonFunc`). */
export function eventAggregatorByReasonFunc(e: Event): { aggregateKey: string; localKey: string } {
  const o = e.involvedObject;
  return {
    aggregateKey: join(e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion, e.type, e.reason, e.reportingComponent, e.reportingInstance),
    localKey: e.message ?? '',
  };
}

interface TokenBucket {
  tokens: number;
  last: number;
}

interface AggregateRecord {
  localKeys: Set<string>;
  lastTimestamp: number;
}

interface EventLog {
  count: number;
  firstTimestamp: string | undefined;
  name: string;
  resourceVersion: string | undefined;
}

/** CorrelateResult says what to write: the event, a patch for an existing one, or nothing. */
export interface CorrelateResult {
  event: Event;
  /** Set when `event.count > 1`: the strategic-merge patch for the existing Event. */
  patch?: Record<string, unknown>;
  /** True when the spam filter dropped the event. */
  skip: boolean;
}

/** EventCorrelator implements the pipeline described at the top of this file. */
export class EventCorrelator {
  private readonly o: CorrelatorOptions;
  private readonly spam: Lru<TokenBucket>;
  private readonly aggregates: Lru<AggregateRecord>;
  private readonly observed: Lru<EventLog>;

  constructor(private readonly clock: Clock, opts: Partial<CorrelatorOptions> = {}) {
    this.o = { ...DEFAULT_CORRELATOR_OPTIONS, ...opts };
    this.spam = new Lru(this.o.lruCacheSize);
    this.aggregates = new Lru(this.o.lruCacheSize);
    this.observed = new Lru(this.o.lruCacheSize);
  }

  /** eventCorrelate runs aggregation, dedup and the spam filter on a new event. */
  eventCorrelate(newEvent: Event): CorrelateResult {
    const { event: aggregated, cacheKey } = this.aggregate(newEvent);
    const { event, patch } = this.observe(aggregated, cacheKey);
    return { event, patch, skip: this.filter(event) };
  }

  /** updateState records what the server stored, so the next duplicate patches it. */
  updateState(event: Event): void {
    this.observed.set(getEventKey(event), {
      count: event.count ?? 1,
      firstTimestamp: event.firstTimestamp,
      name: event.metadata?.name ?? '',
      resourceVersion: event.metadata?.resourceVersion,
    });
  }

  private aggregate(newEvent: Event): { event: Event; cacheKey: string } {
    const now = this.clock.now();
    const { aggregateKey, localKey } = eventAggregatorByReasonFunc(newEvent);
    const eventKey = getEventKey(newEvent);
    let record = this.aggregates.get(aggregateKey);
    if (!record || record.lastTimestamp + this.o.maxIntervalSeconds * 1000 < now) record = { localKeys: new Set(), lastTimestamp: now };
    record.localKeys.add(localKey);
    record.lastTimestamp = now;
    this.aggregates.set(aggregateKey, record);
    if (record.localKeys.size < this.o.maxEvents) return { event: newEvent, cacheKey: eventKey };
    // do not grow the local key set beyond max
    const first = record.localKeys.values().next().value as string;
    record.localKeys.delete(first);
    const ts = formatTime(now);
    const event: Event = {
      metadata: { name: eventName(newEvent.involvedObject.name ?? '', now), namespace: newEvent.metadata?.namespace },
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
      involvedObject: newEvent.involvedObject,
      message: AGGREGATE_MESSAGE_PREFIX + (newEvent.message ?? ''),
      type: newEvent.type,
      reason: newEvent.reason,
      source: newEvent.source,
      reportingComponent: newEvent.reportingComponent,
      reportingInstance: newEvent.reportingInstance,
    };
    return { event, cacheKey: aggregateKey };
  }

  private observe(event: Event, key: string): { event: Event; patch?: Record<string, unknown> } {
    const last = this.observed.get(key);
    let out = event;
    let patch: Record<string, unknown> | undefined;
    if (last && last.count > 0) {
      out = {
        ...event,
        metadata: { ...event.metadata, name: last.name, resourceVersion: last.resourceVersion },
        firstTimestamp: last.firstTimestamp,
        count: last.count + 1,
      };
      patch = { count: out.count, lastTimestamp: out.lastTimestamp, message: out.message };
    }
    this.observed.set(key, { count: out.count ?? 1, firstTimestamp: out.firstTimestamp, name: out.metadata?.name ?? '', resourceVersion: out.metadata?.resourceVersion });
    return { event: out, patch };
  }

  private filter(event: Event): boolean {
    const key = getSpamKey(event);
    const now = this.clock.now();
    let b = this.spam.get(key);
    if (!b) b = { tokens: this.o.burstSize, last: now };
    b.tokens = Math.min(this.o.burstSize, b.tokens + ((now - b.last) / 1000) * this.o.qps);
    b.last = now;
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    this.spam.set(key, b);
    return !allowed;
  }
}

let seq = 0;

/**
 * eventName is `<object name>.<hex timestamp>` as upstream (`%v.%x` of UnixNano); the
 * sub-millisecond digits carry a per-process counter so names stay unique.
 */
export function eventName(objectName: string, nowMs: number): string {
  seq = (seq + 1) % 1_000_000;
  const nanos = BigInt(nowMs) * 1_000_000n + BigInt(seq);
  return `${objectName}.${nanos.toString(16)}`;
}

/** formatTime renders ms as a meta/v1 `Time` (RFC 3339, whole seconds, UTC). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The event recorder and broadcaster (client-go `tools/record/event.go`). Components create
 * one {@link EventBroadcaster}, point it at the apiserver with `startRecordingToSink`, and
 * hand a {@link EventRecorder} from `newRecorder({ component })` to their code:
 *
 * ```ts
 * recorder.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available: ...');
 * ```
 *
 * Recording never blocks and never throws: events are queued (up to 1000, then dropped),
 * correlated (dedup into `count`/`lastTimestamp` patches, aggregation, spam filter, see
 * `events-cache.ts`) and written in the background. Transport failures are retried up to 12
 * times, 10 s apart (the first wait randomized); a write the server rejects is dropped.
 */
import { format } from 'node:util';
import type { Event, ObjectReference } from '#generated/k8s/index.ts';
import { ApiError, isAlreadyExists, isNotFound } from '../../api-error.ts';
import { realClock, sleepUntilAborted, type Clock } from '#impl/apimachinery/util/clock/index.ts';
import { noopLogger, type Logger } from '../cache/logger.ts';
import type { EventSink } from './event-sink.ts';
import { EventCorrelator, eventName, formatTime, type CorrelatorOptions } from './events-cache.ts';

/** EVENT_TYPES are the two valid event types. */
export const EVENT_TYPES = { normal: 'Normal', warning: 'Warning' } as const;
/** EventType is `Normal` or `Warning`. */
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** MAX_TRIES_PER_EVENT and DEFAULT_SLEEP_DURATION_MS are upstream's retry policy. */
export const MAX_TRIES_PER_EVENT = 12;
export const DEFAULT_SLEEP_DURATION_MS = 10_000;
/** MAX_QUEUED_EVENTS is the broadcaster's queue length (upstream `maxQueuedEvents`). */
export const MAX_QUEUED_EVENTS = 1000;

/** ObjectLike is anything an event can be about: an object with `kind`, or an ObjectReference. */
export type ObjectLike = MetaObject | ObjectReference;

/** MetaObject is an object with `metadata` (any Kubernetes object). */
export interface MetaObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: unknown };
}

/**
 * getReference builds the ObjectReference for an object (client-go `reference.GetReference`).
 * The object must carry `kind` (objects from informers do); an ObjectReference is returned as is.
 */
export function getReference(obj: ObjectLike): ObjectReference {
  if (!('metadata' in obj) || obj.metadata === undefined) {
    const ref = obj as ObjectReference;
    if (!ref.kind || !ref.name) throw new Error('object reference needs kind and name');
    return ref;
  }
  const o = obj as MetaObject;
  if (!o.kind) throw new Error(`cannot build a reference to ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}: object has no kind`);
  const ref: ObjectReference = { kind: o.kind, apiVersion: o.apiVersion, name: o.metadata?.name, namespace: o.metadata?.namespace, uid: o.metadata?.uid, resourceVersion: o.metadata?.resourceVersion };
  for (const k of Object.keys(ref) as Array<keyof ObjectReference>) if (ref[k] === undefined || ref[k] === '') delete ref[k];
  return ref;
}

/** EventRecorder records events about objects (client-go `EventRecorder`). */
export interface EventRecorder {
  /** event records `message` verbatim. `type` must be Normal or Warning (others are logged and dropped). */
  event(obj: ObjectLike, type: EventType | string, reason: string, message: string): void;
  /** eventf formats the message with `util.format` (`%s`, `%d`, `%j`, `%o`). */
  eventf(obj: ObjectLike, type: EventType | string, reason: string, messageFmt: string, ...args: unknown[]): void;
  /** annotatedEventf is eventf that also sets annotations on the Event. */
  annotatedEventf(obj: ObjectLike, annotations: Record<string, string>, type: EventType | string, reason: string, messageFmt: string, ...args: unknown[]): void;
}

/** EventSource names who reports (`component`, e.g. `default-scheduler`; `host`, e.g. the node). */
export interface EventSource {
  component: string;
  host?: string;
}

/** EventBroadcasterOptions configure {@link newBroadcaster}. */
export interface EventBroadcasterOptions {
  clock?: Clock;
  logger?: Logger;
  /** Wait between write retries, ms (default 10 s). */
  sleepDuration?: number;
  correlator?: Partial<CorrelatorOptions>;
  random?: () => number;
}

/** EventBroadcaster fans events out to sinks and watchers (client-go `EventBroadcaster`). */
export interface EventBroadcaster {
  /** startRecordingToSink writes every event to `sink` through a correlator; returns a stop function. */
  startRecordingToSink(sink: EventSink): () => void;
  /** startEventWatcher calls `handler` for every event (before correlation); returns a stop function. */
  startEventWatcher(handler: (event: Event) => void | Promise<void>): () => void;
  /** startStructuredLogging logs every event through `logger` at info level; returns a stop function. */
  startStructuredLogging(logger: Logger): () => void;
  /** newRecorder returns a recorder whose events carry `source`. */
  newRecorder(source: EventSource): EventRecorder;
  /** shutdown stops accepting events and resolves when queued ones are handled (or given up). */
  shutdown(): Promise<void>;
}

class Watcher {
  private queue: Event[] = [];
  private wake: (() => void) | undefined;
  private stopped = false;
  readonly done: Promise<void>;
  constructor(private readonly handler: (e: Event) => void | Promise<void>, private readonly logger: Logger, readonly ctrl = new AbortController()) {
    this.done = this.loop();
  }
  push(e: Event): void {
    if (this.stopped) return;
    if (this.queue.length >= MAX_QUEUED_EVENTS) {
      this.logger.error({ reason: e.reason, object: e.involvedObject?.name }, 'event queue is full; dropping event');
      return;
    }
    this.queue.push(e);
    this.wake?.();
  }
  stop(drain: boolean): void {
    this.stopped = true;
    if (!drain) {
      this.queue = [];
      this.ctrl.abort();
    }
    this.wake?.();
  }
  private async loop(): Promise<void> {
    for (;;) {
      const e = this.queue.shift();
      if (e) {
        try {
          await this.handler(e);
        } catch (err) {
          this.logger.error({ err: String(err) }, 'event handler failed');
        }
        continue;
      }
      if (this.stopped) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

class Broadcaster implements EventBroadcaster {
  private readonly watchers = new Set<Watcher>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly sleepDuration: number;
  private readonly random: () => number;
  private shuttingDown = false;

  constructor(private readonly opts: EventBroadcasterOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.sleepDuration = opts.sleepDuration ?? DEFAULT_SLEEP_DURATION_MS;
    this.random = opts.random ?? Math.random;
  }

  action(e: Event): void {
    if (this.shuttingDown) return;
    for (const w of this.watchers) w.push(e);
  }

  startEventWatcher(handler: (event: Event) => void | Promise<void>): () => void {
    const w = new Watcher(handler, this.logger);
    this.watchers.add(w);
    return () => {
      this.watchers.delete(w);
      w.stop(false);
    };
  }

  startRecordingToSink(sink: EventSink): () => void {
    const correlator = new EventCorrelator(this.clock, this.opts.correlator);
    let signal: AbortSignal | undefined;
    const stop = this.startEventWatcher((e) => this.recordToSink(sink, e, correlator, signal!));
    const w = [...this.watchers].at(-1)!;
    signal = w.ctrl.signal;
    return stop;
  }

  startStructuredLogging(logger: Logger): () => void {
    return this.startEventWatcher((e) => {
      logger.info({ object: `${e.involvedObject.namespace ?? ''}/${e.involvedObject.name ?? ''}`, kind: e.involvedObject.kind, type: e.type, reason: e.reason, message: e.message }, 'Event occurred');
    });
  }

  newRecorder(source: EventSource): EventRecorder {
    const make = (obj: ObjectLike, annotations: Record<string, string> | undefined, type: string, reason: string, message: string): void => {
      if (type !== EVENT_TYPES.normal && type !== EVENT_TYPES.warning) {
        this.logger.error({ type }, `Unsupported event type: '${type}'`);
        return;
      }
      let ref: ObjectReference;
      try {
        ref = getReference(obj);
      } catch (err) {
        this.logger.error({ reason, err: String(err) }, 'Could not construct reference, will not report event');
        return;
      }
      const now = this.clock.now();
      const ts = formatTime(now);
      const event: Event = {
        metadata: { name: eventName(ref.name ?? '', now), namespace: ref.namespace || 'default', ...(annotations ? { annotations } : {}) },
        involvedObject: ref,
        reason,
        message,
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        type,
        source: source.host ? { component: source.component, host: source.host } : { component: source.component },
        reportingComponent: source.component,
        reportingInstance: source.host ?? '',
      };
      this.action(event);
    };
    return {
      event: (obj, type, reason, message) => make(obj, undefined, type, reason, message),
      eventf: (obj, type, reason, fmt, ...args) => make(obj, undefined, type, reason, format(fmt, ...args)),
      annotatedEventf: (obj, annotations, type, reason, fmt, ...args) => make(obj, annotations, type, reason, format(fmt, ...args)),
    };
  }

  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    const ws = [...this.watchers];
    this.watchers.clear();
    for (const w of ws) w.stop(true);
    // Retries still sleeping would hold shutdown for minutes: cut them short.
    for (const w of ws) w.ctrl.abort();
    await Promise.all(ws.map((w) => w.done));
  }

  /** recordToSink writes one event with retries (client-go `recordToSink`). */
  private async recordToSink(sink: EventSink, event: Event, correlator: EventCorrelator, signal: AbortSignal): Promise<void> {
    const result = correlator.eventCorrelate(event);
    if (result.skip) return;
    for (let tries = 1; ; tries++) {
      if (await this.recordEvent(sink, result.event, result.patch, (result.event.count ?? 1) > 1, correlator)) return;
      if (tries >= MAX_TRIES_PER_EVENT) {
        this.logger.error({ reason: event.reason, object: event.involvedObject.name }, 'Unable to write event (retry limit exceeded!)');
        return;
      }
      // Randomize the first sleep so that clients do not retry in lockstep.
      const wait = tries === 1 ? this.sleepDuration * this.random() : this.sleepDuration;
      if (signal.aborted || !(await sleepUntilAborted(this.clock, wait, signal))) return;
    }
  }

  /** recordEvent makes one write attempt; true means done (written or rejected for good). */
  private async recordEvent(sink: EventSink, event: Event, patch: Record<string, unknown> | undefined, updateExisting: boolean, correlator: EventCorrelator): Promise<boolean> {
    let err: unknown;
    let written: Event | undefined;
    if (updateExisting && patch) {
      try {
        written = await sink.patch(event, patch);
      } catch (e) {
        err = e;
      }
    }
    if (!updateExisting || (updateExisting && isNotFound(err))) {
      err = undefined;
      try {
        const { resourceVersion: _rv, ...metadata } = event.metadata ?? {};
        written = await sink.create({ ...event, metadata });
      } catch (e) {
        err = e;
      }
    }
    if (err === undefined && written) {
      correlator.updateState(written);
      return true;
    }
    if (err instanceof ApiError) {
      const terminating = (err.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
      if (isAlreadyExists(err) || terminating) this.logger.debug({ reason: event.reason, err: err.message }, 'Server rejected event (will not retry!)');
      else this.logger.error({ reason: event.reason, object: event.involvedObject.name, err: err.message }, 'Server rejected event (will not retry!)');
      return true;
    }
    this.logger.error({ reason: event.reason, err: String(err) }, 'Unable to write event (may retry after sleeping)');
    return false;
  }
}

/** newBroadcaster creates an {@link EventBroadcaster} (client-go `NewBroadcaster`). */
export function newBroadcaster(opts: EventBroadcasterOptions = {}): EventBroadcaster {
  return new Broadcaster(opts);
}

/**
 * SharedIndexInformer: one list+watch per resource, a local indexed cache, and fan-out of
 * change notifications to any number of handlers (client-go `tools/cache/shared_informer.go`).
 *
 * Contract (as upstream):
 * - **Eventually consistent.** The cache converges to the server's state; handlers see every
 *   change that reaches the cache, possibly coalesced across a relist.
 * - **Ordered per handler.** Each handler gets notifications one at a time, in the order the
 *   cache changed; a slow handler does not hold up the informer or other handlers (each has
 *   its own unbounded buffer).
 * - **Deletes.** `onDelete` gets the object's final state, or a {@link DeletedFinalStateUnknown}
 *   tombstone holding the last known state when the deletion was only noticed on a relist.
 * - **Resync.** Every `resyncPeriod` (if non-zero) each handler gets `onUpdate(obj, obj)` for
 *   every cached object, and after a relist every surviving object is re-delivered as an
 *   update even if unchanged: handlers compare resourceVersions if they care.
 * - **Handlers must be prompt.** Compute a key and hand it to a workqueue (STYLE.md item 12);
 *   never modify the objects (they are the cache's). A handler that throws is logged and skipped.
 */
import type { KubeObject } from '../../resource-client.ts';
import { realClock, type Clock, type TimerHandle } from '#impl/apimachinery/util/clock/index.ts';
import { metaNamespaceIndexFunc, namespaceIndex, type Indexer, type Indexers } from './indexer.ts';
import type { ListerWatcher } from './list-watch.ts';
import { noopLogger, type Logger } from './logger.ts';
import { Reflector, type BackoffOptions, type ReflectorStore } from './reflector.ts';
import { Cache, DeletedFinalStateUnknown, metaNamespaceKeyFunc, type KeyFunc, type Store } from './store.ts';

/** ResourceEventHandler receives notifications; every method is optional (client-go `ResourceEventHandlerFuncs`). */
export interface ResourceEventHandler<T = KubeObject> {
  /** onAdd: a new object; `isInInitialList` is true for objects of the first list. */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** onUpdate: a changed object, or a resync/relist re-delivery (`oldObj === newObj` on resync). */
  onUpdate?(oldObj: T, newObj: T): void;
  /** onDelete: the final state, or a tombstone when the deletion was noticed on a relist. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

/** ResourceEventHandlerRegistration is returned by `addEventHandler`. */
export interface ResourceEventHandlerRegistration {
  /** hasSynced: the informer has synced and this handler has been given every initial object. */
  hasSynced(): boolean;
}

/** InformerSynced reports whether a cache has synced (client-go `InformerSynced`). */
export type InformerSynced = () => boolean;

/** SharedInformer is an informer without index access (client-go `SharedInformer`). */
export interface SharedInformer<T = KubeObject> {
  /**
   * addEventHandler registers a handler. Added after start, it first gets `onAdd` for every
   * cached object. `resyncPeriod` (ms) overrides the informer's default for this handler.
   */
  addEventHandler(handler: ResourceEventHandler<T>, opts?: { resyncPeriod?: number }): ResourceEventHandlerRegistration;
  /** removeEventHandler stops notifications to a registration. */
  removeEventHandler(registration: ResourceEventHandlerRegistration): void;
  /** getStore returns the cache (read only). */
  getStore(): Store<T>;
  /** run lists and watches until `signal` aborts; resolves when stopped. Call once. */
  run(signal: AbortSignal): Promise<void>;
  /** hasSynced is true once the first list has been applied to the cache. */
  hasSynced(): boolean;
  /** lastSyncResourceVersion is the RV the cache reflects. */
  lastSyncResourceVersion(): string;
  /** setWatchErrorHandler sets the list/watch error callback (before `run`). */
  setWatchErrorHandler(handler: (err: unknown) => void): void;
  /** isStopped is true once `run` has ended. */
  isStopped(): boolean;
}

/** SharedIndexInformer adds the indexer (client-go `SharedIndexInformer`). */
export interface SharedIndexInformer<T = KubeObject> extends SharedInformer<T> {
  addIndexers(indexers: Indexers<T>): void;
  getIndexer(): Indexer<T>;
}

/** SharedIndexInformerOptions configure {@link newSharedIndexInformer}. */
export interface SharedIndexInformerOptions<T> {
  listWatch: ListerWatcher<T>;
  /** The kind cached, for logs (upstream `exampleObject`). */
  objectType?: string;
  /** Default resync period for handlers, ms; 0 = never. */
  resyncPeriod?: number;
  /** Indexes; the namespace index is always present. */
  indexers?: Indexers<T>;
  keyFunc?: KeyFunc<T>;
  /** Applied to every object before it is cached (e.g. drop managedFields). */
  transform?: (obj: T) => T;
  clock?: Clock;
  logger?: Logger;
  /** Reflector tuning (tests inject `delay` and `backoff`). */
  reflector?: { pageSize?: number; minWatchTimeoutSeconds?: number; backoff?: BackoffOptions; delay?: (ms: number, signal: AbortSignal) => Promise<void>; random?: () => number };
}

/** MINIMUM_RESYNC_PERIOD_MS is the smallest handler resync period accepted (upstream 1 s). */
export const MINIMUM_RESYNC_PERIOD_MS = 1000;

type Notification<T> =
  | { type: 'add'; obj: T; initial: boolean }
  | { type: 'update'; oldObj: T; newObj: T }
  | { type: 'delete'; obj: T | DeletedFinalStateUnknown<T> };

/** ProcessorListener buffers notifications for one handler and delivers them in order (client-go `processorListener`). */
class ProcessorListener<T> implements ResourceEventHandlerRegistration {
  private buffer: Notification<T>[] = [];
  private head = 0;
  private scheduled = false;
  private pendingInitial = 0;
  removed = false;
  /** Set once the initial objects have all been queued (for handlers added after sync). */
  initialQueued = false;
  nextResyncAt = Infinity;

  constructor(
    readonly handler: ResourceEventHandler<T>,
    readonly resyncPeriod: number,
    private readonly informerSynced: () => boolean,
    private readonly logger: Logger,
  ) {}

  hasSynced(): boolean {
    return this.initialQueued && this.informerSynced() && this.pendingInitial === 0;
  }

  add(n: Notification<T>): void {
    if (this.removed) return;
    if (n.type === 'add' && n.initial) this.pendingInitial++;
    this.buffer.push(n);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.pump());
    }
  }

  private pump(): void {
    this.scheduled = false;
    // Deliver a bounded batch per turn so I/O is not starved by a large relist.
    const end = Math.min(this.buffer.length, this.head + 5000);
    while (this.head < end) {
      const n = this.buffer[this.head]!;
      this.buffer[this.head] = undefined as unknown as Notification<T>;
      this.head++;
      if (!this.removed) this.deliver(n);
      if (n.type === 'add' && n.initial) this.pendingInitial--;
    }
    if (this.head >= this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.pump());
    }
  }

  private deliver(n: Notification<T>): void {
    try {
      if (n.type === 'add') this.handler.onAdd?.(n.obj, n.initial);
      else if (n.type === 'update') this.handler.onUpdate?.(n.oldObj, n.newObj);
      else this.handler.onDelete?.(n.obj);
    } catch (err) {
      this.logger.error({ err: err instanceof Error ? err.message : String(err), notification: n.type }, 'event handler failed');
    }
  }
}

class SharedIndexInformerImpl<T extends KubeObject> implements SharedIndexInformer<T> {
  private readonly indexer: Cache<T>;
  private readonly listeners = new Set<ProcessorListener<T>>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly defaultResync: number;
  private readonly transform: ((obj: T) => T) | undefined;
  private readonly reflector: Reflector<T>;
  private synced = false;
  private started = false;
  private stopped = false;
  private resyncTimer: TimerHandle | undefined;

  constructor(private readonly opts: SharedIndexInformerOptions<T>) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.defaultResync = opts.resyncPeriod ?? 0;
    this.transform = opts.transform;
    this.indexer = new Cache<T>(opts.keyFunc ?? (metaNamespaceKeyFunc as KeyFunc<T>), {
      [namespaceIndex]: metaNamespaceIndexFunc as (obj: T) => string[],
      ...opts.indexers,
    });
    const sink: ReflectorStore<T> = {
      add: (obj) => this.onAddOrUpdate(this.tf(obj), false),
      update: (obj) => this.onAddOrUpdate(this.tf(obj), false),
      delete: (obj) => this.onDeleteEvent(obj),
      replace: (list, rv) => this.onReplace(list, rv),
    };
    this.reflector = new Reflector<T>({
      name: opts.objectType ?? 'informer',
      listWatch: opts.listWatch,
      store: sink,
      clock: this.clock,
      logger: this.logger,
      ...opts.reflector,
    });
  }

  addEventHandler(handler: ResourceEventHandler<T>, opts?: { resyncPeriod?: number }): ResourceEventHandlerRegistration {
    let period = opts?.resyncPeriod ?? this.defaultResync;
    if (period > 0 && period < MINIMUM_RESYNC_PERIOD_MS) period = MINIMUM_RESYNC_PERIOD_MS;
    const listener = new ProcessorListener<T>(handler, period, () => this.synced, this.logger);
    if (this.stopped) {
      this.logger.info({ informer: this.opts.objectType }, 'handler added to a stopped informer; it will get no notifications');
      return listener;
    }
    this.listeners.add(listener);
    if (this.started) {
      // upstream: a late handler first sees the cache's content as adds.
      for (const obj of this.indexer.list()) listener.add({ type: 'add', obj, initial: true });
      listener.initialQueued = true;
    }
    if (period > 0) {
      listener.nextResyncAt = this.clock.now() + period;
      if (this.started) this.scheduleResync();
    }
    return listener;
  }

  removeEventHandler(registration: ResourceEventHandlerRegistration): void {
    const l = registration as ProcessorListener<T>;
    l.removed = true;
    this.listeners.delete(l);
  }

  getStore(): Store<T> {
    return this.indexer;
  }

  getIndexer(): Indexer<T> {
    return this.indexer;
  }

  addIndexers(indexers: Indexers<T>): void {
    this.indexer.addIndexers(indexers);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion();
  }

  setWatchErrorHandler(handler: (err: unknown) => void): void {
    if (this.started) throw new Error('informer has already started');
    this.reflector.setWatchErrorHandler(handler);
  }

  isStopped(): boolean {
    return this.stopped;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('informer has already started');
    if (this.stopped) throw new Error('informer has already stopped');
    this.started = true;
    this.scheduleResync();
    try {
      await this.reflector.run(signal);
    } finally {
      this.stopped = true;
      if (this.resyncTimer !== undefined) this.clock.clearTimeout(this.resyncTimer);
      this.resyncTimer = undefined;
    }
  }

  private distribute(n: Notification<T>): void {
    for (const l of this.listeners) l.add(n);
  }

  private tf(obj: T): T {
    return this.transform ? this.transform(obj) : obj;
  }

  private onAddOrUpdate(obj: T, initial: boolean): void {
    const old = this.indexer.get(obj);
    if (old !== undefined) {
      this.indexer.update(obj);
      this.distribute({ type: 'update', oldObj: old, newObj: obj });
    } else {
      this.indexer.add(obj);
      this.distribute({ type: 'add', obj, initial });
    }
  }

  private onDeleteEvent(raw: T): void {
    const obj = this.tf(raw);
    const key = this.indexer.key(obj);
    if (this.indexer.getByKey(key) === undefined) return;
    this.indexer.delete(obj);
    this.distribute({ type: 'delete', obj });
  }

  private onReplace(list: readonly T[], _rv: string): void {
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const raw of list) {
      const obj = this.tf(raw);
      seen.add(this.indexer.key(obj));
      this.onAddOrUpdate(obj, initial);
    }
    for (const key of this.indexer.listKeys()) {
      if (seen.has(key)) continue;
      const last = this.indexer.getByKey(key)!;
      this.indexer.delete(new DeletedFinalStateUnknown(key, last));
      this.distribute({ type: 'delete', obj: new DeletedFinalStateUnknown(key, last) });
    }
    if (!this.synced) {
      this.synced = true;
      for (const l of this.listeners) l.initialQueued = true;
    }
  }

  private scheduleResync(): void {
    if (this.resyncTimer !== undefined) this.clock.clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    let next = Infinity;
    for (const l of this.listeners) if (l.resyncPeriod > 0) next = Math.min(next, l.nextResyncAt);
    if (next === Infinity || this.stopped) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      this.resyncTimer = undefined;
      this.resync();
    }, Math.max(0, next - this.clock.now()), { background: true });
  }

  private resync(): void {
    const now = this.clock.now();
    const due = [...this.listeners].filter((l) => l.resyncPeriod > 0 && l.nextResyncAt <= now);
    if (this.synced && due.length > 0) {
      const objs = this.indexer.list();
      for (const l of due) for (const obj of objs) l.add({ type: 'update', oldObj: obj, newObj: obj });
    }
    for (const l of due) l.nextResyncAt = now + l.resyncPeriod;
    this.scheduleResync();
  }
}

/**
 * newSharedIndexInformer creates a {@link SharedIndexInformer} (client-go
 * `NewSharedIndexInformerWithOptions`). Start it with `run(signal)` and wait for
 * `hasSynced()` (see `waitForCacheSync`) before trusting the cache.
 */
export function newSharedIndexInformer<T extends KubeObject = KubeObject>(opts: SharedIndexInformerOptions<T>): SharedIndexInformer<T> {
  return new SharedIndexInformerImpl<T>(opts);
}

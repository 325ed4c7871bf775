/**
 * Cacher is the watch cache in front of one resource prefix: a reflector lists and watches the
 * underlying storage once, keeps the objects and a ring of recent events in memory, serves lists
 * from memory and fans every event out to any number of watchers.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go (Cacher, dispatchEvents,
 * GetList with ConsistentListFromCache, GuaranteedUpdate passing the cached object),
 * watch_cache.go and cache_watcher.go.
 *
 * Reads:
 * - `list(prefix)` without a revision is a consistent read: the cache serves it once it has
 *   caught up with the storage's current revision (asking the storage watch for a progress
 *   bookmark when the backend supports it), otherwise storage serves it.
 * - `list` with a revision (resourceVersionMatch=Exact) or a continue token from an older
 *   revision goes to storage.
 * - `listFromCache` is resourceVersion "0" / NotOlderThan: whatever the cache holds, optionally
 *   waiting until it reaches `minRevision`.
 * Objects returned from the cache and in events are shared: callers must not mutate them.
 * Writes go straight to storage; their events come back through the watch.
 */
import type {
  GuaranteedUpdateOptions,
  Interface,
  ListOptions,
  ListResult,
  Preconditions,
  StoredObject,
  UpdateFunc,
  WatchOptions,
  Watcher,
} from '../interfaces.ts';
import { realClock, type Clock, type TimerHandle } from '#impl/apimachinery/util/clock/index.ts';
import { continueAfter, decodeContinue } from '../continue.ts';
import { keyNotFound, resourceVersionTooOld, tooLargeResourceVersion } from '../errors.ts';
import { bookmarkObject, revisionOf } from '../object.ts';
import { WatchChannel } from '../watch-channel.ts';
import { CacheWatcher } from './cache-watcher.ts';
import { WatchCache, type CacheEvent } from './watch-cache.ts';

/** CacherOptions configures `newCacher`. */
export interface CacherOptions {
  /** The backend to cache. The cacher does not close it. */
  storage: Interface;
  /** The resource prefix, ending with '/', e.g. `/registry/pods/`. */
  resourcePrefix: string;
  /**
   * Key of an object (the registry's KeyFunc). Default: prefix + `namespace/name`, or prefix +
   * `name` for cluster-scoped objects, as upstream lays out keys.
   */
  keyFunc?: (obj: StoredObject) => string;
  /** Events kept for watches that start in the past (default 10,000). */
  eventBufferSize?: number;
  /** Events queued for one watcher before it is terminated as too slow (default 1000). */
  watcherBufferSize?: number;
  /** Idle watchers that asked for bookmarks get one this often, in ms (default 60 s, as upstream). */
  bookmarkInterval?: number;
  /** How long a consistent list waits for the cache to catch up before reading storage (default 3 s). */
  consistentReadTimeout?: number;
  /** Delay before relisting after the storage watch fails, in ms (default 1000). */
  relistDelay?: number;
  clock?: Clock;
  /** Called with reflector errors (for logs). */
  onError?: (err: unknown) => void;
}

/** CacheListOptions selects a list served from the cache (resourceVersion "0" or NotOlderThan). */
export interface CacheListOptions {
  /** Wait until the cache reached this revision (NotOlderThan); fails with "Too large resource version" after the timeout. */
  minRevision?: number;
  limit?: number;
  continue?: string;
  predicate?: (obj: StoredObject) => boolean;
  signal?: AbortSignal;
}

/** CacheWatchOptions extends `WatchOptions` with what only the cache can do. */
export interface CacheWatchOptions extends WatchOptions {
  /** Label/field selection; objects entering or leaving it appear as ADDED or DELETED. */
  predicate?: (obj: StoredObject) => boolean;
  /**
   * Emit the current state as ADDED events first (`sendInitialEvents=true`, or a watch from
   * resourceVersion "0" or unset), then the changes after it. With `revision`, the state is at
   * least that new (NotOlderThan): the watch waits for the cache to reach it, then fails with
   * "Too large resource version" after the consistent-read timeout. For a consistent start
   * (resourceVersion unset), pass `revision: await storage.currentRevision()`.
   */
  sendInitialEvents?: boolean;
  /**
   * After the initial events, emit a BOOKMARK whose object carries the annotation
   * `k8s.io/initial-events-end: "true"` (upstream's end-of-initial-events marker).
   */
  initialEventsEndBookmark?: boolean;
}

/** INITIAL_EVENTS_END_ANNOTATION marks the bookmark that ends the initial events. */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

interface RevisionWaiter {
  revision: number;
  resolve: (reached: boolean) => void;
  timer: TimerHandle;
}

/** Cacher implements `Interface` with a watch cache in front of another `Interface`. */
export class Cacher implements Interface {
  readonly resourcePrefix: string;
  private readonly storage: Interface;
  private readonly keyFunc: (obj: StoredObject) => string;
  private readonly cache: WatchCache;
  private readonly watchers = new Set<CacheWatcher>();
  private readonly clock: Clock;
  private readonly opts: Required<Pick<CacherOptions, 'watcherBufferSize' | 'bookmarkInterval' | 'consistentReadTimeout' | 'relistDelay'>>;
  private readonly onError: (err: unknown) => void;
  private isReady = false;
  private readyWaiters: Array<() => void> = [];
  private revisionWaiters: RevisionWaiter[] = [];
  private underlying: Watcher<StoredObject> | undefined;
  private readonly stopController = new AbortController();
  private bookmarkTimer: TimerHandle | undefined;
  private stopped = false;
  /** terminatedWatchers counts watchers dropped for being too slow (upstream apiserver_terminated_watchers_total). */
  terminatedWatchers = 0;

  constructor(opts: CacherOptions) {
    this.storage = opts.storage;
    this.resourcePrefix = opts.resourcePrefix;
    this.keyFunc = opts.keyFunc ?? ((obj) => defaultKeyFunc(opts.resourcePrefix, obj));
    this.cache = new WatchCache(opts.eventBufferSize ?? 10_000);
    this.clock = opts.clock ?? realClock;
    this.opts = {
      watcherBufferSize: opts.watcherBufferSize ?? 1000,
      bookmarkInterval: opts.bookmarkInterval ?? 60_000,
      consistentReadTimeout: opts.consistentReadTimeout ?? 3000,
      relistDelay: opts.relistDelay ?? 1000,
    };
    this.onError = opts.onError ?? (() => undefined);
    void this.run();
    this.scheduleBookmarks();
  }

  // --- reflector ---------------------------------------------------------------------------

  private async run(): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      try {
        const listed = await this.storage.list(this.resourcePrefix);
        if (signal.aborted) return;
        this.cache.replace(listed.items.map((o) => [this.keyFunc(o), o]), listed.revision);
        this.setReady(true);
        this.underlying = this.storage.watch(this.resourcePrefix, { recursive: true, revision: listed.revision, progressNotify: true, signal });
        for await (const ev of this.underlying) {
          if (ev.type === 'BOOKMARK') {
            this.cache.progress(ev.revision);
          } else {
            const ce = this.cache.apply(this.keyFunc(ev.object), ev);
            if (ce) this.dispatch(ce);
          }
          this.releaseRevisionWaiters();
        }
        if (signal.aborted) return;
        throw new Error('storage watch ended');
      } catch (err) {
        if (signal.aborted) return;
        this.onError(err);
      }
      // The event stream broke: watchers cannot be continued consistently. End them (clients
      // re-watch and get a fresh start or 410) and relist.
      this.underlying = undefined;
      this.setReady(false);
      for (const w of [...this.watchers]) w.channel.end();
      this.watchers.clear();
      await this.sleep(this.opts.relistDelay, signal);
    }
  }

  /**
   * sleep waits `ms` on the injected clock, or until `signal` aborts. The abort listener is
   * removed when the timer fires, so a relist loop retrying for a long time does not pile up
   * listeners on the long-lived stop signal (MaxListenersExceededWarning).
   */
  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const onAbort = () => {
        this.clock.clearTimeout(timer);
        resolve();
      };
      const timer = this.clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private setReady(ready: boolean): void {
    this.isReady = ready;
    if (ready) {
      const waiters = this.readyWaiters;
      this.readyWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** ready resolves once the cache holds a full list (or rejects when the signal aborts). */
  ready(signal?: AbortSignal): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        reject(signal!.reason);
      };
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      if (signal?.aborted) return reject(signal.reason);
      this.readyWaiters.push(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** isCacheReady tells whether reads can be served from memory now. */
  get isCacheReady(): boolean {
    return this.isReady;
  }

  /** cacheRevision is the revision the cache is at. */
  get cacheRevision(): number {
    return this.cache.revision;
  }

  /** Fans one event out; a watcher whose queue is full is terminated, never waited for. */
  private dispatch(ce: CacheEvent): void {
    for (const w of this.watchers) {
      if (!w.add(ce)) this.terminatedWatchers++;
    }
  }

  private scheduleBookmarks(): void {
    if (this.opts.bookmarkInterval <= 0 || this.stopped) return;
    this.bookmarkTimer = this.clock.setTimeout(() => {
      if (this.isReady) for (const w of this.watchers) w.bookmark(this.cache.revision);
      this.scheduleBookmarks();
    }, this.opts.bookmarkInterval, { background: true });
  }

  /** waitForRevision resolves true once the cache reached `revision`, false after `timeoutMs`. */
  private waitForRevision(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.isReady && this.cache.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: RevisionWaiter = {
        revision,
        resolve,
        timer: this.clock.setTimeout(() => {
          this.revisionWaiters = this.revisionWaiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.revisionWaiters.push(waiter);
    });
  }

  private releaseRevisionWaiters(): void {
    if (this.revisionWaiters.length === 0) return;
    const rev = this.cache.revision;
    this.revisionWaiters = this.revisionWaiters.filter((w) => {
      if (w.revision > rev) return true;
      this.clock.clearTimeout(w.timer);
      w.resolve(true);
      return false;
    });
  }

  // --- reads -------------------------------------------------------------------------------

  /** get reads storage (a consistent read, as upstream for resourceVersion ""). */
  get<T extends StoredObject>(key: string): Promise<T> {
    return this.storage.get<T>(key);
  }

  /** getFromCache serves resourceVersion "0" gets from memory (storage while the cache is not ready). */
  async getFromCache<T extends StoredObject>(key: string): Promise<T> {
    if (!this.isReady) return this.storage.get<T>(key);
    const obj = this.cache.get(key);
    if (!obj) throw keyNotFound(key);
    return obj as T;
  }

  async list<T extends StoredObject>(prefix: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    if (!this.isReady || !prefix.startsWith(this.resourcePrefix)) return this.storage.list<T>(prefix, opts);
    if (opts.continue) {
      // A page served from the cache can be continued from it while nothing changed since.
      const c = decodeContinue(opts.continue, prefix);
      if (c.revision === this.cache.revision) return this.listCache<T>(prefix, c.startKey, opts);
      return this.storage.list<T>(prefix, opts);
    }
    if (opts.revision && opts.revision > 0) return this.storage.list<T>(prefix, opts);
    // Consistent read from cache (upstream ConsistentListFromCache): catch up with storage first.
    const current = await this.storage.currentRevision();
    if (this.cache.revision < current) {
      const progress = this.underlying?.requestProgress;
      if (!progress) return this.storage.list<T>(prefix, opts);
      progress.call(this.underlying);
      if (!(await this.waitForRevision(current, this.opts.consistentReadTimeout))) return this.storage.list<T>(prefix, opts);
    }
    return this.listCache<T>(prefix, prefix, opts);
  }

  /**
   * listFromCache serves resourceVersion "0" (any) and NotOlderThan lists from memory. Before the
   * cache is ready it reads storage.
   */
  async listFromCache<T extends StoredObject>(prefix: string, opts: CacheListOptions = {}): Promise<ListResult<T>> {
    if (!this.isReady) return this.storage.list<T>(prefix, { limit: opts.limit, continue: opts.continue, predicate: opts.predicate });
    if (opts.minRevision && opts.minRevision > this.cache.revision) {
      this.underlying?.requestProgress?.();
      if (!(await this.waitForRevision(opts.minRevision, this.opts.consistentReadTimeout))) {
        throw tooLargeResourceVersion(prefix, opts.minRevision, this.cache.revision);
      }
    }
    let start = prefix;
    if (opts.continue) {
      const c = decodeContinue(opts.continue, prefix);
      if (c.revision !== this.cache.revision) return this.storage.list<T>(prefix, { continue: opts.continue, limit: opts.limit, predicate: opts.predicate });
      start = c.startKey;
    }
    return this.listCache<T>(prefix, start, opts);
  }

  private listCache<T extends StoredObject>(prefix: string, startKey: string, opts: { limit?: number; predicate?: (o: StoredObject) => boolean }): ListResult<T> {
    const { start, end } = this.cache.range(startKey, prefix);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: T[] = [];
    let i = start;
    let lastKey: string | undefined;
    for (; i < end; i++) {
      if (limit !== 0 && items.length === limit) break;
      const obj = this.cache.objectAt(i);
      lastKey = this.cache.keyAt(i);
      if (!opts.predicate || opts.predicate(obj)) items.push(obj as T);
    }
    const revision = this.cache.revision;
    const result: ListResult<T> = { items, revision };
    if (i < end && lastKey !== undefined) {
      result.continue = continueAfter(lastKey, prefix, revision);
      if (!opts.predicate) result.remainingItemCount = end - i;
    }
    return result;
  }

  async count(prefix: string): Promise<number> {
    if (!this.isReady || !prefix.startsWith(this.resourcePrefix)) return this.storage.count(prefix);
    const { start, end } = this.cache.range(prefix, prefix);
    return end - start;
  }

  currentRevision(): Promise<number> {
    return this.storage.currentRevision();
  }

  // --- writes (pass-through) ---------------------------------------------------------------

  create<T extends StoredObject>(key: string, obj: T, opts?: { ttlSeconds?: number }): Promise<T> {
    return this.storage.create(key, obj, opts);
  }

  /** guaranteedUpdate passes the cached object as a hint to save a read, as upstream does. */
  guaranteedUpdate<T extends StoredObject>(key: string, tryUpdate: UpdateFunc<T>, opts: GuaranteedUpdateOptions<T> = {}): Promise<T> {
    if (!opts.cachedExisting && this.isReady) {
      const cached = this.cache.get(key);
      if (cached) opts = { ...opts, cachedExisting: cached as T }; // backends re-decode it, never mutate it
    }
    return this.storage.guaranteedUpdate(key, tryUpdate, opts);
  }

  delete<T extends StoredObject>(
    key: string,
    opts?: { preconditions?: Preconditions; validateDeletion?: (current: T) => void | Promise<void> },
  ): Promise<T> {
    return this.storage.delete(key, opts);
  }

  compact(revision: number): Promise<void> {
    return this.storage.compact(revision);
  }

  // --- watch -------------------------------------------------------------------------------

  watch<T extends StoredObject>(key: string, opts: CacheWatchOptions = {}): Watcher<T> {
    if (!key.startsWith(this.resourcePrefix)) return this.storage.watch<T>(key, opts);
    const requested = opts.revision && opts.revision > 0 ? opts.revision : 0;
    const mustWait = !this.isReady || (opts.sendInitialEvents && requested > this.cache.revision);
    if (!mustWait) return this.register(key, opts) as unknown as Watcher<T>;
    // Register once the cache is ready (and, for initial events "not older than" a revision, has
    // reached it); until then the client holds a proxy channel that forwards from the real one.
    let inner: (WatchChannel<StoredObject> & { requestProgress(): void }) | undefined;
    const proxy = new WatchChannel<StoredObject>({ signal: opts.signal, onClose: () => inner?.stop() });
    (proxy as WatchChannel<StoredObject> & { requestProgress(): void }).requestProgress = () => inner?.requestProgress();
    void (async () => {
      try {
        await this.ready(opts.signal);
      } catch {
        proxy.stop();
        return;
      }
      if (opts.sendInitialEvents && requested > this.cache.revision) {
        this.underlying?.requestProgress?.();
        if (!(await this.waitForRevision(requested, this.opts.consistentReadTimeout))) {
          proxy.fail(tooLargeResourceVersion(key, requested, this.cache.revision));
          return;
        }
      }
      if (!proxy.isOpen) return;
      inner = this.register(key, { ...opts, signal: undefined });
      try {
        for await (const ev of inner) {
          if (proxy.length >= this.opts.watcherBufferSize) {
            // The client is not reading: drop it like any slow watcher.
            this.terminatedWatchers++;
            inner.stop();
            break;
          }
          if (!proxy.push(ev)) break;
        }
        proxy.end();
      } catch (err) {
        proxy.fail(err);
      }
    })();
    return proxy as unknown as Watcher<T>;
  }

  private register(key: string, opts: CacheWatchOptions): WatchChannel<StoredObject> & { requestProgress(): void } {
    const requested = opts.revision && opts.revision > 0 ? opts.revision : 0;
    const snapshotRevision = this.cache.revision;
    const w = new CacheWatcher({
      key,
      recursive: !!opts.recursive,
      predicate: opts.predicate,
      progressNotify: !!opts.progressNotify,
      capacity: this.opts.watcherBufferSize,
      startRevision: opts.sendInitialEvents ? snapshotRevision : requested || snapshotRevision,
      signal: opts.signal,
      onClose: (cw) => this.watchers.delete(cw),
    });
    const channel = w.channel as WatchChannel<StoredObject> & { requestProgress(): void };
    channel.requestProgress = () => w.bookmark(Math.max(this.cache.revision, w.position), true);
    if (!channel.isOpen) return channel;
    if (opts.sendInitialEvents) {
      const { start, end } = opts.recursive ? this.cache.range(key, key) : { start: 0, end: 0 };
      if (opts.recursive) {
        for (let i = start; i < end; i++) {
          const obj = this.cache.objectAt(i);
          if (w.matches(obj)) w.pushInitial({ type: 'ADDED', object: obj, revision: revisionOf(obj) });
        }
      } else {
        const obj = this.cache.get(key);
        if (obj && w.matches(obj)) w.pushInitial({ type: 'ADDED', object: obj, revision: revisionOf(obj) });
      }
      w.position = snapshotRevision;
      if (opts.initialEventsEndBookmark) {
        const object = bookmarkObject(snapshotRevision);
        object.metadata!.annotations = { [INITIAL_EVENTS_END_ANNOTATION]: 'true' };
        w.pushInitial({ type: 'BOOKMARK', object, revision: snapshotRevision });
      }
    } else if (requested > 0) {
      if (requested < this.cache.oldestRevision) {
        channel.fail(resourceVersionTooOld(key, requested, this.cache.oldestRevision));
        return channel;
      }
      for (const ce of this.cache.eventsAfter(requested)) {
        if (!w.matchesKey(ce.key)) continue;
        const ev = w.convert(ce.event);
        if (ev) w.pushInitial(ev);
      }
      w.position = Math.max(requested, snapshotRevision);
    }
    this.watchers.add(w);
    return channel;
  }

  /** watcherCount counts live cache watchers (for metrics and tests). */
  get watcherCount(): number {
    return this.watchers.size;
  }

  /** close stops the reflector and ends every watcher; the underlying storage stays open. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopController.abort();
    if (this.bookmarkTimer) this.clock.clearTimeout(this.bookmarkTimer);
    for (const w of [...this.watchers]) w.channel.end();
    this.watchers.clear();
    for (const waiter of this.revisionWaiters) {
      this.clock.clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.revisionWaiters = [];
  }
}

/** defaultKeyFunc lays keys out like upstream: prefix + namespace/name, or prefix + name. */
export function defaultKeyFunc(prefix: string, obj: StoredObject): string {
  const meta = obj.metadata ?? {};
  return meta.namespace ? `${prefix}${meta.namespace}/${meta.name}` : `${prefix}${meta.name}`;
}

/** newCacher starts a watch cache for one resource prefix over `opts.storage`. */
export function newCacher(opts: CacherOptions): Cacher {
  return new Cacher(opts);
}

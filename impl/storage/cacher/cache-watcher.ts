/**
 * CacheWatcher is one client's watch on the watch cache: a key filter, an optional predicate with
 * upstream's event conversion, and a bounded queue. When the queue is full the watcher is
 * terminated rather than slowing the dispatch to everyone else.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go (convertToWatchEvent,
 * add with a timeout budget then terminate, apiserver_terminated_watchers_total).
 */
import type { StoredObject, WatchEvent } from '../interfaces.ts';
import { bookmarkObject, keyMatches, withRevision } from '../object.ts';
import { WatchChannel } from '../watch-channel.ts';
import type { CacheEvent } from './watch-cache.ts';

/** CacheWatcherOptions configures one `CacheWatcher`. */
export interface CacheWatcherOptions {
  key: string;
  recursive: boolean;
  predicate?: (obj: StoredObject) => boolean;
  progressNotify: boolean;
  /** Live events queued beyond this terminate the watcher. */
  capacity: number;
  /** Only events above this revision are delivered. */
  startRevision: number;
  signal?: AbortSignal;
  onClose: (w: CacheWatcher) => void;
}

/** CacheWatcher filters, converts and queues cache events for one client. */
export class CacheWatcher {
  readonly channel: WatchChannel<StoredObject>;
  /** Revision of the last event or bookmark queued. */
  position: number;
  /** Set when the watcher was dropped for falling behind. */
  terminated = false;
  private allowance: number;

  constructor(private readonly opts: CacheWatcherOptions) {
    this.position = opts.startRevision;
    this.allowance = opts.capacity;
    this.channel = new WatchChannel<StoredObject>({ signal: opts.signal, onClose: () => opts.onClose(this) });
  }

  get progressNotify(): boolean {
    return this.opts.progressNotify;
  }

  /** matchesKey tells whether an event on `key` concerns this watcher. */
  matchesKey(key: string): boolean {
    return keyMatches(this.opts.key, this.opts.recursive, key);
  }

  /** pushInitial queues events at creation (replayed history, initial state); they do not count against the capacity. */
  pushInitial(event: WatchEvent<StoredObject>): void {
    if (this.channel.push(event)) this.allowance++;
    if (event.revision > this.position) this.position = event.revision;
  }

  /**
   * add queues one live cache event if it concerns this watcher. Returns false when the watcher
   * had to be terminated because its queue is full.
   */
  add(ce: CacheEvent): boolean {
    if (ce.event.revision <= this.position || !this.matchesKey(ce.key)) return true;
    const event = this.convert(ce.event);
    this.position = ce.event.revision;
    if (!event) return true;
    if (this.channel.length >= this.allowance) {
      this.terminate();
      return false;
    }
    this.channel.push(event);
    return true;
  }

  /** bookmark queues a BOOKMARK at `revision` if the watcher asked for them and is idle. */
  bookmark(revision: number, force = false): void {
    if (!this.opts.progressNotify && !force) return;
    if (revision < this.position || (!force && this.channel.length > 0)) return;
    this.position = revision;
    this.channel.push({ type: 'BOOKMARK', object: bookmarkObject(revision), revision });
  }

  /** terminate ends the stream after what is queued; the client re-watches from its last revision. */
  terminate(): void {
    this.terminated = true;
    this.channel.end();
    this.opts.onClose(this);
  }

  /**
   * convert applies the predicate like upstream's convertToWatchEvent: an object entering the
   * selection is ADDED, one leaving it is DELETED (with the previous state at the new revision).
   */
  convert(event: WatchEvent<StoredObject>): WatchEvent<StoredObject> | undefined {
    const pred = this.opts.predicate;
    if (!pred) return event;
    switch (event.type) {
      case 'ADDED':
        return pred(event.object) ? event : undefined;
      case 'DELETED':
        return pred(event.prevObject ?? event.object) ? event : undefined;
      case 'MODIFIED': {
        const cur = pred(event.object);
        const prev = event.prevObject ? pred(event.prevObject) : false;
        if (cur && prev) return event;
        if (cur) return { type: 'ADDED', object: event.object, revision: event.revision };
        if (prev) {
          const last = withRevision(structuredClone(event.prevObject!), event.revision);
          return { type: 'DELETED', object: last, prevObject: event.prevObject, revision: event.revision };
        }
        return undefined;
      }
      default:
        return event;
    }
  }

  /** matches tells whether an object passes this watcher's predicate (for initial events). */
  matches(obj: StoredObject): boolean {
    return !this.opts.predicate || this.opts.predicate(obj);
  }
}

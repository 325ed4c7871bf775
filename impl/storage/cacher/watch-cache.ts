/**
 * WatchCache holds one resource's current objects, sorted by key, and a bounded ring of its recent
 * events, both as of `revision`.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go (store + cyclic
 * buffer of watchCacheEvents, `resourceVersion`, `listResourceVersion`).
 */
import type { StoredObject, WatchEvent } from '../interfaces.ts';

/** CacheEvent is one event of the ring with the key it changed. */
export interface CacheEvent {
  key: string;
  event: WatchEvent<StoredObject>;
}

/** WatchCache is the in-memory state of one resource prefix. Not thread-safe (single JS thread). */
export class WatchCache {
  private readonly objects = new Map<string, StoredObject>();
  /** Keys of `objects`, sorted (string order equals the backends' byte order for ASCII keys). */
  private keys: string[] = [];
  private ring: (CacheEvent | undefined)[];
  private ringStart = 0;
  private ringLength = 0;
  /** Revision of the newest change (or progress notification) applied. */
  revision = 0;
  /**
   * Every event with a revision above this is in the ring: a watch may start at any revision
   * >= `oldestRevision`.
   */
  oldestRevision = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array(Math.max(1, capacity));
  }

  /** replace resets the cache to a full list read at `revision` (the reflector's relist). */
  replace(entries: Array<[string, StoredObject]>, revision: number): void {
    this.objects.clear();
    for (const [k, o] of entries) this.objects.set(k, o);
    this.keys = [...this.objects.keys()].sort(compareKeys);
    this.ring = new Array(this.ring.length);
    this.ringStart = 0;
    this.ringLength = 0;
    this.revision = revision;
    this.oldestRevision = revision;
  }

  /** size counts cached objects. */
  get size(): number {
    return this.objects.size;
  }

  get(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  /**
   * apply records one change from storage. It returns the cache event (with `prevObject` taken
   * from the cache, which is exact), or undefined for a stale/duplicate event.
   */
  apply(key: string, event: WatchEvent<StoredObject>): CacheEvent | undefined {
    if (event.revision <= this.revision) return undefined;
    const prev = this.objects.get(key);
    let normalized: WatchEvent<StoredObject>;
    if (event.type === 'DELETED') {
      if (prev) this.removeKey(key);
      normalized = { type: 'DELETED', object: event.object, prevObject: prev ?? event.prevObject, revision: event.revision };
    } else {
      if (!prev) this.insertKey(key);
      this.objects.set(key, event.object);
      normalized = prev
        ? { type: 'MODIFIED', object: event.object, prevObject: prev, revision: event.revision }
        : { type: 'ADDED', object: event.object, revision: event.revision };
    }
    this.revision = event.revision;
    const ce = { key, event: normalized };
    this.pushRing(ce);
    return ce;
  }

  /** progress advances the revision without a change (a storage bookmark). */
  progress(revision: number): void {
    if (revision > this.revision) this.revision = revision;
  }

  private pushRing(ce: CacheEvent): void {
    const cap = this.ring.length;
    if (this.ringLength === cap) {
      const evicted = this.ring[this.ringStart]!;
      this.oldestRevision = evicted.event.revision;
      this.ring[this.ringStart] = ce;
      this.ringStart = (this.ringStart + 1) % cap;
    } else {
      this.ring[(this.ringStart + this.ringLength) % cap] = ce;
      this.ringLength++;
    }
  }

  /** eventsAfter returns the ring's events with a revision above `revision`, oldest first. */
  eventsAfter(revision: number): CacheEvent[] {
    const cap = this.ring.length;
    // Binary search the first event above `revision`.
    let lo = 0;
    let hi = this.ringLength;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ring[(this.ringStart + mid) % cap]!.event.revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    const out: CacheEvent[] = [];
    for (let i = lo; i < this.ringLength; i++) out.push(this.ring[(this.ringStart + i) % cap]!);
    return out;
  }

  /** range returns the keys in [from, end) in order, as indexes into `keyAt`. */
  range(from: string, prefix: string): { start: number; end: number } {
    const start = lowerBound(this.keys, from);
    let end = start;
    // Keys under the prefix are contiguous; find where they stop.
    let lo = start;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid]!.startsWith(prefix) || compareKeys(this.keys[mid]!, prefix) < 0) lo = mid + 1;
      else hi = mid;
    }
    end = lo;
    return { start, end };
  }

  keyAt(i: number): string {
    return this.keys[i]!;
  }

  objectAt(i: number): StoredObject {
    return this.objects.get(this.keys[i]!)!;
  }

  private insertKey(key: string): void {
    const i = lowerBound(this.keys, key);
    this.keys.splice(i, 0, key);
  }

  private removeKey(key: string): void {
    const i = lowerBound(this.keys, key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
    this.objects.delete(key);
  }
}

/** compareKeys orders keys the way the backends do (code-unit order; equal to byte order for ASCII). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

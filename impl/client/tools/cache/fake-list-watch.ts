/**
 * FakeListWatch is an in-memory collection that behaves like the apiserver for one resource,
 * for reflector and informer tests: it numbers writes with resourceVersions, keeps an event
 * history that can be compacted (watches and lists below it get 410 Expired), pages lists,
 * sends bookmarks, and can close or fail watches on demand (client-go
 * `tools/cache/testing.FakeControllerSource`).
 */
import { ApiError, type ApiStatus } from '../../api-error.ts';
import type { KubeList, KubeObject, WatchHandle } from '../../resource-client.ts';
import type { WatchEvent, WatchEventType } from '../../watch.ts';
import type { ListerWatcher, ListWatchListOptions, ListWatchWatchOptions } from './list-watch.ts';
import { metaNamespaceKeyFunc } from './store.ts';

/** expiredStatus is the Status the apiserver sends for a compacted resourceVersion. */
export function expiredStatus(message = 'too old resource version'): ApiStatus {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message };
}

function expiredError(request: string, message?: string): ApiError {
  const status = expiredStatus(message);
  return new ApiError({ code: 410, status, request, body: JSON.stringify(status) });
}

class FakeWatch<T> {
  private buffer: Array<WatchEvent<T>> = [];
  private head = 0;
  private wake: (() => void) | undefined;
  closed = false;
  error: unknown;
  constructor(readonly fromRV: number) {}
  push(ev: WatchEvent<T>): void {
    if (this.closed) return;
    this.buffer.push(ev);
    this.wake?.();
  }
  close(error?: unknown): void {
    this.error = error;
    this.closed = true;
    this.wake?.();
  }
  async *events(signal?: AbortSignal): AsyncGenerator<WatchEvent<T>> {
    const onAbort = (): void => this.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        while (this.head < this.buffer.length) {
          const ev = this.buffer[this.head++]!;
          if (this.head === this.buffer.length) {
            this.buffer = [];
            this.head = 0;
          }
          yield ev;
        }
        if (this.closed) {
          if (this.error) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.closed = true;
    }
  }
}

/** FakeListWatch implements {@link ListerWatcher} in memory. */
export class FakeListWatch<T extends KubeObject = KubeObject> implements ListerWatcher<T> {
  private rv: number;
  private readonly objects = new Map<string, T>();
  private readonly history: Array<{ rv: number; type: WatchEventType; obj: T }> = [];
  private compactedRV = 0;
  private readonly watches = new Set<FakeWatch<T>>();
  private readonly listFailures: unknown[] = [];
  private readonly watchFailures: unknown[] = [];
  /** When true, a too-old watch gets an `ERROR` event instead of an HTTP 410. */
  goneAsEvent = false;
  /** When true, continue tokens are rejected with 410 (expired). */
  expireContinueTokens = false;
  /** When true, lists and watches at a specific RV older than the compaction point get 410. */
  enforceCompaction = true;
  /** Every call, for assertions: `list RV=... limit=... continue=...` / `watch RV=...`. */
  readonly calls: string[] = [];
  readonly kind: string;
  readonly apiVersion: string;

  constructor(opts: { startRV?: number; kind?: string; apiVersion?: string; objects?: T[] } = {}) {
    this.rv = opts.startRV ?? 100;
    this.kind = opts.kind ?? 'ConfigMap';
    this.apiVersion = opts.apiVersion ?? 'v1';
    for (const o of opts.objects ?? []) this.create(o);
  }

  /** resourceVersion is the current (latest) RV. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** activeWatches counts open watches. */
  get activeWatches(): number {
    return [...this.watches].filter((w) => !w.closed).length;
  }

  create(obj: T): T {
    const stored = this.stamp(obj);
    this.objects.set(metaNamespaceKeyFunc(stored), stored);
    this.record('ADDED', stored);
    return stored;
  }

  update(obj: T): T {
    const key = metaNamespaceKeyFunc(obj);
    if (!this.objects.has(key)) throw new Error(`fake: ${key} not found`);
    const stored = this.stamp(obj);
    this.objects.set(key, stored);
    this.record('MODIFIED', stored);
    return stored;
  }

  delete(key: string): T {
    const old = this.objects.get(key);
    if (!old) throw new Error(`fake: ${key} not found`);
    this.objects.delete(key);
    const stored = this.stamp(old);
    this.record('DELETED', stored);
    return stored;
  }

  /** deleteSilently removes an object without telling watchers (a change missed during a disconnect). */
  deleteSilently(key: string): void {
    this.objects.delete(key);
    this.rv++;
  }

  /** compact drops history up to the current RV: older watches/lists get 410. */
  compact(): void {
    this.compactedRV = this.rv;
    this.history.length = 0;
  }

  /** bookmark sends a BOOKMARK at the current RV to every open watch. */
  bookmark(): void {
    const ev = { type: 'BOOKMARK' as const, object: { kind: this.kind, apiVersion: this.apiVersion, metadata: { resourceVersion: String(this.rv) } } as T };
    for (const w of this.watches) w.push(ev);
  }

  /** closeWatches ends every open watch normally (like a server-side timeout). */
  closeWatches(): void {
    for (const w of this.watches) w.close();
    this.watches.clear();
  }

  /** expireWatches sends 410 to every open watch (as an ERROR event, like the apiserver does mid-stream). */
  expireWatches(): void {
    for (const w of this.watches) {
      w.push({ type: 'ERROR', object: expiredStatus() as unknown as T });
      w.close();
    }
    this.watches.clear();
  }

  /** failNextList makes the next list reject with `err`. */
  failNextList(err: unknown): void {
    this.listFailures.push(err);
  }

  /** failNextWatch makes the next watch reject with `err` on its first iteration. */
  failNextWatch(err: unknown): void {
    this.watchFailures.push(err);
  }

  async list(opts: ListWatchListOptions): Promise<KubeList<T>> {
    this.calls.push(`list RV=${opts.resourceVersion ?? ''} limit=${opts.limit ?? ''} continue=${opts.continue ?? ''}`);
    await Promise.resolve();
    const failure = this.listFailures.shift();
    if (failure) throw failure;
    let offset = 0;
    let atRV = this.rv;
    if (opts.continue) {
      if (this.expireContinueTokens) throw expiredError('list', 'The provided continue parameter is too old to display a consistent list result.');
      const [o, r] = opts.continue.split(':');
      offset = Number(o);
      atRV = Number(r);
    } else if (this.enforceCompaction && opts.resourceVersion && opts.resourceVersion !== '0' && Number(opts.resourceVersion) < this.compactedRV) {
      throw expiredError('list');
    }
    const all = [...this.objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
    const end = opts.limit ? Math.min(all.length, offset + opts.limit) : all.length;
    const items = all.slice(offset, end).map((o) => {
      const { kind: _k, apiVersion: _a, ...rest } = o;
      return rest as T;
    });
    const metadata: KubeList<T>['metadata'] = { resourceVersion: String(atRV) };
    if (end < all.length) metadata.continue = `${end}:${atRV}`;
    return { kind: `${this.kind}List`, apiVersion: this.apiVersion, metadata, items };
  }

  watch(opts: ListWatchWatchOptions): WatchHandle<T> {
    this.calls.push(`watch RV=${opts.resourceVersion ?? ''}`);
    const failure = this.watchFailures.shift();
    const fromRV = Number(opts.resourceVersion || this.rv);
    const w = new FakeWatch<T>(fromRV);
    const tooOld = this.enforceCompaction && fromRV < this.compactedRV;
    if (failure) w.close(failure);
    else if (tooOld && !this.goneAsEvent) w.close(expiredError('watch'));
    else if (tooOld) {
      w.push({ type: 'ERROR', object: expiredStatus() as unknown as T });
      w.close();
    } else {
      for (const h of this.history) if (h.rv > fromRV) w.push({ type: h.type, object: h.obj });
      this.watches.add(w);
    }
    return {
      stop: () => w.close(),
      [Symbol.asyncIterator]: () => w.events(opts.signal),
    };
  }

  private stamp(obj: T): T {
    this.rv++;
    return { kind: this.kind, apiVersion: this.apiVersion, ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rv) } };
  }

  private record(type: WatchEventType, obj: T): void {
    this.history.push({ rv: this.rv, type, obj });
    for (const w of this.watches) {
      if (w.closed) this.watches.delete(w);
      else w.push({ type, object: obj });
    }
  }
}

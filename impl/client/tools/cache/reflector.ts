/**
 * Reflector keeps a store in step with the apiserver (client-go `tools/cache/reflector.go`):
 * it lists, replaces the store with the result, then watches from the list's resourceVersion
 * and applies each event.
 *
 * - A watch that ends normally (server timeout, closed connection) is reopened from the last
 *   resourceVersion seen (an object's or a BOOKMARK's), so nothing is missed or repeated.
 * - A watch answered with 410 Gone / Expired (compacted history) triggers a relist. A list
 *   with a resourceVersion that is itself too old is retried once as a consistent list (`RV=""`).
 * - Lists are paged (`limit`, `continue`) unless served from the watch cache (`RV="0"` or a
 *   specific RV); an expired continue token falls back to a full list.
 * - Failures back off exponentially (800 ms doubling to 30 s, reset after 2 min calm), through
 *   an injected `delay`, so tests never wait for real time.
 * - List items without `kind`/`apiVersion` get them from the list (as client-go's unstructured
 *   list decoding does), so cached objects always carry their type.
 */
import { ApiError, isGone, isTooManyRequests, type ApiStatus } from '../../api-error.ts';
import type { KubeList, KubeObject } from '../../resource-client.ts';
import type { WatchEvent } from '../../watch.ts';
import { jitter, realClock, sleep, type Clock } from '#impl/apimachinery/util/clock/index.ts';
import type { ListerWatcher } from './list-watch.ts';
import { noopLogger, type Logger } from './logger.ts';

/** ReflectorStore is the part of a Store a reflector writes to. */
export interface ReflectorStore<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  replace(list: readonly T[], resourceVersion: string): void;
}

/** BackoffOptions shape the exponential backoff between failed list/watch attempts. */
export interface BackoffOptions {
  /** First delay, ms (upstream 800 ms). */
  initialMs?: number;
  /** Cap, ms (upstream 30 s). */
  maxMs?: number;
  /** Multiplier per failure (upstream 2). */
  factor?: number;
  /** Extra random fraction (upstream 1.0, i.e. up to +100%). */
  jitter?: number;
  /** A delay after this much calm starts again from `initialMs` (upstream 2 min). */
  resetMs?: number;
}

/**
 * ExponentialBackoff hands out growing delays and resets after a calm period (apimachinery
 * `wait.NewExponentialBackoffManager`).
 */
export class ExponentialBackoff {
  private current: number;
  private lastAt = -Infinity;
  private readonly o: Required<BackoffOptions>;
  constructor(opts: BackoffOptions, private readonly clock: Clock, private readonly random: () => number = Math.random) {
    this.o = { initialMs: 800, maxMs: 30_000, factor: 2, jitter: 1, resetMs: 120_000, ...opts };
    this.current = this.o.initialMs;
  }

  /** next returns the delay to wait now. */
  next(): number {
    const now = this.clock.now();
    if (now - this.lastAt > this.o.resetMs) this.current = this.o.initialMs;
    this.lastAt = now;
    const d = Math.min(this.current, this.o.maxMs);
    this.current = Math.min(this.current * this.o.factor, this.o.maxMs);
    return this.o.jitter > 0 ? jitter(d, this.o.jitter, this.random) : d;
  }
}

/** ReflectorOptions configure a {@link Reflector}. */
export interface ReflectorOptions<T> {
  /** Name for logs, e.g. `configmaps`. */
  name?: string;
  listWatch: ListerWatcher<T>;
  store: ReflectorStore<T>;
  /** Page size for paged lists; default 500. */
  pageSize?: number;
  /** Watch timeouts are random in [min, 2*min) seconds; default 300 (upstream minWatchTimeout). */
  minWatchTimeoutSeconds?: number;
  backoff?: BackoffOptions;
  clock?: Clock;
  /** Waits between attempts; default a sleep on `clock`. Rejects/returns when the signal aborts. */
  delay?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  logger?: Logger;
  /** Called with every list/watch error (client-go `WatchErrorHandler`); default logs it. */
  watchErrorHandler?: (err: unknown) => void;
}

/** isConnectionRefused reports whether err (or one of its causes) is a refused/reset connection. */
export function isConnectionRefused(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e && i < 8; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return true;
  }
  return false;
}

function isTooLargeResourceVersion(err: unknown): boolean {
  return err instanceof ApiError && err.code === 504 && (err.details?.causes ?? []).some((c) => c.reason === 'ResourceVersionTooLarge');
}

/** withListType fills each item's `kind` and `apiVersion` from its list when absent. */
function withListType<T extends KubeObject>(list: KubeList<T>): T[] {
  const kind = typeof list.kind === 'string' && list.kind.endsWith('List') ? list.kind.slice(0, -4) : undefined;
  if (!kind) return list.items;
  for (const item of list.items) {
    if (!item.kind) item.kind = kind;
    if (!item.apiVersion && list.apiVersion) item.apiVersion = list.apiVersion;
  }
  return list.items;
}

/** ShortWatchError marks a watch that must be followed by a relist (not just a re-watch). */
class ShortWatchError extends Error {}

/** Reflector implements list-then-watch into a {@link ReflectorStore}. */
export class Reflector<T extends KubeObject = KubeObject> {
  readonly name: string;
  private readonly lw: ListerWatcher<T>;
  private readonly store: ReflectorStore<T>;
  private readonly pageSize: number;
  private readonly minWatchTimeoutSeconds: number;
  private readonly clock: Clock;
  private readonly delay: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly backoff: ExponentialBackoff;
  private watchErrorHandler: (err: unknown) => void;
  private lastSyncRV = '';
  /** Set when the last RV is known to be compacted: the next list must be consistent (`RV=""`). */
  private lastSyncRVUnavailable = false;
  /** Set once a list came back paged: the server honours paging for this resource. */
  private paginatedResult = false;

  constructor(opts: ReflectorOptions<T>) {
    this.name = opts.name ?? 'reflector';
    this.lw = opts.listWatch;
    this.store = opts.store;
    this.pageSize = opts.pageSize ?? 500;
    this.minWatchTimeoutSeconds = opts.minWatchTimeoutSeconds ?? 300;
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.delay = opts.delay ?? ((ms, signal) => sleep(this.clock, ms, signal));
    this.logger = opts.logger ?? noopLogger;
    this.backoff = new ExponentialBackoff(opts.backoff ?? {}, this.clock, this.random);
    this.watchErrorHandler = opts.watchErrorHandler ?? ((err) => this.defaultWatchErrorHandler(err));
  }

  /** lastSyncResourceVersion is the RV of the last list, event or bookmark applied. */
  lastSyncResourceVersion(): string {
    return this.lastSyncRV;
  }

  /** setWatchErrorHandler replaces the error handler (call before `run`). */
  setWatchErrorHandler(handler: (err: unknown) => void): void {
    this.watchErrorHandler = handler;
  }

  /**
   * run lists and watches until `signal` aborts, backing off after failures. It resolves once
   * stopped; it never rejects.
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.listAndWatch(signal);
      } catch (err) {
        if (signal.aborted) break;
        this.watchErrorHandler(err);
      }
      if (signal.aborted) break;
      try {
        await this.delay(this.backoff.next(), signal);
      } catch {
        break;
      }
    }
  }

  /**
   * listAndWatch lists once and then watches, re-watching after normal closes. It returns when
   * a relist is needed (410 on the watch) or the signal aborts, and throws on other failures.
   */
  async listAndWatch(signal: AbortSignal): Promise<void> {
    await this.list(signal);
    for (;;) {
      if (signal.aborted) return;
      const started = this.clock.now();
      let events = 0;
      const timeoutSeconds = Math.floor(this.minWatchTimeoutSeconds * (1 + this.random()));
      try {
        const handle = this.lw.watch({ resourceVersion: this.lastSyncRV, allowWatchBookmarks: true, timeoutSeconds, signal });
        events = await this.watchHandler(handle, signal);
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) {
          this.logger.info({ reflector: this.name, resourceVersion: this.lastSyncRV, err: (err as Error).message }, 'watch closed with too old resource version; relisting');
          return;
        }
        if (isConnectionRefused(err) || isTooManyRequests(err)) {
          this.logger.warn({ reflector: this.name, err: (err as Error).message }, 'watch failed; retrying watch after backoff');
          try {
            await this.delay(this.backoff.next(), signal);
          } catch {
            return;
          }
          continue;
        }
        throw err;
      }
      if (signal.aborted) return;
      if (events === 0 && this.clock.now() - started < 1000) {
        throw new ShortWatchError(`${this.name}: very short watch: unexpected watch close - watch lasted less than a second and no items received`);
      }
    }
  }

  /** relistResourceVersion is the RV to list at (client-go `relistResourceVersion`). */
  private relistResourceVersion(): string {
    if (this.lastSyncRVUnavailable) return '';
    if (this.lastSyncRV === '') return '0';
    return this.lastSyncRV;
  }

  private async list(signal: AbortSignal): Promise<void> {
    let list: { items: T[]; resourceVersion: string };
    try {
      list = await this.listAll(this.relistResourceVersion(), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      if (!(isGone(err) || isTooLargeResourceVersion(err))) throw err;
      this.lastSyncRVUnavailable = true;
      list = await this.listAll(this.relistResourceVersion(), signal);
    }
    this.lastSyncRVUnavailable = false;
    this.store.replace(list.items, list.resourceVersion);
    this.lastSyncRV = list.resourceVersion;
  }

  /** listAll pages through a list (client-go `pager.List` with FullListIfExpired). */
  private async listAll(resourceVersion: string, signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }> {
    let limit: number | undefined = this.pageSize > 0 ? this.pageSize : undefined;
    // A specific RV can be served from the watch cache only without a limit (upstream note).
    if (!this.paginatedResult && resourceVersion !== '' && resourceVersion !== '0') limit = undefined;
    const items: T[] = [];
    let page: KubeList<T> = await this.lw.list({ resourceVersion, limit, signal });
    for (;;) {
      items.push(...withListType(page));
      const cont = page.metadata?.continue;
      if (!cont) break;
      this.paginatedResult = true;
      try {
        page = await this.lw.list({ continue: cont, limit, signal });
      } catch (err) {
        if (!isGone(err) || signal.aborted) throw err;
        this.logger.info({ reflector: this.name }, 'continue token expired; falling back to a full list');
        items.length = 0;
        page = await this.lw.list({ resourceVersion, signal });
      }
    }
    return { items, resourceVersion: page.metadata?.resourceVersion ?? '' };
  }

  /** watchHandler applies events until the stream ends; it returns how many it applied. */
  private async watchHandler(events: AsyncIterable<WatchEvent<T>>, signal: AbortSignal): Promise<number> {
    let n = 0;
    for await (const ev of events) {
      if (signal.aborted) break;
      if (ev.type === 'ERROR') {
        const status = ev.object as unknown as ApiStatus;
        throw new ApiError({ code: status?.code ?? 500, status, request: `watch ${this.name}`, body: JSON.stringify(status) });
      }
      const obj = ev.object;
      const rv = obj?.metadata?.resourceVersion;
      if (!obj || !obj.metadata) {
        this.logger.warn({ reflector: this.name, type: ev.type }, 'watch event without metadata; ignored');
        continue;
      }
      switch (ev.type) {
        case 'ADDED':
          this.store.add(obj);
          break;
        case 'MODIFIED':
          this.store.update(obj);
          break;
        case 'DELETED':
          this.store.delete(obj);
          break;
        case 'BOOKMARK':
          break;
        default:
          this.logger.warn({ reflector: this.name, type: ev.type }, 'unknown watch event type; ignored');
          continue;
      }
      if (rv) this.lastSyncRV = rv;
      n++;
    }
    return n;
  }

  private defaultWatchErrorHandler(err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    if (isGone(err)) this.logger.info({ reflector: this.name, err: msg }, 'watch closed');
    else this.logger.warn({ reflector: this.name, err: msg }, 'failed to list or watch');
  }
}

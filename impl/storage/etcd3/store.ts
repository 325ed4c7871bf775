/**
 * The etcd3 backend: objects as JSON values under `prefix + key`, resourceVersion = mod_revision,
 * compare-and-swap through transactions on mod_revision.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go (Create, GuaranteedUpdate,
 * Delete, GetList), watcher.go (watch from a revision, prev_kv, progress notify) and
 * compact.go; client: the `etcd3` npm package over gRPC.
 */
import {
  Etcd3,
  GRPCDeadlineExceededError,
  GRPCResourceExhastedError,
  GRPCUnavailableError,
  type IKeyValue,
  type IOptions,
  type IRangeRequest,
  type IRangeResponse,
  type IResponseHeader,
} from 'etcd3';
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry } from 'cockatiel';
import type {
  GuaranteedUpdateOptions,
  Interface,
  ListOptions,
  ListResult,
  Preconditions,
  StoredObject,
  UpdateFunc,
  WatchEvent,
  WatchOptions,
  Watcher,
} from '../interfaces.ts';
import { StorageError } from '../interfaces.ts';
import { continueAfter, decodeContinue } from '../continue.ts';
import { continueTooOld, keyExists, keyNotFound, resourceVersionTooOld, tooLargeResourceVersion, unreachable } from '../errors.ts';
import { bookmarkObject, checkPreconditions, decodeObject, encodeObject, prefixEnd, revisionOf } from '../object.ts';
import { WatchChannel } from '../watch-channel.ts';
import { realClock, type Clock, type TimerHandle } from '#impl/apimachinery/util/clock/index.ts';

/** Etcd3StorageOptions configures `newEtcd3Storage`. */
export interface Etcd3StorageOptions {
  /** Client URLs, e.g. `['http://127.0.0.1:2379']` (`--etcd-servers`). */
  endpoints: string[];
  /** Prepended to every key (`--etcd-prefix`); default '' since keys already start with /registry. */
  prefix?: string;
  /** gRPC dial timeout in ms (default 5000). */
  dialTimeout?: number;
  /**
   * Compaction period in ms (`--etcd-compaction-interval`, default 5 minutes; 0 disables). Each
   * run compacts to the revision seen by the previous run, as upstream's compactor does.
   */
  compactInterval?: number;
  /**
   * Largest gRPC response the client accepts, in bytes (default 2^31-1, like etcd's Go client:
   * the etcd server sends responses of any size, so the receiving side sets the limit). `list`
   * reads in pages and halves a page that still exceeds it, so only a single value larger than
   * this fails.
   */
  maxReceiveMessageBytes?: number;
  /** Keys per etcd range request when a list pages internally (default `LIST_PAGE_SIZE`). */
  listPageSize?: number;
  clock?: Clock;
}

/**
 * LIST_PAGE_SIZE is how many keys one etcd range request reads when `list` has no limit: a big
 * list is read as several ranges at one revision, so no single gRPC message grows with the
 * collection.
 */
export const LIST_PAGE_SIZE = 5000;

/** MAX_RECEIVE_MESSAGE_BYTES is the default `maxReceiveMessageBytes` (math.MaxInt32, as clientv3). */
export const MAX_RECEIVE_MESSAGE_BYTES = 2 ** 31 - 1;

/**
 * isTransportFailure tells the errors that say the etcd host itself is unreachable. Only these
 * feed the client's circuit breaker and retries: the etcd3 package's default policy counts every
 * "recoverable" gRPC error (RESOURCE_EXHAUSTED from one oversized response, CANCELLED from one
 * aborted call, INTERNAL...) and, after three in a row, refuses every call for five seconds,
 * which turns one bad request into an outage of the whole backend.
 */
function isTransportFailure(err: Error): boolean {
  return err instanceof GRPCUnavailableError || err instanceof GRPCDeadlineExceededError;
}

/**
 * faultHandling is the etcd3 client's policy: per host, a breaker that opens after 5 consecutive
 * transport failures and probes again after 1 s (fail fast while etcd is down, recover quickly
 * once it is back); globally, one retry with a short backoff on a transport failure (a
 * compare-and-swap makes a repeated write safe: it fails instead of applying twice).
 */
function faultHandling(): NonNullable<IOptions['faultHandling']> {
  const transport = handleWhen(isTransportFailure);
  return {
    host: () => circuitBreaker(transport, { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(5) }),
    global: retry(transport, { maxAttempts: 1, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }) }),
  };
}

/** isResponseTooLarge tells a response refused by the client's receive limit. */
function isResponseTooLarge(err: unknown): boolean {
  return err instanceof GRPCResourceExhastedError || /RESOURCE_EXHAUSTED|larger than max/i.test(String((err as Error)?.message ?? err));
}

const COMPACTED = 'required revision has been compacted';
const FUTURE = 'required revision is a future revision';

interface EtcdState {
  rev: number;
  data: string;
  stale: boolean;
}

/** Etcd3Store implements `Interface` on etcd v3. Construct it with `newEtcd3Storage`. */
export class Etcd3Store implements Interface {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly watchers = new Set<WatchChannel<StoredObject>>();
  /** Highest revision this client compacted to (etcd does not report it on errors). */
  private compactedTo = 0;

  private readonly clock: Clock;
  private compactTimer: TimerHandle | undefined;
  private closed = false;
  private readonly listPageSize: number;

  constructor(opts: Etcd3StorageOptions) {
    this.client = new Etcd3({
      hosts: opts.endpoints,
      dialTimeout: opts.dialTimeout ?? 5000,
      grpcOptions: { 'grpc.max_receive_message_length': opts.maxReceiveMessageBytes ?? MAX_RECEIVE_MESSAGE_BYTES },
      faultHandling: faultHandling(),
    });
    this.prefix = opts.prefix ?? '';
    this.listPageSize = Math.max(1, opts.listPageSize ?? LIST_PAGE_SIZE);
    this.clock = opts.clock ?? realClock;
    this.scheduleCompaction(opts.compactInterval ?? 5 * 60_000, 0);
  }

  /** upstream: storage/etcd3/compact.go — compact to the revision the previous tick saw. */
  private scheduleCompaction(interval: number, previous: number): void {
    if (interval <= 0 || this.closed) return;
    this.compactTimer = this.clock.setTimeout(() => {
      void (async () => {
        let seen = previous;
        try {
          seen = await this.currentRevision();
          if (previous > 0) await this.compact(previous);
        } catch {
          // etcd unreachable: try again next period
        }
        this.scheduleCompaction(interval, seen);
      })();
    }, interval, { background: true });
  }

  private k(key: string): Buffer {
    return Buffer.from(this.prefix + key);
  }

  private unk(key: Buffer): string {
    return key.toString('utf8').slice(this.prefix.length);
  }

  /** Maps an etcd/gRPC failure to a StorageError. */
  private interpret(err: unknown, key: string, revision = 0): Error {
    if (err instanceof StorageError) return err;
    const message = String((err as Error)?.message ?? err);
    if (message.includes(COMPACTED)) return resourceVersionTooOld(key, revision, this.compactedTo || undefined);
    if (message.includes(FUTURE)) return tooLargeResourceVersion(key, revision, 0);
    return unreachable(key, err);
  }

  private async range(req: IRangeRequest, key: string): Promise<IRangeResponse> {
    try {
      return await this.client.kv.range(req);
    } catch (err) {
      throw this.interpret(err, key, Number(req.revision ?? 0));
    }
  }

  private async readState(key: string): Promise<EtcdState | undefined> {
    const res = await this.range({ key: this.k(key) }, key);
    return stateOf(res.kvs[0]);
  }

  // --- reads -------------------------------------------------------------------------------

  async get<T extends StoredObject>(key: string): Promise<T> {
    const state = await this.readState(key);
    if (!state) throw keyNotFound(key);
    return decodeObject<T>(state.data, state.rev);
  }

  async list<T extends StoredObject>(prefix: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    let revision = opts.revision ?? 0;
    let startKey = prefix;
    let fromContinue = false;
    if (opts.continue) {
      const c = decodeContinue(opts.continue, prefix);
      startKey = c.startKey;
      revision = c.revision;
      fromContinue = true;
    }
    const end = this.k(prefixEnd(prefix));
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const predicate = opts.predicate;
    const items: T[] = [];
    let lastKey: string | undefined;
    let hasMore = false;
    let count: number | undefined;
    // Keys per range request: the whole page when limited, else internal pages of listPageSize;
    // halved while a response is too large for the client, doubled while a predicate filters.
    let pageSize = limit !== 0 ? Math.min(limit, this.listPageSize * 2) : this.listPageSize;
    let from = startKey;
    for (;;) {
      const want = limit !== 0 && !predicate ? Math.min(pageSize, limit - items.length) : pageSize;
      let res: IRangeResponse;
      try {
        // Every page reads at the first page's revision: one consistent snapshot.
        res = await this.client.kv.range({ key: this.k(from), range_end: end, revision: revision || undefined, limit: want });
      } catch (err) {
        if (isResponseTooLarge(err) && pageSize > 1) {
          pageSize = Math.max(1, Math.floor(want / 2));
          continue;
        }
        const mapped = this.interpret(err, prefix, revision);
        if (fromContinue && (mapped as StorageError).code === 'ResourceVersionTooOld') throw continueTooOld(prefix, revision, this.compactedTo || undefined);
        if ((mapped as StorageError).code === 'InvalidError') {
          throw tooLargeResourceVersion(prefix, revision, await this.currentRevision());
        }
        throw mapped;
      }
      if (revision === 0) revision = Number(res.header.revision);
      if (count === undefined) count = Number(res.count);
      hasMore = res.more;
      for (const kv of res.kvs) {
        const key = this.unk(kv.key);
        lastKey = key;
        const obj = decodeObject<T>(kv.value.toString('utf8'), Number(kv.mod_revision));
        if (!predicate || predicate(obj)) {
          items.push(obj);
          if (limit !== 0 && items.length === limit) {
            // The page is full; more remain if this response had more keys after this one.
            hasMore = hasMore || kv !== res.kvs[res.kvs.length - 1];
            break;
          }
        }
      }
      if ((limit !== 0 && items.length === limit) || !hasMore || lastKey === undefined) break;
      // A predicate rejected some items: read on, with bigger pages (upstream doubles the limit).
      if (predicate && limit !== 0) pageSize = Math.min(pageSize * 2, this.listPageSize * 2);
      from = lastKey + '\x00';
    }
    const result: ListResult<T> = { items, revision };
    if (hasMore && lastKey !== undefined) {
      result.continue = continueAfter(lastKey, prefix, revision);
      if (!predicate && count !== undefined) result.remainingItemCount = count - items.length;
    }
    return result;
  }

  async currentRevision(): Promise<number> {
    const res = await this.range({ key: this.k('/kubets-current-revision'), count_only: true }, '');
    return Number(res.header.revision);
  }

  async count(prefix: string): Promise<number> {
    const res = await this.range({ key: this.k(prefix), range_end: this.k(prefixEnd(prefix)), count_only: true }, prefix);
    return Number(res.count);
  }

  // --- writes ------------------------------------------------------------------------------

  async create<T extends StoredObject>(key: string, obj: T, opts: { ttlSeconds?: number } = {}): Promise<T> {
    const data = encodeObject(obj);
    try {
      let lease: string | undefined;
      if (opts.ttlSeconds && opts.ttlSeconds > 0) {
        lease = (await this.client.leaseClient.leaseGrant({ TTL: opts.ttlSeconds })).ID;
      }
      const res = await this.client.kv.txn({
        compare: [{ key: this.k(key), target: 'Mod', result: 'Equal', mod_revision: 0 }],
        success: [{ request_put: { key: this.k(key), value: Buffer.from(data), lease } }],
        failure: [],
      });
      if (!res.succeeded) throw keyExists(key);
      return decodeObject<T>(data, Number(res.header.revision));
    } catch (err) {
      throw this.interpret(err, key);
    }
  }

  async guaranteedUpdate<T extends StoredObject>(
    key: string,
    tryUpdate: UpdateFunc<T>,
    opts: GuaranteedUpdateOptions<T> = {},
  ): Promise<T> {
    let state: EtcdState | undefined =
      opts.cachedExisting && revisionOf(opts.cachedExisting) > 0
        ? { rev: revisionOf(opts.cachedExisting), data: encodeObject(opts.cachedExisting), stale: true }
        : await this.readState(key);
    for (;;) {
      if (!state && !opts.ignoreNotFound) throw keyNotFound(key);
      const current = state ? decodeObject<T>(state.data, state.rev) : ({} as T);
      try {
        if (state) checkPreconditions(key, opts.preconditions, current);
      } catch (err) {
        if (state?.stale) {
          state = await this.readState(key);
          continue;
        }
        throw err;
      }
      const updated = await tryUpdate(current);
      const data = encodeObject(updated);
      if (state && data === state.data) {
        if (!state.stale) return decodeObject<T>(state.data, state.rev);
        const fresh = await this.readState(key);
        if (fresh && fresh.rev === state.rev) return decodeObject<T>(state.data, state.rev);
        state = fresh;
        continue;
      }
      const k = this.k(key);
      let res;
      try {
        res = await this.client.kv.txn({
          compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: state?.rev ?? 0 }],
          // ignore_lease keeps a TTL key's lease across updates (etcd: the key must exist).
          success: [{ request_put: { key: k, value: Buffer.from(data), ignore_lease: state !== undefined } }],
          failure: [{ request_range: { key: k } }],
        });
      } catch (err) {
        throw this.interpret(err, key);
      }
      if (!res.succeeded) {
        state = stateOf(res.responses[0]?.response_range?.kvs[0]);
        continue;
      }
      return decodeObject<T>(data, Number(res.header.revision));
    }
  }

  async delete<T extends StoredObject>(
    key: string,
    opts: { preconditions?: Preconditions; validateDeletion?: (current: T) => void | Promise<void> } = {},
  ): Promise<T> {
    let state = await this.readState(key);
    for (;;) {
      if (!state) throw keyNotFound(key);
      const current = decodeObject<T>(state.data, state.rev);
      checkPreconditions(key, opts.preconditions, current);
      if (opts.validateDeletion) await opts.validateDeletion(current);
      const k = this.k(key);
      let res;
      try {
        res = await this.client.kv.txn({
          compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: state.rev }],
          success: [{ request_delete_range: { key: k } }],
          failure: [{ request_range: { key: k } }],
        });
      } catch (err) {
        throw this.interpret(err, key);
      }
      if (!res.succeeded) {
        state = stateOf(res.responses[0]?.response_range?.kvs[0]);
        continue;
      }
      return decodeObject<T>(state.data, Number(res.header.revision));
    }
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.client.kv.compact({ revision, physical: true });
    } catch (err) {
      const message = String((err as Error)?.message ?? err);
      if (!message.includes(COMPACTED)) throw this.interpret(err, '', revision);
    }
    this.compactedTo = Math.max(this.compactedTo, revision);
  }

  // --- watch -------------------------------------------------------------------------------

  watch<T extends StoredObject>(key: string, opts: WatchOptions = {}): Watcher<T> {
    let cancel: (() => void) | undefined;
    let self: WatchChannel<StoredObject> | undefined;
    const channel = new WatchChannel<StoredObject>({
      signal: opts.signal,
      onClose: () => {
        if (self) this.watchers.delete(self);
        cancel?.();
      },
    });
    self = channel;
    if (channel.isOpen) {
      this.watchers.add(channel);
      this.startWatch(key, opts, channel, (c) => (cancel = c)).catch((err: unknown) => channel.fail(this.interpret(err, key, opts.revision)));
    }
    return channel as unknown as Watcher<T>;
  }

  private async startWatch(
    key: string,
    opts: WatchOptions,
    channel: WatchChannel<StoredObject>,
    setCancel: (cancel: () => void) => void,
  ): Promise<void> {
    const from = opts.revision && opts.revision > 0 ? opts.revision : 0;
    // etcd reports a compacted start revision only by cancelling the watch without a reason, so
    // check first by reading at that revision (this also makes "from R" need R >= the compaction
    // point, the same rule as the SQLite backend).
    if (from > 0) {
      try {
        await this.client.kv.range({ key: this.k(key), revision: from, count_only: true });
      } catch (err) {
        const message = String((err as Error)?.message ?? err);
        if (message.includes(COMPACTED)) {
          channel.fail(resourceVersionTooOld(key, from, this.compactedTo || undefined));
          return;
        }
        if (!message.includes(FUTURE)) throw err;
      }
    }
    if (!channel.isOpen) return;
    const builder = this.client.watch().withPreviousKV();
    if (opts.recursive) builder.prefix(this.k(key));
    else builder.key(this.k(key));
    if (from > 0) builder.startRevision(String(from + 1));
    const watcher = builder.watcher();
    let last = from;
    setCancel(() => {
      watcher.removeAllListeners('data');
      watcher.cancel().catch(() => undefined);
    });
    watcher.on('data', (res) => {
      for (const ev of res.events) {
        const event = this.toEvent(ev.type as unknown as string, ev.kv, ev.prev_kv);
        if (event.revision <= last) continue; // a resumed stream may repeat: deliver once
        last = event.revision;
        channel.push(event);
      }
      if (res.events.length === 0 && !res.created && !res.canceled) {
        const rev = Number((res.header as IResponseHeader).revision);
        if (rev > last) last = rev;
        if (opts.progressNotify) channel.push({ type: 'BOOKMARK', object: bookmarkObject(Math.max(rev, last)), revision: Math.max(rev, last) });
      }
    });
    watcher.on('disconnected', () => {
      // Resume exactly after the last delivered revision (the client would resume after the
      // create response's header revision, which can skip history still being replayed).
      if (last > 0) (watcher.request as { start_revision?: string | number }).start_revision = String(last + 1);
    });
    watcher.on('error', (err: Error) => {
      void (async () => {
        if (last > 0) {
          try {
            await this.client.kv.range({ key: this.k(key), revision: last, count_only: true });
          } catch (rangeErr) {
            if (String((rangeErr as Error)?.message).includes(COMPACTED)) {
              channel.fail(resourceVersionTooOld(key, last, this.compactedTo || undefined));
              return;
            }
          }
        }
        channel.fail(unreachable(key, err));
      })();
    });
  }

  private toEvent(type: string, kv: IKeyValue, prev: IKeyValue | undefined): WatchEvent<StoredObject> {
    const revision = Number(kv.mod_revision);
    const prevObject = prev ? decodeObject(prev.value.toString('utf8'), Number(prev.mod_revision)) : undefined;
    if (type === 'Delete' || type === 'DELETE' || (type as unknown) === 1) {
      const object = prev ? decodeObject(prev.value.toString('utf8'), revision) : bookmarkObject(revision);
      return { type: 'DELETED', object, prevObject, revision };
    }
    const object = decodeObject(kv.value.toString('utf8'), revision);
    if (kv.create_revision === kv.mod_revision) return { type: 'ADDED', object, revision };
    return { type: 'MODIFIED', object, prevObject, revision };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.compactTimer) this.clock.clearTimeout(this.compactTimer);
    for (const w of [...this.watchers]) w.end();
    this.watchers.clear();
    this.client.close();
  }
}

function stateOf(kv: IKeyValue | undefined): EtcdState | undefined {
  if (!kv) return undefined;
  return { rev: Number(kv.mod_revision), data: kv.value.toString('utf8'), stale: false };
}

/** newEtcd3Storage connects to etcd (`--etcd-servers`); the connection is lazy. */
export function newEtcd3Storage(opts: Etcd3StorageOptions): Etcd3Store {
  return new Etcd3Store(opts);
}

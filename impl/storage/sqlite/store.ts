/**
 * The embedded SQLite backend: a revision log in the style of k3s's kine.
 *
 * upstream: github.com/k3s-io/kine pkg/logstructured/sqllog (the log table and its queries) and
 * pkg/drivers/sqlite; semantics from staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go.
 *
 * Every write appends one row to `kine` whose `id` is the new global revision (etcd's
 * mod_revision). A create appends `created = 1`, a delete appends a tombstone `deleted = 1`
 * carrying the last value. The state at revision R is, per key, the newest row with id <= R
 * unless it is a tombstone. Compaction to C drops every row with id <= C that is superseded
 * (a newer row with id <= C exists) or is a tombstone, so the state at C stays readable and
 * the table holds at most one row per key below C.
 *
 * One process owns the file (better-sqlite3 is synchronous and single-threaded), so a
 * read-compare-append inside one transaction is a compare-and-swap, and watchers are fed from an
 * in-process notification right after each commit: the watch delivers every row with a revision
 * above its start exactly once, first from the log (historic), then live.
 */
import Database from 'better-sqlite3';
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
import { realClock, type Clock, type TimerHandle } from '#impl/apimachinery/util/clock/index.ts';
import { continueAfter, decodeContinue } from '../continue.ts';
import { continueTooOld, keyExists, keyNotFound, resourceVersionTooOld, tooLargeResourceVersion } from '../errors.ts';
import { bookmarkObject, checkPreconditions, decodeObject, encodeObject, keyMatches, prefixEnd, revisionOf } from '../object.ts';
import { WatchChannel } from '../watch-channel.ts';

/** SqliteStorageOptions configures `newSqliteStorage`. */
export interface SqliteStorageOptions {
  /** Database file, or `':memory:'`. The directory must exist. */
  path: string;
  /** Time source for compaction, TTLs and bookmarks. */
  clock?: Clock;
  /**
   * Auto-compaction period in ms (default 5 minutes, as kube-apiserver's
   * `--etcd-compaction-interval`; 0 disables). Each run compacts to the revision seen by the
   * previous run, so at least one period of history is kept.
   */
  compactInterval?: number;
  /** Auto-compaction never drops the newest this many revisions (default 1000, as kine). */
  compactMinRetain?: number;
  /** How often idle `progressNotify` watchers get a BOOKMARK, in ms (default 5000). */
  progressNotifyInterval?: number;
  /** How often keys created with `ttlSeconds` are checked for expiry, in ms (default 1000). */
  ttlSweepInterval?: number;
  /**
   * SQLite `synchronous` setting (default NORMAL). In WAL mode NORMAL never corrupts the
   * database; a power loss may roll back the last commits, which is what etcd's batched fsync
   * also risks within its batch interval. FULL fsyncs every commit.
   */
  synchronous?: 'OFF' | 'NORMAL' | 'FULL';
  /** Rows read per step while a watch replays history (default 500). */
  watchReplayBatch?: number;
}

interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  lease: number;
  value: string;
}

interface HistoryRow extends Row {
  prev_value: string | null;
}

interface StoreWatch {
  key: string;
  recursive: boolean;
  progressNotify: boolean;
  channel: WatchChannel<StoredObject>;
  /** Revision up to which events are queued. */
  pos: number;
  /** While replaying: the newest revision to read from the log; live events above it wait in `buffered`. */
  replayUntil: number;
  replaying: boolean;
  buffered: WatchEvent<StoredObject>[];
  progressRequested: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  lease INTEGER NOT NULL DEFAULT 0,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kine_name_id_index ON kine (name, id);
CREATE UNIQUE INDEX IF NOT EXISTS kine_name_prev_revision_uindex ON kine (name, prev_revision);
CREATE INDEX IF NOT EXISTS kine_lease_index ON kine (lease) WHERE lease > 0;
CREATE TABLE IF NOT EXISTS kine_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

const COLUMNS = 'id, name, created, deleted, create_revision, prev_revision, lease, value';
/** Compaction deletes at most this many revisions per step, yielding to the event loop between steps (kine: 1000). */
const COMPACT_BATCH = 1000;

/**
 * SqliteStore implements `Interface` on an embedded SQLite revision log. Construct it with
 * `newSqliteStorage`.
 */
export class SqliteStore implements Interface {
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly opts: Required<Omit<SqliteStorageOptions, 'clock' | 'path'>>;
  private rev: number;
  private compactRev: number;
  private readonly watchers = new Set<StoreWatch>();
  private readonly ttlKeys = new Map<string, number>();
  private timers: { compact?: TimerHandle; bookmark?: TimerHandle; ttl?: TimerHandle } = {};
  private lastCompactTickRev: number;
  private closed = false;

  private readonly stmt: {
    latest: Database.Statement<[string], Row>;
    insert: Database.Statement<[number, string, number, number, number, number, number, string]>;
    list: Database.Statement<[{ from: string; end: string; rev: number; limit: number }], Row>;
    countRange: Database.Statement<[{ from: string; end: string; rev: number }], { n: number }>;
    history: Database.Statement<[number, number, string, string, number], HistoryRow>;
    historyKey: Database.Statement<[number, number, string, number], HistoryRow>;
    setMeta: Database.Statement<[string, number]>;
    compactSuperseded: Database.Statement<[number, number, number]>;
    compactTombstones: Database.Statement<[number, number]>;
    expiring: Database.Statement<[], { name: string; lease: number }>;
  };

  /** The create transaction, built once (better-sqlite3 wraps the function on every `transaction()` call). */
  private readonly createTxn = this.lazyTxn((key: string, lease: number, data: string): number => {
    const latest = this.stmt.latest.get(key);
    if (latest && !latest.deleted) throw keyExists(key);
    return this.append(key, 1, 0, 0, latest?.id ?? 0, lease, data);
  });

  /** lazyTxn defers `db.transaction(fn)` to the first call (the database opens in the constructor). */
  private lazyTxn<A extends unknown[], R>(fn: (...args: A) => R): { immediate(...args: A): R } {
    let txn: Database.Transaction<(...args: A) => R> | undefined;
    return { immediate: (...args: A) => (txn ??= this.db.transaction(fn)).immediate(...args) };
  }

  constructor(options: SqliteStorageOptions) {
    this.clock = options.clock ?? realClock;
    this.opts = {
      compactInterval: options.compactInterval ?? 5 * 60_000,
      compactMinRetain: options.compactMinRetain ?? 1000,
      progressNotifyInterval: options.progressNotifyInterval ?? 5000,
      ttlSweepInterval: options.ttlSweepInterval ?? 1000,
      synchronous: options.synchronous ?? 'NORMAL',
      watchReplayBatch: options.watchReplayBatch ?? 500,
    };
    this.db = new Database(options.path, { timeout: 1000 });
    try {
      // auto_vacuum only takes effect before the first table exists; INCREMENTAL lets compaction
      // hand freed pages back to the file system.
      this.db.pragma('auto_vacuum = INCREMENTAL');
      // One process owns the file: the revision counter and the watch notifications live in its
      // memory, so a second writer would break both. EXCLUSIVE locking makes a second opener fail
      // ("database is locked") instead of corrupting the log.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${this.opts.synchronous}`);
      this.db.exec(SCHEMA);
    } catch (err) {
      this.db.close();
      throw new Error(`open ${options.path}: ${(err as Error).message} (is another kubets apiserver using this data dir?)`, { cause: err });
    }

    this.stmt = {
      latest: this.db.prepare(`SELECT ${COLUMNS} FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1`),
      insert: this.db.prepare(
        'INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, lease, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      // The newest row per key at or below the revision: scanning the (name, id) index in key
      // order with NOT EXISTS stops after LIMIT rows, where GROUP BY would scan the whole range.
      list: this.db.prepare(
        `SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.prev_revision, k.lease, k.value FROM kine k
         WHERE k.name >= @from AND k.name < @end AND k.id <= @rev AND k.deleted = 0
           AND NOT EXISTS (SELECT 1 FROM kine n WHERE n.name = k.name AND n.id > k.id AND n.id <= @rev)
         ORDER BY k.name LIMIT @limit`,
      ),
      countRange: this.db.prepare(
        `SELECT COUNT(*) AS n FROM kine k
         WHERE k.name >= @from AND k.name < @end AND k.id <= @rev AND k.deleted = 0
           AND NOT EXISTS (SELECT 1 FROM kine n WHERE n.name = k.name AND n.id > k.id AND n.id <= @rev)`,
      ),
      history: this.db.prepare(
        `SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.prev_revision, k.lease, k.value, p.value AS prev_value
         FROM kine k LEFT JOIN kine p ON p.id = k.prev_revision AND k.created = 0 AND k.deleted = 0
         WHERE k.id > ? AND k.id <= ? AND k.name >= ? AND k.name < ? ORDER BY k.id LIMIT ?`,
      ),
      historyKey: this.db.prepare(
        `SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.prev_revision, k.lease, k.value, p.value AS prev_value
         FROM kine k LEFT JOIN kine p ON p.id = k.prev_revision AND k.created = 0 AND k.deleted = 0
         WHERE k.id > ? AND k.id <= ? AND k.name = ? ORDER BY k.id LIMIT ?`,
      ),
      setMeta: this.db.prepare('INSERT INTO kine_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      compactSuperseded: this.db.prepare(
        `DELETE FROM kine WHERE id > ? AND id <= ? AND EXISTS
           (SELECT 1 FROM kine n WHERE n.name = kine.name AND n.id > kine.id AND n.id <= ?)`,
      ),
      compactTombstones: this.db.prepare('DELETE FROM kine WHERE id > ? AND id <= ? AND deleted = 1'),
      expiring: this.db.prepare(
        `SELECT k.name, k.lease FROM kine k WHERE k.lease > 0 AND k.deleted = 0
           AND k.id = (SELECT MAX(id) FROM kine WHERE name = k.name)`,
      ),
    };

    const seq = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'kine'").get() as { seq: number } | undefined;
    const maxId = (this.db.prepare('SELECT MAX(id) AS m FROM kine').get() as { m: number | null }).m ?? 0;
    // Like etcd, an empty store is at revision 1 and the first write gets 2, so that revision 0
    // always means "now" and a watch from the first revision can see the first write.
    this.rev = Math.max(1, seq?.seq ?? 0, maxId);
    const compact = this.db.prepare("SELECT value FROM kine_meta WHERE key = 'compact_rev'").get() as { value: number } | undefined;
    this.compactRev = compact?.value ?? 0;
    this.lastCompactTickRev = this.rev;
    for (const { name, lease } of this.stmt.expiring.all()) this.ttlKeys.set(name, lease);

    this.scheduleCompaction();
    this.scheduleBookmarks();
    this.scheduleTtlSweep();
  }

  // --- reads -------------------------------------------------------------------------------

  async get<T extends StoredObject>(key: string): Promise<T> {
    const row = this.stmt.latest.get(key);
    if (!row || row.deleted) throw keyNotFound(key);
    return decodeObject<T>(row.value, row.id);
  }

  async list<T extends StoredObject>(prefix: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    let revision = opts.revision ?? 0;
    let startKey = prefix;
    if (opts.continue) {
      const c = decodeContinue(opts.continue, prefix);
      startKey = c.startKey;
      revision = c.revision;
      if (revision < this.compactRev) throw continueTooOld(prefix, revision, this.compactRev);
    }
    if (revision === 0) revision = this.rev;
    if (revision < this.compactRev) throw resourceVersionTooOld(prefix, revision, this.compactRev);
    if (revision > this.rev) throw tooLargeResourceVersion(prefix, revision, this.rev);

    const end = prefixEnd(prefix);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const predicate = opts.predicate;
    const items: T[] = [];
    let lastKey: string | undefined;
    let hasMore = false;
    // Without a limit read everything in one statement; with one, read pages until the
    // predicate has accepted `limit` items (upstream's GetList loop).
    const pageSize = limit === 0 ? -1 : Math.max(limit + 1, predicate ? 256 : 0);
    let from = startKey;
    for (;;) {
      const rows = this.stmt.list.all({ from, end, rev: revision, limit: pageSize });
      let i = 0;
      for (; i < rows.length; i++) {
        const row = rows[i]!;
        if (limit !== 0 && items.length === limit) {
          hasMore = true;
          break;
        }
        const obj = decodeObject<T>(row.value, row.id);
        lastKey = row.name;
        if (!predicate || predicate(obj)) items.push(obj);
      }
      if (hasMore || pageSize === -1 || rows.length < pageSize) break;
      from = lastKey + '\x00';
    }
    const result: ListResult<T> = { items, revision };
    if (hasMore && lastKey !== undefined) {
      result.continue = continueAfter(lastKey, prefix, revision);
      if (!predicate) {
        result.remainingItemCount = this.stmt.countRange.get({ from: lastKey + '\x00', end, rev: revision })!.n;
      }
    }
    return result;
  }

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  async count(prefix: string): Promise<number> {
    return this.stmt.countRange.get({ from: prefix, end: prefixEnd(prefix), rev: this.rev })!.n;
  }

  // --- writes ------------------------------------------------------------------------------

  async create<T extends StoredObject>(key: string, obj: T, opts: { ttlSeconds?: number } = {}): Promise<T> {
    const data = encodeObject(obj);
    const lease = opts.ttlSeconds && opts.ttlSeconds > 0 ? this.clock.now() + opts.ttlSeconds * 1000 : 0;
    const id = this.createTxn.immediate(key, lease, data);
    if (lease) this.trackTtl(key, lease);
    this.notify(key, 'ADDED', id, data, undefined, 0);
    return decodeObject<T>(data, id);
  }

  async guaranteedUpdate<T extends StoredObject>(
    key: string,
    tryUpdate: UpdateFunc<T>,
    opts: GuaranteedUpdateOptions<T> = {},
  ): Promise<T> {
    // `state` is what the CAS compares against; `stale` marks a state taken from cachedExisting.
    let state = opts.cachedExisting && revisionOf(opts.cachedExisting) > 0
      ? { row: undefined as Row | undefined, rev: revisionOf(opts.cachedExisting), data: encodeObject(opts.cachedExisting), stale: true }
      : this.readState(key);
    for (;;) {
      if (state.rev === 0 && !opts.ignoreNotFound) {
        throw keyNotFound(key);
      }
      const current = state.rev === 0 ? ({} as T) : decodeObject<T>(state.data, state.rev);
      try {
        if (state.rev !== 0) checkPreconditions(key, opts.preconditions, current);
      } catch (err) {
        if (state.stale) {
          state = this.readState(key);
          continue;
        }
        throw err;
      }
      const updated = await tryUpdate(current);
      const data = encodeObject(updated);
      if (state.rev !== 0 && data === state.data) {
        // Nothing changed: no write, as upstream, once we know the state is current.
        const fresh = this.readState(key);
        if (fresh.rev === state.rev) return decodeObject<T>(state.data, state.rev);
        state = fresh;
        continue;
      }
      const expected = state.rev;
      const result = this.db
        .transaction(() => {
          const latest = this.stmt.latest.get(key);
          const latestRev = latest && !latest.deleted ? latest.id : 0;
          if (latestRev !== expected) return undefined;
          if (expected === 0) return { id: this.append(key, 1, 0, 0, latest?.id ?? 0, 0, data), lease: 0 };
          return { id: this.append(key, 0, 0, latest!.create_revision || latest!.id, latest!.id, latest!.lease, data), lease: latest!.lease };
        })
        .immediate();
      if (!result) {
        state = this.readState(key);
        continue;
      }
      if (result.lease) this.trackTtl(key, result.lease);
      if (expected === 0) this.notify(key, 'ADDED', result.id, data, undefined, 0);
      else this.notify(key, 'MODIFIED', result.id, data, state.data, expected);
      return decodeObject<T>(data, result.id);
    }
  }

  async delete<T extends StoredObject>(
    key: string,
    opts: { preconditions?: Preconditions; validateDeletion?: (current: T) => void | Promise<void> } = {},
  ): Promise<T> {
    for (;;) {
      const state = this.readState(key);
      if (state.rev === 0) throw keyNotFound(key);
      const current = decodeObject<T>(state.data, state.rev);
      checkPreconditions(key, opts.preconditions, current);
      if (opts.validateDeletion) await opts.validateDeletion(current);
      const id = this.deleteIfCurrent(key, state.rev);
      if (id === undefined) continue;
      this.notify(key, 'DELETED', id, state.data, state.data, state.rev);
      return decodeObject<T>(state.data, id);
    }
  }

  /** Appends a tombstone if `expectedRev` is still the key's latest revision; returns its revision. */
  private deleteIfCurrent(key: string, expectedRev: number): number | undefined {
    const id = this.db
      .transaction(() => {
        const latest = this.stmt.latest.get(key);
        if (!latest || latest.deleted || latest.id !== expectedRev) return undefined;
        return this.append(key, 0, 1, latest.create_revision || latest.id, latest.id, 0, latest.value);
      })
      .immediate();
    if (id !== undefined) this.ttlKeys.delete(key);
    return id;
  }

  private readState(key: string): { row: Row | undefined; rev: number; data: string; stale: boolean } {
    const row = this.stmt.latest.get(key);
    if (!row || row.deleted) return { row, rev: 0, data: '', stale: false };
    return { row, rev: row.id, data: row.value, stale: false };
  }

  /** Appends one row with the next revision; must run inside a transaction. */
  private append(name: string, created: number, deleted: number, createRev: number, prevRev: number, lease: number, value: string): number {
    const id = this.rev + 1;
    this.stmt.insert.run(id, name, created, deleted, created ? id : createRev, prevRev, lease, value);
    this.rev = id;
    return id;
  }

  // --- watch -------------------------------------------------------------------------------

  watch<T extends StoredObject>(key: string, opts: WatchOptions = {}): Watcher<T> {
    const start = opts.revision && opts.revision > 0 ? opts.revision : this.rev;
    const w: StoreWatch = {
      key,
      recursive: !!opts.recursive,
      progressNotify: !!opts.progressNotify,
      channel: undefined as unknown as WatchChannel<StoredObject>,
      pos: start,
      replayUntil: this.rev,
      replaying: start < this.rev,
      buffered: [],
      progressRequested: false,
    };
    w.channel = new WatchChannel<StoredObject>({
      signal: opts.signal,
      onClose: () => this.watchers.delete(w),
      onDrain: () => this.replay(w),
    });
    const watcher = w.channel as unknown as WatchChannel<T> & { requestProgress(): void };
    watcher.requestProgress = () => this.requestProgress(w);
    if (this.closed) {
      w.channel.end();
      return watcher;
    }
    if (opts.revision && opts.revision > 0 && opts.revision < this.compactRev) {
      w.channel.fail(resourceVersionTooOld(key, opts.revision, this.compactRev));
      return watcher;
    }
    if (w.channel.isOpen) this.watchers.add(w);
    return watcher;
  }

  /** Reads the next batch of history into a replaying watcher; switches it to live at the end. */
  private replay(w: StoreWatch): void {
    if (!w.replaying || !w.channel.isOpen) return;
    const batch = this.opts.watchReplayBatch;
    const rows = w.recursive
      ? this.stmt.history.all(w.pos, w.replayUntil, w.key, prefixEnd(w.key), batch)
      : this.stmt.historyKey.all(w.pos, w.replayUntil, w.key, batch);
    for (const row of rows) {
      w.channel.push(historyEvent(row));
      w.pos = row.id;
    }
    if (rows.length < batch) {
      w.pos = w.replayUntil;
      w.replaying = false;
      for (const ev of w.buffered) {
        w.channel.push(ev);
        w.pos = ev.revision;
      }
      w.buffered = [];
      if (w.progressRequested) this.requestProgress(w);
    }
  }

  private requestProgress(w: StoreWatch): void {
    if (!w.channel.isOpen) return;
    if (w.replaying) {
      w.progressRequested = true;
      return;
    }
    w.progressRequested = false;
    const rev = Math.max(this.rev, w.pos);
    w.channel.push({ type: 'BOOKMARK', object: bookmarkObject(rev), revision: rev });
  }

  /** Fans one committed write out to the matching watchers (events are shared: read-only). */
  private notify(key: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', id: number, data: string, prevData: string | undefined, prevRev: number): void {
    let event: WatchEvent<StoredObject> | undefined;
    for (const w of this.watchers) {
      if (!keyMatches(w.key, w.recursive, key)) continue;
      event ??= {
        type,
        object: decodeObject(data, id),
        prevObject: prevData === undefined ? undefined : decodeObject(prevData, prevRev),
        revision: id,
      };
      if (w.replaying) {
        w.buffered.push(event);
      } else if (id > w.pos) {
        w.channel.push(event);
        w.pos = id;
      }
    }
  }

  // --- compaction --------------------------------------------------------------------------

  async compact(revision: number): Promise<void> {
    if (revision <= this.compactRev) return;
    if (revision > this.rev) throw tooLargeResourceVersion('', revision, this.rev);
    const from = this.compactRev;
    // Publish the new floor first so no new read starts below it while rows are removed.
    this.compactRev = revision;
    this.stmt.setMeta.run('compact_rev', revision);
    for (const w of this.watchers) {
      if (w.replaying && w.pos < revision) {
        w.channel.fail(resourceVersionTooOld(w.key, w.pos, revision));
        this.watchers.delete(w);
      }
    }
    for (let lo = from; lo < revision; lo += COMPACT_BATCH) {
      const hi = Math.min(lo + COMPACT_BATCH, revision);
      this.db
        .transaction(() => {
          this.stmt.compactSuperseded.run(lo, hi, revision);
          this.stmt.compactTombstones.run(lo, hi);
        })
        .immediate();
      if (hi < revision) await new Promise((r) => setImmediate(r));
      if (this.closed) return;
    }
    // Give freed pages back and truncate the WAL so the files really shrink.
    this.db.pragma('incremental_vacuum');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** compactedRevision is the compaction floor: lists and watches below it fail. */
  compactedRevision(): number {
    return this.compactRev;
  }

  /** rowCount counts log rows (for tests and metrics: compaction bounds it). */
  rowCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM kine').get() as { n: number }).n;
  }

  private scheduleCompaction(): void {
    if (this.opts.compactInterval <= 0 || this.closed) return;
    this.timers.compact = this.clock.setTimeout(() => {
      const target = Math.min(this.lastCompactTickRev, this.rev - this.opts.compactMinRetain);
      this.lastCompactTickRev = this.rev;
      const run = target > this.compactRev ? this.compact(target) : Promise.resolve();
      run.catch(() => undefined).finally(() => this.scheduleCompaction());
    }, this.opts.compactInterval, { background: true });
  }

  private scheduleBookmarks(): void {
    if (this.opts.progressNotifyInterval <= 0 || this.closed) return;
    this.timers.bookmark = this.clock.setTimeout(() => {
      for (const w of this.watchers) {
        if (w.progressNotify && !w.replaying && w.channel.length === 0) this.requestProgress(w);
      }
      this.scheduleBookmarks();
    }, this.opts.progressNotifyInterval, { background: true });
  }

  // --- TTL ---------------------------------------------------------------------------------

  private trackTtl(key: string, expiresAt: number): void {
    this.ttlKeys.set(key, expiresAt);
  }

  private scheduleTtlSweep(): void {
    if (this.opts.ttlSweepInterval <= 0 || this.closed) return;
    this.timers.ttl = this.clock.setTimeout(() => {
      this.sweepExpired();
      this.scheduleTtlSweep();
    }, this.opts.ttlSweepInterval, { background: true });
  }

  /** sweepExpired deletes keys whose TTL passed (like an etcd lease expiring). */
  sweepExpired(): void {
    const now = this.clock.now();
    for (const [key, expiresAt] of this.ttlKeys) {
      if (expiresAt > now) continue;
      this.ttlKeys.delete(key);
      const state = this.readState(key);
      if (state.rev === 0 || !state.row || state.row.lease === 0 || state.row.lease > now) continue;
      const id = this.deleteIfCurrent(key, state.rev);
      if (id !== undefined) this.notify(key, 'DELETED', id, state.data, state.data, state.rev);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of Object.values(this.timers)) if (t) this.clock.clearTimeout(t);
    for (const w of [...this.watchers]) w.channel.end();
    this.watchers.clear();
    this.db.close();
  }
}

function historyEvent(row: HistoryRow): WatchEvent<StoredObject> {
  if (row.created) return { type: 'ADDED', object: decodeObject(row.value, row.id), revision: row.id };
  if (row.deleted) {
    return {
      type: 'DELETED',
      object: decodeObject(row.value, row.id),
      prevObject: decodeObject(row.value, row.prev_revision),
      revision: row.id,
    };
  }
  return {
    type: 'MODIFIED',
    object: decodeObject(row.value, row.id),
    prevObject: row.prev_value === null ? undefined : decodeObject(row.prev_value, row.prev_revision),
    revision: row.id,
  };
}

/** newSqliteStorage opens (or creates) the SQLite revision log at `opts.path`. */
export function newSqliteStorage(opts: SqliteStorageOptions): SqliteStore {
  return new SqliteStore(opts);
}

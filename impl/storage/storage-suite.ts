/**
 * The storage test suite every backend must pass (and the watch cache, which implements the same
 * `Interface`). Each backend's test file calls `runStorageSuite` with a factory.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/storage/testing/store_tests.go and
 * watcher_tests.go, which run against etcd3 and the cacher alike.
 */
import test, { type ExecutionContext } from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { isStorageError, type Interface, type StoredObject, type WatchEvent, type Watcher } from './interfaces.ts';
import { revisionOf } from './object.ts';

/** SuiteStorage is what a factory hands to each test. */
export interface SuiteStorage {
  storage: Interface;
  /** Called after the test, pass or fail. */
  close(): Promise<void>;
}

/** StorageSuiteOptions configures `runStorageSuite`. */
export interface StorageSuiteOptions {
  /** Prefix of every test title, e.g. 'sqlite'. */
  name: string;
  /** Builds a storage for one test. Tests use distinct key prefixes, so a factory may share one server. */
  newStorage(): Promise<SuiteStorage>;
  /** Skip the bookmark case (a backend whose progress notifications are too slow for a test). */
  skipBookmarks?: boolean;
  /** Skip the TTL case. */
  skipTtl?: boolean;
}

interface Obj extends StoredObject {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
  data?: Record<string, string>;
  count?: number;
}

type Ctx = ExecutionContext<unknown>;

interface SuiteCase {
  name: string;
  skip?: (o: StorageSuiteOptions) => boolean;
  run(t: Ctx, s: Interface, prefix: string, o: StorageSuiteOptions): Promise<void>;
}

let counter = 0;
function uniquePrefix(): string {
  counter++;
  return `/registry/suite-${process.pid}-${Date.now().toString(36)}-${counter}/`;
}

function obj(name: string, extra: Partial<Obj> = {}): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, uid: `uid-${name}` }, ...extra };
}

async function expectStorageError(t: Ctx, p: Promise<unknown> | (() => Promise<unknown>), code: Parameters<typeof isStorageError>[1]): Promise<void> {
  const promise = typeof p === 'function' ? p() : p;
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.true(isStorageError(err, code), `expected StorageError ${code}, got ${String(err)}`);
}

/** collect reads events (skipping bookmarks unless asked) until `until` says stop, or fails after a timeout. */
async function collect<T extends StoredObject>(
  watcher: Watcher<T>,
  until: (events: WatchEvent<T>[]) => boolean,
  opts: { timeoutMs?: number; bookmarks?: boolean } = {},
): Promise<WatchEvent<T>[]> {
  const events: WatchEvent<T>[] = [];
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    watcher.stop();
  }, opts.timeoutMs ?? 8000);
  try {
    if (until(events)) return events;
    for await (const ev of watcher) {
      if (ev.type === 'BOOKMARK' && !opts.bookmarks) continue;
      events.push(ev);
      if (until(events)) break;
    }
  } finally {
    clearTimeout(timer);
    watcher.stop();
  }
  if (timedOut) throw new Error(`watch timed out after ${events.length} events: ${JSON.stringify(events.map(summary))}`);
  return events;
}

function summary(ev: WatchEvent): string {
  return `${ev.type} ${(ev.object.metadata?.name as string) ?? ''}@${ev.revision}`;
}

const cases: SuiteCase[] = [
  {
    name: 'create fails on an existing key with KeyExists',
    async run(t, s, p) {
      await s.create(p + 'a', obj('a'));
      await expectStorageError(t, s.create(p + 'a', obj('a')), 'KeyExists');
    },
  },
  {
    name: 'get on a missing key fails with KeyNotFound',
    async run(t, s, p) {
      await expectStorageError(t, s.get(p + 'missing'), 'KeyNotFound');
      await s.create(p + 'x', obj('x'));
      await s.delete(p + 'x');
      await expectStorageError(t, s.get(p + 'x'), 'KeyNotFound');
    },
  },
  {
    name: 'resourceVersion equals the storage revision and increases with every write',
    async run(t, s, p) {
      const before = await s.currentRevision();
      const created = await s.create(p + 'a', obj('a', { metadata: { name: 'a', resourceVersion: '999999' } }));
      const rv1 = revisionOf(created);
      t.true(rv1 > before);
      t.is(await s.currentRevision(), rv1);
      t.is((await s.get<Obj>(p + 'a')).metadata.resourceVersion, String(rv1));
      const updated = await s.guaranteedUpdate<Obj>(p + 'a', (cur) => ({ ...cur, data: { k: 'v' } }));
      const rv2 = revisionOf(updated);
      t.true(rv2 > rv1);
      t.is(await s.currentRevision(), rv2);
      const deleted = await s.delete<Obj>(p + 'a');
      t.true(revisionOf(deleted) > rv2);
      t.is(await s.currentRevision(), revisionOf(deleted));
      t.deepEqual(deleted.data, { k: 'v' });
    },
  },
  {
    name: 'guaranteedUpdate retries when a concurrent write wins the compare-and-swap',
    async run(t, s, p) {
      await s.create(p + 'c', obj('c', { count: 0 }));
      let arrived = 0;
      let calls = 0;
      let release!: () => void;
      const barrier = new Promise<void>((r) => (release = r));
      const increment = () =>
        s.guaranteedUpdate<Obj>(p + 'c', async (cur) => {
          calls++;
          arrived++;
          if (arrived === 2) release();
          // Both first attempts read the same state, then race to write it.
          if (arrived <= 2) await barrier;
          return { ...cur, count: (cur.count ?? 0) + 1 };
        });
      const [a, b] = await Promise.all([increment(), increment()]);
      const final = await s.get<Obj>(p + 'c');
      t.is(final.count, 2);
      t.is(calls, 3, 'the loser re-reads and calls tryUpdate again');
      t.not(a.metadata.resourceVersion, b.metadata.resourceVersion);
      t.is(final.metadata.resourceVersion, String(Math.max(revisionOf(a), revisionOf(b))));
    },
  },
  {
    name: 'guaranteedUpdate checks preconditions, propagates errors and skips no-op writes',
    async run(t, s, p) {
      const created = await s.create(p + 'u', obj('u', { count: 1 }));
      await expectStorageError(
        t,
        s.guaranteedUpdate<Obj>(p + 'u', (cur) => cur, { preconditions: { uid: 'other' } }),
        'ResourceVersionConflicts',
      );
      await expectStorageError(
        t,
        s.guaranteedUpdate<Obj>(p + 'u', (cur) => cur, { preconditions: { resourceVersion: String(revisionOf(created) + 1000) } }),
        'ResourceVersionConflicts',
      );
      const boom = new Error('boom');
      const err = await s.guaranteedUpdate<Obj>(p + 'u', () => {
        throw boom;
      }).catch((e: unknown) => e);
      t.is(err, boom);
      const same = await s.guaranteedUpdate<Obj>(p + 'u', (cur) => ({ ...cur }));
      t.is(same.metadata.resourceVersion, created.metadata!.resourceVersion, 'an unchanged object is not written');
      const rev = await s.currentRevision();
      t.is(rev, revisionOf(created));
      // A stale cached copy is only a hint: the update still applies to the current object.
      await s.guaranteedUpdate<Obj>(p + 'u', (cur) => ({ ...cur, count: 2 }));
      const viaCache = await s.guaranteedUpdate<Obj>(p + 'u', (cur) => ({ ...cur, count: (cur.count ?? 0) + 10 }), {
        cachedExisting: created as Obj,
      });
      t.is(viaCache.count, 12);
    },
  },
  {
    name: 'guaranteedUpdate on a missing key fails with KeyNotFound unless ignoreNotFound',
    async run(t, s, p) {
      await expectStorageError(t, s.guaranteedUpdate<Obj>(p + 'n', (cur) => cur), 'KeyNotFound');
      const made = await s.guaranteedUpdate<Obj>(p + 'n', (cur) => ({ ...cur, ...obj('n'), count: 7 }), { ignoreNotFound: true });
      t.is(made.count, 7);
      t.is((await s.get<Obj>(p + 'n')).count, 7);
    },
  },
  {
    name: 'delete checks uid and resourceVersion preconditions',
    async run(t, s, p) {
      const created = await s.create(p + 'd', obj('d'));
      await expectStorageError(t, s.delete(p + 'd', { preconditions: { uid: 'wrong' } }), 'ResourceVersionConflicts');
      await expectStorageError(t, s.delete(p + 'd', { preconditions: { resourceVersion: String(revisionOf(created) + 1000) } }), 'ResourceVersionConflicts');
      t.truthy(await s.get(p + 'd'), 'still there after failed preconditions');
      const gone = await s.delete<Obj>(p + 'd', {
        preconditions: { uid: 'uid-d', resourceVersion: created.metadata!.resourceVersion },
      });
      t.is(gone.metadata.name, 'd');
      t.true(revisionOf(gone) > revisionOf(created), 'the last state carries the deletion revision');
      await expectStorageError(t, s.delete(p + 'd'), 'KeyNotFound');
    },
  },
  {
    name: 'validateDeletion sees the current object and can abort the delete',
    async run(t, s, p) {
      await s.create(p + 'v', obj('v', { count: 3 }));
      const refused = new Error('refused');
      const err = await s
        .delete<Obj>(p + 'v', {
          validateDeletion: (cur) => {
            t.is(cur.count, 3);
            throw refused;
          },
        })
        .catch((e: unknown) => e);
      t.is(err, refused);
      t.is((await s.get<Obj>(p + 'v')).count, 3);
    },
  },
  {
    name: 'list at an older revision returns the state of then',
    async run(t, s, p) {
      await s.create(p + 'a', obj('a', { count: 1 }));
      await s.create(p + 'b', obj('b', { count: 1 }));
      const r1 = await s.currentRevision();
      await s.guaranteedUpdate<Obj>(p + 'a', (cur) => ({ ...cur, count: 2 }));
      await s.delete(p + 'b');
      await s.create(p + 'c', obj('c', { count: 1 }));
      const now = await s.list<Obj>(p);
      t.deepEqual(now.items.map((o) => [o.metadata.name, o.count]), [['a', 2], ['c', 1]]);
      t.is(now.revision, await s.currentRevision());
      const then = await s.list<Obj>(p, { revision: r1 });
      t.is(then.revision, r1);
      t.deepEqual(then.items.map((o) => [o.metadata.name, o.count]), [['a', 1], ['b', 1]]);
      for (const o of then.items) t.true(revisionOf(o) <= r1);
      await expectStorageError(t, s.list(p, { revision: (await s.currentRevision()) + 1000 }), 'InvalidError');
    },
  },
  {
    name: 'limit and continue page through many keys at one revision',
    async run(t, s, p) {
      const names = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      for (const n of names) await s.create(p + n, obj(n));
      await s.create(p.slice(0, -1) + 'x/outside', obj('outside'));
      const seen: string[] = [];
      let cont: string | undefined;
      let revision: number | undefined;
      let pages = 0;
      do {
        const page = await s.list<Obj>(p, { limit: 7, continue: cont });
        pages++;
        if (revision === undefined) revision = page.revision;
        t.is(page.revision, revision, 'every page is read at the first page revision');
        seen.push(...page.items.map((o) => o.metadata.name));
        if (page.continue) t.is(page.remainingItemCount, 25 - seen.length);
        cont = page.continue;
        // Writes between pages do not show up in later pages.
        if (pages === 1) {
          await s.create(p + 'k99', obj('k99'));
          await s.delete(p + 'k20');
        }
      } while (cont);
      t.is(pages, 4);
      t.deepEqual(seen, names);
      await expectStorageError(t, s.list(p, { continue: 'not-a-token' }), 'InvalidError');
    },
  },
  {
    name: 'a list larger than the 4 MiB gRPC message limit succeeds whole, at a revision and in pages',
    async run(t, s, p) {
      const n = 5000;
      const filler = 'x'.repeat(1024);
      const names = Array.from({ length: n }, (_, i) => `big-${String(i).padStart(4, '0')}`);
      // Concurrent creates: etcd batches them into few fsyncs, so this stays a few seconds.
      for (let i = 0; i < n; i += 100) {
        await Promise.all(names.slice(i, i + 100).map((name) => s.create(p + name, obj(name, { data: { filler } }))));
      }
      const r1 = await s.currentRevision();
      await s.create(p + 'zz-after', obj('zz-after', { data: { filler } }));
      const all = await s.list<Obj>(p);
      t.is(all.items.length, n + 1);
      t.is(all.continue, undefined);
      t.true(JSON.stringify(all.items).length > 5 * 1024 * 1024, 'the list is over 5 MiB');
      const then = await s.list<Obj>(p, { revision: r1 });
      t.is(then.revision, r1);
      t.deepEqual(then.items.map((o) => o.metadata.name), names);
      // Pages of 4500 items (~4.7 MiB each) at the first page's revision.
      const seen: string[] = [];
      let cont: string | undefined;
      let pages = 0;
      do {
        const page = await s.list<Obj>(p, { limit: 4500, continue: cont, revision: cont ? undefined : r1 });
        pages++;
        t.is(page.revision, r1);
        seen.push(...page.items.map((o) => o.metadata.name));
        if (page.continue) t.is(page.remainingItemCount, n - seen.length);
        cont = page.continue;
      } while (cont);
      t.is(pages, 2);
      t.deepEqual(seen, names);
      const odd = await s.list<Obj>(p, { limit: 2000, predicate: (o) => o.metadata?.name?.endsWith('1') ?? false });
      t.is(odd.items.length, 500);
      t.is(odd.continue, undefined);
    },
  },
  {
    name: 'limit with a predicate fills pages with matching items only',
    async run(t, s, p) {
      for (let i = 0; i < 30; i++) await s.create(p + `k${String(i).padStart(2, '0')}`, obj(`k${i}`, { count: i }));
      const even = (o: StoredObject) => ((o as Obj).count ?? 0) % 2 === 0;
      const seen: number[] = [];
      let cont: string | undefined;
      do {
        const page = await s.list<Obj>(p, { limit: 4, continue: cont, predicate: even });
        t.true(page.items.length <= 4);
        if (page.continue) t.is(page.items.length, 4);
        seen.push(...page.items.map((o) => o.count!));
        cont = page.continue;
      } while (cont);
      t.deepEqual(seen, Array.from({ length: 15 }, (_, i) => i * 2));
      t.is(await s.count(p), 30);
    },
  },
  {
    name: 'watch from every available revision delivers each later change exactly once, in order',
    async run(t, s, p) {
      const r0 = await s.currentRevision();
      await s.create(p + 'a', obj('a', { count: 0 }));
      await s.create(p + 'b', obj('b', { count: 0 }));
      await s.guaranteedUpdate<Obj>(p + 'a', (c) => ({ ...c, count: 1 }));
      await s.create(p + 'c', obj('c', { count: 0 }));
      await s.delete(p + 'b');
      await s.guaranteedUpdate<Obj>(p + 'c', (c) => ({ ...c, count: 1 }));
      await s.create(p + 'b', obj('b', { count: 5 }));
      await s.delete(p + 'a');
      const all = await collect(s.watch<Obj>(p, { revision: r0, recursive: true }), (evs) => evs.length === 8);
      t.deepEqual(all.map((e) => `${e.type} ${e.object.metadata.name}`), [
        'ADDED a',
        'ADDED b',
        'MODIFIED a',
        'ADDED c',
        'DELETED b',
        'MODIFIED c',
        'ADDED b',
        'DELETED a',
      ]);
      for (let i = 1; i < all.length; i++) t.true(all[i]!.revision > all[i - 1]!.revision);
      for (const ev of all) t.is(ev.object.metadata.resourceVersion, String(ev.revision));
      t.is(all[2]!.prevObject?.count, 0, 'MODIFIED carries the previous state');
      t.is(all[4]!.prevObject?.metadata.name, 'b', 'DELETED carries the previous state');
      t.is(all[4]!.object.count, 0, 'DELETED carries the last state');
      // From each intermediate revision: exactly the suffix.
      for (let i = 0; i < all.length; i++) {
        const from = all[i]!.revision;
        const want = all.slice(i + 1).map(summary);
        const got = await collect(s.watch<Obj>(p, { revision: from, recursive: true }), (evs) => evs.length === want.length, {
          timeoutMs: 3000,
        });
        t.deepEqual(got.map(summary), want, `from revision ${from}`);
      }
    },
  },
  {
    name: 'watch crosses from history to live changes without gaps or duplicates',
    async run(t, s, p) {
      const r0 = await s.currentRevision();
      for (let i = 0; i < 20; i++) await s.create(p + `h${i}`, obj(`h${i}`));
      const watcher = s.watch<Obj>(p, { revision: r0, recursive: true });
      const writer = (async () => {
        for (let i = 0; i < 20; i++) {
          await s.guaranteedUpdate<Obj>(p + `h${i}`, (c) => ({ ...c, count: 1 }));
          if (i % 5 === 0) await sleep(5);
        }
      })();
      const got = await collect(watcher, (evs) => evs.length === 40);
      await writer;
      t.deepEqual(
        got.map((e) => `${e.type} ${e.object.metadata.name}`),
        [...Array.from({ length: 20 }, (_, i) => `ADDED h${i}`), ...Array.from({ length: 20 }, (_, i) => `MODIFIED h${i}`)],
      );
      t.is(new Set(got.map((e) => e.revision)).size, 40);
    },
  },
  {
    name: 'a single-key watch sees only its key; a recursive watch only its prefix',
    async run(t, s, p) {
      const r0 = await s.currentRevision();
      await s.create(p + 'a', obj('a'));
      await s.create(p + 'ab', obj('ab'));
      await s.create(p + 'sub/x', obj('x'));
      await s.create(p.slice(0, -1) + '-sibling/y', obj('y'));
      await s.guaranteedUpdate<Obj>(p + 'a', (c) => ({ ...c, count: 1 }));
      await s.delete(p + 'a');
      const single = await collect(s.watch<Obj>(p + 'a', { revision: r0 }), (evs) => evs.length === 3);
      t.deepEqual(single.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED a', 'MODIFIED a', 'DELETED a']);
      const sub = await collect(s.watch<Obj>(p + 'sub/', { revision: r0, recursive: true }), (evs) => evs.length === 1);
      t.deepEqual(sub.map((e) => e.object.metadata.name), ['x']);
      const whole = await collect(s.watch<Obj>(p, { revision: r0, recursive: true }), (evs) => evs.length === 5);
      t.deepEqual(whole.map((e) => e.object.metadata.name), ['a', 'ab', 'x', 'a', 'a']);
    },
  },
  {
    name: 'a watch without a revision starts from now',
    async run(t, s, p) {
      await s.create(p + 'old', obj('old'));
      const watcher = s.watch<Obj>(p, { recursive: true });
      await sleep(300); // let a remote backend establish the watch
      await s.create(p + 'new', obj('new'));
      const got = await collect(watcher, (evs) => evs.length === 1);
      t.deepEqual(got.map(summary).map((x) => x.split('@')[0]), ['ADDED new']);
    },
  },
  {
    name: 'list and watch below the compaction point fail with ResourceVersionTooOld',
    async run(t, s, p) {
      const r0 = await s.currentRevision();
      const c1 = await s.create(p + 'a', obj('a', { count: 1 }));
      await s.guaranteedUpdate<Obj>(p + 'a', (c) => ({ ...c, count: 2 }));
      await s.create(p + 'b', obj('b'));
      const compactAt = await s.currentRevision();
      await s.guaranteedUpdate<Obj>(p + 'a', (c) => ({ ...c, count: 3 }));
      await s.compact(compactAt);
      await expectStorageError(t, s.list(p, { revision: revisionOf(c1) }), 'ResourceVersionTooOld');
      const at = await s.list<Obj>(p, { revision: compactAt });
      t.deepEqual(at.items.map((x) => [x.metadata.name, x.count ?? 0]), [['a', 2], ['b', 0]]);
      const err = await collect(s.watch(p, { revision: r0, recursive: true }), () => false, { timeoutMs: 3000 }).catch((e: unknown) => e);
      t.true(isStorageError(err, 'ResourceVersionTooOld'), `watch below compaction: ${String(err)}`);
      const after = await collect(s.watch<Obj>(p, { revision: compactAt, recursive: true }), (evs) => evs.length === 1);
      t.is(after[0]!.object.count, 3);
      // A continue token whose revision was compacted is too old as well.
      const page = await s.list(p, { limit: 1 });
      t.truthy(page.continue);
      await s.guaranteedUpdate<Obj>(p + 'b', (c) => ({ ...c, count: 1 }));
      await s.compact(await s.currentRevision());
      await expectStorageError(t, s.list(p, { limit: 1, continue: page.continue }), 'ResourceVersionTooOld');
    },
  },
  {
    name: 'aborting the signal or calling stop ends the watch iterator',
    async run(t, s, p) {
      const ac = new AbortController();
      const watcher = s.watch<Obj>(p, { recursive: true, signal: ac.signal });
      const done = (async () => {
        let n = 0;
        for await (const ev of watcher) if (ev.type !== 'BOOKMARK') n++;
        return n;
      })();
      await sleep(200);
      await s.create(p + 'a', obj('a'));
      await sleep(200);
      ac.abort();
      t.true((await done) <= 1);
      const stopped = s.watch<Obj>(p, { recursive: true });
      setTimeout(() => stopped.stop(), 100);
      for await (const ev of stopped) t.fail(`unexpected ${ev.type}`);
      const pre = new AbortController();
      pre.abort();
      for await (const ev of s.watch<Obj>(p, { recursive: true, signal: pre.signal, revision: 1 })) t.fail(`unexpected ${ev.type}`);
      t.pass();
    },
  },
  {
    name: 'progressNotify delivers bookmarks at the current revision while idle',
    skip: (o) => !!o.skipBookmarks,
    async run(t, s, p) {
      const created = await s.create(p + 'a', obj('a'));
      const got = await collect(
        s.watch<Obj>(p, { recursive: true, progressNotify: true, revision: revisionOf(created) }),
        (evs) => evs.some((e) => e.type === 'BOOKMARK'),
        { bookmarks: true, timeoutMs: 10_000 },
      );
      const bm = got.find((e) => e.type === 'BOOKMARK')!;
      t.true(bm.revision >= revisionOf(created));
      t.is(bm.object.metadata?.resourceVersion, String(bm.revision));
    },
  },
  {
    name: 'a key created with ttlSeconds expires and is deleted with a DELETED event',
    skip: (o) => !!o.skipTtl,
    async run(t, s, p) {
      const r0 = await s.currentRevision();
      await s.create(p + 'ttl', obj('ttl'), { ttlSeconds: 1 });
      await s.create(p + 'keep', obj('keep'));
      const got = await collect(s.watch<Obj>(p, { recursive: true, revision: r0 }), (evs) => evs.some((e) => e.type === 'DELETED'), {
        timeoutMs: 10_000,
      });
      t.deepEqual(got.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED ttl', 'ADDED keep', 'DELETED ttl']);
      await expectStorageError(t, s.get(p + 'ttl'), 'KeyNotFound');
      t.truthy(await s.get(p + 'keep'));
    },
  },
];

/**
 * runStorageSuite registers the shared storage cases with ava, one test per case, run serially
 * (compaction is global to a store, so cases must not overlap).
 */
export function runStorageSuite(opts: StorageSuiteOptions): void {
  for (const tc of cases) {
    const title = `${opts.name}: ${tc.name}`;
    if (tc.skip?.(opts)) {
      test.skip(title, () => undefined);
      continue;
    }
    test.serial(title, async (t) => {
      const { storage, close } = await opts.newStorage();
      try {
        await tc.run(t, storage, uniquePrefix(), opts);
      } finally {
        await close();
      }
    });
  }
}

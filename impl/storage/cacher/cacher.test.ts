import test, { type ExecutionContext } from 'ava';
import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { isStorageError, type Interface, type ListOptions, type StoredObject, type WatchEvent, type WatchOptions, type Watcher } from '../interfaces.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
import { revisionOf } from '../object.ts';
import { newSqliteStorage, type SqliteStore } from '../sqlite/store.ts';
import { WatchChannel } from '../watch-channel.ts';
import { INITIAL_EVENTS_END_ANNOTATION, newCacher, type Cacher, type CacherOptions } from './cacher.ts';

const PREFIX = '/registry/configmaps/';

interface CM extends StoredObject {
  metadata: { name: string; namespace: string; labels?: Record<string, string>; resourceVersion?: string };
  data?: Record<string, string>;
  n?: number;
}

function cm(ns: string, name: string, extra: Partial<CM> = {}): CM {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, ...extra };
}

function key(ns: string, name: string): string {
  return `${PREFIX}${ns}/${name}`;
}

/** CountingStorage counts the reads that reach storage and can break the storage watch on demand. */
class CountingStorage implements Interface {
  lists = 0;
  /** The next this-many lists fail (a storage that is down, or refuses the response). */
  failLists = 0;
  private channels: WatchChannel<StoredObject>[] = [];
  constructor(readonly inner: SqliteStore) {}
  get<T extends StoredObject>(k: string) {
    return this.inner.get<T>(k);
  }
  list<T extends StoredObject>(p: string, o?: ListOptions) {
    this.lists++;
    if (this.failLists > 0) {
      this.failLists--;
      return Promise.reject(new Error('storage unreachable'));
    }
    return this.inner.list<T>(p, o);
  }
  create<T extends StoredObject>(k: string, o: T, opts?: { ttlSeconds?: number }) {
    return this.inner.create(k, o, opts);
  }
  guaranteedUpdate: Interface['guaranteedUpdate'] = (k, f, o) => this.inner.guaranteedUpdate(k, f, o);
  delete: Interface['delete'] = (k, o) => this.inner.delete(k, o);
  watch<T extends StoredObject>(k: string, o?: WatchOptions): Watcher<T> {
    const inner = this.inner.watch<StoredObject>(k, o);
    const ch = new WatchChannel<StoredObject>({ onClose: () => inner.stop() });
    (ch as unknown as { requestProgress(): void }).requestProgress = () => inner.requestProgress?.();
    this.channels.push(ch);
    void (async () => {
      try {
        for await (const ev of inner) if (!ch.push(ev)) break;
        ch.end();
      } catch (err) {
        ch.fail(err);
      }
    })();
    return ch as unknown as Watcher<T>;
  }
  breakWatches(): void {
    for (const ch of this.channels) ch.fail(new Error('connection reset'));
    this.channels = [];
  }
  currentRevision() {
    return this.inner.currentRevision();
  }
  compact(r: number) {
    return this.inner.compact(r);
  }
  count(p: string) {
    return this.inner.count(p);
  }
  close() {
    return this.inner.close();
  }
}

async function setup(opts: Partial<CacherOptions> = {}, seed = 0): Promise<{ storage: CountingStorage; cacher: Cacher; close(): Promise<void> }> {
  const sqlite = newSqliteStorage({ path: ':memory:', progressNotifyInterval: 0 });
  for (let i = 0; i < seed; i++) await sqlite.create(key('default', `seed-${String(i).padStart(3, '0')}`), cm('default', `seed-${String(i).padStart(3, '0')}`));
  const storage = new CountingStorage(sqlite);
  const cacher = newCacher({ storage, resourcePrefix: PREFIX, relistDelay: 10, ...opts });
  await cacher.ready();
  return {
    storage,
    cacher,
    async close() {
      await cacher.close();
      await sqlite.close();
    },
  };
}

async function take<T extends StoredObject>(w: Watcher<T>, n: number, opts: { bookmarks?: boolean; timeoutMs?: number } = {}): Promise<WatchEvent<T>[]> {
  const out: WatchEvent<T>[] = [];
  const timer = setTimeout(() => w.stop(), opts.timeoutMs ?? 5000);
  try {
    if (n === 0) return out;
    for await (const ev of w) {
      if (ev.type === 'BOOKMARK' && !opts.bookmarks) continue;
      out.push(ev);
      if (out.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

const names = (evs: WatchEvent<CM>[]) => evs.map((e) => `${e.type} ${e.object.metadata.name}`);

interface Case {
  name: string;
  run(t: ExecutionContext): Promise<void>;
}

const cases: Case[] = [
  {
    name: 'a consistent list is served from memory at the storage revision',
    async run(t) {
      const { storage, cacher, close } = await setup({}, 3);
      try {
        t.is(storage.lists, 1, 'the initial list');
        await storage.create(key('default', 'new'), cm('default', 'new'));
        await storage.create('/registry/secrets/default/other', cm('default', 'other')); // moves the global revision only
        const res = await cacher.list<CM>(PREFIX);
        t.is(res.revision, await storage.currentRevision());
        t.deepEqual(res.items.map((o) => o.metadata.name), ['new', 'seed-000', 'seed-001', 'seed-002']);
        t.is(storage.lists, 1, 'served from the cache after a progress bookmark');
        const ns = await cacher.list<CM>(`${PREFIX}default/`);
        t.is(ns.items.length, 4);
        t.is(await cacher.count(PREFIX), 4);
        const old = await cacher.list<CM>(PREFIX, { revision: revisionOf(res.items[3]) });
        t.is(old.items.length, 3, 'an exact revision goes to storage');
        t.is(storage.lists, 2);
      } finally {
        await close();
      }
    },
  },
  {
    name: 'listFromCache serves resourceVersion 0 and waits for a newer minRevision',
    async run(t) {
      const { storage, cacher, close } = await setup({ consistentReadTimeout: 300 }, 2);
      try {
        const any = await cacher.listFromCache<CM>(PREFIX);
        t.is(any.items.length, 2);
        const future = (await storage.currentRevision()) + 1;
        const waiting = cacher.listFromCache<CM>(PREFIX, { minRevision: future });
        await storage.create(key('ns2', 'x'), cm('ns2', 'x'));
        const res = await waiting;
        t.is(res.revision, future);
        t.is(res.items.length, 3);
        const err = await cacher.listFromCache(PREFIX, { minRevision: future + 100 }).catch((e: unknown) => e);
        t.true(isStorageError(err, 'InvalidError') && err.message.startsWith('Too large resource version'), String(err));
        t.is(storage.lists, 1);
      } finally {
        await close();
      }
    },
  },
  {
    name: 'limit and continue page through the cache, and through storage once the cache moved on',
    async run(t) {
      const { storage, cacher, close } = await setup({}, 10);
      try {
        const p1 = await cacher.listFromCache<CM>(PREFIX, { limit: 4 });
        t.is(p1.items.length, 4);
        t.is(p1.remainingItemCount, 6);
        const p2 = await cacher.list<CM>(PREFIX, { limit: 4, continue: p1.continue });
        t.deepEqual(p2.items.map((o) => o.metadata.name), ['seed-004', 'seed-005', 'seed-006', 'seed-007']);
        t.is(storage.lists, 1);
        await storage.delete(key('default', 'seed-009'));
        await sleep(10);
        const p3 = await cacher.list<CM>(PREFIX, { limit: 4, continue: p2.continue });
        t.deepEqual(p3.items.map((o) => o.metadata.name), ['seed-008', 'seed-009'], 'storage serves the old revision');
        t.is(p3.continue, undefined);
        t.is(storage.lists, 2);
      } finally {
        await close();
      }
    },
  },
  {
    name: 'a watch from a revision in the ring replays it; an older one fails with ResourceVersionTooOld',
    async run(t) {
      const { storage, cacher, close } = await setup({ eventBufferSize: 5 });
      try {
        const revs: number[] = [];
        for (let i = 0; i < 10; i++) revs.push(revisionOf(await storage.create(key('default', `k${i}`), cm('default', `k${i}`))));
        await sleep(10);
        const tail = await take(cacher.watch<CM>(PREFIX, { recursive: true, revision: revs[6]! }), 3);
        t.deepEqual(names(tail), ['ADDED k7', 'ADDED k8', 'ADDED k9']);
        const single = await take(cacher.watch<CM>(key('default', 'k8'), { revision: revs[5]! }), 1);
        t.deepEqual(names(single), ['ADDED k8']);
        const err = await take(cacher.watch(PREFIX, { recursive: true, revision: revs[1]! }), 1).catch((e: unknown) => e);
        t.true(isStorageError(err, 'ResourceVersionTooOld'), String(err));
        t.is((err as { currentRevision?: number }).currentRevision, revs[4]);
      } finally {
        await close();
      }
    },
  },
  {
    name: 'a predicate turns objects entering and leaving the selection into ADDED and DELETED',
    async run(t) {
      const { storage, cacher, close } = await setup();
      try {
        const from = await storage.currentRevision();
        const selected = (o: StoredObject) => (o as CM).metadata.labels?.app === 'web';
        const w = cacher.watch<CM>(PREFIX, { recursive: true, revision: from, predicate: selected });
        const k = key('default', 'a');
        await storage.create(k, cm('default', 'a'));
        await storage.guaranteedUpdate<CM>(k, (c) => ({ ...c, metadata: { ...c.metadata, labels: { app: 'web' } } }));
        await storage.guaranteedUpdate<CM>(k, (c) => ({ ...c, n: 1 }));
        await storage.guaranteedUpdate<CM>(k, (c) => ({ ...c, metadata: { ...c.metadata, labels: { app: 'db' } } }));
        await storage.delete(k);
        const evs = await take(w, 3);
        t.deepEqual(evs.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
        t.is(evs[2]!.object.metadata.labels?.app, 'web', 'DELETED carries the last selected state');
        t.is(evs[2]!.revision, revisionOf(evs[2]!.object));
      } finally {
        await close();
      }
    },
  },
  {
    name: 'sendInitialEvents emits the current state, an end bookmark, then changes',
    async run(t) {
      const { storage, cacher, close } = await setup({}, 3);
      try {
        const w = cacher.watch<CM>(PREFIX, { recursive: true, sendInitialEvents: true, initialEventsEndBookmark: true });
        await storage.create(key('default', 'later'), cm('default', 'later'));
        const evs = await take(w, 5, { bookmarks: true });
        t.deepEqual(names(evs).slice(0, 3), ['ADDED seed-000', 'ADDED seed-001', 'ADDED seed-002']);
        t.is(evs[3]!.type, 'BOOKMARK');
        t.is((evs[3]!.object.metadata as { annotations?: Record<string, string> }).annotations?.[INITIAL_EVENTS_END_ANNOTATION], 'true');
        t.deepEqual(names([evs[4]!]), ['ADDED later']);
      } finally {
        await close();
      }
    },
  },
  {
    name: 'sendInitialEvents with a newer revision waits until the cache has it',
    async run(t) {
      const { storage, cacher, close } = await setup({ consistentReadTimeout: 300 }, 1);
      try {
        await storage.create('/registry/secrets/default/s', cm('default', 's')); // not in this cache
        const rev = await storage.currentRevision();
        const w = cacher.watch<CM>(PREFIX, { recursive: true, sendInitialEvents: true, initialEventsEndBookmark: true, revision: rev });
        const evs = await take(w, 2, { bookmarks: true });
        t.deepEqual(evs.map((e) => e.type), ['ADDED', 'BOOKMARK']);
        t.is(evs[1]!.revision, rev, 'the state is as of the requested revision (after a progress bookmark)');
        const err = await take(cacher.watch(PREFIX, { recursive: true, sendInitialEvents: true, revision: rev + 50 }), 1).catch((e: unknown) => e);
        t.true(isStorageError(err, 'InvalidError') && err.message.startsWith('Too large resource version'), String(err));
      } finally {
        await close();
      }
    },
  },
  {
    name: '100 watchers get every event in order with low latency',
    async run(t) {
      const { storage, cacher, close } = await setup();
      try {
        const from = await storage.currentRevision();
        const writes = 200;
        const sentAt = new Map<number, number>();
        const latencies: number[] = [];
        const consumers = Array.from({ length: 100 }, async () => {
          const w = cacher.watch<CM>(PREFIX, { recursive: true, revision: from });
          let last = 0;
          let n = 0;
          for await (const ev of w) {
            if (ev.type === 'BOOKMARK') continue;
            if (ev.revision <= last) throw new Error('out of order');
            last = ev.revision;
            const sent = sentAt.get(ev.revision);
            if (sent !== undefined) latencies.push(performance.now() - sent);
            if (++n === writes) break;
          }
          return n;
        });
        await sleep(10);
        for (let i = 0; i < writes; i++) {
          const before = performance.now();
          const obj = await storage.create(key('default', `w${i}`), cm('default', `w${i}`));
          sentAt.set(revisionOf(obj), before);
          if (i % 20 === 0) await sleep(1);
        }
        const counts = await Promise.all(consumers);
        t.true(counts.every((n) => n === writes));
        latencies.sort((a, b) => a - b);
        const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
        t.log(`delivery to 100 watchers: p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
        t.true(p99 < 200, `p99 ${p99} ms`);
      } finally {
        await close();
      }
    },
  },
  {
    name: 'a slow watcher is terminated without holding back the others',
    async run(t) {
      const { storage, cacher, close } = await setup({ watcherBufferSize: 10 });
      try {
        const slow = cacher.watch<CM>(PREFIX, { recursive: true });
        const fast = cacher.watch<CM>(PREFIX, { recursive: true });
        const fastEvents = take(fast, 50);
        for (let i = 0; i < 50; i++) await storage.create(key('default', `s${i}`), cm('default', `s${i}`));
        t.is((await fastEvents).length, 50);
        t.is(cacher.terminatedWatchers, 1);
        t.is(cacher.watcherCount, 0);
        const drained = await take(slow, 1000);
        t.true(drained.length <= 10, `slow watcher got ${drained.length} events then ended`);
        t.deepEqual(names(drained), Array.from({ length: drained.length }, (_, i) => `ADDED s${i}`), 'what it got is a gap-free prefix');
      } finally {
        await close();
      }
    },
  },
  {
    name: 'idle watchers that asked for bookmarks get them on the bookmark interval',
    async run(t) {
      const clock = new FakeClock();
      const { storage, cacher, close } = await setup({ clock, bookmarkInterval: 1000 });
      try {
        const created = await storage.create(key('default', 'b'), cm('default', 'b'));
        await sleep(5);
        const w = cacher.watch<CM>(PREFIX, { recursive: true, progressNotify: true, revision: revisionOf(created) });
        const quiet = cacher.watch<CM>(PREFIX, { recursive: true });
        clock.step(1000);
        const evs = await take(w, 1, { bookmarks: true });
        t.is(evs[0]!.type, 'BOOKMARK');
        t.is(evs[0]!.revision, revisionOf(created));
        quiet.stop();
      } finally {
        await close();
      }
    },
  },
  {
    name: 'guaranteedUpdate through the cache still resolves concurrent writers',
    async run(t) {
      const { storage, cacher, close } = await setup();
      try {
        const k = key('default', 'counter');
        await cacher.create(k, cm('default', 'counter', { n: 0 }));
        await sleep(5);
        await Promise.all(Array.from({ length: 5 }, () => cacher.guaranteedUpdate<CM>(k, async (c) => {
          await sleep(1);
          return { ...c, n: (c.n ?? 0) + 1 };
        })));
        t.is((await storage.get<CM>(k)).n, 5);
      } finally {
        await close();
      }
    },
  },
  {
    name: 'when the storage watch breaks, watchers end and the cache relists',
    async run(t) {
      const { storage, cacher, close } = await setup({}, 1);
      try {
        const w = cacher.watch<CM>(PREFIX, { recursive: true });
        const ended = take(w, 100);
        storage.breakWatches();
        t.deepEqual(await ended, []);
        await storage.create(key('default', 'after'), cm('default', 'after'));
        await cacher.ready();
        await sleep(50);
        const res = await cacher.listFromCache<CM>(PREFIX);
        t.deepEqual(res.items.map((o) => o.metadata.name), ['after', 'seed-000']);
        t.is(storage.lists, 2, 'relisted');
      } finally {
        await close();
      }
    },
  },
  {
    name: 'relisting after many failures leaves no abort listeners behind',
    async run(t) {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.name);
      process.on('warning', onWarning);
      const { storage, cacher, close } = await setup({ relistDelay: 1 }, 1);
      try {
        storage.failLists = 30;
        storage.breakWatches();
        for (let i = 0; i < 500 && storage.failLists > 0; i++) await sleep(5);
        await cacher.ready();
        t.is(storage.lists, 32, 'one list, 30 failed relists, one that worked');
        const stop = (cacher as unknown as { stopController: AbortController }).stopController.signal;
        t.true(getEventListeners(stop, 'abort').length <= 2, `abort listeners: ${getEventListeners(stop, 'abort').length}`);
        await sleep(10);
        t.false(warnings.includes('MaxListenersExceededWarning'));
      } finally {
        process.off('warning', onWarning);
        await close();
      }
    },
  },
  {
    name: 'a watch started before the cache is ready waits for it',
    async run(t) {
      const sqlite = newSqliteStorage({ path: ':memory:' });
      const cacher = newCacher({ storage: sqlite, resourcePrefix: PREFIX });
      try {
        const w = cacher.watch<CM>(PREFIX, { recursive: true });
        t.false(cacher.isCacheReady);
        await cacher.ready();
        await sqlite.create(key('default', 'x'), cm('default', 'x'));
        t.deepEqual(names(await take(w, 1)), ['ADDED x']);
      } finally {
        await cacher.close();
        await sqlite.close();
      }
    },
  },
];

for (const tc of cases) test.serial(`cacher: ${tc.name}`, tc.run);

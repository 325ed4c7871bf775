import test from 'ava';
import { runStorageSuite } from '../storage-suite.ts';
import { etcdAvailable, startEtcdServer, type EtcdServer } from '../testing/etcd-server.ts';
import { newEtcd3Storage } from './store.ts';
import { newCacher } from '../cacher/cacher.ts';
import { isStorageError, type StoredObject } from '../interfaces.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';

if (!etcdAvailable()) {
  test.skip('etcd3 storage suite (skipped: /usr/bin/etcd is missing; apt-get install -y etcd-server)', () => undefined);
  console.log('etcd3 storage suite skipped: /usr/bin/etcd is missing (apt-get install -y etcd-server)');
} else {
  let server: EtcdServer | undefined;
  test.before(async () => {
    server = await startEtcdServer();
  });
  test.after.always(async () => {
    await server?.stop();
  });

  runStorageSuite({
    name: 'etcd3',
    async newStorage() {
      const storage = newEtcd3Storage({ endpoints: [server!.endpoint] });
      return { storage, close: () => storage.close() };
    },
  });

  test.serial('etcd3: a watch cache over etcd fans out to 100 watchers and serves lists', async (t) => {
    const storage = newEtcd3Storage({ endpoints: [server!.endpoint], prefix: '/cacher-test' });
    const prefix = '/registry/configmaps/';
    for (let i = 0; i < 5; i++) await storage.create(`${prefix}default/seed-${i}`, { metadata: { name: `seed-${i}`, namespace: 'default' } });
    const cacher = newCacher({ storage, resourcePrefix: prefix });
    try {
      await cacher.ready();
      const from = await storage.currentRevision();
      const writes = 50;
      const sentAt = new Map<number, number>();
      const latencies: number[] = [];
      const consumers = Array.from({ length: 100 }, async () => {
        let n = 0;
        let last = 0;
        for await (const ev of cacher.watch<StoredObject>(prefix, { recursive: true, revision: from })) {
          if (ev.type === 'BOOKMARK') continue;
          if (ev.revision <= last) throw new Error('out of order');
          last = ev.revision;
          const sent = sentAt.get(ev.revision);
          if (sent !== undefined) latencies.push(performance.now() - sent);
          if (++n === writes) break;
        }
        return n;
      });
      for (let i = 0; i < writes; i++) {
        const before = performance.now();
        const obj = await storage.create(`${prefix}ns${i % 3}/w${i}`, { metadata: { name: `w${i}`, namespace: `ns${i % 3}` } });
        sentAt.set(Number((obj as StoredObject).metadata!.resourceVersion), before);
      }
      t.true((await Promise.all(consumers)).every((n) => n === writes));
      latencies.sort((a, b) => a - b);
      t.log(`etcd -> cacher -> 100 watchers: p50 ${latencies[latencies.length >> 1]!.toFixed(2)} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]!.toFixed(2)} ms`);
      const consistent = await cacher.list(prefix);
      t.is(consistent.items.length, 55);
      t.is(consistent.revision, await storage.currentRevision());
      const cached = await cacher.listFromCache(prefix, { minRevision: consistent.revision });
      t.is(cached.items.length, 55);
      t.is((await cacher.list(`${prefix}ns1/`)).items.length, 17);
    } finally {
      await cacher.close();
      await storage.close();
    }
  });

  test.serial('etcd3: periodic compaction compacts to the revision seen one interval earlier', async (t) => {
    const clock = new FakeClock();
    const storage = newEtcd3Storage({ endpoints: [server!.endpoint], compactInterval: 1000, clock });
    try {
      const first = await storage.create('/registry/compact/a', { metadata: { name: 'a' } });
      const r1 = Number((first as StoredObject).metadata!.resourceVersion);
      clock.step(1000); // records the current revision
      await new Promise((r) => setTimeout(r, 200));
      await storage.guaranteedUpdate('/registry/compact/a', (c) => ({ ...c, n: 1 }));
      clock.step(1000); // compacts to what the previous tick saw
      let err: unknown;
      for (let i = 0; i < 50 && !isStorageError(err, 'ResourceVersionTooOld'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        err = await storage.list('/registry/compact/', { revision: r1 - 1 }).then(() => undefined, (e: unknown) => e);
      }
      t.true(isStorageError(err, 'ResourceVersionTooOld'), String(err));
      t.is((await storage.list('/registry/compact/', { revision: r1 })).items.length, 1, 'the revision seen one interval ago stays readable');
    } finally {
      await storage.close();
    }
  });

  test.serial('etcd3: a response over the client receive limit fails alone: lists shrink their pages, later calls are served', async (t) => {
    // A 256 KiB receive limit stands in for gRPC's 4 MiB default, with small objects.
    const storage = newEtcd3Storage({ endpoints: [server!.endpoint], prefix: '/receive-limit', maxReceiveMessageBytes: 256 * 1024, listPageSize: 100 });
    const p = '/registry/configmaps/limit/';
    try {
      const filler = 'y'.repeat(20 * 1024);
      await Promise.all(Array.from({ length: 40 }, (_, i) => storage.create(`${p}cm-${String(i).padStart(2, '0')}`, { metadata: { name: `cm-${i}` }, data: { filler } })));
      await storage.create('/registry/huge/one', { metadata: { name: 'one' }, data: { filler: 'z'.repeat(400 * 1024) } });
      const all = await storage.list(p);
      t.is(all.items.length, 40, 'an 800 KiB list is read in pages under the 256 KiB limit');
      const paged = await storage.list(p, { limit: 30 });
      t.is(paged.items.length, 30);
      t.is(paged.remainingItemCount, 10);
      // Ten oversized responses in a row (the etcd3 client's default breaker opened after three).
      for (let i = 0; i < 10; i++) {
        const err = await storage.get('/registry/huge/one').then(() => undefined, (e: unknown) => e);
        t.true(isStorageError(err, 'Unreachable'), String(err));
      }
      t.is((await storage.get<StoredObject>(`${p}cm-00`)).metadata!.name, 'cm-0');
      await storage.create(`${p}after`, { metadata: { name: 'after' } });
      t.is((await storage.list(p)).items.length, 41);
    } finally {
      await storage.close();
    }
  });

  test.serial('etcd3: the key prefix option namespaces every key', async (t) => {
    const a = newEtcd3Storage({ endpoints: [server!.endpoint], prefix: '/tenant-a' });
    const b = newEtcd3Storage({ endpoints: [server!.endpoint], prefix: '/tenant-b' });
    try {
      await a.create('/registry/x/one', { metadata: { name: 'one' } });
      t.is((await a.list('/registry/x/')).items.length, 1);
      t.is((await b.list('/registry/x/')).items.length, 0);
      t.is(await b.count('/registry/x/'), 0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  // Last: it restarts the shared etcd.
  test.serial('etcd3: a watch resumes after etcd restarts, without losing or repeating events', async (t) => {
    const storage = newEtcd3Storage({ endpoints: [server!.endpoint] });
    const p = '/registry/restart/';
    try {
      const from = await storage.currentRevision();
      const watcher = storage.watch<StoredObject>(p, { recursive: true, revision: from });
      const seen: string[] = [];
      const done = (async () => {
        for await (const ev of watcher) {
          if (ev.type === 'BOOKMARK') continue;
          seen.push(`${ev.type} ${ev.object.metadata?.name}`);
          if (seen.length === 10) break;
        }
      })();
      for (let i = 0; i < 5; i++) await storage.create(`${p}a${i}`, { metadata: { name: `a${i}` } });
      await new Promise((r) => setTimeout(r, 300));
      await server!.restart();
      for (let i = 0; i < 5; i++) {
        for (let attempt = 0; ; attempt++) {
          try {
            await storage.create(`${p}b${i}`, { metadata: { name: `b${i}` } });
            break;
          } catch (err) {
            if (attempt > 50 || !isStorageError(err, 'Unreachable')) throw err;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      }
      const timeout = setTimeout(() => watcher.stop(), 30_000);
      await done;
      clearTimeout(timeout);
      t.deepEqual(seen, [...Array.from({ length: 5 }, (_, i) => `ADDED a${i}`), ...Array.from({ length: 5 }, (_, i) => `ADDED b${i}`)]);
    } finally {
      await storage.close();
    }
  });
}

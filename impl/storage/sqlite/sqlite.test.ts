import test from 'ava';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStorageSuite } from '../storage-suite.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
import { isStorageError } from '../interfaces.ts';
import { newSqliteStorage } from './store.ts';

runStorageSuite({
  name: 'sqlite',
  async newStorage() {
    const storage = newSqliteStorage({ path: ':memory:', progressNotifyInterval: 100, ttlSweepInterval: 100 });
    return { storage, close: () => storage.close() };
  },
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kubets-sqlite-'));
}

const fileCases = [
  {
    name: 'data survives reopening the file, with revisions and compaction floor',
    async run(t: import('ava').ExecutionContext) {
      const dir = tempDir();
      try {
        const path = join(dir, 'state.db');
        const a = newSqliteStorage({ path });
        await a.create('/registry/x/a', { metadata: { name: 'a' } });
        const upd = await a.guaranteedUpdate<{ metadata: { resourceVersion?: string } }>('/registry/x/a', (c) => ({ ...c, n: 1 }));
        await a.compact(Number(upd.metadata!.resourceVersion) - 1);
        await a.close();
        const b = newSqliteStorage({ path });
        t.is(await b.currentRevision(), Number(upd.metadata!.resourceVersion));
        t.is(b.compactedRevision(), Number(upd.metadata!.resourceVersion) - 1);
        t.deepEqual((await b.get<{ n?: number }>('/registry/x/a')).n, 1);
        const next = await b.create<{ metadata: { name: string; resourceVersion?: string } }>('/registry/x/b', { metadata: { name: 'b' } });
        t.is(Number(next.metadata!.resourceVersion), Number(upd.metadata!.resourceVersion) + 1);
        await b.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'a second store on the same file is refused while the first is open',
    async run(t: import('ava').ExecutionContext) {
      const dir = tempDir();
      try {
        const path = join(dir, 'state.db');
        const a = newSqliteStorage({ path });
        await a.create('/registry/x/a', { metadata: { name: 'a' } });
        t.throws(() => newSqliteStorage({ path }), { message: /locked/ });
        await a.close();
        const b = newSqliteStorage({ path });
        t.truthy(await b.get('/registry/x/a'));
        await b.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'compaction bounds the rows and the file size',
    async run(t: import('ava').ExecutionContext) {
      const dir = tempDir();
      try {
        const path = join(dir, 'state.db');
        const s = newSqliteStorage({ path });
        const big = 'x'.repeat(4000);
        await s.create('/registry/x/hot', { metadata: { name: 'hot' }, big, n: 0 });
        for (let i = 0; i < 2000; i++) await s.guaranteedUpdate<{ n: number }>('/registry/x/hot', (c) => ({ ...c, n: i + 1 }));
        for (let i = 0; i < 50; i++) {
          await s.create(`/registry/x/gone${i}`, { metadata: { name: `gone${i}` }, big });
          await s.delete(`/registry/x/gone${i}`);
        }
        t.is(s.rowCount(), 2101);
        const sizeBefore = statSync(path).size + statSync(path + '-wal').size;
        await s.compact(await s.currentRevision());
        t.is(s.rowCount(), 1, 'only the live row of the hot key is left');
        const sizeAfter = statSync(path).size + statSync(path + '-wal').size;
        t.true(sizeAfter < sizeBefore / 10, `size ${sizeBefore} -> ${sizeAfter}`);
        t.is((await s.get<{ n: number }>('/registry/x/hot')).n, 2000);
        t.is((await s.list('/registry/x/')).items.length, 1);
        await s.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'auto-compaction keeps one interval and the minimum retained revisions',
    async run(t: import('ava').ExecutionContext) {
      const clock = new FakeClock();
      const s = newSqliteStorage({ path: ':memory:', clock, compactInterval: 60_000, compactMinRetain: 5, progressNotifyInterval: 0, ttlSweepInterval: 0 });
      await s.create('/registry/x/a', { metadata: { name: 'a' }, n: 0 });
      for (let i = 1; i <= 20; i++) await s.guaranteedUpdate<{ n: number }>('/registry/x/a', (c) => ({ ...c, n: i }));
      const firstTick = await s.currentRevision();
      clock.step(60_000); // first tick: nothing is one interval old yet; it records the revision
      await new Promise((r) => setImmediate(r));
      t.true(s.compactedRevision() <= 1);
      for (let i = 21; i <= 30; i++) await s.guaranteedUpdate<{ n: number }>('/registry/x/a', (c) => ({ ...c, n: i }));
      clock.step(60_000);
      await new Promise((r) => setImmediate(r));
      t.is(s.compactedRevision(), firstTick, 'compacts to the revision seen one interval ago');
      const err = await s.list('/registry/x/', { revision: firstTick - 1 }).catch((e: unknown) => e);
      t.true(isStorageError(err, 'ResourceVersionTooOld'));
      await s.close();
    },
  },
  {
    name: 'a watch replaying history is failed when compaction overtakes it',
    async run(t: import('ava').ExecutionContext) {
      const s = newSqliteStorage({ path: ':memory:', watchReplayBatch: 10 });
      for (let i = 0; i < 50; i++) await s.create(`/registry/x/k${i}`, { metadata: { name: `k${i}` } });
      const w = s.watch('/registry/x/', { recursive: true, revision: 1 });
      const it = w[Symbol.asyncIterator]();
      const first = await it.next();
      t.is(first.value?.revision, 2);
      await s.compact(40);
      const err = await (async () => {
        for (;;) {
          const r = await it.next();
          if (r.done) return undefined;
        }
      })().catch((e: unknown) => e);
      t.true(isStorageError(err, 'ResourceVersionTooOld'), String(err));
      await s.close();
    },
  },
  {
    name: 'TTL keys expire on the injected clock',
    async run(t: import('ava').ExecutionContext) {
      const clock = new FakeClock();
      const s = newSqliteStorage({ path: ':memory:', clock, ttlSweepInterval: 1000, progressNotifyInterval: 0 });
      await s.create('/registry/events/a', { metadata: { name: 'a' } }, { ttlSeconds: 10 });
      await s.guaranteedUpdate('/registry/events/a', (c) => ({ ...c, count: 2 }));
      clock.step(9000);
      t.truthy(await s.get('/registry/events/a'));
      clock.step(2000);
      t.true(isStorageError(await s.get('/registry/events/a').catch((e: unknown) => e), 'KeyNotFound'), 'updates keep the TTL');
      await s.close();
    },
  },
];

for (const tc of fileCases) test(`sqlite: ${tc.name}`, tc.run);

import test from 'ava';
import type { ResourceQuota } from '#generated/k8s/index.ts';
import { StatusError } from '#impl/apimachinery/index.ts';
import { QuotaAccessor } from './resource-access.ts';

const quota = (name: string, rv: number, used = '0'): ResourceQuota => ({
  metadata: { name, namespace: 'ns', resourceVersion: String(rv) },
  spec: { hard: { pods: '10' } },
  status: { used: { pods: used } },
});

interface Fixture {
  cached: ResourceQuota[];
  stored: ResourceQuota[];
  liveLists: number;
  time: number;
  conflictNext: boolean;
  access: QuotaAccessor;
}

function fixture(cached: ResourceQuota[], stored: ResourceQuota[] = cached): Fixture {
  const f = { cached, stored, liveLists: 0, time: 0, conflictNext: false } as Fixture;
  f.access = new QuotaAccessor({
    lister: () => f.cached,
    liveList: async () => {
      f.liveLists++;
      return f.stored;
    },
    update: async (q, used) => {
      if (f.conflictNext) {
        f.conflictNext = false;
        throw new StatusError({ reason: 'Conflict', code: 409, message: 'conflict' });
      }
      return { ...q, metadata: { ...q.metadata, resourceVersion: String(Number(q.metadata?.resourceVersion) + 100) }, status: { used } };
    },
    liveTtlMs: 1000,
    now: () => f.time,
  });
  return f;
}

const cases: Array<{ name: string; run: (t: import('ava').ExecutionContext) => Promise<void> }> = [
  {
    name: 'cached quotas are served without a live list',
    run: async (t) => {
      const f = fixture([quota('q', 5)]);
      t.deepEqual((await f.access.list('ns')).map((q) => q.metadata?.name), ['q']);
      t.is(f.liveLists, 0);
    },
  },
  {
    name: 'an empty cache is confirmed live, and the answer reused within the TTL',
    run: async (t) => {
      const f = fixture([], [quota('fresh', 7)]);
      t.deepEqual((await f.access.list('ns')).map((q) => q.metadata?.name), ['fresh']);
      await f.access.list('ns');
      t.is(f.liveLists, 1);
      f.time = 2000;
      await f.access.list('ns');
      t.is(f.liveLists, 2);
    },
  },
  {
    name: 'our own status write wins over an older cached copy',
    run: async (t) => {
      const f = fixture([quota('q', 5)]);
      await f.access.updateStatus(quota('q', 5), { pods: '1' });
      const [q] = await f.access.list('ns');
      t.is(q?.metadata?.resourceVersion, '105');
      t.deepEqual(q?.status?.used, { pods: '1' });
      f.cached = [quota('q', 200, '3')];
      t.is((await f.access.list('ns'))[0]?.metadata?.resourceVersion, '200');
    },
  },
  {
    name: 'after a conflict the next list is live',
    run: async (t) => {
      const f = fixture([quota('q', 5)], [quota('q', 9, '2')]);
      f.conflictNext = true;
      await t.throwsAsync(() => f.access.updateStatus(quota('q', 5), { pods: '1' }));
      t.is((await f.access.list('ns'))[0]?.metadata?.resourceVersion, '9');
      t.is(f.liveLists, 1);
      t.is((await f.access.list('ns'))[0]?.metadata?.resourceVersion, '5');
    },
  },
];

for (const c of cases) test(c.name, c.run);

import test from 'ava';
import { StatusError } from '#impl/apimachinery/index.ts';
import { newSqliteStorage } from '#impl/storage/sqlite/store.ts';
import type { Interface } from '#impl/storage/interfaces.ts';
import type { KubeObject, RequestContext } from '../rest/strategy.ts';
import { newDefaultStrategy } from './default-strategy.ts';
import { Store, generateName } from './store.ts';

const ctx = (): RequestContext => ({ namespace: 'ns', warnings: [] });

function newStore(storage: Interface, over: Partial<ConstructorParameters<typeof Store>[0]> = {}): Store {
  return new Store({
    qualifiedResource: { group: 'example.com', resource: 'things' },
    group: 'example.com',
    version: 'v1',
    kind: 'Thing',
    storage,
    keyPrefix: '/registry/example.com/things',
    strategy: { ...newDefaultStrategy({ namespaced: true, hasStatusSubresource: true, hasSpec: true }), checkGracefulDelete: (_c, _o, opts) => ((opts.gracePeriodSeconds ??= 10), true) },
    now: () => new Date('2026-01-02T03:04:05Z'),
    ...over,
  });
}

const thing = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name }, spec: { a: 1 }, ...extra });

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof StatusError ? `${err.code} ${err.reason}: ${err.message}` : String(err);
  }
}

interface Case {
  name: string;
  run(s: Store, storage: Interface): Promise<unknown>;
  want: unknown;
}

const cases: Case[] = [
  {
    name: 'create sets uid, creationTimestamp, generation 1 and drops status',
    run: async (s) => {
      const o = await s.create(ctx(), thing('a', { status: { x: 1 } }));
      return [typeof o.metadata.uid, o.metadata.creationTimestamp, o.metadata.generation, o.status, o.metadata.namespace];
    },
    want: ['string', '2026-01-02T03:04:05Z', 1, undefined, 'ns'],
  },
  {
    name: 'create of an existing name is 409 AlreadyExists',
    run: async (s) => {
      await s.create(ctx(), thing('a'));
      return reason(s.create(ctx(), thing('a')));
    },
    want: '409 AlreadyExists: things.example.com "a" already exists',
  },
  {
    name: 'generateName appends five characters',
    run: async (s) => (await s.create(ctx(), { ...thing(''), metadata: { generateName: 'x-' } })).metadata.name!.length,
    want: 7,
  },
  {
    name: 'namespace mismatch is 400',
    run: (s) => reason(s.create(ctx(), { ...thing('a'), metadata: { name: 'a', namespace: 'other' } })),
    want: '400 BadRequest: the namespace of the provided object does not match the namespace sent on the request',
  },
  {
    name: 'dry-run create stores nothing',
    run: async (s) => {
      await s.create(ctx(), thing('d'), { dryRun: true });
      return reason(s.get(ctx(), 'd'));
    },
    want: '404 NotFound: things.example.com "d" not found',
  },
  {
    name: 'update with a stale resourceVersion is 409 Conflict',
    run: async (s) => {
      const o = await s.create(ctx(), thing('a'));
      await s.update(ctx(), 'a', (old) => ({ ...old!, spec: { a: 2 } }));
      return reason(s.update(ctx(), 'a', () => ({ ...o, spec: { a: 3 } })));
    },
    want: '409 Conflict: Operation cannot be fulfilled on things.example.com "a": the object has been modified; please apply your changes to the latest version and try again',
  },
  {
    name: 'spec change bumps generation, status stays',
    run: async (s) => {
      await s.create(ctx(), thing('a'));
      const o = (await s.update(ctx(), 'a', (old) => ({ ...old!, spec: { a: 2 }, status: { ignored: true } }))).object;
      return [o.metadata.generation, o.status];
    },
    want: [2, undefined],
  },
  {
    name: 'an update that changes nothing does not write',
    run: async (s) => {
      const o = await s.create(ctx(), thing('a'));
      const u = (await s.update(ctx(), 'a', (old) => old!)).object;
      return u.metadata.resourceVersion === o.metadata.resourceVersion;
    },
    want: true,
  },
  {
    name: 'update of a missing object is 404 (no create-on-update)',
    run: (s) => reason(s.update(ctx(), 'nope', () => thing('nope'))),
    want: '404 NotFound: things.example.com "nope" not found',
  },
  {
    name: 'delete precondition on uid is 409',
    run: async (s) => {
      await s.create(ctx(), thing('a'));
      return reason(s.delete(ctx(), 'a', { preconditions: { uid: 'x' } }));
    },
    want: /^409 Conflict: Operation cannot be fulfilled on things.example.com "a": Precondition failed: UID in precondition: x, UID in object meta: /,
  },
  {
    name: 'graceful delete marks the object, a zero grace period removes it',
    run: async (s) => {
      await s.create(ctx(), thing('a'));
      const first = await s.delete(ctx(), 'a');
      const second = await s.delete(ctx(), 'a', { gracePeriodSeconds: 0 });
      return [first.deleted, first.object.metadata.deletionGracePeriodSeconds, first.object.metadata.deletionTimestamp, second.deleted];
    },
    want: [false, 10, '2026-01-02T03:04:15Z', true],
  },
  {
    name: 'orphan propagation adds the orphan finalizer and keeps the object',
    run: async (s) => {
      await s.create(ctx(), thing('a'));
      const r = await s.delete(ctx(), 'a', { propagationPolicy: 'Orphan', gracePeriodSeconds: 0 });
      return [r.deleted, r.object.metadata.finalizers];
    },
    want: [false, ['orphan']],
  },
  {
    name: 'removing the last finalizer of a deleting object deletes it',
    run: async (s) => {
      await s.create(ctx(), thing('a', { metadata: { name: 'a', finalizers: ['x/y'] } }));
      await s.delete(ctx(), 'a', { gracePeriodSeconds: 0 });
      await s.update(ctx(), 'a', (old) => ({ ...old!, metadata: { ...old!.metadata, finalizers: [] } }));
      return reason(s.get(ctx(), 'a'));
    },
    want: '404 NotFound: things.example.com "a" not found',
  },
  {
    name: 'a zero grace period on a gracefully deleting object held by a finalizer lets it go with the finalizer',
    run: async (s) => {
      await s.create(ctx(), thing('a', { metadata: { name: 'a', finalizers: ['x/y'] } }));
      const first = await s.delete(ctx(), 'a');
      const second = await s.delete(ctx(), 'a', { gracePeriodSeconds: 0 });
      await s.update(ctx(), 'a', (old) => ({ ...old!, metadata: { ...old!.metadata, finalizers: [] } }));
      return [first.object.metadata.deletionGracePeriodSeconds, second.deleted, second.object.metadata.deletionGracePeriodSeconds, await reason(s.get(ctx(), 'a'))];
    },
    want: [10, false, 0, '404 NotFound: things.example.com "a" not found'],
  },
  {
    name: 'list with a predicate, limit and continue',
    run: async (s) => {
      for (const n of ['a', 'b', 'c', 'd']) await s.create(ctx(), thing(n, { metadata: { name: n, labels: { keep: n === 'b' ? 'no' : 'yes' } } }));
      const pred = (o: KubeObject) => o.metadata.labels?.keep === 'yes';
      const p1 = await s.list(ctx(), { predicate: pred, limit: 2 });
      const p2 = await s.list(ctx(), { predicate: pred, limit: 2, continue: p1.continue });
      return [p1.items.map((i) => i.metadata.name), p2.items.map((i) => i.metadata.name), p2.continue];
    },
    want: [['a', 'c'], ['d'], undefined],
  },
  {
    name: 'resourceVersionMatch without resourceVersion is 400',
    run: (s) => reason(s.list(ctx(), { resourceVersionMatch: 'Exact' })),
    want: '400 BadRequest: resourceVersionMatch is forbidden unless resourceVersion is provided',
  },
];

for (const tc of cases) {
  test(tc.name, async (t) => {
    const storage = newSqliteStorage({ path: ':memory:' });
    try {
      const got = await tc.run(newStore(storage), storage);
      if (tc.want instanceof RegExp) t.regex(String(got), tc.want);
      else t.deepEqual(got, tc.want);
    } finally {
      await storage.close();
    }
  });
}

test('generateName truncates long bases like upstream', (t) => {
  t.is(generateName('a'.repeat(70)).length, 63);
});

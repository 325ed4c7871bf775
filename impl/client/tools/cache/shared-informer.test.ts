import test from 'ava';
import type { KubeObject } from '../../resource-client.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
import { FakeListWatch } from './fake-list-watch.ts';
import { newGenericLister } from './lister.ts';
import { SharedInformerFactory } from './shared-informer-factory.ts';
import { newSharedIndexInformer, type ResourceEventHandler } from './shared-informer.ts';
import { DeletedFinalStateUnknown } from './store.ts';
import { cm, eventually } from './testing-helpers.ts';
import { waitForCacheSync } from './wait-for-cache-sync.ts';

function recorder(log: string[], prefix = ''): ResourceEventHandler {
  const n = (o: KubeObject): string => `${o.metadata?.namespace}/${o.metadata?.name}@${o.metadata?.resourceVersion}`;
  return {
    onAdd: (o, initial) => log.push(`${prefix}add ${n(o)}${initial ? ' initial' : ''}`),
    onUpdate: (a, b) => log.push(`${prefix}update ${n(a)} -> ${n(b)}`),
    onDelete: (o) => log.push(o instanceof DeletedFinalStateUnknown ? `${prefix}delete tombstone ${o.key} last ${n(o.obj)}` : `${prefix}delete ${n(o)}`),
  };
}

function setup(opts: { resyncPeriod?: number; clock?: FakeClock } = {}) {
  const lw = new FakeListWatch({ startRV: 10 });
  lw.create(cm('a'));
  const informer = newSharedIndexInformer({
    listWatch: lw,
    objectType: 'configmaps',
    resyncPeriod: opts.resyncPeriod,
    clock: opts.clock,
    reflector: { delay: async () => {}, random: () => 0 },
  });
  const ctrl = new AbortController();
  return { lw, informer, ctrl, start: () => informer.run(ctrl.signal) };
}

test('handlers see the initial list, then adds, updates and deletes in order', async (t) => {
  const { lw, informer, ctrl, start } = setup();
  const log: string[] = [];
  const reg = informer.addEventHandler(recorder(log));
  const done = start();
  await eventually(() => reg.hasSynced());
  t.true(informer.hasSynced());
  lw.create(cm('b'));
  lw.update(cm('a', 'default', { x: '1' }));
  lw.delete('default/b');
  await eventually(() => log.length === 4);
  t.deepEqual(log, ['add default/a@11 initial', 'add default/b@12', 'update default/a@11 -> default/a@13', 'delete default/b@14']);
  t.is(informer.lastSyncResourceVersion(), '14');
  t.deepEqual(informer.getStore().listKeys(), ['default/a']);
  ctrl.abort();
  await done;
  t.true(informer.isStopped());
});

test('a relist after 410 delivers a tombstone for objects deleted while disconnected', async (t) => {
  const clock = new FakeClock();
  const { lw, informer, ctrl, start } = setup({ clock });
  lw.create(cm('gone'));
  const log: string[] = [];
  informer.addEventHandler(recorder(log));
  const done = start();
  await eventually(() => log.length === 2 && lw.activeWatches === 1);
  clock.step(5000);
  lw.closeWatches();
  lw.deleteSilently('default/gone');
  lw.compact();
  await eventually(() => log.length === 4, 2000, JSON.stringify(log));
  t.deepEqual(log.slice(2), ['update default/a@11 -> default/a@11', 'delete tombstone default/gone last default/gone@12']);
  ctrl.abort();
  await done;
});

test('a handler added after sync gets the cached objects as adds and syncs', async (t) => {
  const { lw, informer, ctrl, start } = setup();
  const done = start();
  await eventually(() => informer.hasSynced());
  lw.create(cm('b'));
  await eventually(() => informer.getStore().listKeys().length === 2);
  const log: string[] = [];
  const reg = informer.addEventHandler(recorder(log, 'late: '));
  t.false(reg.hasSynced());
  await eventually(() => reg.hasSynced());
  t.deepEqual(log.sort(), ['late: add default/a@11 initial', 'late: add default/b@12 initial']);
  ctrl.abort();
  await done;
});

test('a throwing handler does not stop other handlers; removed handlers get nothing', async (t) => {
  const { lw, informer, ctrl, start } = setup();
  const log: string[] = [];
  informer.addEventHandler({ onAdd: () => { throw new Error('bad handler'); } });
  informer.addEventHandler(recorder(log));
  const removedLog: string[] = [];
  const removed = informer.addEventHandler(recorder(removedLog));
  informer.removeEventHandler(removed);
  const done = start();
  await eventually(() => informer.hasSynced());
  lw.create(cm('b'));
  await eventually(() => log.length === 2);
  t.deepEqual(removedLog, []);
  ctrl.abort();
  await done;
});

test('resync re-delivers every object as an update each period', async (t) => {
  const clock = new FakeClock();
  const { informer, ctrl, start } = setup({ resyncPeriod: 30_000, clock });
  const log: string[] = [];
  informer.addEventHandler(recorder(log));
  const noResync: string[] = [];
  informer.addEventHandler(recorder(noResync), { resyncPeriod: 0 });
  const done = start();
  await eventually(() => log.length === 1);
  clock.step(29_999);
  await new Promise((r) => setImmediate(r));
  t.is(log.length, 1);
  clock.step(1);
  await eventually(() => log.length === 2);
  t.is(log[1], 'update default/a@11 -> default/a@11');
  t.is(noResync.length, 1);
  ctrl.abort();
  await done;
});

test('transform is applied before caching', async (t) => {
  const lw = new FakeListWatch();
  lw.create({ metadata: { name: 'x', namespace: 'n', managedFields: [{}] } });
  const informer = newSharedIndexInformer({ listWatch: lw, transform: (o) => ({ ...o, metadata: { ...o.metadata, managedFields: undefined } }) });
  const ctrl = new AbortController();
  const done = informer.run(ctrl.signal);
  await eventually(() => informer.hasSynced());
  t.is(informer.getStore().getByKey('n/x')?.metadata?.managedFields, undefined);
  ctrl.abort();
  await done;
});

const listerCases = [
  { name: 'all objects', ns: undefined, selector: undefined, want: ['a', 'b', 'c'] },
  { name: 'by namespace', ns: 'ns1', selector: undefined, want: ['a', 'b'] },
  { name: 'by label selector text', ns: undefined, selector: 'app=web', want: ['a', 'c'] },
  { name: 'by namespace and selector', ns: 'ns1', selector: 'app in (web),tier!=db', want: ['a'] },
];
for (const tc of listerCases) {
  test(`lister lists ${tc.name}`, async (t) => {
    const lw = new FakeListWatch();
    lw.create(cm('a', 'ns1', {}, { app: 'web' }));
    lw.create(cm('b', 'ns1', {}, { app: 'db', tier: 'db' }));
    lw.create(cm('c', 'ns2', {}, { app: 'web' }));
    const informer = newSharedIndexInformer({ listWatch: lw });
    const ctrl = new AbortController();
    const done = informer.run(ctrl.signal);
    t.true(await waitForCacheSync(ctrl.signal, [() => informer.hasSynced()]));
    const lister = newGenericLister(informer.getIndexer());
    const l = tc.ns ? lister.byNamespace(tc.ns) : lister;
    t.deepEqual(l.list(tc.selector).map((o) => o.metadata?.name).sort(), tc.want);
    t.is(lister.byNamespace('ns2').get('c')?.metadata?.name, 'c');
    t.is(lister.byNamespace('ns2').get('a'), undefined);
    ctrl.abort();
    await done;
  });
}

test('waitForCacheSync resolves false when aborted first', async (t) => {
  const ctrl = new AbortController();
  const p = waitForCacheSync(ctrl.signal, [() => false]);
  ctrl.abort();
  t.false(await p);
});

test('the factory shares one informer per resource and starts it once', async (t) => {
  const fakes = new Map<string, FakeListWatch>();
  const factory = new SharedInformerFactory(undefined, {
    newListWatch: (gvr) => {
      const lw = new FakeListWatch({ kind: gvr.resource === 'pods' ? 'Pod' : 'ConfigMap' });
      lw.create(cm(`${gvr.resource}-1`));
      fakes.set(gvr.resource, lw);
      return lw;
    },
  });
  const cms = factory.forResource({ group: '', version: 'v1', resource: 'configmaps' });
  const again = factory.forResource({ group: '', version: 'v1', resource: 'configmaps' }, { indexers: { byName: (o) => [o.metadata?.name ?? ''] } });
  t.is(cms.informer(), again.informer());
  t.deepEqual(Object.keys(cms.informer().getIndexer().getIndexers()).sort(), ['byName', 'namespace']);
  factory.forResource({ group: '', version: 'v1', resource: 'pods' });
  const ctrl = new AbortController();
  factory.start(ctrl.signal);
  factory.start(ctrl.signal);
  const synced = await factory.waitForCacheSync(ctrl.signal);
  t.deepEqual([...synced.entries()], [['configmaps.v1', true], ['pods.v1', true]]);
  t.is(cms.lister().byNamespace('default').get('configmaps-1')?.kind, 'ConfigMap');
  t.is(fakes.get('configmaps')!.calls.filter((c) => c.startsWith('list')).length, 1);
  ctrl.abort();
  await factory.shutdown();
});

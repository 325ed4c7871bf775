import test from 'ava';
import { ApiError } from '../../api-error.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
import { FakeListWatch } from './fake-list-watch.ts';
import { Reflector } from './reflector.ts';
import { metaNamespaceKeyFunc, newStore } from './store.ts';
import { cm, eventually } from './testing-helpers.ts';

function setup(opts: { objects?: number; pageSize?: number } = {}) {
  const lw = new FakeListWatch({ startRV: 100 });
  for (let i = 0; i < (opts.objects ?? 2); i++) lw.create(cm(`cm-${i}`));
  const store = newStore(metaNamespaceKeyFunc);
  const clock = new FakeClock();
  const delays: number[] = [];
  const errors: unknown[] = [];
  const reflector = new Reflector({
    name: 'configmaps',
    listWatch: lw,
    store,
    clock,
    pageSize: opts.pageSize ?? 500,
    random: () => 0,
    delay: async (ms) => {
      delays.push(ms);
      await new Promise((r) => setImmediate(r));
    },
    watchErrorHandler: (err) => errors.push(err),
  });
  const ctrl = new AbortController();
  const done = reflector.run(ctrl.signal);
  const stop = async (): Promise<void> => {
    ctrl.abort();
    await done;
  };
  const watching = (n: number) => eventually(() => lw.calls.filter((c) => c.startsWith('watch')).length >= n && lw.activeWatches > 0, 2000, `watch #${n}`);
  return { lw, store, clock, delays, errors, reflector, stop, watching };
}

test('lists at RV 0, then watches from the list resourceVersion', async (t) => {
  const { lw, store, stop, watching } = setup();
  await watching(1);
  t.deepEqual(lw.calls, ['list RV=0 limit=500 continue=', 'watch RV=102']);
  t.deepEqual(store.listKeys().sort(), ['default/cm-0', 'default/cm-1']);
  lw.create(cm('cm-2'));
  lw.update(cm('cm-0', 'default', { k: 'v' }));
  lw.delete('default/cm-1');
  await eventually(() => store.listKeys().length === 2 && store.getByKey('default/cm-0')?.data?.k === 'v');
  t.deepEqual(store.listKeys().sort(), ['default/cm-0', 'default/cm-2']);
  await stop();
});

const resumeCases: Array<{ name: string; act: (lw: FakeListWatch, clock: FakeClock) => void; wantWatchRV: string; relist: boolean }> = [
  {
    name: 'a normal watch close resumes from the last event RV without relisting',
    act: (lw, clock) => {
      lw.create(cm('x'));
      clock.step(2000);
      lw.closeWatches();
    },
    wantWatchRV: '103',
    relist: false,
  },
  {
    name: 'a bookmark advances the RV the next watch starts from',
    act: (lw, clock) => {
      lw.deleteSilently('nothing');
      lw.deleteSilently('nothing');
      lw.bookmark();
      clock.step(2000);
      lw.closeWatches();
    },
    wantWatchRV: '104',
    relist: false,
  },
  {
    name: 'a watch that closes at once with no events relists (very short watch)',
    act: (lw) => lw.closeWatches(),
    wantWatchRV: '102',
    relist: true,
  },
];

for (const tc of resumeCases) {
  test(tc.name, async (t) => {
    const { lw, clock, stop, watching } = setup();
    await watching(1);
    await new Promise((r) => setImmediate(r));
    tc.act(lw, clock);
    await watching(2);
    const lists = lw.calls.filter((c) => c.startsWith('list')).length;
    t.is(lists, tc.relist ? 2 : 1, lw.calls.join('\n'));
    t.is(lw.calls.filter((c) => c.startsWith('watch')).at(-1), `watch RV=${tc.wantWatchRV}`);
    await stop();
  });
}

const goneCases: Array<{ name: string; asEvent: boolean }> = [
  { name: '410 Gone on the watch request relists, consistently when the RV is compacted', asEvent: false },
  { name: '410 as an ERROR event in the watch stream relists the same way', asEvent: true },
];

for (const tc of goneCases) {
  test(tc.name, async (t) => {
    const { lw, store, clock, stop, watching } = setup();
    await watching(1);
    // While "disconnected": an object is deleted and history compacted.
    lw.goneAsEvent = tc.asEvent;
    clock.step(2000);
    lw.closeWatches();
    lw.deleteSilently('default/cm-1');
    lw.create(cm('new'));
    lw.compact();
    await watching(3);
    const calls = lw.calls.filter((c) => c.startsWith('list'));
    t.deepEqual(lw.calls.filter((c) => c.startsWith('watch')), ['watch RV=102', 'watch RV=102', `watch RV=${lw.resourceVersion}`]);
    t.true(calls.includes('list RV=102 limit= continue='), lw.calls.join('\n'));
    // relist at the last RV is refused (compacted) -> consistent list (RV="")
    t.true(calls.includes('list RV= limit=500 continue='), lw.calls.join('\n'));
    t.deepEqual(store.listKeys().sort(), ['default/cm-0', 'default/new']);
    t.is(lw.calls.at(-1), `watch RV=${lw.resourceVersion}`);
    await stop();
  });
}

test('paged lists follow continue tokens', async (t) => {
  const { lw, store, stop, watching } = setup({ objects: 5, pageSize: 2 });
  await watching(1);
  t.deepEqual(lw.calls, ['list RV=0 limit=2 continue=', 'list RV= limit=2 continue=2:105', 'list RV= limit=2 continue=4:105', 'watch RV=105']);
  t.is(store.listKeys().length, 5);
  await stop();
});

test('an expired continue token falls back to a full list', async (t) => {
  const { lw, store, stop, watching } = setup({ objects: 3, pageSize: 2 });
  lw.expireContinueTokens = true;
  await watching(1);
  t.deepEqual(lw.calls, ['list RV=0 limit=2 continue=', 'list RV= limit=2 continue=2:103', 'list RV=0 limit= continue=', 'watch RV=103']);
  t.is(store.listKeys().length, 3);
  await stop();
});

test('a refused watch connection backs off and re-watches without relisting', async (t) => {
  const { lw, delays, clock, stop, watching } = setup();
  await watching(1);
  const refused = new Error('connect ECONNREFUSED', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
  lw.failNextWatch(refused);
  lw.failNextWatch(refused);
  clock.step(2000);
  lw.create(cm('during'));
  lw.closeWatches();
  await watching(4);
  t.is(lw.calls.filter((c) => c.startsWith('list')).length, 1, lw.calls.join('\n'));
  t.deepEqual(delays, [800, 1600]);
  await stop();
});

test('a failed list is reported and retried after backoff', async (t) => {
  const lw = new FakeListWatch();
  lw.create(cm('a'));
  const boom = new ApiError({ code: 500, request: 'GET /api/v1/configmaps', body: 'boom' });
  lw.failNextList(boom);
  const errors: unknown[] = [];
  const delays: number[] = [];
  const store = newStore(metaNamespaceKeyFunc);
  const ctrl = new AbortController();
  const r = new Reflector({ listWatch: lw, store, random: () => 0, watchErrorHandler: (e) => errors.push(e), delay: async (ms) => { delays.push(ms); } });
  const done = r.run(ctrl.signal);
  await eventually(() => store.listKeys().length === 1);
  t.deepEqual(errors, [boom]);
  t.deepEqual(delays, [800]);
  t.is(r.lastSyncResourceVersion(), '101');
  ctrl.abort();
  await done;
});

import test from 'ava';
import { Queue } from './queue.ts';

type Step = ['add', string] | ['get', string | 'shutdown'] | ['done', string] | ['len', number] | ['shutDown'];

const cases: Array<{ name: string; steps: Step[] }> = [
  { name: 'items come out in the order they were added', steps: [['add', 'a'], ['add', 'b'], ['get', 'a'], ['get', 'b'], ['len', 0]] },
  { name: 'repeated adds coalesce into one', steps: [['add', 'a'], ['add', 'a'], ['add', 'b'], ['add', 'a'], ['len', 2], ['get', 'a'], ['get', 'b'], ['len', 0]] },
  {
    name: 'an item added while processing is not handed out until done',
    steps: [['add', 'a'], ['get', 'a'], ['add', 'a'], ['len', 0], ['add', 'b'], ['get', 'b'], ['done', 'a'], ['len', 1], ['get', 'a']],
  },
  { name: 'done without a re-add does not requeue', steps: [['add', 'a'], ['get', 'a'], ['done', 'a'], ['len', 0]] },
  { name: 'adds after shutdown are ignored but queued items still come out', steps: [['add', 'a'], ['shutDown'], ['add', 'b'], ['len', 1], ['get', 'a'], ['get', 'shutdown']] },
];

for (const tc of cases) {
  test(tc.name, async (t) => {
    const q = new Queue<string>();
    for (const step of tc.steps) {
      switch (step[0]) {
        case 'add': q.add(step[1]); break;
        case 'done': q.done(step[1]); break;
        case 'shutDown': q.shutDown(); break;
        case 'len': t.is(q.len(), step[1]); break;
        case 'get': {
          const r = await q.get();
          if (step[1] === 'shutdown') t.true(r.shutdown);
          else t.deepEqual(r, { item: step[1], shutdown: false });
          break;
        }
      }
    }
  });
}

test('a waiting get resolves on the next add, waiters in order', async (t) => {
  const q = new Queue<string>();
  const g1 = q.get();
  const g2 = q.get();
  q.add('x');
  q.add('y');
  t.deepEqual(await g1, { item: 'x', shutdown: false });
  t.deepEqual(await g2, { item: 'y', shutdown: false });
});

test('shutDown releases waiting gets', async (t) => {
  const q = new Queue<string>();
  const g = q.get();
  q.shutDown();
  t.true((await g).shutdown);
  t.true(q.shuttingDown());
});

test('shutDownWithDrain waits for in-flight items', async (t) => {
  const q = new Queue<string>();
  q.add('a');
  const { item } = await q.get();
  let drained = false;
  const p = q.shutDownWithDrain().then(() => { drained = true; });
  await new Promise((r) => setImmediate(r));
  t.false(drained);
  q.done(item!);
  await p;
  t.true(drained);
});

test('a key is never processed by two workers at once', async (t) => {
  const q = new Queue<string>();
  let inFlight = 0;
  let maxInFlight = 0;
  let processed = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const r = await q.get();
      if (r.shutdown) return;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((res) => setImmediate(res));
      if (processed < 20) q.add('k');
      processed++;
      inFlight--;
      q.done(r.item);
    }
  };
  q.add('k');
  const workers = [worker(), worker(), worker()];
  while (processed < 21) await new Promise((res) => setImmediate(res));
  await q.shutDownWithDrain();
  q.shutDown();
  await Promise.all(workers);
  t.is(maxInFlight, 1);
});

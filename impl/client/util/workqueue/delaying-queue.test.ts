import test from 'ava';
import { DelayingQueue } from './delaying-queue.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';

const cases: Array<{ name: string; adds: Array<[string, number]>; stepMs: number; expectLen: number; thenStep?: number; expectLenAfter?: number }> = [
  { name: 'an item is not added before its delay', adds: [['a', 50]], stepMs: 49, expectLen: 0, thenStep: 1, expectLenAfter: 1 },
  { name: 'zero delay adds at once', adds: [['a', 0]], stepMs: 0, expectLen: 1 },
  { name: 'a second addAfter with an earlier time moves the item forward', adds: [['a', 100], ['a', 10]], stepMs: 10, expectLen: 1 },
  { name: 'a second addAfter with a later time is ignored', adds: [['a', 10], ['a', 100]], stepMs: 10, expectLen: 1, thenStep: 200, expectLenAfter: 1 },
  { name: 'several items become ready at their own times', adds: [['a', 30], ['b', 10], ['c', 20]], stepMs: 20, expectLen: 2, thenStep: 10, expectLenAfter: 3 },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>({ clock });
    for (const [item, ms] of tc.adds) q.addAfter(item, ms);
    clock.step(tc.stepMs);
    t.is(q.len(), tc.expectLen);
    if (tc.thenStep !== undefined) {
      clock.step(tc.thenStep);
      t.is(q.len(), tc.expectLenAfter ?? 0);
    }
  });
}

test('items ready together come out in ready-time order', async (t) => {
  const clock = new FakeClock();
  const q = new DelayingQueue<string>({ clock });
  q.addAfter('late', 30);
  q.addAfter('early', 10);
  q.addAfter('mid', 20);
  clock.step(100);
  const got = [];
  for (let i = 0; i < 3; i++) got.push((await q.get()).item);
  t.deepEqual(got, ['early', 'mid', 'late']);
});

test('shutdown drops waiting items and cancels the timer', (t) => {
  const clock = new FakeClock();
  const q = new DelayingQueue<string>({ clock });
  q.addAfter('a', 10);
  q.shutDown();
  t.is(clock.pending, 0);
  clock.step(20);
  t.is(q.len(), 0);
});

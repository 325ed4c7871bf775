import test from 'ava';
import { newQueuedPodInfo } from '../../types.ts';
import { makePod } from '../../../testing/wrappers.ts';
import { less } from './priority-sort.ts';

const cases = [
  { name: 'p1.priority less than p2.priority', p1: { prio: 1, ts: 1 }, p2: { prio: 2, ts: 1 }, want: false },
  { name: 'p1.priority greater than p2.priority', p1: { prio: 2, ts: 1 }, p2: { prio: 1, ts: 1 }, want: true },
  { name: 'equal priority. p1 is added to schedulingQ earlier than p2', p1: { prio: 1, ts: 1 }, p2: { prio: 1, ts: 2 }, want: true },
  { name: 'equal priority. p2 is added to schedulingQ earlier than p1', p1: { prio: 1, ts: 2 }, p2: { prio: 1, ts: 1 }, want: false },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    const a = newQueuedPodInfo(makePod().name('a').priority(tc.p1.prio).obj(), tc.p1.ts);
    const b = newQueuedPodInfo(makePod().name('b').priority(tc.p2.prio).obj(), tc.p2.ts);
    t.is(less(a, b), tc.want);
  });
}

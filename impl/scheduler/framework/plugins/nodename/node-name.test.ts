import test from 'ava';
import { CycleState } from '../../cycle-state.ts';
import { Code } from '../../interface.ts';
import { makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { ERR_REASON, filter } from './node-name.ts';

const cases = [
  { name: 'no host specified', pod: makePod().obj(), node: 'foo', fits: true },
  { name: 'host matches', pod: makePod().node('foo').obj(), node: 'foo', fits: true },
  { name: 'host doesn\'t match', pod: makePod().node('bar').obj(), node: 'foo', fits: false },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    const s = filter(new CycleState(), tc.pod, nodeInfoOf(makeNode().name(tc.node).obj()));
    if (tc.fits) t.is(s, undefined);
    else {
      t.is(s?.code, Code.UnschedulableAndUnresolvable);
      t.deepEqual(s?.reasons, [ERR_REASON]);
    }
  });
}

import test from 'ava';
import type { Pod } from '#generated/k8s/index.ts';
import { CycleState } from '../../cycle-state.ts';
import { Code } from '../../interface.ts';
import { makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { ERR_REASON, filter, preFilter } from './node-ports.ts';

interface Case {
  name: string;
  pod: Pod;
  existing: Pod[];
  fits: boolean;
}

const p = (): ReturnType<typeof makePod> => makePod();
const cases: Case[] = [
  { name: 'nothing running', pod: p().hostPort(8080).obj(), existing: [], fits: true },
  { name: 'other port', pod: p().hostPort(8080).obj(), existing: [p().name('e').hostPort(9090).obj()], fits: true },
  { name: 'same udp port', pod: p().hostPort(8080, 'UDP', '127.0.0.1').obj(), existing: [p().name('e').hostPort(8080, 'UDP', '127.0.0.1').obj()], fits: false },
  { name: 'same tcp port', pod: p().hostPort(8080, 'TCP', '127.0.0.1').obj(), existing: [p().name('e').hostPort(8080, 'TCP', '127.0.0.1').obj()], fits: false },
  { name: 'different host ip', pod: p().hostPort(8080, 'TCP', '127.0.0.1').obj(), existing: [p().name('e').hostPort(8080, 'TCP', '127.0.0.2').obj()], fits: true },
  { name: 'different protocol', pod: p().hostPort(8080, 'UDP').obj(), existing: [p().name('e').hostPort(8080, 'TCP').obj()], fits: true },
  { name: 'first tcp port conflict due to 0.0.0.0 hostIP', pod: p().hostPort(8001, 'TCP', '0.0.0.0').obj(), existing: [p().name('e').hostPort(8001, 'TCP', '127.0.0.1').obj()], fits: false },
  { name: 'existing 0.0.0.0 conflicts with a specific IP', pod: p().hostPort(8001, 'TCP', '127.0.0.1').obj(), existing: [p().name('e').hostPort(8001, 'TCP').obj()], fits: false },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    const state = new CycleState();
    preFilter(state, tc.pod);
    const s = filter(state, tc.pod, nodeInfoOf(makeNode().name('n').obj(), ...tc.existing));
    if (tc.fits) t.is(s, undefined);
    else {
      t.is(s?.code, Code.Unschedulable);
      t.deepEqual(s?.reasons, [ERR_REASON]);
    }
  });
}

test('preFilter skips pods without host ports', (t) => {
  t.is(preFilter(new CycleState(), makePod().req({ cpu: '1' }).obj())?.status?.code, Code.Skip);
});

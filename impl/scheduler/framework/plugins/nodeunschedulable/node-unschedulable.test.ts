import test from 'ava';
import type { Node, Pod } from '#generated/k8s/index.ts';
import { CycleState } from '../../cycle-state.ts';
import { Code } from '../../interface.ts';
import { makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { ERR_REASON_UNSCHEDULABLE, filter } from './node-unschedulable.ts';

const cases: Array<{ name: string; node: Node; pod: Pod; fits: boolean }> = [
  { name: 'Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)', node: makeNode().name('n').unschedulable().obj(), pod: makePod().obj(), fits: false },
  { name: 'Schedule pod to normal node', node: makeNode().name('n').obj(), pod: makePod().obj(), fits: true },
  {
    name: 'Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)',
    node: makeNode().name('n').unschedulable().obj(),
    pod: makePod().toleration({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }).obj(),
    fits: true,
  },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    const s = filter(new CycleState(), tc.pod, nodeInfoOf(tc.node));
    if (tc.fits) t.is(s, undefined);
    else {
      t.is(s?.code, Code.UnschedulableAndUnresolvable);
      t.deepEqual(s?.reasons, [ERR_REASON_UNSCHEDULABLE]);
    }
  });
}

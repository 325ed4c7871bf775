import test from 'ava';
import type { Pod, Taint } from '#generated/k8s/index.ts';
import { CycleState } from '../../cycle-state.ts';
import { Code, type NodeScore } from '../../interface.ts';
import { makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { filter, normalizeScore, preScore, score } from './taint-toleration.ts';

interface FilterCase {
  name: string;
  pod: Pod;
  taints: Taint[];
  want?: { code: Code; reason: string };
}

const filterCases: FilterCase[] = [
  {
    name: 'A pod having no tolerations can\'t be scheduled onto a node with nonempty taints',
    pod: makePod().obj(),
    taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
    want: { code: Code.UnschedulableAndUnresolvable, reason: 'node(s) had untolerated taint {dedicated: user1}' },
  },
  {
    name: 'A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule',
    pod: makePod().toleration({ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }).obj(),
    taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
  },
  {
    name: "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
    pod: makePod().toleration({ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }).obj(),
    taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
    want: { code: Code.UnschedulableAndUnresolvable, reason: 'node(s) had untolerated taint {dedicated: user1}' },
  },
  {
    name: 'A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node',
    pod: makePod().toleration({ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }).obj(),
    taints: [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
  },
  {
    name: 'A pod has multiple tolerations, node has multiple taints, all the taints are tolerated, pod can be scheduled onto the node',
    pod: makePod().toleration({ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }).toleration({ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }).obj(),
    taints: [
      { key: 'dedicated', value: 'user2', effect: 'NoSchedule' },
      { key: 'foo', value: 'bar', effect: 'NoSchedule' },
    ],
  },
  {
    name: "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, can't be scheduled onto the node",
    pod: makePod().toleration({ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }).obj(),
    taints: [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
    want: { code: Code.UnschedulableAndUnresolvable, reason: 'node(s) had untolerated taint {foo: bar}' },
  },
  {
    name: 'The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node',
    pod: makePod().toleration({ key: 'foo', operator: 'Equal', value: 'bar' }).obj(),
    taints: [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
  },
  {
    name: "The pod has a toleration that key and value don't match the taint on the node, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
    pod: makePod().toleration({ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }).obj(),
    taints: [{ key: 'dedicated', value: 'user1', effect: 'PreferNoSchedule' }],
  },
  {
    name: 'NoExecute taints are enforced at scheduling too',
    pod: makePod().obj(),
    taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }],
    want: { code: Code.UnschedulableAndUnresolvable, reason: 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }' },
  },
];

for (const tc of filterCases) {
  test(`filter: ${tc.name}`, (t) => {
    const s = filter(new CycleState(), tc.pod, nodeInfoOf(makeNode().name('n').taints(tc.taints).obj()));
    if (!tc.want) t.is(s, undefined);
    else {
      t.is(s?.code, tc.want.code);
      t.deepEqual(s?.reasons, [tc.want.reason]);
    }
  });
}

test('score: the node with fewer intolerable PreferNoSchedule taints wins', (t) => {
  const pod = makePod().toleration({ key: 'cpu-type', operator: 'Equal', value: 'arm64', effect: 'PreferNoSchedule' }).obj();
  const nodes = [
    makeNode().name('n1').obj(),
    makeNode().name('n2').taints([{ key: 'cpu-type', value: 'arm64', effect: 'PreferNoSchedule' }]).obj(),
    makeNode().name('n3').taints([{ key: 'foo', value: 'bar', effect: 'PreferNoSchedule' }, { key: 'x', value: 'y', effect: 'PreferNoSchedule' }]).obj(),
  ];
  const state = new CycleState();
  preScore(state, pod);
  const scores: NodeScore[] = nodes.map((n) => ({ name: n.metadata!.name!, score: score(state, pod, nodeInfoOf(n)) as number }));
  normalizeScore(state, pod, scores);
  t.deepEqual(scores.map((s) => s.score), [100, 100, 0]);
});

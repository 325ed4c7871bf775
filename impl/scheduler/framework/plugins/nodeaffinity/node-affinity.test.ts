import test from 'ava';
import type { Pod } from '#generated/k8s/index.ts';
import { CycleState } from '../../cycle-state.ts';
import { Code, type NodeScore } from '../../interface.ts';
import { makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { ERR_REASON_ENFORCED, ERR_REASON_POD, NodeAffinityPlugin } from './node-affinity.ts';

const required = (...terms: object[]): NonNullable<Pod['spec']>['affinity'] => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms as never } } });

interface Case {
  name: string;
  pod: Pod;
  labels: Record<string, string>;
  nodeName?: string;
  wantReason?: string;
  args?: ConstructorParameters<typeof NodeAffinityPlugin>[0];
}

const cases: Case[] = [
  { name: 'no selector', pod: makePod().obj(), labels: {} },
  { name: 'missing labels', pod: makePod().nodeSelector({ foo: 'bar' }).obj(), labels: {}, wantReason: ERR_REASON_POD },
  { name: 'same labels', pod: makePod().nodeSelector({ foo: 'bar' }).obj(), labels: { foo: 'bar' } },
  { name: 'node labels are superset', pod: makePod().nodeSelector({ foo: 'bar' }).obj(), labels: { foo: 'bar', baz: 'blah' } },
  { name: 'node labels are subset', pod: makePod().nodeSelector({ foo: 'bar', baz: 'blah' }).obj(), labels: { foo: 'bar' }, wantReason: ERR_REASON_POD },
  {
    name: 'Pod with matchExpressions using In operator that matches the existing node',
    pod: makePod().affinity(required({ matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar', 'value2'] }] })).obj(),
    labels: { foo: 'bar' },
  },
  {
    name: 'Pod with matchExpressions using Gt operator that matches the existing node',
    pod: makePod().affinity(required({ matchExpressions: [{ key: 'kernel-version', operator: 'Gt', values: ['0204'] }] })).obj(),
    labels: { 'kernel-version': '0206' },
  },
  {
    name: 'Pod with matchExpressions using NotIn operator that matches the existing node',
    pod: makePod().affinity(required({ matchExpressions: [{ key: 'mem-type', operator: 'NotIn', values: ['DDR', 'DDR2'] }] })).obj(),
    labels: { 'mem-type': 'DDR3' },
  },
  {
    name: 'Pod with matchExpressions using Exists operator that matches the existing node',
    pod: makePod().affinity(required({ matchExpressions: [{ key: 'GPU', operator: 'Exists' }] })).obj(),
    labels: { GPU: 'NVIDIA-GRID-K1' },
  },
  {
    name: 'Pod with affinity that don\'t match node\'s labels won\'t schedule onto the node',
    pod: makePod().affinity(required({ matchExpressions: [{ key: 'foo', operator: 'In', values: ['value1', 'value2'] }] })).obj(),
    labels: { foo: 'bar' },
    wantReason: ERR_REASON_POD,
  },
  {
    name: 'Pod with an empty NodeSelectorTerm in affinity can\'t schedule onto the node',
    pod: makePod().affinity(required({})).obj(),
    labels: { foo: 'bar' },
    wantReason: ERR_REASON_POD,
  },
  {
    name: 'Pod with multiple NodeSelectorTerms ORed in affinity, matches the node\'s labels and will schedule onto the node',
    pod: makePod().affinity(required({ matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] }, { matchExpressions: [{ key: 'diffkey', operator: 'In', values: ['wrong'] }] })).obj(),
    labels: { foo: 'bar' },
  },
  {
    name: 'Pod with both nodeSelector and affinity: both must match',
    pod: makePod().nodeSelector({ foo: 'bar' }).affinity(required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] })).obj(),
    labels: { foo: 'bar', zone: 'b' },
    wantReason: ERR_REASON_POD,
  },
  {
    name: 'Pod with matchFields using In operator that matches the existing node',
    pod: makePod().affinity(required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node1'] }] })).obj(),
    labels: {},
    nodeName: 'node1',
  },
  {
    name: 'Pod with matchFields using In operator that does not match the existing node',
    pod: makePod().affinity(required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node1'] }] })).obj(),
    labels: {},
    nodeName: 'node2',
    wantReason: ERR_REASON_POD,
  },
  {
    name: 'Scheduler-enforced added affinity rejects a node without the label',
    pod: makePod().obj(),
    labels: {},
    args: { addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['foo'] }] }] } } },
    wantReason: ERR_REASON_ENFORCED,
  },
];

for (const tc of cases) {
  test(`filter: ${tc.name}`, (t) => {
    const pl = new NodeAffinityPlugin(tc.args);
    const state = new CycleState();
    const pre = pl.preFilter(state, tc.pod);
    const node = makeNode().name(tc.nodeName ?? 'node').labels(tc.labels).obj();
    if (pre?.result?.nodeNames && !pre.result.nodeNames.has(node.metadata!.name!)) {
      t.is(tc.wantReason, ERR_REASON_POD);
      return;
    }
    const s = pl.filter(state, tc.pod, nodeInfoOf(node));
    if (!tc.wantReason) t.is(s, undefined);
    else {
      t.is(s?.code, Code.UnschedulableAndUnresolvable);
      t.deepEqual(s?.reasons, [tc.wantReason]);
    }
  });
}

test('score: preferred terms are summed and normalized', (t) => {
  const pod = makePod()
    .affinity({
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 2, preference: { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] } },
          { weight: 4, preference: { matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] } },
        ],
      },
    })
    .obj();
  const pl = new NodeAffinityPlugin();
  const state = new CycleState();
  t.is(pl.preScore(state, pod), undefined);
  const nodes = [makeNode().name('n1').labels({ foo: 'bar' }).obj(), makeNode().name('n2').labels({ foo: 'bar', key: 'value' }).obj(), makeNode().name('n3').obj()];
  const scores: NodeScore[] = nodes.map((n) => ({ name: n.metadata!.name!, score: pl.score(state, pod, nodeInfoOf(n)) as number }));
  t.deepEqual(scores.map((s) => s.score), [2, 6, 0]);
  pl.scoreExtensions().normalizeScore(state, pod, scores);
  t.deepEqual(scores.map((s) => s.score), [33, 100, 0]);
});

test('preScore skips pods without preferred terms', (t) => {
  t.is(new NodeAffinityPlugin().preScore(new CycleState(), makePod().obj())?.code, Code.Skip);
});

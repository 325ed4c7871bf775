import test from 'ava';
import type { Pod } from '#generated/k8s/index.ts';
import { Snapshot } from '../../../backend/cache/snapshot.ts';
import { fakeHandle, makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { CycleState } from '../../cycle-state.ts';
import { Code, type NodeScore } from '../../interface.ts';
import { ERR_REASON_CONSTRAINTS_NOT_MATCH, ERR_REASON_NODE_LABEL_NOT_MATCH, PodTopologySpread } from './pod-topology-spread.ts';

const foo = (n: string, node: string) => makePod().name(n).labels({ foo: '' }).node(node).obj();
const spread = (maxSkew: number, key: string, when: 'DoNotSchedule' | 'ScheduleAnyway' = 'DoNotSchedule', minDomains?: number) =>
  ({ maxSkew, topologyKey: key, whenUnsatisfiable: when, labelSelector: { matchExpressions: [{ key: 'foo', operator: 'Exists' as const }] }, minDomains });

// node-a, node-b in zone1; node-x, node-y in zone2.
const nodes = [
  makeNode().name('node-a').labels({ zone: 'zone1', node: 'node-a' }).obj(),
  makeNode().name('node-b').labels({ zone: 'zone1', node: 'node-b' }).obj(),
  makeNode().name('node-x').labels({ zone: 'zone2', node: 'node-x' }).obj(),
  makeNode().name('node-y').labels({ zone: 'zone2', node: 'node-y' }).obj(),
];

function snap(existing: Pod[], ns = nodes): Snapshot {
  return Snapshot.fromNodeInfos(ns.map((n) => nodeInfoOf(n, ...existing.filter((p) => p.spec?.nodeName === n.metadata!.name))));
}

interface Case {
  name: string;
  pod: Pod;
  existing: Pod[];
  want: Record<string, boolean>;
  nodes?: typeof nodes;
}

const cases: Case[] = [
  {
    name: 'no existing pods',
    pod: makePod().labels({ foo: '' }).topologySpread(spread(1, 'zone')).obj(),
    existing: [],
    want: { 'node-a': true, 'node-b': true, 'node-x': true, 'node-y': true },
  },
  {
    name: 'no existing pods, incoming pod doesn\'t match itself',
    pod: makePod().labels({ bar: '' }).topologySpread(spread(1, 'zone')).obj(),
    existing: [],
    want: { 'node-a': true, 'node-b': true, 'node-x': true, 'node-y': true },
  },
  {
    name: 'existing pods in a different namespace do not count',
    pod: makePod().labels({ foo: '' }).topologySpread(spread(1, 'zone')).obj(),
    existing: [{ ...foo('p-a1', 'node-a'), metadata: { ...foo('p-a1', 'node-a').metadata, namespace: 'ns1' } }, foo('p-b1', 'node-b')],
    want: { 'node-a': false, 'node-b': false, 'node-x': true, 'node-y': true },
  },
  {
    name: 'pods spread across zones as 3/3, all nodes fit',
    pod: makePod().labels({ foo: '' }).topologySpread(spread(1, 'zone')).obj(),
    existing: [foo('p-a1', 'node-a'), foo('p-a2', 'node-a'), foo('p-b1', 'node-b'), foo('p-y1', 'node-y'), foo('p-y2', 'node-y'), foo('p-y3', 'node-y')],
    want: { 'node-a': true, 'node-b': true, 'node-x': true, 'node-y': true },
  },
  {
    name: 'pods spread across zones as 1/2 due to absence of label "zone" on node-b',
    pod: makePod().labels({ foo: '' }).topologySpread(spread(1, 'zone')).obj(),
    nodes: [nodes[0]!, makeNode().name('node-b').labels({ zon: 'zone1' }).obj(), nodes[2]!, nodes[3]!],
    existing: [foo('p-a1', 'node-a'), foo('p-b1', 'node-b'), foo('p-x1', 'node-x'), foo('p-y1', 'node-y')],
    want: { 'node-a': true, 'node-b': false, 'node-x': false, 'node-y': false },
  },
  {
    name: 'pods spread across nodes as 2/1/0/3, only node-x fits',
    pod: makePod().labels({ foo: '' }).topologySpread(spread(1, 'node')).obj(),
    existing: [foo('p-a1', 'node-a'), foo('p-a2', 'node-a'), foo('p-b1', 'node-b'), foo('p-y1', 'node-y'), foo('p-y2', 'node-y'), foo('p-y3', 'node-y')],
    want: { 'node-a': false, 'node-b': false, 'node-x': true, 'node-y': false },
  },
  {
    name: 'minDomains larger than the domains makes the global minimum 0',
    pod: makePod().labels({ foo: '' }).topologySpread(spread(1, 'zone', 'DoNotSchedule', 3)).obj(),
    existing: [foo('p-a1', 'node-a'), foo('p-x1', 'node-x')],
    want: { 'node-a': false, 'node-b': false, 'node-x': false, 'node-y': false },
  },
];

for (const tc of cases) {
  test(`filter: ${tc.name}`, (t) => {
    const s = snap(tc.existing, tc.nodes);
    const pl = new PodTopologySpread(fakeHandle(s));
    const state = new CycleState();
    pl.preFilter(state, tc.pod);
    for (const ni of s.list()) {
      const st = pl.filter(state, tc.pod, ni);
      t.is(st === undefined, tc.want[ni.nodeName()], ni.nodeName());
      if (st) t.true([ERR_REASON_CONSTRAINTS_NOT_MATCH, ERR_REASON_NODE_LABEL_NOT_MATCH].includes(st.message()));
    }
  });
}

test('preFilter skips pods without hard constraints', (t) => {
  const pl = new PodTopologySpread(fakeHandle(snap([])));
  t.is(pl.preFilter(new CycleState(), makePod().obj())?.status?.code, Code.Skip);
});

test('score: ScheduleAnyway prefers the emptier domain', (t) => {
  const s = snap([foo('p-a1', 'node-a'), foo('p-a2', 'node-a'), foo('p-b1', 'node-b')]);
  const pod = makePod().labels({ foo: '' }).topologySpread(spread(1, 'zone', 'ScheduleAnyway')).obj();
  const pl = new PodTopologySpread(fakeHandle(s));
  const state = new CycleState();
  t.is(pl.preScore(state, pod, s.list()), undefined);
  const scores: NodeScore[] = s.list().map((ni) => ({ name: ni.nodeName(), score: pl.score(state, pod, ni) as number }));
  pl.scoreExtensions().normalizeScore(state, pod, scores);
  const [a, b, x, y] = scores.map((sc) => sc.score);
  t.is(a, b);
  t.is(x, y);
  t.true(x! > a!);
  t.is(x, 100);
});

test('the cached node -> domain index follows node relabelling through the cache snapshot', async (t) => {
  const { Cache } = await import('../../../backend/cache/cache.ts');
  const cache = new Cache();
  const s = new Snapshot();
  for (const n of nodes) cache.addNode(n);
  cache.addPod(foo('p1', 'node-a'));
  cache.addPod(foo('p2', 'node-b'));
  cache.updateSnapshot(s);
  const pl = new PodTopologySpread(fakeHandle(s));
  const pod = makePod().name('in').labels({ foo: '' }).topologySpread(spread(1, 'zone')).obj();
  const filterOn = (name: string) => {
    const state = new CycleState();
    pl.preFilter(state, pod);
    return pl.filter(state, pod, s.get(name)!)?.message();
  };
  t.is(filterOn('node-a'), ERR_REASON_CONSTRAINTS_NOT_MATCH, 'zone1 has 2, zone2 has 0');
  t.is(filterOn('node-x'), undefined);
  // node-b moves to zone2: zone1 has 1, zone2 has 1.
  const moved = structuredClone(nodes[1]!);
  moved.metadata!.labels!.zone = 'zone2';
  cache.updateNode(nodes[1]!, moved);
  cache.updateSnapshot(s);
  t.is(filterOn('node-a'), undefined);
  t.is(filterOn('node-x'), undefined);
});

const defaultCases: Array<{ name: string; owner?: 'rs' | 'svc'; wantSkip: boolean }> = [
  { name: 'a pod without group gets no default constraints', wantSkip: true },
  { name: 'a ReplicaSet pod is spread by the System defaults over its siblings', owner: 'rs', wantSkip: false },
  { name: 'a pod selected by a Service is spread by the System defaults', owner: 'svc', wantSkip: false },
];

for (const tc of defaultCases) {
  test(`default constraints: ${tc.name}`, async (t) => {
    const { fakeListers } = await import('../../../testing/fake-listers.ts');
    const web = (n: string, node: string) => makePod().name(n).labels({ app: 'web' }).node(node).obj();
    const s = snap([web('w1', 'node-a'), web('w2', 'node-a'), web('w3', 'node-b')]);
    const listers = {
      ...fakeListers({}),
      replicaSet: (_ns: string, name: string) => (name === 'web-rs' ? { metadata: { name }, spec: { selector: { matchLabels: { app: 'web' } } } } : undefined),
      services: () => (tc.owner === 'svc' ? [{ metadata: { name: 'web' }, spec: { selector: { app: 'web' } } }] : []),
    };
    const pod = makePod().name('new').labels({ app: 'web' }).obj();
    if (tc.owner === 'rs') pod.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-rs', uid: 'u', controller: true }];
    const pl = new PodTopologySpread({ ...fakeHandle(s), listers });
    const state = new CycleState();
    t.is(pl.preFilter(state, pod)?.status?.code, Code.Skip, 'System defaults never filter');
    const pre = pl.preScore(state, pod, s.list());
    t.is(pre?.code === Code.Skip, tc.wantSkip);
    if (tc.wantSkip) return;
    const scores: NodeScore[] = s.list().map((ni) => ({ name: ni.nodeName(), score: pl.score(state, pod, ni) as number }));
    pl.scoreExtensions().normalizeScore(state, pod, scores);
    const by = Object.fromEntries(scores.map((sc) => [sc.name, sc.score]));
    t.true(by['node-x']! > by['node-b']! && by['node-b']! > by['node-a']!, JSON.stringify(by));
  });
}

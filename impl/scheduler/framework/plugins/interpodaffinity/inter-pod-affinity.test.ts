import test from 'ava';
import type { Pod } from '#generated/k8s/index.ts';
import { Snapshot } from '../../../backend/cache/snapshot.ts';
import { fakeHandle, makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { CycleState } from '../../cycle-state.ts';
import { Code, type NodeScore } from '../../interface.ts';
import {
  ERR_REASON_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
  InterPodAffinity,
} from './inter-pod-affinity.ts';

const term = (key: string, value: string, topologyKey: string) => ({ labelSelector: { matchExpressions: [{ key, operator: 'In' as const, values: [value] }] }, topologyKey });
const zone = (n: string, z: string) => makeNode().name(n).labels({ zone: z }).obj();

interface Case {
  name: string;
  pod: Pod;
  /** existing pods per node name (nodes: n1 zone a, n2 zone a, n3 zone b). */
  existing: Record<string, Pod[]>;
  want: Record<string, { code: Code; reason: string } | undefined>;
}

const securityS1 = makePod().name('s1').labels({ security: 'S1' }).obj();
const cases: Case[] = [
  {
    name: 'A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods',
    pod: makePod().obj(),
    existing: {},
    want: { n1: undefined, n2: undefined, n3: undefined },
  },
  {
    name: 'satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches the existing pod',
    pod: makePod().affinity({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('security', 'S1', 'zone')] } }).obj(),
    existing: { n1: [securityS1] },
    want: { n1: undefined, n2: undefined, n3: { code: Code.UnschedulableAndUnresolvable, reason: ERR_REASON_AFFINITY_RULES_NOT_MATCH } },
  },
  {
    name: 'the first pod of a group may go anywhere when it matches its own affinity',
    pod: makePod().labels({ security: 'S1' }).affinity({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('security', 'S1', 'zone')] } }).obj(),
    existing: {},
    want: { n1: undefined, n2: undefined, n3: undefined },
  },
  {
    name: "doesn't satisfy the PodAntiAffinity: an existing matching pod runs in the zone",
    pod: makePod().affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('security', 'S1', 'zone')] } }).obj(),
    existing: { n1: [securityS1] },
    want: {
      n1: { code: Code.Unschedulable, reason: ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH },
      n2: { code: Code.Unschedulable, reason: ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH },
      n3: undefined,
    },
  },
  {
    name: "satisfies the PodAntiAffinity on hostname but an existing pod's anti-affinity rejects its node",
    pod: makePod().labels({ app: 'web' }).obj(),
    existing: { n2: [makePod().name('guard').affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('app', 'web', 'kubernetes.io/hostname')] } }).obj()] },
    want: { n1: undefined, n2: { code: Code.Unschedulable, reason: ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH }, n3: undefined },
  },
  {
    name: 'terms in other namespaces do not match',
    pod: makePod().affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('security', 'S1', 'zone')] } }).obj(),
    existing: { n1: [makePod().name('other').namespace('other').labels({ security: 'S1' }).obj()] },
    want: { n1: undefined, n2: undefined, n3: undefined },
  },
];

function snapshotFor(existing: Record<string, Pod[]>): Snapshot {
  const nodes = [zone('n1', 'a'), zone('n2', 'a'), zone('n3', 'b')];
  return Snapshot.fromNodeInfos(nodes.map((n) => nodeInfoOf(n, ...(existing[n.metadata!.name!] ?? []).map((p) => ({ ...p, spec: { ...p.spec!, nodeName: n.metadata!.name } })))));
}

for (const tc of cases) {
  test(`filter: ${tc.name}`, (t) => {
    const snap = snapshotFor(tc.existing);
    const pl = new InterPodAffinity(fakeHandle(snap));
    const state = new CycleState();
    const pre = pl.preFilter(state, tc.pod);
    for (const ni of snap.list()) {
      const s = pre?.status?.code === Code.Skip ? undefined : pl.filter(state, tc.pod, ni);
      const want = tc.want[ni.nodeName()];
      if (!want) t.is(s, undefined, ni.nodeName());
      else {
        t.is(s?.code, want.code, ni.nodeName());
        t.deepEqual(s?.reasons, [want.reason], ni.nodeName());
      }
    }
  });
}

test('score: preferred affinity pulls, preferred anti-affinity pushes, normalized to [0, 100]', (t) => {
  const snap = snapshotFor({ n1: [securityS1], n3: [makePod().name('db').labels({ app: 'db' }).obj()] });
  const pod = makePod()
    .affinity({
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term('security', 'S1', 'zone') }] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 3, podAffinityTerm: term('app', 'db', 'zone') }] },
    })
    .obj();
  const pl = new InterPodAffinity(fakeHandle(snap));
  const state = new CycleState();
  t.is(pl.preScore(state, pod, snap.list()), undefined);
  const scores: NodeScore[] = snap.list().map((ni) => ({ name: ni.nodeName(), score: pl.score(state, pod, ni) as number }));
  t.deepEqual(scores.map((s) => s.score), [5, 5, -3]);
  pl.scoreExtensions().normalizeScore(state, pod, scores);
  t.deepEqual(scores.map((s) => s.score), [100, 100, 0]);
});

test('namespaceSelector terms select pods of namespaces whose labels match (anti-affinity both ways)', async (t) => {
  const { fakeListers } = await import('../../../testing/fake-listers.ts');
  const nsTeam = { metadata: { name: 'team-a', labels: { team: 'a' } } };
  const nsOther = { metadata: { name: 'other', labels: { team: 'b' } } };
  const listers = { ...fakeListers({}), namespace: (n: string) => [nsTeam, nsOther].find((x) => x.metadata.name === n) };
  const inTeam = makePod().name('x').namespace('team-a').labels({ app: 'db' }).obj();
  const inOther = makePod().name('y').namespace('other').labels({ app: 'db' }).obj();
  const anti = { labelSelector: { matchLabels: { app: 'db' } }, namespaceSelector: { matchLabels: { team: 'a' } }, topologyKey: 'zone' };
  const run = (existing: Pod, pod: Pod, node: string) => {
    const nodes = [nodeInfoOf(zone('n1', 'a'), { ...existing, spec: { ...existing.spec!, nodeName: 'n1' } }), nodeInfoOf(zone('n3', 'b'))];
    const pl = new InterPodAffinity({ ...fakeHandle(Snapshot.fromNodeInfos(nodes)), listers });
    const state = new CycleState();
    pl.preFilter(state, pod);
    return pl.filter(state, pod, nodes.find((n) => n.nodeName() === node)!)?.reasons[0];
  };
  const incoming = makePod().name('p').namespace('default').affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [anti] } }).obj();
  t.is(run(inTeam, incoming, 'n1'), ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH, 'a db pod of a team-a namespace repels');
  t.is(run(inOther, incoming, 'n1'), undefined, 'a db pod elsewhere does not');
  t.is(run(inTeam, incoming, 'n3'), undefined);
  // The existing pod carries the term; the incoming pod's namespace labels decide.
  const existingWithTerm = { ...makePod().name('e').namespace('other').obj(), spec: { containers: [], affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [anti] } } } };
  t.is(run(existingWithTerm, makePod().name('q').namespace('team-a').labels({ app: 'db' }).obj(), 'n1'), ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);
  t.is(run(existingWithTerm, makePod().name('q').namespace('other').labels({ app: 'db' }).obj(), 'n1'), undefined);
});

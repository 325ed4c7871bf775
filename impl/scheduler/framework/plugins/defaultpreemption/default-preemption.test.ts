import test from 'ava';
import { Snapshot } from '../../../backend/cache/snapshot.ts';
import { fakeHandle, makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { CycleState } from '../../cycle-state.ts';
import { NodeToStatus } from '../../fit-error.ts';
import { Code, unschedulable, unschedulableAndUnresolvable } from '../../interface.ts';
import { Fit } from '../noderesources/fit.ts';
import type { Pod, PodDisruptionBudget } from '#generated/k8s/index.ts';
import {
  DefaultPreemption,
  ERR_NO_VICTIMS,
  filterPodsWithPDBViolation,
  pickOneNodeForPreemption,
  podEligibleToPreemptOthers,
  selectVictimsOnNode,
} from './default-preemption.ts';

const fit = new Fit();
const filter = (state: CycleState, pod: Parameters<Fit['filter']>[1], ni: Parameters<Fit['filter']>[2]) => {
  fit.preFilter(state, pod);
  return fit.filter(state, pod, ni);
};
const node = makeNode().name('n').capacity({ cpu: '4', memory: '8Gi' }).obj();

const victimCases = [
  {
    name: 'only the lowest-priority pods needed are victims',
    existing: [makePod().name('low').priority(1).req({ cpu: '2' }).obj(), makePod().name('mid').priority(5).req({ cpu: '2' }).obj()],
    preemptor: makePod().name('p').priority(10).req({ cpu: '2' }).obj(),
    wantVictims: ['low'],
  },
  {
    name: 'pods with equal or higher priority are never victims',
    existing: [makePod().name('same').priority(10).req({ cpu: '4' }).obj()],
    preemptor: makePod().name('p').priority(10).req({ cpu: '1' }).obj(),
    wantVictims: [],
    wantReason: ERR_NO_VICTIMS,
  },
  {
    name: 'all lower-priority pods are victims when all are needed',
    existing: [makePod().name('a').priority(1).req({ cpu: '2' }).obj(), makePod().name('b').priority(2).req({ cpu: '2' }).obj()],
    preemptor: makePod().name('p').priority(10).req({ cpu: '4' }).obj(),
    wantVictims: ['b', 'a'],
  },
];

for (const tc of victimCases) {
  test(`selectVictimsOnNode: ${tc.name}`, (t) => {
    const r = selectVictimsOnNode(fakeHandle(new Snapshot(), filter), new CycleState(), tc.preemptor, nodeInfoOf(node, ...tc.existing));
    t.deepEqual(r.victims.map((v) => v.metadata!.name).sort(), [...tc.wantVictims].sort());
    if (tc.wantReason) t.deepEqual(r.status?.reasons, [tc.wantReason]);
  });
}

test('pickOneNodeForPreemption prefers the node whose highest victim priority is lowest', (t) => {
  const c = pickOneNodeForPreemption([
    { nodeName: 'a', victims: [makePod().priority(5).obj()] },
    { nodeName: 'b', victims: [makePod().priority(1).obj(), makePod().priority(2).obj()] },
  ]);
  t.is(c?.nodeName, 'b');
});

test('postFilter reports why preemption does not help, prefixed with "preemption: "', async (t) => {
  const n1 = nodeInfoOf(makeNode().name('n1').capacity({ cpu: '1' }).obj());
  const n2 = nodeInfoOf(makeNode().name('n2').capacity({ cpu: '1' }).obj());
  const snap = Snapshot.fromNodeInfos([n1, n2]);
  const pl = new DefaultPreemption(fakeHandle(snap, filter));
  const m = new NodeToStatus();
  m.set('n1', unschedulableAndUnresolvable('node(s) had untolerated taint {k: v}'));
  m.set('n2', unschedulable('Insufficient cpu'));
  const r = await pl.postFilter(new CycleState(), makePod().req({ cpu: '2' }).obj(), m);
  t.is(r.status?.code, Code.Unschedulable);
  t.is(r.status?.message(), 'preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.');
});

test('postFilter: a pod with preemptionPolicy Never is not eligible', async (t) => {
  const pl = new DefaultPreemption(fakeHandle());
  const r = await pl.postFilter(new CycleState(), makePod().preemptionPolicy('Never').obj(), new NodeToStatus());
  t.is(r.status?.message(), 'preemption: not eligible due to preemptionPolicy=Never.');
});

const pdb = (name: string, sel: Record<string, string> | undefined, allowed: number, opts: { namespace?: string; disrupted?: string[] } = {}): PodDisruptionBudget => ({
  metadata: { name, namespace: opts.namespace ?? 'default' },
  spec: { selector: sel === undefined ? undefined : { matchLabels: sel } },
  status: {
    disruptionsAllowed: allowed,
    currentHealthy: 0,
    desiredHealthy: 0,
    expectedPods: 0,
    disruptedPods: Object.fromEntries((opts.disrupted ?? []).map((p) => [p, '2026-01-01T00:00:00Z'])),
  },
});
const started = (p: Pod, t: string): Pod => ({ ...p, status: { ...p.status, startTime: t } });

const pdbCases: Array<{ name: string; pods: Pod[]; pdbs: PodDisruptionBudget[]; wantViolating: string[] }> = [
  {
    name: 'a budget of one lets the first matching pod go and the second violates',
    pods: [makePod().name('a').labels({ app: 'x' }).obj(), makePod().name('b').labels({ app: 'x' }).obj()],
    pdbs: [pdb('p', { app: 'x' }, 1)],
    wantViolating: ['b'],
  },
  {
    name: 'a pod already in disruptedPods does not spend the budget',
    pods: [makePod().name('a').labels({ app: 'x' }).obj(), makePod().name('b').labels({ app: 'x' }).obj()],
    pdbs: [pdb('p', { app: 'x' }, 1, { disrupted: ['a'] })],
    wantViolating: [],
  },
  {
    name: 'PDBs of another namespace do not match',
    pods: [makePod().name('a').labels({ app: 'x' }).obj()],
    pdbs: [pdb('p', { app: 'x' }, 0, { namespace: 'other' })],
    wantViolating: [],
  },
  {
    name: 'an empty or missing selector matches nothing',
    pods: [makePod().name('a').labels({ app: 'x' }).obj()],
    pdbs: [pdb('p', {}, 0), pdb('q', undefined, 0)],
    wantViolating: [],
  },
  {
    name: 'a pod without labels matches no PDB',
    pods: [makePod().name('a').obj()],
    pdbs: [pdb('p', {}, 0)],
    wantViolating: [],
  },
  {
    name: 'any exhausted budget among several makes the pod violating',
    pods: [makePod().name('a').labels({ app: 'x', tier: 'db' }).obj()],
    pdbs: [pdb('p', { app: 'x' }, 5), pdb('q', { tier: 'db' }, 0)],
    wantViolating: ['a'],
  },
];

for (const tc of pdbCases) {
  test(`filterPodsWithPDBViolation: ${tc.name}`, (t) => {
    const { violating, nonViolating } = filterPodsWithPDBViolation(tc.pods.map((pod) => ({ pod })), tc.pdbs);
    t.deepEqual(violating.map((p) => p.pod.metadata!.name), tc.wantViolating);
    t.is(violating.length + nonViolating.length, tc.pods.length);
  });
}

const pdbVictimCases: Array<{ name: string; pdbs: PodDisruptionBudget[]; wantVictims: string[]; wantViolations: number }> = [
  {
    name: 'without PDBs the more important pod (earlier start) is reprieved first',
    pdbs: [],
    wantVictims: ['late'],
    wantViolations: 0,
  },
  {
    name: 'a pod protected by an exhausted PDB is reprieved before others',
    pdbs: [pdb('protect-late', { app: 'late' }, 0)],
    wantVictims: ['early'],
    wantViolations: 0,
  },
  {
    name: 'when every pod is protected, the victims count as PDB violations',
    pdbs: [pdb('all', { group: 'g' }, 0)],
    wantVictims: ['late'],
    wantViolations: 1,
  },
  {
    name: 'a budget with room is not a violation',
    pdbs: [pdb('all', { group: 'g' }, 2)],
    wantVictims: ['late'],
    wantViolations: 0,
  },
];

for (const tc of pdbVictimCases) {
  test(`selectVictimsOnNode with PDBs: ${tc.name}`, (t) => {
    const early = started(makePod().name('early').labels({ app: 'early', group: 'g' }).priority(1).req({ cpu: '2' }).obj(), '2026-01-01T00:00:00Z');
    const late = started(makePod().name('late').labels({ app: 'late', group: 'g' }).priority(1).req({ cpu: '2' }).obj(), '2026-01-02T00:00:00Z');
    const preemptor = makePod().name('p').priority(10).req({ cpu: '2' }).obj();
    const r = selectVictimsOnNode(fakeHandle(new Snapshot(), filter), new CycleState(), preemptor, nodeInfoOf(node, early, late), tc.pdbs);
    t.is(r.status, undefined);
    t.deepEqual(r.victims.map((v) => v.metadata!.name), tc.wantVictims);
    t.is(r.numPDBViolations, tc.wantViolations);
  });
}

const pickCases: Array<{ name: string; candidates: Parameters<typeof pickOneNodeForPreemption>[0]; want: string }> = [
  {
    name: 'fewest PDB violations wins over lower victim priority',
    candidates: [
      { nodeName: 'a', victims: [makePod().priority(1).obj()], numPDBViolations: 1 },
      { nodeName: 'b', victims: [makePod().priority(5).obj()], numPDBViolations: 0 },
    ],
    want: 'b',
  },
  {
    name: 'then the lowest highest-victim priority',
    candidates: [
      { nodeName: 'a', victims: [makePod().priority(5).obj()] },
      { nodeName: 'b', victims: [makePod().priority(1).obj(), makePod().priority(2).obj()] },
    ],
    want: 'b',
  },
  {
    name: 'then the lowest sum of priorities',
    candidates: [
      { nodeName: 'a', victims: [makePod().priority(3).obj(), makePod().priority(3).obj()] },
      { nodeName: 'b', victims: [makePod().priority(3).obj(), makePod().priority(1).obj()] },
    ],
    want: 'b',
  },
  {
    name: 'then the fewest victims (sums count each victim above MaxInt32)',
    candidates: [
      { nodeName: 'a', victims: [makePod().priority(0).obj(), makePod().priority(0).obj()] },
      { nodeName: 'b', victims: [makePod().priority(0).obj()] },
    ],
    want: 'b',
  },
  {
    name: 'then the latest start time of the highest-priority victims',
    candidates: [
      { nodeName: 'a', victims: [started(makePod().priority(2).obj(), '2026-01-01T00:00:00Z')] },
      { nodeName: 'b', victims: [started(makePod().priority(2).obj(), '2026-01-03T00:00:00Z')] },
    ],
    want: 'b',
  },
  {
    name: 'then the first candidate',
    candidates: [
      { nodeName: 'a', victims: [makePod().priority(2).obj()] },
      { nodeName: 'b', victims: [makePod().priority(2).obj()] },
    ],
    want: 'a',
  },
];

for (const tc of pickCases) {
  test(`pickOneNodeForPreemption: ${tc.name}`, (t) => {
    t.is(pickOneNodeForPreemption(tc.candidates, Date.parse('2026-02-01T00:00:00Z'))?.nodeName, tc.want);
  });
}

const eligibleCases: Array<{ name: string; pod: Pod; classPolicy?: string; nodePods?: Pod[]; want?: string }> = [
  { name: 'a pod with preemptionPolicy Never', pod: makePod().preemptionPolicy('Never').obj(), want: 'not eligible due to preemptionPolicy=Never.' },
  {
    name: 'a pod whose PriorityClass says Never',
    pod: { ...makePod().priority(10).obj(), spec: { ...makePod().obj().spec!, priority: 10, priorityClassName: 'no-preempt' } },
    classPolicy: 'Never',
    want: 'not eligible due to preemptionPolicy=Never.',
  },
  {
    name: 'the pod spec wins over its PriorityClass',
    pod: { ...makePod().obj(), spec: { ...makePod().obj().spec!, priority: 10, priorityClassName: 'no-preempt', preemptionPolicy: 'PreemptLowerPriority' } },
    classPolicy: 'Never',
  },
  {
    name: 'a lower-priority pod terminating by preemption on the nominated node',
    pod: { ...makePod().priority(10).obj(), status: { nominatedNodeName: 'n' } },
    nodePods: [
      {
        ...makePod().name('v').priority(1).obj(),
        metadata: { name: 'v', namespace: 'default', deletionTimestamp: '2026-01-01T00:00:00Z' },
        status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] },
      },
    ],
    want: 'not eligible due to a terminating pod on the nominated node.',
  },
  {
    name: 'a terminating pod not deleted by preemption does not block',
    pod: { ...makePod().priority(10).obj(), status: { nominatedNodeName: 'n' } },
    nodePods: [{ ...makePod().name('v').priority(1).obj(), metadata: { name: 'v', namespace: 'default', deletionTimestamp: '2026-01-01T00:00:00Z' } }],
  },
];

for (const tc of eligibleCases) {
  test(`podEligibleToPreemptOthers: ${tc.name}`, (t) => {
    const ni = nodeInfoOf(node, ...(tc.nodePods ?? []));
    t.is(podEligibleToPreemptOthers(tc.pod, { priorityClassPolicy: () => tc.classPolicy, nodeInfo: (n) => (n === 'n' ? ni : undefined) }), tc.want);
  });
}

test('postFilter reads the PriorityClass through the listers and records the attempt metric only when eligible', async (t) => {
  let attempts = 0;
  const handle = {
    ...fakeHandle(),
    listers: { priorityClass: (name: string) => (name === 'never' ? { metadata: { name }, value: 10, preemptionPolicy: 'Never' } : undefined) },
    metrics: { preemptionAttempt: () => attempts++, preemptionVictims: () => {} },
  };
  const pl = new DefaultPreemption(handle);
  const pod = makePod().priority(10).obj();
  pod.spec!.priorityClassName = 'never';
  const r = await pl.postFilter(new CycleState(), pod, new NodeToStatus());
  t.is(r.status?.message(), 'preemption: not eligible due to preemptionPolicy=Never.');
  t.is(attempts, 0);
});

test('postFilter prefers the node without PDB violations and reports its victims', async (t) => {
  const protectedPod = makePod().name('guarded').labels({ app: 'db' }).priority(1).req({ cpu: '1' }).node('n1').obj();
  const freePod = makePod().name('free').priority(5).req({ cpu: '1' }).node('n2').obj();
  const n1 = nodeInfoOf(makeNode().name('n1').capacity({ cpu: '1' }).obj(), protectedPod);
  const n2 = nodeInfoOf(makeNode().name('n2').capacity({ cpu: '1' }).obj(), freePod);
  const snap = Snapshot.fromNodeInfos([n1, n2]);
  const deleted: string[] = [];
  const patched: string[] = [];
  const nominatedLow = makePod().name('nominated-low').priority(2).obj();
  const nominatedHigh = makePod().name('nominated-high').priority(50).obj();
  const client = {
    resource: () => ({
      namespace: () => ({
        delete: async (name: string) => void deleted.push(name),
        patch: async (name: string) => void patched.push(name),
      }),
    }),
  };
  let victims = -1;
  const handle = {
    ...fakeHandle(snap, filter),
    client: client as never,
    listers: { podDisruptionBudgets: () => [pdb('db', { app: 'db' }, 0)] },
    metrics: { preemptionAttempt: () => {}, preemptionVictims: (n: number) => (victims = n) },
    nominatedPodsForNode: (n: string) => (n === 'n2' ? [{ pod: nominatedLow }, { pod: nominatedHigh }] : []),
  };
  const m = new NodeToStatus();
  m.set('n1', unschedulable('Insufficient cpu'));
  m.set('n2', unschedulable('Insufficient cpu'));
  const r = await new DefaultPreemption(handle).postFilter(new CycleState(), makePod().name('p').priority(10).req({ cpu: '1' }).obj(), m);
  t.is(r.status, undefined);
  t.is(r.result?.nominatedNodeName, 'n2');
  t.deepEqual(deleted, ['free']);
  t.deepEqual(patched, ['free', 'nominated-low'], 'the victim is marked, the lower-priority nomination cleared');
  t.is(victims, 1);
});

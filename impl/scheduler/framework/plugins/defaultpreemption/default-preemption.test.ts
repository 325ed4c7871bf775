import test from 'ava';
import { Snapshot } from '../../../backend/cache/snapshot.ts';
import { fakeHandle, makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { CycleState } from '../../cycle-state.ts';
import { NodeToStatus } from '../../fit-error.ts';
import { Code, unschedulable, unschedulableAndUnresolvable } from '../../interface.ts';
import { Fit } from '../noderesources/fit.ts';
import { DefaultPreemption, pickOneNodeForPreemption, selectVictimsOnNode, ERR_NO_VICTIMS } from './default-preemption.ts';

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

import test from 'ava';
import { getDefaultPlugins, mergePlugins } from './apis/config/defaults.ts';
import { Cache } from './backend/cache/cache.ts';
import { Snapshot } from './backend/cache/snapshot.ts';
import { CycleState } from './framework/cycle-state.ts';
import { FitError } from './framework/fit-error.ts';
import { newInTreeRegistry } from './framework/plugins/registry.ts';
import { newFramework } from './framework/runtime/framework.ts';
import { numFeasibleNodesToFind, SchedulerCore } from './schedule-one.ts';
import { makeNode, makePod } from './testing/wrappers.ts';
import { PodInfo } from './framework/types.ts';

const feasibleCases = [
  { name: 'not set percentageOfNodesToScore and nodes number not more than 50', pct: undefined, nodes: 10, want: 10 },
  { name: 'set percentageOfNodesToScore and nodes number not more than 50', pct: 40, nodes: 10, want: 10 },
  { name: 'not set percentageOfNodesToScore and nodes number more than 50', pct: undefined, nodes: 1000, want: 420 },
  { name: 'set percentageOfNodesToScore and nodes number more than 50', pct: 40, nodes: 1000, want: 400 },
  { name: 'not set percentageOfNodesToScore and nodes number more than 50*125', pct: undefined, nodes: 6000, want: 300 },
  { name: 'set percentageOfNodesToScore and nodes number more than 50*125', pct: 40, nodes: 6000, want: 2400 },
  { name: '5000 nodes, adaptive', pct: undefined, nodes: 5000, want: 500 },
  { name: 'small percentage is raised to 100 nodes', pct: 1, nodes: 1000, want: 100 },
];

for (const tc of feasibleCases) {
  test(`numFeasibleNodesToFind: ${tc.name}`, (t) => {
    t.is(numFeasibleNodesToFind(tc.pct, tc.nodes), tc.want);
  });
}

function setup() {
  const cache = new Cache();
  const snapshot = new Snapshot();
  const fwk = newFramework({ profileName: 'default-scheduler', registry: newInTreeRegistry(), plugins: mergePlugins(getDefaultPlugins(), undefined), snapshotSharedLister: () => snapshot });
  const core = new SchedulerCore({ cache, snapshot, random: () => 0 });
  return { cache, snapshot, fwk, core };
}

test('schedulePod picks the least allocated node', (t) => {
  const { cache, fwk, core } = setup();
  cache.addNode(makeNode().name('busy').capacity({ cpu: '4', memory: '8Gi' }).obj());
  cache.addNode(makeNode().name('idle').capacity({ cpu: '4', memory: '8Gi' }).obj());
  cache.addPod(makePod().name('x').node('busy').req({ cpu: '3', memory: '6Gi' }).obj());
  const r = core.schedulePod(fwk, new CycleState(), makePod().name('p').req({ cpu: '500m', memory: '1Gi' }).obj());
  t.true(r.ok);
  if (r.ok) t.is(r.value.suggestedHost, 'idle');
});

test('assumed pods count against their node in the next cycle', (t) => {
  const { cache, fwk, core } = setup();
  cache.addNode(makeNode().name('n1').capacity({ cpu: '1', memory: '8Gi' }).obj());
  cache.addNode(makeNode().name('n2').capacity({ cpu: '1', memory: '8Gi' }).obj());
  const p1 = makePod().name('p1').req({ cpu: '1' }).obj();
  const r1 = core.schedulePod(fwk, new CycleState(), p1);
  t.true(r1.ok);
  if (!r1.ok) return;
  cache.assumePod({ ...p1, spec: { ...p1.spec!, nodeName: r1.value.suggestedHost } });
  const p2 = makePod().name('p2').req({ cpu: '1' }).obj();
  const r2 = core.schedulePod(fwk, new CycleState(), p2);
  t.true(r2.ok);
  if (!r2.ok) return;
  t.not(r2.value.suggestedHost, r1.value.suggestedHost);
  cache.assumePod({ ...p2, spec: { ...p2.spec!, nodeName: r2.value.suggestedHost } });
  const r3 = core.schedulePod(fwk, new CycleState(), makePod().name('p3').req({ cpu: '1' }).obj());
  t.false(r3.ok);
});

test('no fitting node gives a FitError with per-node reasons', (t) => {
  const { cache, fwk, core } = setup();
  cache.addNode(makeNode().name('small').capacity({ cpu: '1', memory: '1Gi' }).obj());
  cache.addNode(makeNode().name('tainted').capacity({ cpu: '8', memory: '8Gi' }).taints([{ key: 'k', value: 'v', effect: 'NoSchedule' }]).obj());
  const r = core.schedulePod(fwk, new CycleState(), makePod().name('p').req({ cpu: '2' }).obj());
  t.false(r.ok);
  if (r.ok) return;
  t.true(r.error instanceof FitError);
  t.is(r.error.message, '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {k: v}.');
  t.deepEqual([...(r.error as FitError).diagnosis.unschedulablePlugins].sort(), ['NodeResourcesFit', 'TaintToleration']);
});

test('forgetPod releases an assumed pod', (t) => {
  const { cache, snapshot } = setup();
  cache.addNode(makeNode().name('n').capacity({ cpu: '1' }).obj());
  const p = makePod().name('p').node('n').req({ cpu: '1' }).obj();
  cache.assumePod(p);
  cache.updateSnapshot(snapshot);
  t.is(snapshot.get('n')!.requested.milliCPU, 1000);
  cache.forgetPod(p);
  cache.updateSnapshot(snapshot);
  t.is(snapshot.get('n')!.requested.milliCPU, 0);
});

test('a lower-priority pod does not take the room preemption freed for a nominated pod', (t) => {
  const { cache, fwk, core } = setup();
  cache.addNode(makeNode().name('n').capacity({ cpu: '1', memory: '8Gi' }).obj());
  const nominated = new PodInfo(makePod().name('high').priority(100).req({ cpu: '1' }).obj());
  fwk.nominatedPodsForNode = (name) => (name === 'n' ? [nominated] : []);
  const low = core.schedulePod(fwk, new CycleState(), makePod().name('low').priority(1).req({ cpu: '500m' }).obj());
  t.false(low.ok);
  if (!low.ok) t.is(low.error.message, '0/1 nodes are available: 1 Insufficient cpu.');
  const higher = core.schedulePod(fwk, new CycleState(), makePod().name('higher').priority(1000).req({ cpu: '500m' }).obj());
  t.true(higher.ok);
});

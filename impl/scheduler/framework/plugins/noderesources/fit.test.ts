import test from 'ava';
import type { Pod } from '#generated/k8s/index.ts';
import { CycleState } from '../../cycle-state.ts';
import { Code } from '../../interface.ts';
import { computePodResourceRequest } from '../../types.ts';
import { makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { Fit, fitsRequest } from './fit.ts';

// Node: 10 cpu, 20 bytes of memory, 32 pods, 5 "example.com/foo".
const node = makeNode().name('n').capacity({ cpu: '10', memory: '20', pods: '32', 'example.com/foo': '5' }).obj();
const used = (cpu: string, memory: string): Pod => makePod().name(`used-${cpu}-${memory}`).req({ cpu, memory }).obj();

interface Case {
  name: string;
  pod: Pod;
  existing: Pod[];
  wantReasons: string[];
  args?: ConstructorParameters<typeof Fit>[0];
}

const cases: Case[] = [
  { name: 'no resources requested always fits', pod: makePod().container({ image: 'x' }).obj(), existing: [used('10', '20')], wantReasons: [] },
  { name: 'too many resources fails', pod: makePod().req({ cpu: '1', memory: '1' }).obj(), existing: [used('10', '20')], wantReasons: ['Insufficient cpu', 'Insufficient memory'] },
  {
    name: 'too many resources fails due to init container cpu',
    pod: makePod().req({ cpu: '1', memory: '1' }).initReq({ cpu: '3', memory: '1' }).obj(),
    existing: [used('8', '19')],
    wantReasons: ['Insufficient cpu'],
  },
  {
    name: 'too many resources fails due to highest init container cpu',
    pod: makePod().req({ cpu: '1', memory: '1' }).initReq({ cpu: '3', memory: '1' }).initReq({ cpu: '2', memory: '1' }).obj(),
    existing: [used('8', '19')],
    wantReasons: ['Insufficient cpu'],
  },
  {
    name: "init container fits because it's the max, not sum, of containers and init containers",
    pod: makePod().req({ cpu: '1', memory: '1' }).initReq({ cpu: '1', memory: '1' }).initReq({ cpu: '1', memory: '1' }).obj(),
    existing: [used('9', '19')],
    wantReasons: [],
  },
  {
    name: 'restartable init containers (sidecars) add to the containers',
    pod: makePod().req({ cpu: '1', memory: '1' }).initReq({ cpu: '1', memory: '1' }, 'Always').obj(),
    existing: [used('9', '10')],
    wantReasons: ['Insufficient cpu'],
  },
  { name: 'both resources fit', pod: makePod().req({ cpu: '1', memory: '1' }).obj(), existing: [used('5', '5')], wantReasons: [] },
  { name: 'one resource memory fits', pod: makePod().req({ cpu: '2', memory: '1' }).obj(), existing: [used('9', '5')], wantReasons: ['Insufficient cpu'] },
  { name: 'one resource cpu fits', pod: makePod().req({ cpu: '1', memory: '2' }).obj(), existing: [used('5', '19')], wantReasons: ['Insufficient memory'] },
  { name: 'equal edge case', pod: makePod().req({ cpu: '5', memory: '4' }).obj(), existing: [used('5', '16')], wantReasons: [] },
  { name: 'pod overhead is counted', pod: makePod().req({ cpu: '1', memory: '1' }).overhead({ cpu: '1' }).obj(), existing: [used('9', '5')], wantReasons: ['Insufficient cpu'] },
  { name: 'extended resource fits', pod: makePod().req({ 'example.com/foo': '5' }).obj(), existing: [], wantReasons: [] },
  { name: 'extended resource capacity enforced', pod: makePod().req({ 'example.com/foo': '6' }).obj(), existing: [], wantReasons: ['Insufficient example.com/foo'] },
  { name: 'unknown extended resource is insufficient', pod: makePod().req({ 'example.com/bar': '1' }).obj(), existing: [], wantReasons: ['Insufficient example.com/bar'] },
  {
    name: 'ignored extended resource is not checked',
    pod: makePod().req({ 'example.com/bar': '1' }).obj(),
    existing: [],
    wantReasons: [],
    args: { ignoredResources: ['example.com/bar'] },
  },
  {
    name: 'ignored resource group is not checked',
    pod: makePod().req({ 'example.com/bar': '1' }).obj(),
    existing: [],
    wantReasons: [],
    args: { ignoredResourceGroups: ['example.com'] },
  },
];

for (const tc of cases) {
  test(`filter: ${tc.name}`, (t) => {
    const fit = new Fit(tc.args);
    const state = new CycleState();
    fit.preFilter(state, tc.pod);
    const s = fit.filter(state, tc.pod, nodeInfoOf(node, ...tc.existing));
    if (tc.wantReasons.length === 0) t.is(s, undefined);
    else {
      t.is(s?.code, Code.Unschedulable);
      t.deepEqual(s?.reasons, tc.wantReasons);
    }
  });
}

test('filter: too many pods', (t) => {
  const small = makeNode().name('s').capacity({ cpu: '10', memory: '20', pods: '1' }).obj();
  const r = fitsRequest(computePodResourceRequest(makePod().obj()), nodeInfoOf(small, used('1', '1')));
  t.deepEqual(r.map((x) => x.reason), ['Too many pods']);
});

test('computePodResourceRequest follows the documented example', (t) => {
  const pod = makePod().req({ cpu: '2', memory: '1G' }).req({ cpu: '1', memory: '1G' }).initReq({ cpu: '2', memory: '1G' }).initReq({ cpu: '2', memory: '3G' }).obj();
  const r = computePodResourceRequest(pod);
  t.is(r.milliCPU, 3000);
  t.is(r.memory, 3e9);
});

interface ScoreCase {
  name: string;
  args: ConstructorParameters<typeof Fit>[0];
  pod: Pod;
  nodes: Array<{ cpu: string; memory: string; existing: Pod[] }>;
  want: number[];
}

const scoreCases: ScoreCase[] = [
  {
    name: 'LeastAllocated: nothing scheduled, nothing requested',
    args: {},
    pod: makePod().req({ cpu: '0', memory: '0' }).obj(),
    nodes: [
      { cpu: '4', memory: '10000', existing: [] },
      { cpu: '4', memory: '10000', existing: [] },
    ],
    want: [100, 100],
  },
  {
    // cpu: (4000-3000)*100/4000 = 25, memory: (10000-5000)*100/10000 = 50 -> 37; node 2: (6000-3000)*100/6000=50, 50 -> 50
    name: 'LeastAllocated: differently sized machines',
    args: {},
    pod: makePod().req({ cpu: '3', memory: '5000' }).obj(),
    nodes: [
      { cpu: '4', memory: '10000', existing: [] },
      { cpu: '6', memory: '10000', existing: [] },
    ],
    want: [37, 50],
  },
  {
    name: 'MostAllocated: differently sized machines',
    args: { scoringStrategy: { type: 'MostAllocated' } },
    pod: makePod().req({ cpu: '3', memory: '5000' }).obj(),
    nodes: [
      { cpu: '4', memory: '10000', existing: [] },
      { cpu: '6', memory: '10000', existing: [] },
    ],
    // cpu 75, memory 50 -> 62; cpu 50, memory 50 -> 50
    want: [62, 50],
  },
  {
    name: 'RequestedToCapacityRatio: bin packing shape',
    args: { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] } } },
    pod: makePod().req({ cpu: '2', memory: '5000' }).obj(),
    nodes: [{ cpu: '4', memory: '10000', existing: [] }],
    want: [50],
  },
  {
    name: 'LeastAllocated: containers without requests count as 100m and 200Mi',
    args: { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 1 }] } },
    pod: makePod().container({ image: 'x' }).obj(),
    nodes: [{ cpu: '1', memory: '10Gi', existing: [] }],
    want: [90],
  },
];

for (const tc of scoreCases) {
  test(`score: ${tc.name}`, (t) => {
    const fit = new Fit(tc.args);
    const state = new CycleState();
    fit.preFilter(state, tc.pod);
    fit.preScore(state, tc.pod);
    const got = tc.nodes.map((n, i) => fit.score(state, tc.pod, nodeInfoOf(makeNode().name(`n${i}`).capacity({ cpu: n.cpu, memory: n.memory }).obj(), ...n.existing)));
    t.deepEqual(got, tc.want);
  });
}

import test from 'ava';
import type { CSINode, PersistentVolume, PersistentVolumeClaim, Pod } from '#generated/k8s/index.ts';
import { fakeListers } from '../../../testing/fake-listers.ts';
import { fakeHandle, makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { CycleState } from '../../cycle-state.ts';
import { Code } from '../../interface.ts';
import { ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED, NodeVolumeLimits } from './csi.ts';

const claimPod = (name: string, ...claims: string[]): Pod => ({
  ...makePod().name(name).obj(),
  spec: { containers: [], nodeName: 'n', volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) },
});
const pvc = (name: string): PersistentVolumeClaim => ({ metadata: { name, namespace: 'default' }, spec: { volumeName: `pv-${name}` } });
const pv = (claim: string): PersistentVolume => ({ metadata: { name: `pv-${claim}` }, spec: { csi: { driver: 'd.example.com', volumeHandle: `h-${claim}` } } });
const csiNode = (count?: number): CSINode => ({ metadata: { name: 'n' }, spec: { drivers: [{ name: 'd.example.com', nodeID: 'n', allocatable: count === undefined ? undefined : { count } }] } });

const cases: Array<{ name: string; existing: Pod[]; pod: Pod; csi?: CSINode; want?: string }> = [
  { name: 'under the limit fits', existing: [claimPod('x', 'a')], pod: claimPod('p', 'b'), csi: csiNode(2) },
  { name: 'over the limit does not', existing: [claimPod('x', 'a')], pod: claimPod('p', 'b'), csi: csiNode(1), want: ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED },
  { name: 'a volume already attached does not count twice', existing: [claimPod('x', 'a')], pod: claimPod('p', 'a'), csi: csiNode(1) },
  { name: 'a node without CSINode is not limited', existing: [claimPod('x', 'a')], pod: claimPod('p', 'b') },
  { name: 'a driver without a count is not limited', existing: [claimPod('x', 'a')], pod: claimPod('p', 'b'), csi: csiNode() },
];

for (const tc of cases) {
  test(`NodeVolumeLimits: ${tc.name}`, (t) => {
    const listers = fakeListers({ pvcs: ['a', 'b'].map(pvc), pvs: ['a', 'b'].map(pv), csiNodes: tc.csi ? [tc.csi] : [] });
    const pl = new NodeVolumeLimits({ ...fakeHandle(), listers });
    const state = new CycleState();
    t.is(pl.preFilter(state, tc.pod), undefined);
    const s = pl.filter(state, tc.pod, nodeInfoOf(makeNode().name('n').obj(), ...tc.existing));
    t.is(s?.message(), tc.want);
    if (tc.want) t.is(s?.code, Code.Unschedulable);
  });
}

test('NodeVolumeLimits: a pod without volumes is skipped', (t) => {
  t.is(new NodeVolumeLimits(fakeHandle()).preFilter(new CycleState(), makePod().obj())?.status?.code, Code.Skip);
});

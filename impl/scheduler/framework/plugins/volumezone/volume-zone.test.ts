import test from 'ava';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from '#generated/k8s/index.ts';
import { fakeListers, type FakeObjects } from '../../../testing/fake-listers.ts';
import { fakeHandle, makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { CycleState } from '../../cycle-state.ts';
import { Code } from '../../interface.ts';
import { ERR_REASON_CONFLICT, VolumeZone } from './volume-zone.ts';

const pod: Pod = { ...makePod().obj(), spec: { containers: [], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }] } };
const boundPVC: PersistentVolumeClaim = { metadata: { name: 'c', namespace: 'default' }, spec: { volumeName: 'pv' } };
const pv = (labels: Record<string, string>): PersistentVolume => ({ metadata: { name: 'pv', labels }, spec: {} });
const zoneNode = (labels: Record<string, string>): Node => makeNode().name('n').labels(labels).obj();

const cases: Array<{ name: string; objs: FakeObjects; node?: Node; wantPreFilter?: Code; wantReason?: string; wantFilter?: string }> = [
  { name: 'a PV in the node zone fits', objs: { pvcs: [boundPVC], pvs: [pv({ 'topology.kubernetes.io/zone': 'z1' })] }, node: zoneNode({ 'topology.kubernetes.io/zone': 'z1' }) },
  {
    name: 'a PV in another zone does not',
    objs: { pvcs: [boundPVC], pvs: [pv({ 'topology.kubernetes.io/zone': 'z2' })] },
    node: zoneNode({ 'topology.kubernetes.io/zone': 'z1' }),
    wantFilter: ERR_REASON_CONFLICT,
  },
  { name: 'a zone set separated by __ matches any member', objs: { pvcs: [boundPVC], pvs: [pv({ 'topology.kubernetes.io/zone': 'z0__z1' })] }, node: zoneNode({ 'topology.kubernetes.io/zone': 'z1' }) },
  { name: 'a beta PV label matches the node GA label', objs: { pvcs: [boundPVC], pvs: [pv({ 'failure-domain.beta.kubernetes.io/zone': 'z1' })] }, node: zoneNode({ 'topology.kubernetes.io/zone': 'z1' }) },
  { name: 'a node without zone labels fits', objs: { pvcs: [boundPVC], pvs: [pv({ 'topology.kubernetes.io/zone': 'z2' })] }, node: zoneNode({}) },
  { name: 'a PV without zone labels is skipped', objs: { pvcs: [boundPVC], pvs: [pv({})] }, wantPreFilter: Code.Skip },
  {
    name: 'an unbound WaitForFirstConsumer claim is skipped',
    objs: { pvcs: [{ metadata: { name: 'c', namespace: 'default' }, spec: { storageClassName: 'local' } }], storageClasses: [{ metadata: { name: 'local' }, provisioner: 'x', volumeBindingMode: 'WaitForFirstConsumer' }] },
    wantPreFilter: Code.Skip,
  },
  {
    name: 'an unbound claim without class is unresolvable',
    objs: { pvcs: [{ metadata: { name: 'c', namespace: 'default' }, spec: {} }] },
    wantPreFilter: Code.UnschedulableAndUnresolvable,
    wantReason: 'PersistentVolumeClaim had no pv name and storageClass name',
  },
];

for (const tc of cases) {
  test(`VolumeZone: ${tc.name}`, (t) => {
    const pl = new VolumeZone({ ...fakeHandle(), listers: fakeListers(tc.objs) });
    const state = new CycleState();
    const pre = pl.preFilter(state, pod);
    t.is(pre?.status?.code, tc.wantPreFilter);
    if (tc.wantReason) t.deepEqual(pre?.status?.reasons, [tc.wantReason]);
    if (tc.wantPreFilter !== undefined) return;
    const s = pl.filter(state, pod, nodeInfoOf(tc.node!));
    t.is(s?.message(), tc.wantFilter);
    if (tc.wantFilter) t.is(s?.code, Code.UnschedulableAndUnresolvable);
  });
}

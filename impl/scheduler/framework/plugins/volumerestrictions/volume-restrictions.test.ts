import test from 'ava';
import type { PersistentVolumeClaim, Pod, Volume } from '#generated/k8s/index.ts';
import { Snapshot } from '../../../backend/cache/snapshot.ts';
import { fakeListers } from '../../../testing/fake-listers.ts';
import { fakeHandle, makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { CycleState } from '../../cycle-state.ts';
import { Code } from '../../interface.ts';
import { ERR_REASON_DISK_CONFLICT, ERR_REASON_RWOP_CONFLICT, VolumeRestrictions } from './volume-restrictions.ts';

const node = makeNode().name('n').obj();
const withVolumes = (name: string, ...volumes: Volume[]): Pod => ({ ...makePod().name(name).obj(), spec: { containers: [], volumes } });
const claimVol = (claimName: string): Volume => ({ name: claimName, persistentVolumeClaim: { claimName } });
const pvc = (name: string, modes: string[]): PersistentVolumeClaim => ({ metadata: { name, namespace: 'default' }, spec: { accessModes: modes } });
const gce = (pdName: string, readOnly = false): Volume => ({ name: pdName, gcePersistentDisk: { pdName, readOnly } });

const cases: Array<{ name: string; pod: Pod; existing: Pod[]; pvcs?: PersistentVolumeClaim[]; wantPreFilter?: Code; wantFilter?: string }> = [
  { name: 'a pod without restricted volumes is skipped', pod: withVolumes('p', { name: 'e', emptyDir: {} }), existing: [], wantPreFilter: Code.Skip },
  { name: 'the same GCE PD read-write conflicts', pod: withVolumes('p', gce('d')), existing: [withVolumes('x', gce('d'))], wantFilter: ERR_REASON_DISK_CONFLICT },
  { name: 'the same GCE PD read-only on both sides does not conflict', pod: withVolumes('p', gce('d', true)), existing: [withVolumes('x', gce('d', true))] },
  {
    name: 'the same AWS EBS volume conflicts',
    pod: withVolumes('p', { name: 'a', awsElasticBlockStore: { volumeID: 'vol-1' } }),
    existing: [withVolumes('x', { name: 'b', awsElasticBlockStore: { volumeID: 'vol-1' } })],
    wantFilter: ERR_REASON_DISK_CONFLICT,
  },
  {
    name: 'a ReadWriteOncePod claim used by another pod is unschedulable',
    pod: withVolumes('p', claimVol('solo')),
    existing: [withVolumes('x', claimVol('solo'))],
    pvcs: [pvc('solo', ['ReadWriteOncePod'])],
    wantPreFilter: Code.Unschedulable,
  },
  { name: 'a ReadWriteOncePod claim nobody uses fits', pod: withVolumes('p', claimVol('solo')), existing: [], pvcs: [pvc('solo', ['ReadWriteOncePod'])] },
  {
    name: 'a ReadWriteOnce claim shared by pods is not restricted here',
    pod: withVolumes('p', claimVol('shared')),
    existing: [withVolumes('x', claimVol('shared'))],
    pvcs: [pvc('shared', ['ReadWriteOnce'])],
    wantPreFilter: Code.Skip,
  },
];

for (const tc of cases) {
  test(`VolumeRestrictions: ${tc.name}`, (t) => {
    const ni = nodeInfoOf(node, ...tc.existing.map((p) => ({ ...p, spec: { ...p.spec!, nodeName: 'n' } })));
    const pl = new VolumeRestrictions({ ...fakeHandle(Snapshot.fromNodeInfos([ni])), listers: fakeListers({ pvcs: tc.pvcs ?? [] }) });
    const state = new CycleState();
    const pre = pl.preFilter(state, tc.pod);
    t.is(pre?.status?.code, tc.wantPreFilter);
    if (tc.wantPreFilter === Code.Unschedulable) t.deepEqual(pre?.status?.reasons, [ERR_REASON_RWOP_CONFLICT]);
    if (tc.wantPreFilter !== undefined) return;
    t.is(pl.filter(state, tc.pod, ni)?.message(), tc.wantFilter);
  });
}

test('VolumeRestrictions: preemption removing the ReadWriteOncePod user clears the conflict', (t) => {
  const user = { ...withVolumes('x', claimVol('solo')), spec: { containers: [], nodeName: 'n', volumes: [claimVol('solo')] } };
  const ni = nodeInfoOf(node, user);
  const pl = new VolumeRestrictions({ ...fakeHandle(Snapshot.fromNodeInfos([ni])), listers: fakeListers({ pvcs: [pvc('solo', ['ReadWriteOncePod'])] }) });
  const state = new CycleState();
  const pod = withVolumes('p', claimVol('solo'));
  pl.preFilter(state, pod);
  t.is(pl.filter(state, pod, ni)?.message(), ERR_REASON_RWOP_CONFLICT);
  pl.preFilterExtensions().removePod(state, pod, user, ni);
  t.is(pl.filter(state, pod, ni), undefined);
});

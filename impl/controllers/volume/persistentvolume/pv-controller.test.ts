import test from 'ava';
import { mkdtempSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClient } from '../../testing/fake-client.ts';
import { FakeInformer } from '../../testing/fake-informer.ts';
import { defaultStorageClass, LocalPathProvisioner } from '../localpath/local-path-provisioner.ts';
import { PersistentVolumeController } from './pv-controller.ts';
import { findMatchingVolume } from './index-helpers.ts';

const pvc = (name: string, o: { cls?: string; size?: string; modes?: string[]; ann?: Record<string, string>; selector?: unknown } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { namespace: 'ns', name, uid: `uid-${name}`, annotations: o.ann },
  spec: { storageClassName: o.cls, accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } }, selector: o.selector },
});
const pv = (name: string, o: { cls?: string; size?: string; modes?: string[]; labels?: Record<string, string>; claimRef?: unknown; phase?: string } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, uid: `uid-${name}`, labels: o.labels },
  spec: { storageClassName: o.cls, accessModes: o.modes ?? ['ReadWriteOnce'], capacity: { storage: o.size ?? '1Gi' }, hostPath: { path: `/tmp/${name}` }, claimRef: o.claimRef },
  status: { phase: o.phase ?? 'Available' },
});

const matchCases: Array<{ name: string; claim: KubeObject; volumes: KubeObject[]; want: string | undefined }> = [
  { name: 'smallest fitting volume wins', claim: pvc('c', { size: '1Gi' }), volumes: [pv('big', { size: '10Gi' }), pv('small', { size: '2Gi' }), pv('tiny', { size: '100Mi' })], want: 'small' },
  { name: 'storage class must match', claim: pvc('c', { cls: 'fast' }), volumes: [pv('slow', { cls: 'slow' }), pv('fast', { cls: 'fast' })], want: 'fast' },
  { name: 'access modes must be a superset', claim: pvc('c', { modes: ['ReadWriteMany'] }), volumes: [pv('rwo'), pv('rwx', { modes: ['ReadWriteOnce', 'ReadWriteMany'] })], want: 'rwx' },
  { name: 'selector matches labels', claim: pvc('c', { selector: { matchLabels: { tier: 'gold' } } }), volumes: [pv('plain'), pv('gold', { labels: { tier: 'gold' } })], want: 'gold' },
  { name: 'volumes bound elsewhere are skipped', claim: pvc('c'), volumes: [pv('taken', { claimRef: { namespace: 'ns', name: 'other', uid: 'x' }, phase: 'Bound' })], want: undefined },
  { name: 'a volume pre-bound to the claim wins', claim: pvc('c'), volumes: [pv('any'), pv('mine', { size: '5Gi', claimRef: { namespace: 'ns', name: 'c' } })], want: 'mine' },
];
for (const tc of matchCases) {
  test(`findMatchingVolume: ${tc.name}`, (t) => {
    t.is(findMatchingVolume(tc.claim as never, tc.volumes as never)?.metadata?.name, tc.want);
  });
}

function setup(objs: { pvs?: KubeObject[]; pvcs?: KubeObject[]; classes?: KubeObject[]; pods?: KubeObject[]; nodes?: KubeObject[] }, baseDir = '/nonexistent') {
  const client = new FakeClient([
    ...(objs.pvs ?? []).map((obj) => ({ resource: 'persistentvolumes', obj })),
    ...(objs.pvcs ?? []).map((obj) => ({ resource: 'persistentvolumeclaims', obj })),
  ]);
  const volumeInformer = new FakeInformer(objs.pvs ?? []);
  const claimInformer = new FakeInformer(objs.pvcs ?? []);
  const c = new PersistentVolumeController({
    client,
    volumeInformer,
    claimInformer,
    classInformer: new FakeInformer(objs.classes ?? []),
    podInformer: new FakeInformer(objs.pods ?? []),
    nodeInformer: new FakeInformer(objs.nodes ?? [{ metadata: { name: 'node1', labels: { 'kubernetes.io/hostname': 'node1' } } }]),
    provisioners: [new LocalPathProvisioner({ baseDir })],
  });
  /** refresh copies the client's objects into the informers (what the watch would do). */
  const refresh = (): void => {
    for (const o of client.objects.get('persistentvolumes')?.values() ?? []) volumeInformer.indexer.update(structuredClone(o));
    for (const o of client.objects.get('persistentvolumeclaims')?.values() ?? []) claimInformer.indexer.update(structuredClone(o));
  };
  return { client, c, refresh };
}

test('pv controller: binds a claim to a matching volume both ways', async (t) => {
  const { client, c } = setup({ pvs: [pv('v1', { size: '5Gi' })], pvcs: [pvc('c')] });
  await c.syncClaim('ns/c');
  const v = client.objects.get('persistentvolumes')!.get('/v1')!;
  const claim = client.objects.get('persistentvolumeclaims')!.get('ns/c')!;
  t.is(v.spec?.claimRef?.uid, 'uid-c');
  t.is(v.status?.phase, 'Bound');
  t.is(v.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  t.is(claim.spec?.volumeName, 'v1');
  t.is(claim.metadata?.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
  t.is(claim.status?.phase, 'Bound');
  t.deepEqual(claim.status?.capacity, { storage: '5Gi' });
});

test('pv controller: WaitForFirstConsumer waits for the selected node, then provisions a local volume and binds', async (t) => {
  const sc = defaultStorageClass() as KubeObject;
  const { client, c, refresh } = setup({ pvcs: [pvc('data', { cls: 'standard' })], classes: [sc] }, '/var/lib/x');
  await c.syncClaim('ns/data');
  t.is(client.objects.get('persistentvolumes')?.size ?? 0, 0);
  t.is(client.objects.get('persistentvolumeclaims')!.get('ns/data')!.status?.phase, 'Pending');
  // The scheduler picks the node.
  const claim = client.objects.get('persistentvolumeclaims')!.get('ns/data')!;
  claim.metadata!.annotations = { 'volume.kubernetes.io/selected-node': 'node1' };
  refresh();
  await c.syncClaim('ns/data'); // marks the provisioner
  refresh();
  t.is(client.objects.get('persistentvolumeclaims')!.get('ns/data')!.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'], 'kubets.io/local-path');
  await c.syncClaim('ns/data'); // provisions
  const v = client.objects.get('persistentvolumes')!.get('/pvc-uid-data')!;
  t.is(v.spec?.hostPath?.path, '/var/lib/x/pvc-uid-data_ns_data');
  t.deepEqual(v.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, ['node1']);
  t.is(v.spec?.persistentVolumeReclaimPolicy, 'Delete');
  refresh();
  await c.syncClaim('ns/data'); // binds
  const bound = client.objects.get('persistentvolumeclaims')!.get('ns/data')!;
  t.is(bound.spec?.volumeName, 'pvc-uid-data');
  t.is(bound.status?.phase, 'Bound');
});

test('pv controller: a scheduled pod using the claim stands in for the selected node', async (t) => {
  const sc = defaultStorageClass() as KubeObject;
  const pod: KubeObject = { metadata: { namespace: 'ns', name: 'p' }, spec: { nodeName: 'node1', volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } };
  const { client, c, refresh } = setup({ pvcs: [pvc('data', { cls: 'standard' })], classes: [sc], pods: [pod] });
  await c.syncClaim('ns/data');
  refresh();
  await c.syncClaim('ns/data');
  t.truthy(client.objects.get('persistentvolumes')?.get('/pvc-uid-data'));
});

test('pv controller: released volumes are deleted (Delete) or kept (Retain)', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'pvc-'));
  const dir = join(base, 'pvc-1_ns_gone');
  mkdirSync(dir);
  const del = { ...pv('del', { claimRef: { namespace: 'ns', name: 'gone', uid: 'u-gone' }, phase: 'Bound' }) };
  del.metadata!.annotations = { 'pv.kubernetes.io/provisioned-by': 'kubets.io/local-path' };
  del.spec.persistentVolumeReclaimPolicy = 'Delete';
  del.spec.hostPath = { path: dir };
  const keep = pv('keep', { claimRef: { namespace: 'ns', name: 'gone2', uid: 'u-gone2' }, phase: 'Bound' });
  keep.spec.persistentVolumeReclaimPolicy = 'Retain';
  const { client, c } = setup({ pvs: [del, keep] }, base);
  await c.syncVolume('del');
  await c.syncVolume('keep');
  t.false(client.objects.get('persistentvolumes')!.has('/del'));
  t.false(existsSync(dir));
  t.is(client.objects.get('persistentvolumes')!.get('/keep')!.status?.phase, 'Released');
});

test('pv controller: a bound claim whose volume is gone is Lost', async (t) => {
  const claim = pvc('c', { ann: { 'pv.kubernetes.io/bind-completed': 'yes' } });
  claim.spec.volumeName = 'vanished';
  const { client, c } = setup({ pvcs: [claim] });
  await c.syncClaim('ns/c');
  t.is(client.objects.get('persistentvolumeclaims')!.get('ns/c')!.status?.phase, 'Lost');
});

test('local-path provisioner refuses to delete outside its directory', async (t) => {
  const p = new LocalPathProvisioner({ baseDir: '/var/lib/kubets-test-storage' });
  await t.throwsAsync(p.delete({ spec: { hostPath: { path: '/etc' } } } as never), { message: /refusing/ });
});

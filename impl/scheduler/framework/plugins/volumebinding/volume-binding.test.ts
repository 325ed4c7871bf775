import test from 'ava';
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '#generated/k8s/index.ts';
import { Snapshot } from '../../../backend/cache/snapshot.ts';
import { fakeListers, type FakeObjects } from '../../../testing/fake-listers.ts';
import { fakeHandle, makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { CycleState } from '../../cycle-state.ts';
import { Code, type Handle } from '../../interface.ts';
import { ANN_BIND_COMPLETED, ANN_SELECTED_NODE } from './pv-helpers.ts';
import {
  ERR_REASON_BIND_CONFLICT,
  ERR_REASON_NODE_CONFLICT,
  ERR_REASON_PV_NOT_EXIST,
  ERR_UNBOUND_IMMEDIATE,
  VolumeBinding,
} from './volume-binding.ts';

const nodeA = makeNode().name('node-a').labels({ 'topology.kubernetes.io/zone': 'z1' }).obj();
const nodeB = makeNode().name('node-b').labels({ 'topology.kubernetes.io/zone': 'z2' }).obj();

const podWith = (...claims: string[]): Pod => {
  const p = makePod().name('p').obj();
  p.spec!.volumes = claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } }));
  return p;
};
const pvc = (name: string, o: { class?: string; size?: string; volumeName?: string; bound?: boolean; modes?: string[]; selectedNode?: string } = {}): PersistentVolumeClaim => ({
  metadata: {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    annotations: { ...(o.bound ? { [ANN_BIND_COMPLETED]: 'yes' } : {}), ...(o.selectedNode ? { [ANN_SELECTED_NODE]: o.selectedNode } : {}) },
  },
  spec: { storageClassName: o.class ?? 'local', accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } }, volumeName: o.volumeName },
});
const localPV = (name: string, node: string, o: { size?: string; class?: string; modes?: string[]; phase?: string; claimRef?: PersistentVolume['spec'] extends infer S ? S extends { claimRef?: infer C } ? C : never : never } = {}): PersistentVolume => ({
  metadata: { name },
  spec: {
    storageClassName: o.class ?? 'local',
    capacity: { storage: o.size ?? '1Gi' },
    accessModes: o.modes ?? ['ReadWriteOnce'],
    local: { path: `/mnt/${name}` },
    claimRef: o.claimRef,
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
  },
  status: { phase: o.phase ?? 'Available' },
});
const wffc = (name: string, provisioner = 'kubernetes.io/no-provisioner', allowedTopologies?: StorageClass['allowedTopologies']): StorageClass => ({
  metadata: { name },
  provisioner,
  volumeBindingMode: 'WaitForFirstConsumer',
  allowedTopologies,
});
const immediate = (name: string): StorageClass => ({ metadata: { name }, provisioner: 'example.com/csi', volumeBindingMode: 'Immediate' });

function plugin(objs: FakeObjects, client?: unknown): { pl: VolumeBinding; handle: Handle } {
  const handle: Handle = { ...fakeHandle(Snapshot.fromNodeInfos([nodeInfoOf(nodeA), nodeInfoOf(nodeB)])), listers: fakeListers(objs), client: client as never };
  return { pl: new VolumeBinding(handle, { bindTimeoutSeconds: 2 }, () => new Promise((r) => setTimeout(r, 5))), handle };
}

const preFilterCases: Array<{ name: string; pod: Pod; objs: FakeObjects; wantCode?: Code; wantReason?: string }> = [
  { name: 'a pod without claims is skipped', pod: makePod().obj(), objs: {}, wantCode: Code.Skip },
  { name: 'a missing claim is unresolvable', pod: podWith('nope'), objs: {}, wantCode: Code.UnschedulableAndUnresolvable, wantReason: 'persistentvolumeclaim "nope" not found' },
  {
    name: 'a claim being deleted is unresolvable',
    pod: podWith('c'),
    objs: { pvcs: [{ ...pvc('c'), metadata: { ...pvc('c').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }], storageClasses: [wffc('local')] },
    wantCode: Code.UnschedulableAndUnresolvable,
    wantReason: 'persistentvolumeclaim "c" is being deleted',
  },
  {
    name: 'an unbound Immediate claim rejects the pod',
    pod: podWith('c'),
    objs: { pvcs: [pvc('c', { class: 'fast' })], storageClasses: [immediate('fast')] },
    wantCode: Code.UnschedulableAndUnresolvable,
    wantReason: ERR_UNBOUND_IMMEDIATE,
  },
  {
    name: 'an unbound claim of an unknown class is treated as Immediate',
    pod: podWith('c'),
    objs: { pvcs: [pvc('c', { class: 'ghost' })] },
    wantCode: Code.UnschedulableAndUnresolvable,
    wantReason: ERR_UNBOUND_IMMEDIATE,
  },
  { name: 'a WaitForFirstConsumer claim passes', pod: podWith('c'), objs: { pvcs: [pvc('c')], storageClasses: [wffc('local')] } },
  {
    name: 'a generic ephemeral volume waits for its claim',
    pod: { ...makePod().name('p').obj(), spec: { containers: [], volumes: [{ name: 'scratch', ephemeral: {} }] } },
    objs: {},
    wantCode: Code.UnschedulableAndUnresolvable,
    wantReason: 'waiting for ephemeral volume controller to create the persistentvolumeclaim "p-scratch"',
  },
];

for (const tc of preFilterCases) {
  test(`preFilter: ${tc.name}`, (t) => {
    const { pl } = plugin(tc.objs);
    const r = pl.preFilter(new CycleState(), tc.pod);
    t.is(r?.status?.code, tc.wantCode);
    if (tc.wantReason) t.deepEqual(r?.status?.reasons, [tc.wantReason]);
  });
}

const filterCases: Array<{ name: string; pod: Pod; objs: FakeObjects; want: Record<string, string | undefined> }> = [
  {
    name: 'a bound PV with node affinity admits only its node',
    pod: podWith('c'),
    objs: { pvcs: [pvc('c', { volumeName: 'pv-a', bound: true })], pvs: [localPV('pv-a', 'node-a', { phase: 'Bound' })] },
    want: { 'node-a': undefined, 'node-b': ERR_REASON_NODE_CONFLICT },
  },
  {
    name: 'a claim bound to a PV that does not exist',
    pod: podWith('c'),
    objs: { pvcs: [pvc('c', { volumeName: 'gone', bound: true })] },
    want: { 'node-a': ERR_REASON_PV_NOT_EXIST, 'node-b': ERR_REASON_PV_NOT_EXIST },
  },
  {
    name: 'WaitForFirstConsumer picks the node of a matching local PV',
    pod: podWith('c'),
    objs: { pvcs: [pvc('c')], pvs: [localPV('pv-b', 'node-b')], storageClasses: [wffc('local')] },
    want: { 'node-a': ERR_REASON_BIND_CONFLICT, 'node-b': undefined },
  },
  {
    name: 'a PV too small, of another class, without the access mode, or not Available does not match',
    pod: podWith('c'),
    objs: {
      pvcs: [pvc('c', { size: '2Gi', modes: ['ReadWriteOncePod'] })],
      pvs: [
        localPV('small', 'node-a', { size: '1Gi', modes: ['ReadWriteOncePod'] }),
        localPV('other-class', 'node-a', { size: '5Gi', class: 'slow', modes: ['ReadWriteOncePod'] }),
        localPV('rwo', 'node-a', { size: '5Gi' }),
        localPV('released', 'node-a', { size: '5Gi', modes: ['ReadWriteOncePod'], phase: 'Released' }),
        localPV('ok', 'node-b', { size: '5Gi', modes: ['ReadWriteOncePod', 'ReadWriteOnce'] }),
      ],
      storageClasses: [wffc('local')],
    },
    want: { 'node-a': ERR_REASON_BIND_CONFLICT, 'node-b': undefined },
  },
  {
    name: 'a PV pre-bound to the claim is used even when not Available',
    pod: podWith('c'),
    objs: {
      pvcs: [pvc('c')],
      pvs: [localPV('mine', 'node-a', { phase: 'Pending', claimRef: { name: 'c', namespace: 'default' } }), localPV('free', 'node-b')],
      storageClasses: [wffc('local')],
    },
    want: { 'node-a': undefined, 'node-b': ERR_REASON_BIND_CONFLICT },
  },
  {
    name: 'without a PV, a class with a provisioner provisions on any node its allowedTopologies admit',
    pod: podWith('c'),
    objs: {
      pvcs: [pvc('c', { class: 'dyn' })],
      storageClasses: [wffc('dyn', 'rancher.io/local-path', [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['z2'] }] }])],
    },
    want: { 'node-a': ERR_REASON_BIND_CONFLICT, 'node-b': undefined },
  },
  {
    name: 'a claim whose selected node is another node does not fit',
    pod: podWith('c'),
    objs: { pvcs: [pvc('c', { class: 'dyn', selectedNode: 'node-a' })], storageClasses: [wffc('dyn', 'rancher.io/local-path')] },
    want: { 'node-a': undefined, 'node-b': ERR_REASON_BIND_CONFLICT },
  },
  {
    name: 'two claims cannot share one PV',
    pod: podWith('c1', 'c2'),
    objs: { pvcs: [pvc('c1'), pvc('c2')], pvs: [localPV('only', 'node-a'), localPV('b1', 'node-b'), localPV('b2', 'node-b')], storageClasses: [wffc('local')] },
    want: { 'node-a': ERR_REASON_BIND_CONFLICT, 'node-b': undefined },
  },
];

for (const tc of filterCases) {
  test(`filter: ${tc.name}`, (t) => {
    const { pl } = plugin(tc.objs);
    const state = new CycleState();
    t.is(pl.preFilter(state, tc.pod)?.status, undefined);
    for (const [node, want] of Object.entries(tc.want)) {
      const s = pl.filter(state, tc.pod, nodeInfoOf(node === 'node-a' ? nodeA : nodeB));
      t.is(s?.message(), want, node);
      if (want) t.is(s?.code, Code.UnschedulableAndUnresolvable);
    }
  });
}

test('reserve assumes the chosen PV so the next pod does not take it; unreserve releases it', (t) => {
  const objs: FakeObjects = { pvcs: [pvc('c1'), pvc('c2')], pvs: [localPV('pv-a', 'node-a')], storageClasses: [wffc('local')] };
  const { pl } = plugin(objs);
  const s1 = new CycleState();
  pl.preFilter(s1, podWith('c1'));
  t.is(pl.filter(s1, podWith('c1'), nodeInfoOf(nodeA)), undefined);
  t.is(pl.reserve(s1, podWith('c1'), 'node-a'), undefined);
  const s2 = new CycleState();
  pl.preFilter(s2, podWith('c2'));
  t.is(pl.filter(s2, podWith('c2'), nodeInfoOf(nodeA))?.message(), ERR_REASON_BIND_CONFLICT);
  pl.unreserve(s1);
  t.is(pl.filter(s2, podWith('c2'), nodeInfoOf(nodeA)), undefined);
});

function recordingClient(onWrite: (kind: string, name: string, body: unknown) => void) {
  return {
    resource: (_g: string, _v: string, resource: string) => ({
      update: async (obj: { metadata?: { name?: string } }) => (onWrite(`${resource}:update`, obj.metadata?.name ?? '', obj), obj),
      namespace: () => ({ patch: async (name: string, body: unknown) => (onWrite(`${resource}:patch`, name, body), {}) }),
    }),
  };
}

test('preBind of a static binding writes the PV claimRef and waits for the PV controller to bind the claim', async (t) => {
  const claim = pvc('c');
  const objs: FakeObjects = { pvcs: [claim], pvs: [localPV('pv-a', 'node-a')], storageClasses: [wffc('local')] };
  const writes: Array<[string, string, unknown]> = [];
  const { pl } = plugin(
    objs,
    recordingClient((k, n, b) => {
      writes.push([k, n, b]);
      // Play the PV controller: bind both sides.
      const pv = b as PersistentVolume;
      objs.pvs = [{ ...pv, status: { phase: 'Bound' } }];
      objs.pvcs = [{ ...claim, metadata: { ...claim.metadata, annotations: { [ANN_BIND_COMPLETED]: 'yes' } }, spec: { ...claim.spec, volumeName: 'pv-a' } }];
    }),
  );
  const pod = podWith('c');
  const state = new CycleState();
  pl.preFilter(state, pod);
  t.is(pl.filter(state, pod, nodeInfoOf(nodeA)), undefined);
  pl.reserve(state, pod, 'node-a');
  t.is(await pl.preBind(state, pod, 'node-a'), undefined);
  t.is(writes.length, 1);
  t.is(writes[0]![0], 'persistentvolumes:update');
  const ref = (writes[0]![2] as PersistentVolume).spec?.claimRef;
  t.like(ref, { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'c', uid: 'uid-c' });
  t.is((writes[0]![2] as PersistentVolume).metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  t.is(pl.assumedPVs.size, 0);
});

test('preBind of a dynamic provision sets the selected-node annotation, and fails when the binding does not complete in time', async (t) => {
  const objs: FakeObjects = { pvcs: [pvc('c', { class: 'dyn' })], storageClasses: [wffc('dyn', 'rancher.io/local-path')] };
  const writes: Array<[string, string, unknown]> = [];
  const { pl } = plugin(objs, recordingClient((k, n, b) => writes.push([k, n, b])));
  (pl as unknown as { bindTimeoutMs: number }).bindTimeoutMs = 50;
  const pod = podWith('c');
  const state = new CycleState();
  pl.preFilter(state, pod);
  t.is(pl.filter(state, pod, nodeInfoOf(nodeB)), undefined);
  pl.reserve(state, pod, 'node-b');
  t.is(pl.assumedSelectedNodes.get('default/c'), 'node-b');
  const s = await pl.preBind(state, pod, 'node-b');
  t.deepEqual(writes, [['persistentvolumeclaims:patch', 'c', { metadata: { annotations: { [ANN_SELECTED_NODE]: 'node-b' } } }]]);
  t.is(s?.code, Code.Error);
  t.regex(s?.message() ?? '', /^binding volumes: timed out waiting for the volumes of pod default\/p to bind$/);
  t.is(pl.assumedSelectedNodes.size, 0);
});

test('preBind of a dynamic provision completes when the provisioner and PV controller bind the claim, and fails when the annotation is reset', async (t) => {
  for (const outcome of ['bound', 'reset'] as const) {
    const claim = pvc('c', { class: 'dyn' });
    const objs: FakeObjects = { pvcs: [claim], storageClasses: [wffc('dyn', 'rancher.io/local-path')] };
    const { pl } = plugin(
      objs,
      recordingClient(() => {
        objs.pvcs = [{ ...claim, metadata: { ...claim.metadata, annotations: { [ANN_SELECTED_NODE]: 'node-b' } } }];
        setTimeout(() => {
          if (outcome === 'reset') {
            objs.pvcs = [claim];
            return;
          }
          objs.pvs = [{ ...localPV('pvc-c', 'node-b'), spec: { ...localPV('pvc-c', 'node-b').spec, claimRef: { name: 'c', namespace: 'default', uid: 'uid-c' } } }];
          objs.pvcs = [{ ...claim, metadata: { ...claim.metadata, annotations: { [ANN_SELECTED_NODE]: 'node-b', [ANN_BIND_COMPLETED]: 'yes' } }, spec: { ...claim.spec, volumeName: 'pvc-c' } }];
        }, 30);
      }),
    );
    const pod = podWith('c');
    const state = new CycleState();
    pl.preFilter(state, pod);
    pl.filter(state, pod, nodeInfoOf(nodeB));
    pl.reserve(state, pod, 'node-b');
    const s = await pl.preBind(state, pod, 'node-b');
    if (outcome === 'bound') t.is(s, undefined);
    else t.is(s?.message(), 'binding volumes: selectedNode annotation reset for PVC "c"');
  }
});

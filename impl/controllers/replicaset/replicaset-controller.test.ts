import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { FakeRecorder } from '#impl/client/tools/record/index.ts';
import { newReplicationManager } from '../replication/replication-controller.ts';
import { FakeClient, statusError } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { ReplicaSetController } from './replicaset-controller.ts';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const RS_UID = 'rs-uid';
const rs = (replicas: number, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { namespace: 'ns', name: 'web', uid: RS_UID, generation: 2 },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }, ...extra },
  status: { replicas: 0, observedGeneration: 1 },
});
const ownerRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: RS_UID, controller: true, blockOwnerDeletion: true };
const pod = (name: string, o: { owned?: boolean; labels?: Record<string, string>; node?: string; phase?: string; ready?: string; created?: string } = {}): KubeObject => ({
  metadata: {
    namespace: 'ns',
    name,
    uid: `uid-${name}`,
    labels: o.labels ?? { app: 'web' },
    creationTimestamp: o.created ?? '2026-01-01T00:00:00Z',
    ...(o.owned === false ? {} : { ownerReferences: [ownerRef] }),
  },
  spec: { nodeName: o.node },
  status: { phase: o.phase ?? 'Running', conditions: o.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: o.ready }] : [] },
});

interface Case {
  name: string;
  rs?: KubeObject;
  pods?: KubeObject[];
  /** Pretend earlier creations are not yet observed. */
  pendingCreations?: number;
  failCreates?: boolean;
  wantCreates?: number;
  wantDeleted?: string[];
  wantPatched?: string[];
  wantStatus?: Record<string, unknown>;
  wantCondition?: string;
  /** An event the recorder must have seen, e.g. `Warning FailedCreate Error creating: ...`. */
  wantEvent?: string;
  wantError?: boolean;
  wantResult?: unknown;
}

const cases: Case[] = [
  { name: 'creates the missing pods in slow-start batches', rs: rs(3), wantCreates: 3, wantStatus: { replicas: 0, observedGeneration: 2 } },
  { name: 'waits while earlier creations are unobserved', rs: rs(3), pendingCreations: 2, wantCreates: 0 },
  {
    name: 'deletes the surplus, unscheduled and pending pods first',
    rs: rs(2),
    pods: [pod('a', { node: 'n1', ready: '2026-01-01T00:00:00Z' }), pod('b', { node: 'n1', ready: '2026-01-01T00:00:00Z' }), pod('c'), pod('d', { node: 'n1', phase: 'Pending' })],
    wantDeleted: ['c', 'd'],
    wantStatus: { replicas: 4, readyReplicas: 2, availableReplicas: 2, fullyLabeledReplicas: 4 },
  },
  {
    name: 'adopts a matching orphan and releases an owned pod that stopped matching',
    rs: rs(1),
    pods: [pod('orphan', { owned: false }), pod('mine', { labels: { app: 'other' } }), pod('foreign', { owned: false, labels: { app: 'other' } })],
    wantPatched: ['orphan', 'mine'],
    wantCreates: 0,
    wantStatus: { replicas: 1 },
  },
  {
    name: 'terminal and deleted pods do not count',
    rs: rs(1),
    pods: [pod('done', { phase: 'Succeeded' }), pod('failed', { phase: 'Failed' })],
    wantCreates: 1,
  },
  {
    name: 'create failures set ReplicaFailure/FailedCreate and are retried',
    rs: rs(2),
    failCreates: true,
    wantCondition: 'FailedCreate',
    // client-go's StatusError.Error() is the Status message alone: no request, no code.
    wantEvent: 'Warning FailedCreate Error creating: quota says no',
    wantError: true,
  },
  {
    name: 'minReadySeconds: ready but not yet available pods requeue the ReplicaSet',
    rs: rs(1, { minReadySeconds: 60 }),
    pods: [pod('a', { node: 'n1', ready: '2026-01-01T00:09:30Z' })],
    wantStatus: { replicas: 1, readyReplicas: 1, availableReplicas: 0 },
    wantResult: { requeueAfter: 60_000 },
  },
  { name: 'a deleted ReplicaSet is a no-op', wantCreates: 0 },
];

for (const c of cases) {
  test(`replicaset reconcile: ${c.name}`, async (t) => {
    const client = new FakeClient();
    client.now = () => new Date(NOW);
    if (c.rs) client.seed('replicasets', c.rs);
    for (const p of c.pods ?? []) client.seed('pods', p);
    if (c.failCreates) client.react((verb, resource) => {
      if (verb === 'create' && resource === 'pods') throw statusError(500, 'InternalError', 'quota says no');
    });
    const rsInformer = new FakeInformer(c.rs ? [client.stored('replicasets', 'ns', 'web')!] : []);
    const podInformer = new FakeInformer((c.pods ?? []).map((p) => client.stored('pods', 'ns', p.metadata!.name!)!));
    const recorder = new FakeRecorder();
    const ctrl = new ReplicaSetController({ client, rsInformer, podInformer, recorder, clock: new FakeClock(NOW) });
    if (c.pendingCreations) ctrl.expectations.expectCreations('ns/web', c.pendingCreations);
    let result: unknown;
    let error: unknown;
    try {
      result = await ctrl.reconcile('ns/web');
    } catch (err) {
      error = err;
    }
    t.is(!!error, !!c.wantError, String(error));
    const creates = client.writes().filter((a) => a.startsWith('create pods'));
    if (c.wantCreates !== undefined) t.is(creates.length, c.wantCreates);
    if (c.wantCreates) {
      const created = client.all('pods', 'ns').filter((p) => p.metadata?.generateName === 'web-');
      t.true(created.every((p) => p.metadata?.ownerReferences?.[0]?.uid === RS_UID && p.metadata?.labels?.app === 'web'));
      t.is(ctrl.expectations.get('ns/web')?.add, c.wantCreates);
      t.is(recorder.events.filter((e) => e.startsWith('Normal SuccessfulCreate')).length, c.wantCreates);
    }
    if (c.wantDeleted) t.deepEqual(client.writes().filter((a) => a.startsWith('delete pods')).map((a) => a.split('/')[1]).sort(), c.wantDeleted);
    if (c.wantPatched) t.deepEqual(client.writes().filter((a) => a.startsWith('patch pods')).map((a) => a.split('/')[1]).sort(), [...c.wantPatched].sort());
    const status = client.lastSent('update replicasets/status ns/web')?.status;
    for (const [k, v] of Object.entries(c.wantStatus ?? {})) t.is(status?.[k], v, k);
    if (c.wantCondition) t.is(status?.conditions?.[0]?.reason, c.wantCondition);
    if (c.wantEvent) t.true(recorder.events.includes(c.wantEvent), recorder.events.join('\n'));
    if (c.wantResult) t.deepEqual(result, c.wantResult);
    if (!c.rs) t.deepEqual(client.writes(), []);
  });
}

test('replicaset handlers: pod events resolve the controllerRef and observe expectations', (t) => {
  const rsInformer = new FakeInformer([rs(2)]);
  const podInformer = new FakeInformer();
  const ctrl = new ReplicaSetController({ client: new FakeClient(), rsInformer, podInformer });
  ctrl.expectations.expectCreations('ns/web', 2);
  podInformer.add(pod('a'));
  t.deepEqual(ctrl.expectations.get('ns/web'), { add: 1, del: 0 });
  t.false(ctrl.expectations.satisfiedExpectations('ns/web'));
  podInformer.add(pod('b'));
  t.true(ctrl.expectations.satisfiedExpectations('ns/web'));
  // A pod owned by someone else does not count.
  ctrl.expectations.expectCreations('ns/web', 1);
  podInformer.add({ ...pod('c'), metadata: { ...pod('c').metadata, ownerReferences: [{ ...ownerRef, uid: 'other' }] } });
  t.deepEqual(ctrl.expectations.get('ns/web'), { add: 1, del: 0 });
});

test('replicationcontroller: the same logic with a map selector', async (t) => {
  const client = new FakeClient();
  const rc: KubeObject = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { namespace: 'ns', name: 'rc', uid: 'rc-uid', generation: 1 }, spec: { replicas: 2, selector: { app: 'x' }, template: { metadata: { labels: { app: 'x' } }, spec: {} } } };
  client.seed('replicationcontrollers', rc);
  const ctrl = newReplicationManager({ client, rsInformer: new FakeInformer([client.stored('replicationcontrollers', 'ns', 'rc')!]), podInformer: new FakeInformer() });
  await ctrl.reconcile('ns/rc');
  const pods = client.all('pods', 'ns');
  t.is(pods.length, 2);
  t.is(pods[0]?.metadata?.ownerReferences?.[0]?.kind, 'ReplicationController');
  t.is(pods[0]?.metadata?.ownerReferences?.[0]?.apiVersion, 'v1');
});

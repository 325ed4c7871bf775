import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { getOrdinal, StatefulSetController } from './stateful-set-controller.ts';

const set = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { namespace: 'ns', name: 'web', uid: 'sts-uid', generation: 1 },
  spec: { replicas: 3, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }, ...spec },
});
const pod = (name: string, ready: boolean): KubeObject => ({
  metadata: { namespace: 'ns', name, uid: `uid-${name}`, labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'sts-uid', controller: true }] },
  spec: {},
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

const cases: Array<{ name: string; set: KubeObject; pods: KubeObject[]; wantCreated: string[]; wantDeleted: string[] }> = [
  { name: 'OrderedReady: only the first missing ordinal', set: set(), pods: [], wantCreated: ['web-0'], wantDeleted: [] },
  { name: 'OrderedReady: waits for web-0 to be ready', set: set(), pods: [pod('web-0', false)], wantCreated: [], wantDeleted: [] },
  { name: 'OrderedReady: next ordinal once the previous is ready', set: set(), pods: [pod('web-0', true)], wantCreated: ['web-1'], wantDeleted: [] },
  { name: 'Parallel: every missing ordinal at once', set: set({ podManagementPolicy: 'Parallel' }), pods: [], wantCreated: ['web-0', 'web-1', 'web-2'], wantDeleted: [] },
  { name: 'scale down: highest ordinal first, one at a time', set: set({ replicas: 1 }), pods: [pod('web-0', true), pod('web-1', true), pod('web-2', true)], wantCreated: [], wantDeleted: ['web-2'] },
];

for (const c of cases) {
  test(`statefulset reconcile: ${c.name}`, async (t) => {
    const client = new FakeClient();
    const s = client.seed('statefulsets', c.set);
    for (const p of c.pods) client.seed('pods', p);
    const ctrl = new StatefulSetController({
      client,
      setInformer: new FakeInformer([s]),
      podInformer: new FakeInformer(c.pods.map((p) => client.stored('pods', 'ns', p.metadata!.name!)!)),
      revisionInformer: new FakeInformer(),
      clock: new FakeClock(0),
    });
    await ctrl.reconcile('ns/web');
    t.deepEqual(client.writes().filter((a) => a.startsWith('create pods')).map((a) => a.split('/')[1]), c.wantCreated);
    t.deepEqual(client.writes().filter((a) => a.startsWith('delete pods')).map((a) => a.split('/')[1]), c.wantDeleted);
    for (const n of c.wantCreated) {
      const p = client.stored('pods', 'ns', n)!;
      t.is(p.spec.hostname, n);
      t.is(p.spec.subdomain, 'web');
      t.is(p.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], n);
    }
  });
}

test('getOrdinal parses only the set’s own pod names', (t) => {
  t.is(getOrdinal('web', 'web-12'), 12);
  t.is(getOrdinal('web', 'web-x'), -1);
  t.is(getOrdinal('web', 'webby-1'), -1);
});

const partitionCases: Array<{ name: string; partition: number; wantImage: string; wantRevision: string }> = [
  { name: 'an ordinal below the partition is recreated at the current revision', partition: 2, wantImage: 'old', wantRevision: 'web-old' },
  { name: 'an ordinal at or above the partition is recreated at the update revision', partition: 0, wantImage: 'new', wantRevision: 'web-' },
];
for (const c of partitionCases) {
  test(`statefulset reconcile: ${c.name}`, async (t) => {
    const client = new FakeClient();
    const s = client.seed('statefulsets', {
      ...set({ replicas: 1, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: c.partition } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'new' }] } } }),
      status: { currentRevision: 'web-old', updateRevision: 'web-x' },
    });
    const oldRevision: KubeObject = {
      metadata: { namespace: 'ns', name: 'web-old', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'sts-uid', controller: true }] },
      data: { spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'old' }] }, $patch: 'replace' } } },
      revision: 1,
    };
    const ctrl = new StatefulSetController({ client, setInformer: new FakeInformer([s]), podInformer: new FakeInformer(), revisionInformer: new FakeInformer([oldRevision]), clock: new FakeClock(0) });
    await ctrl.reconcile('ns/web');
    const p = client.stored('pods', 'ns', 'web-0')!;
    t.is(p.spec.containers[0].image, c.wantImage);
    if (c.wantRevision === 'web-old') t.is(p.metadata?.labels?.['controller-revision-hash'], 'web-old');
    else t.not(p.metadata?.labels?.['controller-revision-hash'], 'web-old');
    t.is(p.spec.hostname, 'web-0');
  });
}

test('statefulset status: the current revision waits while an old-revision pod is still terminating', async (t) => {
  const client = new FakeClient();
  const s0 = set({ replicas: 2 });
  const s = client.seed('statefulsets', { ...s0, status: { currentRevision: 'web-old', updateRevision: 'web-old' } });
  // Find the update revision the controller computes by reconciling once with no pods.
  const probe = new FakeClient();
  probe.seed('statefulsets', { ...s0 });
  await new StatefulSetController({ client: probe, setInformer: new FakeInformer([probe.stored('statefulsets', 'ns', 'web')!]), podInformer: new FakeInformer(), revisionInformer: new FakeInformer(), clock: new FakeClock(0) }).reconcile('ns/web');
  const updateRevision = probe.stored('statefulsets', 'ns', 'web')!.status.updateRevision as string;
  const withRev = (p: KubeObject, rev: string, deleting = false): KubeObject => ({ ...p, metadata: { ...p.metadata, labels: { ...p.metadata!.labels, 'controller-revision-hash': rev }, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } });
  const pods = [withRev(pod('web-0', true), 'web-old', true), withRev(pod('web-1', true), updateRevision)];
  for (const p of pods) client.seed('pods', p);
  const ctrl = new StatefulSetController({ client, setInformer: new FakeInformer([s]), podInformer: new FakeInformer(pods.map((p) => client.stored('pods', 'ns', p.metadata!.name!)!)), revisionInformer: new FakeInformer(), clock: new FakeClock(0) });
  await ctrl.reconcile('ns/web');
  const st = client.stored('statefulsets', 'ns', 'web')!.status;
  t.is(st.updateRevision, updateRevision);
  t.is(st.currentRevision, 'web-old');
});

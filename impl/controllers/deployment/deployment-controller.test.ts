import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { FakeRecorder } from '#impl/client/tools/record/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { DeploymentController } from './deployment-controller.ts';
import { computeHash, equalIgnoreHash, maxUnavailable, maxSurge, newRSNewReplicas, resolveFenceposts } from './util/deployment-util.ts';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const D_UID = 'd-uid';
const template = (image: string): KubeObject => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });
const deployment = (spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { namespace: 'ns', name: 'web', uid: D_UID, generation: 1, annotations: {} },
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('v1'), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, ...spec },
  status,
});
const rs = (name: string, image: string, replicas: number, o: { available?: number; revision?: string; created?: string; desired?: number } = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    namespace: 'ns',
    name,
    uid: `uid-${name}`,
    creationTimestamp: o.created ?? '2026-01-01T00:00:00Z',
    labels: { app: 'web', 'pod-template-hash': name },
    annotations: { 'deployment.kubernetes.io/revision': o.revision ?? '1', 'deployment.kubernetes.io/desired-replicas': String(o.desired ?? 3), 'deployment.kubernetes.io/max-replicas': '4' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: D_UID, controller: true, blockOwnerDeletion: true }],
    generation: 1,
  },
  spec: { replicas, selector: { matchLabels: { app: 'web', 'pod-template-hash': name } }, template: { ...template(image), metadata: { labels: { app: 'web', 'pod-template-hash': name } } } },
  status: { replicas, availableReplicas: o.available ?? replicas, readyReplicas: o.available ?? replicas, observedGeneration: 1 },
});

interface Case {
  name: string;
  d: KubeObject;
  rss: KubeObject[];
  /** Expected spec.replicas per ReplicaSet name after one sync (new ones matched by prefix `web-`). */
  want: Record<string, number>;
  wantRevision?: string;
  wantProgressing?: string;
  wantDeleted?: string[];
}

const cases: Case[] = [
  { name: 'creates the first ReplicaSet at full size (nothing to surge over)', d: deployment(), rss: [], want: { 'web-*': 3 }, wantRevision: '1', wantProgressing: 'NewReplicaSetCreated' },
  {
    name: 'rolling update: the new ReplicaSet surges by maxSurge first',
    d: deployment({ template: template('v2') }),
    rss: [rs('old', 'v1', 3)],
    want: { old: 3, 'web-*': 1 },
    wantRevision: '2',
  },
  {
    name: 'rolling update: old replicas go down while minAvailable holds',
    d: deployment({ template: template('v2') }, { replicas: 4, updatedReplicas: 1, availableReplicas: 4 }),
    rss: [rs('old', 'v1', 3), rs('new', 'v2', 1, { revision: '2', created: '2026-01-01T00:30:00Z' })],
    want: { old: 2, new: 1 },
  },
  {
    name: 'rolling update: nothing is scaled down while new pods are unavailable and minAvailable would break',
    d: deployment({ template: template('v2') }),
    rss: [rs('old', 'v1', 3), rs('new', 'v2', 1, { revision: '2', available: 0, created: '2026-01-01T00:30:00Z' })],
    want: { old: 3, new: 1 },
  },
  {
    name: 'recreate: old ReplicaSets are scaled to zero before the new one is created',
    d: deployment({ template: template('v2'), strategy: { type: 'Recreate' } }),
    rss: [rs('old', 'v1', 3)],
    want: { old: 0 },
  },
  {
    name: 'scaling event: replicas change goes to the only active ReplicaSet',
    d: deployment({ replicas: 5 }),
    rss: [rs('cur', 'v1', 3)],
    want: { cur: 5 },
  },
  {
    name: 'complete rollout: old idle ReplicaSets beyond revisionHistoryLimit are deleted',
    d: deployment({ revisionHistoryLimit: 1 }, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }),
    rss: [rs('r1', 'v0', 0, { revision: '1' }), rs('r2', 'v9', 0, { revision: '2' }), rs('cur', 'v1', 3, { revision: '3' })],
    want: { cur: 3 },
    wantDeleted: ['r1'],
    wantProgressing: 'NewReplicaSetAvailable',
  },
  {
    name: 'paused: no rollout, only status',
    d: deployment({ template: template('v2'), paused: true }),
    rss: [rs('old', 'v1', 3)],
    want: { old: 3 },
    wantProgressing: 'DeploymentPaused',
  },
];

for (const c of cases) {
  test(`deployment reconcile: ${c.name}`, async (t) => {
    const client = new FakeClient();
    client.now = () => new Date(NOW);
    client.seed('deployments', c.d);
    for (const r of c.rss) client.seed('replicasets', r);
    const ctrl = new DeploymentController({
      client,
      dInformer: new FakeInformer([client.stored('deployments', 'ns', 'web')!]),
      rsInformer: new FakeInformer(c.rss.map((r) => client.stored('replicasets', 'ns', r.metadata!.name!)!)),
      podInformer: new FakeInformer(),
      recorder: new FakeRecorder(),
      clock: new FakeClock(NOW),
    });
    await ctrl.reconcile('ns/web');
    const all = client.all('replicasets', 'ns');
    for (const [name, replicas] of Object.entries(c.want)) {
      const found = name === 'web-*' ? all.find((r) => r.metadata?.name?.startsWith('web-')) : all.find((r) => r.metadata?.name === name);
      t.truthy(found, `ReplicaSet ${name} missing: ${all.map((r) => r.metadata?.name).join(',')}`);
      t.is(found?.spec?.replicas, replicas, name);
    }
    if (!('web-*' in c.want)) t.false(all.some((r) => r.metadata?.name?.startsWith('web-')), 'no new ReplicaSet expected');
    const d = client.stored('deployments', 'ns', 'web')!;
    if (c.wantRevision) t.is(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], c.wantRevision);
    if (c.wantProgressing) t.is(d.status?.conditions?.find((x: { type: string }) => x.type === 'Progressing')?.reason, c.wantProgressing);
    for (const name of c.wantDeleted ?? []) t.is(client.stored('replicasets', 'ns', name), undefined, `${name} deleted`);
  });
}

test('deployment util: fenceposts, surge and the pod-template-hash', (t) => {
  t.deepEqual(resolveFenceposts('25%', '25%', 3), { surge: 1, unavailable: 0 });
  t.deepEqual(resolveFenceposts(0, 0, 3), { surge: 0, unavailable: 1 });
  t.is(maxUnavailable(deployment({ replicas: 10 })), 2);
  t.is(maxSurge(deployment({ strategy: { type: 'Recreate' } })), 0);
  const d = deployment();
  t.is(newRSNewReplicas(d, [rs('old', 'v1', 3), rs('new', 'v2', 0)], rs('new', 'v2', 0)), 1);
  const h = computeHash(template('v1'));
  t.regex(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  t.is(computeHash(template('v1')), h);
  t.not(computeHash(template('v2')), h);
  t.not(computeHash(template('v1'), 1), h);
  t.true(equalIgnoreHash({ metadata: { labels: { app: 'web', 'pod-template-hash': 'x' } }, spec: { a: 1 } }, { metadata: { labels: { app: 'web' } }, spec: { a: 1 } }));
  // kubectl rollout undo sends `creationTimestamp: null` and `resources: {}`: still the same template.
  t.true(equalIgnoreHash({ metadata: { creationTimestamp: null as unknown as string, labels: { app: 'web' } }, spec: { c: [{ resources: {} }] } }, { metadata: { labels: { app: 'web' } }, spec: { c: [{}] } }));
});

test('deployment reconcile: adopts a matching orphan ReplicaSet with an int64 revision and scales it down (AP-15/AP-16)', async (t) => {
  const client = new FakeClient();
  client.now = () => new Date(NOW);
  const orphan = rs('orphan', 'v1', 1, { revision: '3546343826724305832' });
  delete orphan.metadata!.ownerReferences;
  orphan.metadata!.labels = { app: 'web' };
  orphan.metadata!.annotations = { 'deployment.kubernetes.io/revision': '3546343826724305832' };
  orphan.spec.selector = { matchLabels: { app: 'web' } };
  client.seed('replicasets', orphan);
  client.seed('deployments', deployment({ replicas: 1, template: template('v2') }));
  const dInf = new FakeInformer([client.stored('deployments', 'ns', 'web')!]);
  const rsInf = new FakeInformer([client.stored('replicasets', 'ns', 'orphan')!]);
  const ctrl = new DeploymentController({ client, dInformer: dInf, rsInformer: rsInf, podInformer: new FakeInformer(), recorder: new FakeRecorder(), clock: new FakeClock(NOW) });
  for (let i = 0; i < 3; i++) {
    await ctrl.reconcile('ns/web');
    for (const r of client.all('replicasets', 'ns')) {
      r.status = { replicas: r.spec.replicas, readyReplicas: r.spec.replicas, availableReplicas: r.spec.replicas, observedGeneration: r.metadata?.generation };
      rsInf.indexer.update(structuredClone(r));
    }
    dInf.indexer.update(structuredClone(client.stored('deployments', 'ns', 'web')!));
  }
  const adopted = client.stored('replicasets', 'ns', 'orphan')!;
  t.is(adopted.metadata?.ownerReferences?.[0]?.uid, D_UID);
  t.is(adopted.spec?.replicas, 0);
  const fresh = client.all('replicasets', 'ns').find((r) => r.metadata?.name !== 'orphan')!;
  t.is(fresh.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3546343826724305833');
});

test('deployment reconcile: releases a ReplicaSet that no longer matches the selector', async (t) => {
  const client = new FakeClient();
  client.now = () => new Date(NOW);
  const owned = rs('owned', 'v1', 3);
  owned.metadata!.labels = { app: 'other' };
  client.seed('replicasets', owned);
  client.seed('deployments', deployment());
  const ctrl = new DeploymentController({
    client,
    dInformer: new FakeInformer([client.stored('deployments', 'ns', 'web')!]),
    rsInformer: new FakeInformer([client.stored('replicasets', 'ns', 'owned')!]),
    podInformer: new FakeInformer(),
    recorder: new FakeRecorder(),
    clock: new FakeClock(NOW),
  });
  await ctrl.reconcile('ns/web');
  t.deepEqual(client.stored('replicasets', 'ns', 'owned')!.metadata?.ownerReferences ?? [], []);
});

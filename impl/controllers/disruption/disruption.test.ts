import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { DisruptionController } from './disruption.ts';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const rsRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true };
const pod = (name: string, ready: boolean, owned = true): KubeObject => ({
  metadata: { namespace: 'ns', name, uid: `u-${name}`, labels: { app: 'a' }, ...(owned ? { ownerReferences: [rsRef] } : {}) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const pdb = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({ metadata: { namespace: 'ns', name: 'b', generation: 1 }, spec: { selector: { matchLabels: { app: 'a' } }, ...spec }, status });

const cases: Array<{ name: string; pdb: KubeObject; pods: KubeObject[]; want: Record<string, unknown>; reason: string }> = [
  { name: 'minAvailable 2 of 3 ready', pdb: pdb({ minAvailable: 2 }), pods: [pod('a', true), pod('b', true), pod('c', true)], want: { expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 }, reason: 'SufficientPods' },
  { name: 'not enough ready pods', pdb: pdb({ minAvailable: 2 }), pods: [pod('a', true), pod('b', false)], want: { currentHealthy: 1, disruptionsAllowed: 0 }, reason: 'InsufficientPods' },
  { name: 'maxUnavailable uses the controller scale', pdb: pdb({ maxUnavailable: 1 }), pods: [pod('a', true), pod('b', true)], want: { expectedPods: 4, desiredHealthy: 3, disruptionsAllowed: 0 }, reason: 'InsufficientPods' },
  { name: 'percentage without a controller fails the sync', pdb: pdb({ minAvailable: '50%' }), pods: [pod('a', true, false)], want: { disruptionsAllowed: 0 }, reason: 'SyncFailed' },
  {
    name: 'recently disrupted pods are not healthy',
    pdb: pdb({ minAvailable: 1 }, { disruptedPods: { a: '2026-01-01T00:09:30Z' } }),
    pods: [pod('a', true), pod('b', true)],
    want: { currentHealthy: 1, disruptionsAllowed: 0 },
    reason: 'InsufficientPods',
  },
];

for (const c of cases) {
  test(`disruption reconcile: ${c.name}`, async (t) => {
    const client = new FakeClient();
    const stored = client.seed('poddisruptionbudgets', c.pdb);
    const ctrl = new DisruptionController({
      client,
      pdbInformer: new FakeInformer([stored]),
      podInformer: new FakeInformer(c.pods),
      rsInformer: new FakeInformer<KubeObject>([{ metadata: { namespace: 'ns', name: 'rs', uid: 'rs-uid' }, spec: { replicas: 4 } }]),
      deploymentInformer: new FakeInformer(),
      statefulSetInformer: new FakeInformer(),
      rcInformer: new FakeInformer(),
      clock: new FakeClock(NOW),
    });
    await ctrl.reconcile('ns/b');
    const st = client.stored('poddisruptionbudgets', 'ns', 'b')!.status;
    for (const [k, v] of Object.entries(c.want)) t.is(st[k], v, k);
    t.is(st.conditions.find((x: { type: string }) => x.type === 'DisruptionAllowed').reason, c.reason);
  });
}

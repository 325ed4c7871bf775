import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { CONTROLLER_REVISION_HASH_LABEL, DaemonSetsController, nodeShouldRunDaemonPod, nodeOfPod } from './daemon-controller.ts';

const ds = (podSpec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { namespace: 'ns', name: 'd', uid: 'ds-uid', generation: 1 },
  spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...podSpec } }, ...extra },
});
const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []): KubeObject => ({ metadata: { name, labels }, spec: { taints } });

const eligibility: Array<{ name: string; node: KubeObject; ds: KubeObject; want: boolean }> = [
  { name: 'plain node', node: node('a'), ds: ds(), want: true },
  { name: 'nodeSelector mismatch', node: node('a', { role: 'x' }), ds: ds({ nodeSelector: { role: 'y' } }), want: false },
  { name: 'untolerated NoSchedule taint', node: node('a', {}, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]), ds: ds(), want: false },
  { name: 'tolerated taint', node: node('a', {}, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]), ds: ds({ tolerations: [{ key: 'k', operator: 'Equal', value: 'v' }] }), want: true },
  { name: 'PreferNoSchedule taints do not matter', node: node('a', {}, [{ key: 'k', effect: 'PreferNoSchedule' }]), ds: ds(), want: true },
  { name: 'not-ready and unschedulable taints are tolerated by every daemon', node: node('a', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), ds: ds(), want: true },
  {
    name: 'required node affinity',
    node: node('a', { zone: 'z1' }),
    ds: ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] }] } } } }),
    want: false,
  },
];
for (const c of eligibility) test(`nodeShouldRunDaemonPod: ${c.name}`, (t) => t.is(nodeShouldRunDaemonPod(c.node, c.ds), c.want));

test('daemonset reconcile: creates pinned pods, deletes misscheduled ones, writes status and a revision', async (t) => {
  const client = new FakeClient();
  const d = client.seed('daemonsets', ds({ nodeSelector: { role: 'w' } }));
  const stray: KubeObject = {
    metadata: { namespace: 'ns', name: 'stray', uid: 'u-stray', labels: { app: 'd' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'd', uid: 'ds-uid', controller: true }] },
    spec: { nodeName: 'other' },
    status: { phase: 'Running' },
  };
  client.seed('pods', stray);
  const ctrl = new DaemonSetsController({
    client,
    dsInformer: new FakeInformer([d]),
    podInformer: new FakeInformer([client.stored('pods', 'ns', 'stray')!]),
    nodeInformer: new FakeInformer([node('w1', { role: 'w' }), node('w2', { role: 'w' }), node('other', { role: 'x' })]),
    revisionInformer: new FakeInformer(),
    clock: new FakeClock(0),
  });
  await ctrl.reconcile('ns/d');
  const created = client.all('pods', 'ns').filter((p) => p.metadata?.generateName);
  t.deepEqual(created.map(nodeOfPod).sort(), ['w1', 'w2']);
  t.true(created.every((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]));
  t.true(client.actions.includes('delete pods ns/stray'));
  const st = client.stored('daemonsets', 'ns', 'd')!.status;
  t.is(st.desiredNumberScheduled, 2);
  t.is(st.numberMisscheduled, 1);
  t.is(client.all('controllerrevisions', 'ns').length, 1);
});

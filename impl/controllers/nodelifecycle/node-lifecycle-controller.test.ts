import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { desiredTaints, NodeLifecycleController } from './node-lifecycle-controller.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

test('desiredTaints follows conditions and unschedulable', (t) => {
  const node = (conds: Array<[string, string]>, unschedulable = false): KubeObject => ({ metadata: { name: 'n' }, spec: { unschedulable }, status: { conditions: conds.map(([type, status]) => ({ type, status })) } });
  const cases: Array<{ name: string; node: KubeObject; want: string[] }> = [
    { name: 'healthy', node: node([['Ready', 'True']]), want: [] },
    { name: 'not ready', node: node([['Ready', 'False']]), want: ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule'] },
    { name: 'unknown', node: node([['Ready', 'Unknown']]), want: ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule'] },
    { name: 'pressure + cordoned', node: node([['Ready', 'True'], ['MemoryPressure', 'True']], true), want: ['node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule'] },
  ];
  for (const c of cases) t.deepEqual(desiredTaints(c.node).map((x) => `${x.key}:${x.effect}`), c.want, c.name);
});

test('a node without heartbeats past the grace period becomes Unknown, is tainted, and its pods are evicted by toleration', async (t) => {
  const clock = new FakeClock(T0);
  const client = new FakeClient();
  const node = client.seed('nodes', { metadata: { name: 'n1', creationTimestamp: '2025-12-31T00:00:00Z' }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2025-12-31T23:59:50Z' }] } });
  const pods = [
    { metadata: { namespace: 'ns', name: 'plain', uid: 'u1' }, spec: { nodeName: 'n1' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
    { metadata: { namespace: 'ns', name: 'patient', uid: 'u2' }, spec: { nodeName: 'n1', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] }, status: { phase: 'Running' } },
  ].map((p) => client.seed('pods', p));
  const nodeInf = new FakeInformer([node]);
  const ctrl = new NodeLifecycleController({ client, nodeInformer: nodeInf, leaseInformer: new FakeInformer(), podInformer: new FakeInformer(pods), clock, nodeMonitorGracePeriodMs: 40_000 });
  await ctrl.monitorNodeHealth();
  t.is(client.stored('nodes', '', 'n1')!.status.conditions[0].status, 'True', 'within the grace period');
  clock.step(41_000);
  // The informer would deliver the updates; feed them back by hand.
  await ctrl.monitorNodeHealth();
  const n = client.stored('nodes', '', 'n1')!;
  t.is(n.status.conditions.find((c: { type: string }) => c.type === 'Ready').status, 'Unknown');
  t.deepEqual(n.spec.taints.map((x: { key: string; effect: string }) => `${x.key}:${x.effect}`).sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
  t.true(client.actions.includes('delete pods ns/plain'));
  t.false(client.actions.includes('delete pods ns/patient'));
  t.true(client.actions.includes('update pods/status ns/plain'), 'pods marked not ready');
  // After tolerationSeconds, the patient pod goes too.
  nodeInf.update(n);
  clock.step(301_000);
  await ctrl.monitorNodeHealth();
  t.true(client.actions.includes('delete pods ns/patient'));
});

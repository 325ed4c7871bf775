import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeRecorder } from '#impl/client/tools/record/fake-recorder.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { HorizontalController, metricError } from './horizontal.ts';

const NO_CPU = 'failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API';

const hpa = (min: number | undefined, max: number, target = 'web'): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'ns', generation: 1 },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, ...(min !== undefined ? { minReplicas: min } : {}), maxReplicas: max, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
});
const deployment = (spec: number, current = spec): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns' }, spec: { replicas: spec }, status: { replicas: current } });

interface Case {
  name: string;
  hpa: KubeObject;
  target?: KubeObject;
  want: { conditions: Record<string, [string, string]>; currentReplicas?: number; desiredReplicas?: number; scaledTo?: number; events: string[]; scalingMessage?: string };
}

const cases: Case[] = [
  {
    name: 'within bounds without a metrics API: AbleToScale True, ScalingActive False/FailedGetResourceMetric',
    hpa: hpa(1, 5),
    target: deployment(2),
    want: {
      conditions: { AbleToScale: ['True', 'SucceededGetScale'], ScalingActive: ['False', 'FailedGetResourceMetric'] },
      currentReplicas: 2,
      events: [`Warning FailedGetResourceMetric ${NO_CPU}`, `Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ${NO_CPU}`],
      scalingMessage: `the HPA was unable to compute the replica count: ${NO_CPU}`,
    },
  },
  {
    name: 'below minReplicas: the target is scaled up to the minimum',
    hpa: hpa(3, 5),
    target: deployment(1),
    want: { conditions: { AbleToScale: ['True', 'SucceededRescale'] }, currentReplicas: 1, desiredReplicas: 3, scaledTo: 3, events: ['Normal SuccessfulRescale New size: 3; reason: Current number of replicas below Spec.MinReplicas'] },
  },
  {
    name: 'above maxReplicas: the target is scaled down to the maximum',
    hpa: hpa(1, 2),
    target: deployment(4),
    want: { conditions: { AbleToScale: ['True', 'SucceededRescale'] }, currentReplicas: 4, desiredReplicas: 2, scaledTo: 2, events: ['Normal SuccessfulRescale New size: 2; reason: Current number of replicas above Spec.MaxReplicas'] },
  },
  {
    name: 'a target scaled to zero disables autoscaling',
    hpa: hpa(1, 5),
    target: deployment(0),
    want: { conditions: { AbleToScale: ['True', 'SucceededGetScale'], ScalingActive: ['False', 'ScalingDisabled'] }, currentReplicas: 0, desiredReplicas: 0, events: [] },
  },
  {
    name: 'a missing target: AbleToScale False/FailedGetScale',
    hpa: hpa(1, 5, 'gone'),
    want: { conditions: { AbleToScale: ['False', 'FailedGetScale'] }, events: ['Warning FailedGetScale deployments "gone" not found'] },
  },
];

for (const c of cases) {
  test(`hpa reconcile: ${c.name}`, async (t) => {
    const client = new FakeClient();
    client.seed('horizontalpodautoscalers', c.hpa);
    if (c.target) client.seed('deployments', c.target);
    const recorder = new FakeRecorder();
    const informer = new FakeInformer([client.stored('horizontalpodautoscalers', 'ns', 'web')!]);
    const ctrl = new HorizontalController({ client, hpaInformer: informer, recorder });
    const res = await ctrl.reconcile('ns/web');
    t.deepEqual(res, { requeueAfter: 15_000 });
    const status = client.stored('horizontalpodautoscalers', 'ns', 'web')!.status as { conditions: { type: string; status: string; reason: string; message: string }[]; currentReplicas?: number; desiredReplicas?: number };
    for (const [type, [st, reason]] of Object.entries(c.want.conditions)) {
      const cond = status.conditions.find((x) => x.type === type);
      t.is(cond?.status, st, type);
      t.is(cond?.reason, reason, type);
    }
    if (c.want.scalingMessage) t.is(status.conditions.find((x) => x.type === 'ScalingActive')?.message, c.want.scalingMessage);
    if (c.want.currentReplicas !== undefined) t.is(status.currentReplicas, c.want.currentReplicas);
    if (c.want.desiredReplicas !== undefined) t.is(status.desiredReplicas, c.want.desiredReplicas);
    if (c.want.scaledTo !== undefined) t.is(client.stored('deployments', 'ns', 'web')!.spec?.replicas, c.want.scaledTo);
    else if (c.target) t.false(client.writes().some((w) => w.startsWith('update deployments/scale')));
    t.deepEqual(recorder.events, c.want.events);
  });
}

test('hpa reconcile: an unchanged status is not written again', async (t) => {
  const client = new FakeClient();
  client.seed('horizontalpodautoscalers', hpa(1, 5));
  client.seed('deployments', deployment(2));
  const ctrl = new HorizontalController({ client, hpaInformer: new FakeInformer([client.stored('horizontalpodautoscalers', 'ns', 'web')!]) });
  await ctrl.reconcile('ns/web');
  const informer = new FakeInformer([client.stored('horizontalpodautoscalers', 'ns', 'web')!]);
  const again = new HorizontalController({ client, hpaInformer: informer });
  const before = client.writes().length;
  await again.reconcile('ns/web');
  t.is(client.writes().length, before);
});

const metricCases = [
  { name: 'resource utilization', m: { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization' } } }, want: 'failed to get memory utilization: unable to get metrics for resource memory: no metrics returned from resource metrics API' },
  { name: 'resource average value', m: { type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue' } } }, want: 'failed to get cpu usage: unable to get metrics for resource cpu: no metrics returned from resource metrics API' },
];
for (const c of metricCases) test(`hpa metricError: ${c.name}`, (t) => t.is(metricError(c.m).message, c.want));

import test from 'ava';
import type { KubeObject, RequestContext } from '../rest/strategy.ts';
import { newWorkloadStatusStrategy, type WorkloadKind } from './workload-strategy.ts';

const ctx: RequestContext = { namespace: 'ns', warnings: [], user: { name: 'alice', groups: [], uid: 'u-1' } };
const workload = (labels: Record<string, string>, replicas: number, status: Record<string, unknown>): KubeObject => ({
  metadata: { name: 'w', namespace: 'ns', labels, resourceVersion: '5' },
  spec: { replicas, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  status,
});

const cases: { name: string; kind: WorkloadKind; wantLabel: string }[] = [
  { name: 'a Deployment status write keeps the old labels (upstream deploymentStatusStrategy)', kind: 'Deployment', wantLabel: 'old' },
  { name: 'a ReplicaSet status write may change labels', kind: 'ReplicaSet', wantLabel: 'new' },
  { name: 'a StatefulSet status write may change labels', kind: 'StatefulSet', wantLabel: 'new' },
];
for (const tc of cases) {
  test(tc.name, (t) => {
    const old = workload({ x: 'old' }, 2, { replicas: 2 });
    const next = workload({ x: 'new' }, 5, { replicas: 0, readyReplicas: 0 });
    newWorkloadStatusStrategy(tc.kind).prepareForUpdate(ctx, next, old);
    t.is(next.metadata.labels?.x, tc.wantLabel);
    t.is(next.spec.replicas, 2, 'spec comes from the stored object');
    t.deepEqual(next.status, { replicas: 0, readyReplicas: 0 }, 'status comes from the request');
  });
}

import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { ClusterRoleAggregationController } from './clusterroleaggregation-controller.ts';

const role = (name: string, o: { labels?: Record<string, string>; rules?: unknown[]; aggregate?: string } = {}): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels: o.labels },
  rules: o.rules ?? [],
  ...(o.aggregate ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [o.aggregate]: 'true' } }] } } : {}),
});
const r = (verb: string, resource: string) => ({ verbs: [verb], apiGroups: [''], resources: [resource] });

const cases: Array<{ name: string; roles: KubeObject[]; want: unknown[] | undefined }> = [
  {
    name: 'the aggregated role gets the union of the matching roles, in name order, each rule once',
    roles: [role('edit', { aggregate: 'to-edit' }), role('b', { labels: { 'to-edit': 'true' }, rules: [r('get', 'pods'), r('list', 'pods')] }), role('a', { labels: { 'to-edit': 'true' }, rules: [r('get', 'pods')] }), role('c', { rules: [r('delete', 'pods')] })],
    want: [r('get', 'pods'), r('list', 'pods')],
  },
  { name: 'an up-to-date aggregated role is not written', roles: [role('edit', { aggregate: 'x', rules: [r('get', 'pods')] }), role('a', { labels: { x: 'true' }, rules: [r('get', 'pods')] })], want: undefined },
];
for (const tc of cases) {
  test(`clusterrole aggregation: ${tc.name}`, async (t) => {
    const client = new FakeClient(tc.roles.map((obj) => ({ resource: 'clusterroles', obj })));
    const c = new ClusterRoleAggregationController({ client, clusterRoleInformer: new FakeInformer([...client.objects.get('clusterroles')!.values()]) });
    await c.reconcile('edit');
    if (tc.want === undefined) t.false(client.actions.some((a) => a.startsWith('update')));
    else t.deepEqual(client.objects.get('clusterroles')!.get('/edit')!.rules, tc.want);
  });
}

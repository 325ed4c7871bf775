import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer, FakeInformers } from '../testing/fake-informer.ts';
import { staticDiscovery } from '#impl/client/discovery/index.ts';
import { ResourceQuotaController, sameResources } from './resource-quota-controller.ts';
import { podMatchesScope, resourceForQuotaName } from './resource-quota-usage.ts';

const pod = (name: string, o: { cpu?: string; mem?: string; limCpu?: string; phase?: string; deadline?: number; cls?: string } = {}): KubeObject => ({
  metadata: { namespace: 'ns', name, uid: `u-${name}` },
  spec: {
    activeDeadlineSeconds: o.deadline,
    priorityClassName: o.cls,
    containers: [{ name: 'c', image: 'x', resources: { requests: { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.mem ? { memory: o.mem } : {}) }, limits: o.limCpu ? { cpu: o.limCpu } : {} } }],
  },
  status: { phase: o.phase ?? 'Running' },
});

const quota = (hard: Record<string, string>, spec: Record<string, unknown> = {}): KubeObject => ({ metadata: { namespace: 'ns', name: 'q', uid: 'q1' }, spec: { hard, ...spec } });

function setup(q: KubeObject, seed: Record<string, KubeObject[]>) {
  const client = new FakeClient([{ resource: 'resourcequotas', obj: q }]);
  const informers = new FakeInformers();
  for (const [res, objs] of Object.entries(seed)) {
    const [resource, group = ''] = res.split('.', 2) as [string, string?];
    const inf = informers.forResource({ group, version: 'v1', resource });
    for (const o of objs) inf.add(o);
  }
  const quotaInformer = new FakeInformer([client.objects.get('resourcequotas')!.get('ns/q')!]);
  const discovery = staticDiscovery([{ group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true, verbs: ['list', 'watch', 'get'] }]);
  const c = new ResourceQuotaController({ client, quotaInformer, informers, discovery });
  return { client, c, quotaInformer, informers };
}

const cases: Array<{ name: string; hard: Record<string, string>; spec?: Record<string, unknown>; seed: Record<string, KubeObject[]>; used: Record<string, string> }> = [
  {
    name: 'object counts and pod compute, terminal pods excluded',
    hard: { pods: '10', 'requests.cpu': '4', 'requests.memory': '1Gi', 'limits.cpu': '8', configmaps: '5', secrets: '5', 'count/pods': '10' },
    seed: {
      pods: [pod('a', { cpu: '100m', mem: '64Mi', limCpu: '1' }), pod('b', { cpu: '250m' }), pod('done', { cpu: '2', phase: 'Succeeded' })],
      configmaps: [{ metadata: { namespace: 'ns', name: 'kube-root-ca.crt' } }, { metadata: { namespace: 'other', name: 'x' } }],
    },
    used: { pods: '2', 'requests.cpu': '350m', 'requests.memory': '64Mi', 'limits.cpu': '1', configmaps: '1', secrets: '0', 'count/pods': '2' },
  },
  {
    name: 'services: node ports and load balancers',
    hard: { services: '10', 'services.nodeports': '5', 'services.loadbalancers': '2' },
    seed: { services: [{ metadata: { namespace: 'ns', name: 's1' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } }, { metadata: { namespace: 'ns', name: 's2' }, spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 81 }] } }] },
    used: { services: '2', 'services.nodeports': '2', 'services.loadbalancers': '0' },
  },
  {
    name: 'persistentvolumeclaims and requests.storage by class',
    hard: { persistentvolumeclaims: '5', 'requests.storage': '10Gi', 'standard.storageclass.storage.k8s.io/requests.storage': '5Gi' },
    seed: { persistentvolumeclaims: [{ metadata: { namespace: 'ns', name: 'c1' }, spec: { storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } } }, { metadata: { namespace: 'ns', name: 'c2' }, spec: { resources: { requests: { storage: '2Gi' } } } }] },
    used: { persistentvolumeclaims: '2', 'requests.storage': '3Gi', 'standard.storageclass.storage.k8s.io/requests.storage': '1Gi' },
  },
  {
    name: 'Terminating scope counts only pods with activeDeadlineSeconds',
    hard: { pods: '10', 'requests.cpu': '4' },
    spec: { scopes: ['Terminating'] },
    seed: { pods: [pod('a', { cpu: '1', deadline: 30 }), pod('b', { cpu: '2' })] },
    used: { pods: '1', 'requests.cpu': '1' },
  },
  {
    name: 'BestEffort scope counts pods without requests or limits',
    hard: { pods: '10' },
    spec: { scopes: ['BestEffort'] },
    seed: { pods: [pod('a', { cpu: '1' }), pod('b'), pod('c')] },
    used: { pods: '2' },
  },
  {
    name: 'PriorityClass scope selector In',
    hard: { pods: '10' },
    spec: { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } },
    seed: { pods: [pod('a', { cls: 'high' }), pod('b', { cls: 'low' }), pod('c')] },
    used: { pods: '1' },
  },
];

for (const tc of cases) {
  test(`resourcequota: ${tc.name}`, async (t) => {
    const { client, c } = setup(quota(tc.hard, tc.spec), tc.seed);
    await c.reconcile('ns/q');
    const got = client.objects.get('resourcequotas')!.get('ns/q')!;
    t.deepEqual(got.status?.hard, tc.hard);
    t.true(sameResources(got.status?.used, tc.used), JSON.stringify(got.status?.used));
    t.deepEqual(Object.keys(got.status?.used ?? {}).sort(), Object.keys(tc.used).sort());
  });
}

test('resourcequota: count/<resource>.<group> starts a monitor through discovery and requeues until synced', async (t) => {
  const { client, c, informers } = setup(quota({ 'count/replicasets.apps': '5' }), {});
  informers.forResource({ group: 'apps', version: 'v1', resource: 'replicasets' }).add({ metadata: { namespace: 'ns', name: 'rs' } });
  // The fake informer is synced at once, so the first reconcile registers it and requeues.
  const first = await c.reconcile('ns/q');
  t.deepEqual(first, { requeueAfter: 500 });
  await c.reconcile('ns/q');
  t.deepEqual(client.objects.get('resourcequotas')!.get('ns/q')!.status?.used, { 'count/replicasets.apps': '1' });
});

test('resourcequota: no write when status is already current', async (t) => {
  const { client, c } = setup({ ...quota({ pods: '1' }), status: { hard: { pods: '1' }, used: { pods: '0' } } }, {});
  await c.reconcile('ns/q');
  t.false(client.actions.some((a) => a.startsWith('update')));
});

test('resourcequota: a pod change in the namespace queues the quota (replenishment)', (t) => {
  const { c, informers } = setup(quota({ pods: '1' }), {});
  while (c.queue.len() > 0) void c.queue.get().then((g) => c.queue.done(g.item!));
  informers.forResource({ group: '', version: 'v1', resource: 'pods' }).add(pod('new'));
  t.true(c.queue.len() >= 1);
});

const nameCases: Array<[string, string | undefined]> = [
  ['count/replicasets.apps', 'replicasets.apps'],
  ['count/widgets.stable.example.com', 'widgets.stable.example.com'],
  ['count/pods', 'pods'],
  ['requests.cpu', 'pods'],
  ['memory', 'pods'],
  ['services.nodeports', 'services'],
  ['gold.storageclass.storage.k8s.io/requests.storage', 'persistentvolumeclaims'],
  ['bogus', undefined],
];
for (const [name, want] of nameCases) {
  test(`resourceForQuotaName: ${name}`, (t) => {
    const r = resourceForQuotaName(name);
    t.is(r ? (r.group ? `${r.resource}.${r.group}` : r.resource) : undefined, want);
  });
}

test('podMatchesScope: NotTerminating and NotBestEffort', (t) => {
  t.true(podMatchesScope(pod('a') as never, { scopeName: 'NotTerminating', operator: 'Exists' }));
  t.false(podMatchesScope(pod('a', { deadline: 1 }) as never, { scopeName: 'NotTerminating', operator: 'Exists' }));
  t.true(podMatchesScope(pod('a', { mem: '1Mi' }) as never, { scopeName: 'NotBestEffort', operator: 'Exists' }));
});

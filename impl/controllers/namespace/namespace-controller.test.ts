import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { staticDiscovery, type APIResourceInfo } from '#impl/client/discovery/index.ts';
import { FakeClient, statusError } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { NamespaceController } from './namespace-controller.ts';

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const res = (resource: string, kind: string, group = '', verbs = ALL): APIResourceInfo => ({ group, version: group ? 'v1' : 'v1', resource, kind, namespaced: true, verbs });
const DISCOVERY = [res('pods', 'Pod'), res('configmaps', 'ConfigMap'), res('secrets', 'Secret'), res('widgets', 'Widget', 'example.com', ['delete', 'get', 'list'])];

const terminating = (name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, deletionTimestamp: '2026-01-01T00:00:00Z', ...extra },
  spec: { finalizers: ['kubernetes'] },
  status: { phase: 'Terminating' },
});

interface Case {
  name: string;
  namespace: KubeObject;
  seed?: Array<{ resource: string; obj: KubeObject }>;
  discoveryFailed?: boolean;
  react?: (c: FakeClient) => void;
  /** Expected outcome: 'finalized' (token removed), 'requeue' (requeueAfter ms), 'error' or 'noop'. */
  want: 'finalized' | 'noop' | { requeueAfter: number } | 'error';
  /** Expected condition reasons by type (subset). */
  conditions?: Record<string, string>;
  wantActions?: string[];
}

const cm = (ns: string, name: string, extra: Partial<KubeObject['metadata']> = {}): { resource: string; obj: KubeObject } => ({ resource: 'configmaps', obj: { metadata: { namespace: ns, name, ...extra } } });

const cases: Case[] = [
  {
    name: 'active namespace: nothing to do',
    namespace: { metadata: { name: 'a' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } },
    want: 'noop',
  },
  {
    name: 'empty terminating namespace is finalized',
    namespace: terminating('t'),
    want: 'finalized',
    conditions: { NamespaceContentRemaining: 'ContentRemoved', NamespaceDeletionDiscoveryFailure: 'ResourcesDiscovered' },
  },
  {
    name: 'content is deleted (deletecollection, or list+delete without it) then finalized',
    namespace: terminating('t'),
    seed: [cm('t', 'a'), cm('t', 'b'), { resource: 'widgets', obj: { metadata: { namespace: 't', name: 'w' } } }, cm('other', 'keep')],
    want: 'finalized',
    wantActions: ['deletecollection configmaps t/', 'delete widgets t/w'],
  },
  {
    name: 'content held by a finalizer: SomeFinalizersRemain and a 15 s estimate',
    namespace: terminating('t'),
    seed: [cm('t', 'held', { finalizers: ['example.com/x'] })],
    want: { requeueAfter: 8000 },
    conditions: { NamespaceContentRemaining: 'SomeResourcesRemain', NamespaceFinalizersRemaining: 'SomeFinalizersRemain' },
  },
  {
    name: 'pods being terminated: wait for their grace period before other content',
    namespace: terminating('t'),
    seed: [{ resource: 'pods', obj: { metadata: { namespace: 't', name: 'p', finalizers: ['example.com/hold'] }, spec: { terminationGracePeriodSeconds: 30 } } }, cm('t', 'a')],
    want: { requeueAfter: 16000 },
    conditions: { NamespaceContentRemaining: 'SomeResourcesRemain' },
  },
  {
    name: 'a delete failure sets ContentDeletionFailed and is retried',
    namespace: terminating('t'),
    seed: [cm('t', 'a')],
    react: (c) => c.react((verb, resource) => {
      if (verb === 'deletecollection' && resource === 'configmaps') throw statusError(500, 'InternalError', 'boom');
    }),
    want: 'error',
    conditions: { NamespaceDeletionContentFailure: 'ContentDeletionFailed' },
  },
  {
    name: 'partial discovery failure is reported but deletion goes on',
    namespace: terminating('t'),
    discoveryFailed: true,
    want: 'finalized',
    conditions: { NamespaceDeletionDiscoveryFailure: 'DiscoveryFailed' },
  },
  {
    name: 'already finalized by us: nothing to do',
    namespace: { ...terminating('t'), spec: { finalizers: ['example.com/other'] } },
    seed: [cm('t', 'a')],
    want: 'noop',
  },
];

for (const c of cases) {
  test(`namespace reconcile: ${c.name}`, async (t) => {
    const client = new FakeClient([{ resource: 'namespaces', obj: c.namespace }, ...(c.seed ?? [])]);
    c.react?.(client);
    const failed = c.discoveryFailed ? new Map([['metrics.k8s.io/v1beta1', new Error('stale GroupVersion discovery')]]) : new Map<string, Error>();
    const informer = new FakeInformer([client.stored('namespaces', '', c.namespace.metadata!.name!)!]);
    const ctrl = new NamespaceController({ client, discovery: staticDiscovery(DISCOVERY, failed), namespaceInformer: informer, clock: new FakeClock(0) });
    const name = c.namespace.metadata!.name!;
    let result: unknown;
    let error: unknown;
    try {
      result = await ctrl.reconcile(name);
    } catch (err) {
      error = err;
    }
    const ns = client.stored('namespaces', '', name);
    if (c.want === 'finalized') {
      t.is(error, undefined);
      t.false((ns?.spec?.finalizers ?? []).includes('kubernetes'));
      t.true(client.actions.includes(`update namespaces/finalize /${name}`));
    } else if (c.want === 'noop') {
      t.is(error, undefined);
      t.deepEqual(client.writes(), []);
    } else if (c.want === 'error') {
      t.truthy(error);
    } else {
      t.is(error, undefined);
      t.deepEqual(result, c.want);
      t.true((ns?.spec?.finalizers ?? []).includes('kubernetes'));
    }
    for (const [type, reason] of Object.entries(c.conditions ?? {})) {
      const status = client.lastSent(`update namespaces/status /${name}`)?.status ?? ns?.status;
      const cond = (status?.conditions ?? []).find((x: { type: string }) => x.type === type);
      t.is(cond?.reason, reason, type);
    }
    for (const a of c.wantActions ?? []) t.true(client.actions.includes(a), `missing action ${a}: ${client.actions.join(', ')}`);
    if (c.name.startsWith('content is deleted')) t.truthy(client.stored('configmaps', 'other', 'keep'));
  });
}

test('namespace handlers enqueue only terminating namespaces, after the grace period', (t) => {
  const clock = new FakeClock(0);
  const informer = new FakeInformer();
  const ctrl = new NamespaceController({ client: new FakeClient(), discovery: staticDiscovery([]), namespaceInformer: informer, clock, deletionGracePeriodMs: 5000 });
  informer.add({ metadata: { name: 'active' } });
  informer.add(terminating('going'));
  t.is(ctrl.queue.len(), 0);
  clock.step(5000);
  t.is(ctrl.queue.len(), 1);
});

test('a pod leaving a terminating namespace requeues it at once', (t) => {
  const nsInf = new FakeInformer([terminating('going'), { metadata: { name: 'active' } }]);
  const pods = new FakeInformer<KubeObject>();
  const ctrl = new NamespaceController({ client: new FakeClient(), discovery: staticDiscovery([]), namespaceInformer: nsInf, podInformer: pods, clock: new FakeClock(0) });
  pods.delete({ metadata: { namespace: 'active', name: 'a' } });
  t.is(ctrl.queue.len(), 0);
  pods.delete({ metadata: { namespace: 'going', name: 'b' } });
  t.is(ctrl.queue.len(), 1);
});

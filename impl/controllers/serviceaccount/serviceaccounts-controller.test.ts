import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClient, statusError } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { ServiceAccountsController } from './serviceaccounts-controller.ts';

interface Case {
  name: string;
  namespace?: KubeObject;
  existing?: KubeObject[];
  react?: (c: FakeClient) => void;
  wantWrites: string[];
  wantError?: boolean;
}

const ns = (name: string, phase = 'Active'): KubeObject => ({ metadata: { name }, status: { phase } });

const cases: Case[] = [
  { name: 'creates default in an active namespace', namespace: ns('a'), wantWrites: ['create serviceaccounts a/default'] },
  { name: 'leaves an existing default alone', namespace: ns('a'), existing: [{ metadata: { namespace: 'a', name: 'default' } }], wantWrites: [] },
  { name: 'skips terminating namespaces', namespace: ns('a', 'Terminating'), wantWrites: [] },
  { name: 'skips namespaces not in the cache', wantWrites: [] },
  {
    name: 'AlreadyExists and Forbidden (terminating) are not errors',
    namespace: ns('a'),
    react: (c) => c.react((verb) => {
      if (verb === 'create') throw statusError(403, 'Forbidden', 'unable to create new content in namespace a because it is being terminated');
    }),
    wantWrites: ['create serviceaccounts a/default'],
  },
  {
    name: 'other errors are returned for a retry',
    namespace: ns('a'),
    react: (c) => c.react((verb) => {
      if (verb === 'create') throw statusError(500, 'InternalError', 'boom');
    }),
    wantWrites: ['create serviceaccounts a/default'],
    wantError: true,
  },
];

for (const c of cases) {
  test(`serviceaccount reconcile: ${c.name}`, async (t) => {
    const client = new FakeClient();
    c.react?.(client);
    const ctrl = new ServiceAccountsController({
      client,
      serviceAccountInformer: new FakeInformer(c.existing ?? []),
      namespaceInformer: new FakeInformer(c.namespace ? [c.namespace] : []),
    });
    if (c.wantError) await t.throwsAsync(ctrl.reconcile('a'));
    else await ctrl.reconcile('a');
    t.deepEqual(client.writes(), c.wantWrites);
  });
}

test('serviceaccount handlers: a deleted default account re-queues its namespace', (t) => {
  const sas = new FakeInformer<KubeObject>([{ metadata: { namespace: 'a', name: 'default' } }]);
  const ctrl = new ServiceAccountsController({ client: new FakeClient(), serviceAccountInformer: sas, namespaceInformer: new FakeInformer() });
  sas.delete({ metadata: { namespace: 'a', name: 'default' } });
  t.is(ctrl.queue.len(), 1);
});

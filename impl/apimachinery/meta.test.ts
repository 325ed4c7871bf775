import test from 'ava';
import {
  addFinalizer,
  generateName,
  getControllerOf,
  groupVersionString,
  isControlledBy,
  metaNamespaceKey,
  newControllerRef,
  parseGroupVersion,
  removeFinalizer,
  splitMetaNamespaceKey,
} from './meta.ts';

const gvCases = [
  { in: 'v1', want: { group: '', version: 'v1' } },
  { in: 'apps/v1', want: { group: 'apps', version: 'v1' } },
  { in: 'rbac.authorization.k8s.io/v1', want: { group: 'rbac.authorization.k8s.io', version: 'v1' } },
];
for (const tc of gvCases) {
  test(`parseGroupVersion: ${tc.in}`, (t) => {
    t.deepEqual(parseGroupVersion(tc.in), tc.want);
    t.is(groupVersionString(tc.want), tc.in);
  });
}

test('metaNamespaceKey and split', (t) => {
  t.is(metaNamespaceKey({ metadata: { name: 'a', namespace: 'ns' } }), 'ns/a');
  t.is(metaNamespaceKey({ metadata: { name: 'node1' } }), 'node1');
  t.deepEqual(splitMetaNamespaceKey('ns/a'), { namespace: 'ns', name: 'a' });
  t.throws(() => splitMetaNamespaceKey('a/b/c'));
});

test('finalizers', (t) => {
  const o = { metadata: { name: 'x' } };
  t.true(addFinalizer(o, 'a/b'));
  t.false(addFinalizer(o, 'a/b'));
  t.deepEqual((o.metadata as { finalizers?: string[] }).finalizers, ['a/b']);
  t.true(removeFinalizer(o, 'a/b'));
  t.false('finalizers' in o.metadata);
});

test('controller refs', (t) => {
  const owner = { metadata: { name: 'rs', uid: 'u1' } };
  const ref = newControllerRef(owner, { group: 'apps', version: 'v1', kind: 'ReplicaSet' });
  t.deepEqual(ref, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', blockOwnerDeletion: true, controller: true });
  const pod = { metadata: { name: 'p', ownerReferences: [ref] } };
  t.is(getControllerOf(pod), ref);
  t.true(isControlledBy(pod, owner));
  t.false(isControlledBy(pod, { metadata: { uid: 'other' } }));
});

test('generateName: 5 characters from the upstream alphabet, base truncated to 58', (t) => {
  let i = 0;
  const seq = [0, 0.2, 0.4, 0.6, 0.99];
  t.is(generateName('web-', () => seq[i++]!), 'web-bhnv9');
  t.is(generateName('x'.repeat(70), () => 0).length, 63);
});

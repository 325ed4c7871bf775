import test from 'ava';
import { metaNamespaceIndexFunc, namespaceIndex } from './indexer.ts';
import { DeletedFinalStateUnknown, metaNamespaceKeyFunc, newIndexer, newStore, splitMetaNamespaceKey } from './store.ts';
import { cm } from './testing-helpers.ts';

const keyCases = [
  { name: 'namespaced objects key as namespace/name', obj: cm('a', 'ns1'), want: 'ns1/a' },
  { name: 'cluster-scoped objects key as name', obj: { metadata: { name: 'node-1' } }, want: 'node-1' },
  { name: 'tombstones key as their key', obj: new DeletedFinalStateUnknown('ns/x', cm('x', 'ns')), want: 'ns/x' },
];
for (const tc of keyCases) test(`metaNamespaceKeyFunc: ${tc.name}`, (t) => t.is(metaNamespaceKeyFunc(tc.obj), tc.want));

test('metaNamespaceKeyFunc: an object without a name throws', (t) => {
  t.throws(() => metaNamespaceKeyFunc({ metadata: {} }), { message: /metadata.name/ });
});

const splitCases = [
  { key: 'ns/name', want: { namespace: 'ns', name: 'name' } },
  { key: 'name', want: { namespace: '', name: 'name' } },
];
for (const tc of splitCases) test(`splitMetaNamespaceKey: ${tc.key}`, (t) => t.deepEqual(splitMetaNamespaceKey(tc.key), tc.want));
test('splitMetaNamespaceKey: too many slashes is an error', (t) => {
  t.throws(() => splitMetaNamespaceKey('a/b/c'), { message: 'unexpected key format: "a/b/c"' });
});

test('store add, update, get, delete, replace', (t) => {
  const s = newStore(metaNamespaceKeyFunc);
  s.add(cm('a'));
  s.update(cm('a', 'default', { k: 'v' }));
  t.deepEqual(s.getByKey('default/a')?.data, { k: 'v' });
  t.deepEqual(s.listKeys(), ['default/a']);
  s.delete(cm('a'));
  t.is(s.get(cm('a')), undefined);
  s.replace([cm('x'), cm('y', 'other')], '10');
  t.deepEqual(s.listKeys().sort(), ['default/x', 'other/y']);
});

const byLabel = (o: { metadata?: { labels?: Record<string, string> } }): string[] => (o.metadata?.labels?.app ? [o.metadata.labels.app] : []);

test('indexer keeps indices in step with adds, updates, deletes and replace', (t) => {
  const idx = newIndexer(metaNamespaceKeyFunc, { [namespaceIndex]: metaNamespaceIndexFunc, app: byLabel });
  idx.add(cm('a', 'ns1', {}, { app: 'web' }));
  idx.add(cm('b', 'ns1', {}, { app: 'db' }));
  idx.add(cm('c', 'ns2', {}, { app: 'web' }));
  t.deepEqual(idx.byIndex(namespaceIndex, 'ns1').map((o) => o.metadata?.name).sort(), ['a', 'b']);
  t.deepEqual(idx.indexKeys('app', 'web').sort(), ['ns1/a', 'ns2/c']);
  idx.update(cm('a', 'ns1', {}, { app: 'db' }));
  t.deepEqual(idx.indexKeys('app', 'web'), ['ns2/c']);
  t.deepEqual(idx.index('app', cm('q', 'x', {}, { app: 'db' })).map((o) => o.metadata?.name).sort(), ['a', 'b']);
  idx.delete(cm('c', 'ns2'));
  t.deepEqual(idx.listIndexFuncValues('app'), ['db']);
  idx.replace([cm('z', 'ns3', {}, { app: 'web' })], '5');
  t.deepEqual(idx.listIndexFuncValues(namespaceIndex), ['ns3']);
  t.throws(() => idx.byIndex('nope', 'x'), { message: 'Index with name nope does not exist' });
});

test('addIndexers indexes what is already stored and rejects duplicates', (t) => {
  const idx = newIndexer(metaNamespaceKeyFunc);
  idx.add(cm('a', 'ns1', {}, { app: 'web' }));
  idx.addIndexers({ app: byLabel });
  t.deepEqual(idx.indexKeys('app', 'web'), ['ns1/a']);
  t.throws(() => idx.addIndexers({ app: byLabel }), { message: /indexer conflict/ });
});

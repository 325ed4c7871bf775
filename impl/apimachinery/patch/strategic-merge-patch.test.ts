import test from 'ava';
import { fileURLToPath } from 'node:url';
import { loadOpenAPIPatchMetaIndex } from './openapi-patch-meta.ts';
import { strategicMergePatch } from './strategic-merge-patch.ts';
import { StatusError } from '../errors.ts';

const specDir = fileURLToPath(new URL('../../../spec/', import.meta.url));
const index = loadOpenAPIPatchMetaIndex([`${specDir}api/v1.json`, `${specDir}apis/apps/v1.json`]);
const podSchema = index.forSchemaName('io.k8s.api.core.v1.Pod')!;
const deploymentSchema = index.forSchemaName('io.k8s.api.apps.v1.Deployment')!;

const pod = (spec: object, metadata: object = { name: 'p' }) => ({ apiVersion: 'v1', kind: 'Pod', metadata, spec });

const cases: { name: string; original: object; patch: object; want: object; schema?: 'pod' | 'deployment' | 'none' }[] = [
  {
    name: 'containers merged by name',
    original: pod({ containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] }),
    patch: { spec: { containers: [{ name: 'b', image: 'b:2' }] } },
    want: pod({ containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:2' }] }),
  },
  {
    // upstream mergeSortedSlice puts patch items not in the live list before server-only items
    name: 'new container without $setElementOrder goes first (upstream order)',
    original: pod({ containers: [{ name: 'a', image: 'a:1' }] }),
    patch: { spec: { containers: [{ name: 'c', image: 'c:1' }] } },
    want: pod({ containers: [{ name: 'c', image: 'c:1' }, { name: 'a', image: 'a:1' }] }),
  },
  {
    name: 'new container with $setElementOrder (as kubectl sends) is appended',
    original: pod({ containers: [{ name: 'a', image: 'a:1' }] }),
    patch: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'c' }], containers: [{ name: 'c', image: 'c:1' }] } },
    want: pod({ containers: [{ name: 'a', image: 'a:1' }, { name: 'c', image: 'c:1' }] }),
  },
  {
    name: 'patched and new items placed after the patched one, server-only items keep live order',
    original: pod({ containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }),
    patch: { spec: { containers: [{ name: 'b', image: 'x' }, { name: 'd' }] } },
    want: pod({ containers: [{ name: 'a' }, { name: 'b', image: 'x' }, { name: 'd' }, { name: 'c' }] }),
  },
  {
    name: 'env merged by name inside a container',
    original: pod({ containers: [{ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }] }),
    patch: { spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '3' }, { name: 'Z', value: '4' }] }] } },
    want: pod({ containers: [{ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '3' }, { name: 'Z', value: '4' }] }] }),
  },
  {
    name: '$patch: delete removes a list element by merge key',
    original: pod({ containers: [{ name: 'a' }, { name: 'b' }] }),
    patch: { spec: { containers: [{ name: 'a', $patch: 'delete' }] } },
    want: pod({ containers: [{ name: 'b' }] }),
  },
  {
    name: '$patch: replace replaces the whole list',
    original: pod({ containers: [{ name: 'a' }, { name: 'b' }] }),
    patch: { spec: { containers: [{ $patch: 'replace' }, { name: 'z', image: 'z' }] } },
    want: pod({ containers: [{ name: 'z', image: 'z' }] }),
  },
  {
    name: 'list without strategy (args) is replaced',
    original: pod({ containers: [{ name: 'a', args: ['1', '2'] }] }),
    patch: { spec: { containers: [{ name: 'a', args: ['3'] }] } },
    want: pod({ containers: [{ name: 'a', args: ['3'] }] }),
  },
  {
    name: 'null deletes a map key, unmatched null ignored',
    original: pod({}, { name: 'p', labels: { a: '1', b: '2' } }),
    patch: { metadata: { labels: { a: null, c: '3', zz: null } } },
    want: pod({}, { name: 'p', labels: { b: '2', c: '3' } }),
  },
  {
    name: 'finalizers (merge strategy, scalars) are a union',
    original: pod({}, { name: 'p', finalizers: ['a', 'b'] }),
    patch: { metadata: { finalizers: ['b', 'c'] } },
    want: pod({}, { name: 'p', finalizers: ['a', 'b', 'c'] }),
  },
  {
    name: '$deleteFromPrimitiveList removes scalars',
    original: pod({}, { name: 'p', finalizers: ['a', 'b', 'c'] }),
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    want: pod({}, { name: 'p', finalizers: ['a', 'c'] }),
  },
  {
    name: '$setElementOrder orders the merged list',
    original: pod({ containers: [{ name: 'a' }, { name: 'b' }] }),
    patch: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'a', image: 'x' }] } },
    want: pod({ containers: [{ name: 'b' }, { name: 'a', image: 'x' }] }),
  },
  {
    name: '$setElementOrder without list content reorders',
    original: pod({}, { name: 'p', finalizers: ['a', 'b'] }),
    patch: { metadata: { '$setElementOrder/finalizers': ['b', 'a'] } },
    want: pod({}, { name: 'p', finalizers: ['b', 'a'] }),
  },
  {
    name: '$patch: replace on a map',
    original: pod({}, { name: 'p', labels: { a: '1', b: '2' } }),
    patch: { metadata: { labels: { $patch: 'replace', c: '3' } } },
    want: pod({}, { name: 'p', labels: { c: '3' } }),
  },
  {
    name: '$patch: delete on a map leaves it empty',
    original: pod({ nodeSelector: { a: 'b' } }),
    patch: { spec: { nodeSelector: { $patch: 'delete' } } },
    want: pod({ nodeSelector: {} }),
  },
  {
    name: 'top-level $patch: replace',
    original: { a: 1, b: 2 },
    patch: { $patch: 'replace', c: 3 },
    want: { c: 3 },
  },
  {
    name: 'type change takes the patch value',
    original: { a: { b: 1 } },
    patch: { a: 'x' },
    want: { a: 'x' },
    schema: 'none',
  },
  {
    name: 'new nested value has nulls dropped',
    original: {},
    patch: { a: { b: null, c: 1 } },
    want: { a: { c: 1 } },
    schema: 'none',
  },
  {
    name: 'untyped lists are replaced',
    original: { a: [1, 2] },
    patch: { a: [3] },
    want: { a: [3] },
    schema: 'none',
  },
  {
    name: '$retainKeys clears the other keys (deployment strategy)',
    original: { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    want: { spec: { strategy: { type: 'Recreate' } } },
    schema: 'deployment',
  },
  {
    name: 'deployment template containers merged by name',
    original: { spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image: 'nginx:1' }, { name: 'side', image: 's' }] } } } },
    patch: { spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } } },
    want: { spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }, { name: 'side', image: 's' }] } } } },
    schema: 'deployment',
  },
  {
    name: 'tolerations (atomic, no strategy) replaced',
    original: pod({ tolerations: [{ key: 'a' }] }),
    patch: { spec: { tolerations: [{ key: 'b' }] } },
    want: pod({ tolerations: [{ key: 'b' }] }),
  },
  {
    name: 'ports merged by containerPort',
    original: pod({ containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http' }] }] }),
    patch: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 443, name: 'https' }] }] } },
    want: pod({ containers: [{ name: 'a', ports: [{ containerPort: 443, name: 'https' }, { containerPort: 80, name: 'http' }] }] }),
  },
];

for (const tc of cases) {
  test(`strategic merge: ${tc.name}`, (t) => {
    const schema = tc.schema === 'none' ? undefined : tc.schema === 'deployment' ? deploymentSchema : podSchema;
    const before = JSON.stringify(tc.original);
    t.deepEqual(strategicMergePatch(tc.original, tc.patch, { schema }), tc.want);
    t.is(JSON.stringify(tc.original), before, 'original not modified');
  });
}

const errorCases = [
  { name: 'unknown map directive', patch: { spec: { $patch: 'bogus' } }, code: 500, message: 'unknown patch type: bogus in map: map[$patch:bogus]' },
  { name: 'missing merge key', patch: { spec: { containers: [{ image: 'x' }] } }, code: 500, message: 'map: map[image:x] does not contain declared merge key: name' },
  { name: 'merge directive in list', patch: { spec: { containers: [{ $patch: 'merge' }] } }, code: 500, message: 'merging lists cannot yet be specified in the patch' },
  { name: 'bad setElementOrder', patch: { spec: { '$setElementOrder/containers': 'x' } }, code: 400, message: 'invalid patch format of setElementOrder list' },
  { name: 'bad retainKeys', patch: { spec: { $retainKeys: 'x' } }, code: 400, message: 'invalid patch format of retainKeys' },
  { name: 'bad deleteFromPrimitiveList', patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } }, code: 400, message: 'invalid patch format of primitive list' },
  { name: 'patch not an object', patch: [1] as unknown as object, code: 400, message: 'invalid JSON document' },
];
for (const tc of errorCases) {
  test(`strategic merge error: ${tc.name}`, (t) => {
    const err = t.throws(() => strategicMergePatch(pod({ containers: [{ name: 'a' }] }), tc.patch, { schema: podSchema }));
    t.true(err instanceof StatusError);
    t.is((err as StatusError).code, tc.code);
    t.is(err?.message, tc.message);
  });
}

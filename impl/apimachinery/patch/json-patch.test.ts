import test from 'ava';
import { applyJSONPatch } from './json-patch.ts';
import { applyMergePatch, createMergePatch } from './merge-patch.ts';
import { StatusError } from '../errors.ts';

const doc = { metadata: { name: 'x', labels: { a: '1' } }, spec: { replicas: 1, list: [1, 2] } };

const ok = [
  { name: 'replace', patch: [{ op: 'replace', path: '/spec/replicas', value: 3 }], want: { ...doc, spec: { replicas: 3, list: [1, 2] } } },
  { name: 'add label with escaped key', patch: [{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'w' }], want: { ...doc, metadata: { name: 'x', labels: { a: '1', 'app.kubernetes.io/name': 'w' } } } },
  { name: 'remove', patch: [{ op: 'remove', path: '/metadata/labels/a' }], want: { ...doc, metadata: { name: 'x', labels: {} } } },
  { name: 'append to list', patch: [{ op: 'add', path: '/spec/list/-', value: 3 }], want: { ...doc, spec: { replicas: 1, list: [1, 2, 3] } } },
  { name: 'test passes', patch: [{ op: 'test', path: '/spec/replicas', value: 1 }], want: doc },
];
for (const tc of ok) {
  test(`json patch: ${tc.name}`, (t) => {
    const before = JSON.stringify(doc);
    t.deepEqual(applyJSONPatch(doc, tc.patch), tc.want);
    t.is(JSON.stringify(doc), before);
  });
}

const bad = [
  { name: 'not a list', patch: { op: 'add' }, code: 400, message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' },
  { name: 'replace missing path', patch: [{ op: 'replace', path: '/spec/nope', value: 1 }], code: 422, message: 'the server rejected our request due to an error in our request' },
  { name: 'test fails', patch: [{ op: 'test', path: '/spec/replicas', value: 2 }], code: 422, message: 'the server rejected our request due to an error in our request' },
  { name: 'unknown op', patch: [{ op: 'bogus', path: '/a' }], code: 422, message: 'the server rejected our request due to an error in our request' },
  { name: 'too many operations', patch: Array.from({ length: 10001 }, () => ({ op: 'test', path: '/spec/replicas', value: 1 })), code: 413, message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001' },
];
for (const tc of bad) {
  test(`json patch error: ${tc.name}`, (t) => {
    const err = t.throws(() => applyJSONPatch(doc, tc.patch)) as StatusError;
    t.true(err instanceof StatusError);
    t.is(err.code, tc.code);
    t.is(err.message, tc.message);
    if (tc.code === 422) t.is(err.status.reason, 'Invalid');
  });
}

const mergeCases = [
  { name: 'merge nested', patch: { spec: { replicas: 2 } }, want: { ...doc, spec: { replicas: 2, list: [1, 2] } } },
  { name: 'null deletes', patch: { metadata: { labels: null } }, want: { ...doc, metadata: { name: 'x' } } },
  { name: 'lists replaced', patch: { spec: { list: [9] } }, want: { ...doc, spec: { replicas: 1, list: [9] } } },
];
for (const tc of mergeCases) {
  test(`merge patch: ${tc.name}`, (t) => {
    t.deepEqual(applyMergePatch(doc, tc.patch), tc.want);
  });
}

test('merge patch: non-object patch is 400 Invalid JSON Patch', (t) => {
  t.throws(() => applyMergePatch(doc, [1]), { message: 'Invalid JSON Patch' });
});

test('createMergePatch round trips', (t) => {
  const modified = { metadata: { name: 'x', labels: { b: '2' } }, spec: { replicas: 1, list: [1] } };
  const p = createMergePatch(doc, modified);
  t.deepEqual(p, { metadata: { labels: { a: null, b: '2' } }, spec: { list: [1] } });
  t.deepEqual(applyMergePatch(doc, p), modified);
});

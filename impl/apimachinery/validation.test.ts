import test from 'ava';
import { fieldPath } from './field-path.ts';
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  nameIsDNSSubdomain,
  regexError,
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation.ts';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

test('regexError: quirky separators as upstream', (t) => {
  t.is(regexError('m', 'f'), "m (regex used for validation is 'f')");
  t.is(regexError('m', 'f', 'a', 'b'), "m (e.g. 'a',  or 'b', regex used for validation is 'f')");
});

const cases: { name: string; fn: (v: string) => string[]; value: string; want: string[] }[] = [
  { name: 'subdomain ok', fn: isDNS1123Subdomain, value: 'example.com', want: [] },
  { name: 'subdomain upper case', fn: isDNS1123Subdomain, value: 'Example', want: [SUBDOMAIN_MSG] },
  { name: 'subdomain too long', fn: isDNS1123Subdomain, value: 'a'.repeat(254), want: ['must be no more than 253 characters'] },
  { name: 'label ok', fn: isDNS1123Label, value: 'my-name', want: [] },
  { name: 'label with dots', fn: isDNS1123Label, value: 'a.b', want: ['must not contain dots'] },
  { name: 'label underscore', fn: isDNS1123Label, value: 'a_b', want: [LABEL_MSG] },
  { name: 'label too long', fn: isDNS1123Label, value: 'a'.repeat(64), want: ['must be no more than 63 characters'] },
  { name: 'dns1035 leading digit', fn: isDNS1035Label, value: '1abc', want: [DNS1035_MSG] },
  { name: 'dns1035 ok', fn: isDNS1035Label, value: 'abc-1', want: [] },
  { name: 'qualified plain', fn: isQualifiedName, value: 'app', want: [] },
  { name: 'qualified prefixed', fn: isQualifiedName, value: 'app.kubernetes.io/name', want: [] },
  { name: 'qualified empty prefix', fn: isQualifiedName, value: '/name', want: ['prefix part must be non-empty'] },
  { name: 'qualified bad prefix', fn: isQualifiedName, value: 'Foo/name', want: [`prefix part ${SUBDOMAIN_MSG}`] },
  { name: 'qualified empty name', fn: isQualifiedName, value: 'a/', want: ['name part must be non-empty', NAME_PART_MSG] },
  { name: 'qualified bad name', fn: isQualifiedName, value: '-x', want: [NAME_PART_MSG] },
  { name: 'qualified long name', fn: isQualifiedName, value: 'x'.repeat(64), want: ['name part must be no more than 63 characters'] },
  {
    name: 'qualified two slashes', fn: isQualifiedName, value: 'a/b/c',
    want: ["a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"],
  },
  { name: 'label value empty ok', fn: isValidLabelValue, value: '', want: [] },
  { name: 'label value bad', fn: isValidLabelValue, value: 'a b', want: [LABEL_VALUE_MSG] },
  { name: 'label value long', fn: isValidLabelValue, value: 'v'.repeat(64), want: ['must be no more than 63 characters'] },
  { name: 'configmap key ok', fn: isConfigMapKey, value: 'game.properties', want: [] },
  { name: 'configmap key dotdot', fn: isConfigMapKey, value: '..a', want: ["must not start with '..'"] },
  { name: 'port name ok', fn: isValidPortName, value: 'http', want: [] },
  { name: 'port name digits only', fn: isValidPortName, value: '80', want: ['must contain at least one letter (a-z)'] },
];
for (const tc of cases) {
  test(`${tc.name}`, (t) => {
    t.deepEqual(tc.fn(tc.value), tc.want);
  });
}

test('nameIsDNSSubdomain: generateName prefix may end with a dash', (t) => {
  t.deepEqual(nameIsDNSSubdomain('web-', true), []);
  t.is(nameIsDNSSubdomain('web-', false).length, 1);
});

test('validateLabels: bad key and value reported on labels path', (t) => {
  const errs = validateLabels({ 'a/b/c': 'x', ok: 'bad value' }, fieldPath('metadata', 'labels'));
  t.is(errs.length, 2);
  t.is(errs[0]!.field, 'metadata.labels');
  t.is(errs[1]!.message, `metadata.labels: Invalid value: "bad value": ${LABEL_VALUE_MSG}`);
});

test('validateAnnotations: total size limit', (t) => {
  const errs = validateAnnotations({ big: 'x'.repeat(256 * 1024) }, fieldPath('metadata', 'annotations'));
  t.deepEqual(errs.map(String), ['metadata.annotations: Too long: must have at most 262144 bytes']);
  t.deepEqual(validateAnnotations({ 'Example.COM/Key': 'v' }, fieldPath('metadata', 'annotations')), []);
});

const metaCases = [
  { name: 'valid namespaced', meta: { name: 'x', namespace: 'default' }, namespaced: true, want: [] },
  { name: 'missing name', meta: { namespace: 'default' }, namespaced: true, want: ['metadata.name: Required value: name or generateName is required'] },
  { name: 'missing namespace', meta: { name: 'x' }, namespaced: true, want: ['metadata.namespace: Required value'] },
  { name: 'namespace on cluster-scoped', meta: { name: 'x', namespace: 'a' }, namespaced: false, want: ['metadata.namespace: Forbidden: not allowed on this type'] },
  { name: 'bad name', meta: { name: 'X_1', namespace: 'default' }, namespaced: true, want: [`metadata.name: Invalid value: "X_1": ${SUBDOMAIN_MSG}`] },
  { name: 'negative generation', meta: { name: 'x', namespace: 'd', generation: -1 }, namespaced: true, want: ['metadata.generation: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'both delete finalizers', meta: { name: 'x', finalizers: ['orphan', 'foregroundDeletion'] }, namespaced: false, want: ['metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set'] },
];
for (const tc of metaCases) {
  test(`validateObjectMeta: ${tc.name}`, (t) => {
    const errs = validateObjectMeta(tc.meta, { namespaced: tc.namespaced, nameFn: nameIsDNSSubdomain }, fieldPath('metadata'));
    t.deepEqual(errs.map(String), tc.want);
  });
}

const updateCases = [
  { name: 'ok', n: { name: 'x', resourceVersion: '2' }, o: { name: 'x', resourceVersion: '1' }, want: [] },
  { name: 'missing resourceVersion', n: { name: 'x' }, o: { name: 'x' }, want: ['metadata.resourceVersion: Invalid value: "": must be specified for an update'] },
  { name: 'renamed', n: { name: 'y', resourceVersion: '1' }, o: { name: 'x' }, want: ['metadata.name: Invalid value: "y": field is immutable'] },
  { name: 'uid changed', n: { name: 'x', uid: 'b', resourceVersion: '1' }, o: { name: 'x', uid: 'a' }, want: ['metadata.uid: Invalid value: "b": field is immutable'] },
  { name: 'new finalizer while deleting', n: { name: 'x', resourceVersion: '1', finalizers: ['a', 'b'] }, o: { name: 'x', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['a'] }, want: ['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b"}', 'metadata.deletionTimestamp: Invalid value: null: field is immutable'] },
];
for (const tc of updateCases) {
  test(`validateObjectMetaUpdate: ${tc.name}`, (t) => {
    t.deepEqual(validateObjectMetaUpdate(tc.n, tc.o, fieldPath('metadata')).map(String), tc.want);
  });
}

import test from 'ava';
import { JsonPathError, findResults, formatGoValue, parseJsonPath } from './jsonpath.ts';

const obj = {
  metadata: { name: 'w', labels: { 'app.kubernetes.io/name': 'x' } },
  spec: { replicas: 3, ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }] },
  status: {
    conditions: [
      { type: 'Synced', status: 'False', reason: 'Err' },
      { type: 'Ready', status: 'True', observedGeneration: 2 },
    ],
  },
};

const cases: Array<[string, unknown[]]> = [
  ['.spec.replicas', [3]],
  ['{.spec.replicas}', [3]],
  ['.spec.ports[1].port', [443]],
  ['.spec.ports[-1].name', ['https']],
  ['.spec.ports[*].port', [80, 443]],
  ['.spec.ports[0:1].name', ['http']],
  ["..port", [80, 443]],
  [".metadata.labels['app.kubernetes.io/name']", ['x']],
  ['.metadata.labels.app\\.kubernetes\\.io/name', ['x']],
  ['.status.conditions[?(@.type=="Ready")].status', ['True']],
  [".status.conditions[?(@.type=='Synced')].reason", ['Err']],
  ['.status.conditions[?(@.type!="Ready")].type', ['Synced']],
  ['.status.conditions[?(@.observedGeneration>1)].type', ['Ready']],
  ['.status.conditions[?(@.reason)].type', ['Synced']],
  ['.spec.missing', []],
  ['.spec.replicas.deeper', []],
];

for (const [path, want] of cases) {
  test(`findResults ${path}`, (t) => {
    t.deepEqual(findResults(obj, path), want);
  });
}

test('unsupported expressions throw', (t) => {
  t.throws(() => parseJsonPath('.a[?(@.x ~ 1)]'), { instanceOf: JsonPathError });
  t.throws(() => parseJsonPath('.a[0'), { instanceOf: JsonPathError });
});

const formats: Array<[unknown, string]> = [
  ['s', 's'],
  [5, '5'],
  [1.5, '1.5'],
  [true, 'true'],
  [null, '<nil>'],
  [['a', 2], '[a 2]'],
  [{ b: 1, a: { c: 'd' } }, 'map[a:map[c:d] b:1]'],
];
for (const [v, want] of formats) {
  test(`formatGoValue ${JSON.stringify(v)}`, (t) => {
    t.is(formatGoValue(v), want);
  });
}

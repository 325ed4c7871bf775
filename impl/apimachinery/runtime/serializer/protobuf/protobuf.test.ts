import test from 'ava';
import { StatusError } from '../../../errors.ts';
import { decodeProtobuf, formatDuration, formatTime, PROTOBUF_MAGIC } from './index.ts';

// A minimal protobuf writer for hand-built test bodies.
type Bytes = number[];
function varint(n: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: Bytes = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const tag = (field: number, wireType: number): Bytes => varint(field * 8 + wireType);
/** vi: a varint field. */
const vi = (field: number, n: number | bigint | boolean): Bytes => [...tag(field, 0), ...varint(typeof n === 'boolean' ? (n ? 1 : 0) : n)];
/** ld: a length-delimited field holding bytes. */
const ld = (field: number, ...parts: Bytes[]): Bytes => {
  const body = parts.flat();
  return [...tag(field, 2), ...varint(body.length), ...body];
};
const utf8 = (s: string): Bytes => [...Buffer.from(s, 'utf8')];
const str = (field: number, s: string): Bytes => ld(field, utf8(s));
/** entry: one map entry {key = 1, value = 2}. */
const entry = (field: number, key: string, value: Bytes): Bytes => ld(field, str(1, key), value);

function envelope(apiVersion: string, kind: string, raw: Bytes, extra: Bytes = []): Buffer {
  return Buffer.from([...PROTOBUF_MAGIC, ...ld(1, str(1, apiVersion), str(2, kind)), ...ld(2, raw), ...extra]);
}

const meta = (...fields: Bytes[]): Bytes => ld(1, ...fields);

interface Case {
  name: string;
  body: Buffer;
  into?: { apiVersion: string; kind: string };
  want: unknown;
}

const cases: Case[] = [
  {
    name: 'ConfigMap: data map, binaryData bytes as base64, empty non-pointer strings dropped',
    body: envelope('v1', 'ConfigMap', [
      ...meta(str(1, 'cfg'), str(2, ''), str(3, 'default'), vi(7, 0)),
      ...entry(2, 'a', str(2, '1')),
      ...entry(2, 'empty', str(2, '')),
      ...entry(3, 'bin', ld(2, [0xde, 0xad, 0xbe, 0xef])),
      ...vi(4, true),
    ]),
    want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1', empty: '' }, binaryData: { bin: '3q2+7w==' }, immutable: true },
  },
  {
    name: 'Secret data is base64; a map entry without a value is the zero value',
    body: envelope('v1', 'Secret', [...meta(str(1, 's')), ...entry(2, 'p', ld(2, utf8('secret'))), ...ld(2, str(1, 'nov')), ...str(3, 'Opaque')]),
    want: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { p: 'c2VjcmV0', nov: '' }, type: 'Opaque' },
  },
  {
    name: 'Deployment: pointer replicas 0 survives, non-pointer minReadySeconds 0 and paused false are dropped',
    body: envelope('apps/v1', 'Deployment', [
      ...meta(str(1, 'd'), entry(11, 'app', str(2, 'd'))),
      ...ld(2, vi(1, 0), ld(2, entry(1, 'app', str(2, 'd'))), ld(3, meta(entry(11, 'app', str(2, 'd'))), ld(2, ld(2, str(1, 'c'), str(2, 'busybox')))), vi(5, 0), vi(7, false)),
      ...ld(3, vi(2, 0)),
    ]),
    want: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { app: 'd' } },
      spec: { replicas: 0, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      status: {},
    },
  },
  {
    name: 'Time as RFC3339; the zero Time is omitted',
    body: envelope('v1', 'ConfigMap', meta(str(1, 'x'), ld(8, []), ld(9, vi(1, 1700000000)))),
    want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', deletionTimestamp: '2023-11-14T22:13:20Z' } },
  },
  {
    name: 'MicroTime with six fractional digits',
    body: envelope('events.k8s.io/v1', 'Event', [...meta(str(1, 'e')), ...ld(2, vi(1, 1700000000), vi(2, 123456789))]),
    want: { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e' }, eventTime: '2023-11-14T22:13:20.123456Z' },
  },
  {
    name: 'Quantity map values are strings; a Quantity without its string is "0"',
    body: envelope('v1', 'ResourceQuota', [...meta(str(1, 'q')), ...ld(2, entry(1, 'cpu', ld(2, str(1, '500m'))), entry(1, 'pods', ld(2, [])))]),
    want: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { cpu: '500m', pods: '0' } } },
  },
  {
    name: 'IntOrString: int, string, and the zero value of a non-pointer field dropped',
    body: envelope('v1', 'Service', [
      ...meta(str(1, 's')),
      ...ld(2, ld(1, vi(3, 80), ld(4, vi(1, 0), vi(2, 8080)), vi(5, 0)), ld(1, vi(3, 81), ld(4, vi(1, 1), str(3, 'http'))), ld(1, vi(3, 82), ld(4, vi(1, 0), vi(2, 0), str(3, '')))),
    ]),
    want: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 81, targetPort: 'http' }, { port: 82 }] } },
  },
  {
    name: 'pointer IntOrString 0 survives (PodDisruptionBudget maxUnavailable: 0)',
    body: envelope('policy/v1', 'PodDisruptionBudget', [...meta(str(1, 'p')), ...ld(2, ld(3, vi(1, 0), vi(2, 0)))]),
    want: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec: { maxUnavailable: 0 } },
  },
  {
    name: 'pointer string "" survives (PersistentVolumeClaim storageClassName)',
    body: envelope('v1', 'PersistentVolumeClaim', [...meta(str(1, 'c')), ...ld(2, str(5, ''), str(3, ''))]),
    want: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { storageClassName: '' } },
  },
  {
    name: 'RawExtension is the embedded JSON object',
    body: envelope('apps/v1', 'ControllerRevision', [...meta(str(1, 'r')), ...ld(2, ld(1, utf8('{"spec":{"x":1}}'))), ...vi(3, 2)]),
    want: { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, data: { spec: { x: 1 } }, revision: 2 },
  },
  {
    name: 'FieldsV1 in managedFields is the embedded JSON object',
    body: envelope('v1', 'ConfigMap', meta(str(1, 'm'), ld(17, str(1, 'kubectl'), str(2, 'Update'), str(6, 'FieldsV1'), ld(7, ld(1, utf8('{"f:data":{}}')))))),
    want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm', managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }] } },
  },
  {
    name: 'ExtraValue map values are plain arrays',
    body: envelope('authorization.k8s.io/v1', 'SubjectAccessReview', [...meta(), ...ld(2, str(3, 'bob'), str(4, 'devs'), entry(5, 'scopes', ld(2, str(1, 'a'), str(1, 'b'))))]),
    want: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec: { user: 'bob', groups: ['devs'], extra: { scopes: ['a', 'b'] } } },
  },
  {
    name: 'negative int32 (10-byte varint) and int64',
    body: envelope('scheduling.k8s.io/v1', 'PriorityClass', [...meta(str(1, 'low'), vi(10, 9007199254740991)), ...vi(2, -5)]),
    want: { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'low', deletionGracePeriodSeconds: 9007199254740991 }, value: -5 },
  },
  {
    name: 'repeated int64, packed and unpacked',
    body: envelope('v1', 'Pod', [...meta(str(1, 'p')), ...ld(2, ld(14, ld(4, [...varint(1), ...varint(2)]), vi(4, 3)))]),
    want: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { securityContext: { supplementalGroups: [1, 2, 3] } } },
  },
  {
    name: 'embedded Go structs are flattened (Volume.volumeSource, Probe.handler, ConfigMapKeySelector)',
    body: envelope('v1', 'Pod', [
      ...meta(str(1, 'p')),
      ...ld(2, ld(1, str(1, 'v'), ld(2, ld(19, ld(1, str(1, 'cm'))))), ld(2, str(1, 'c'), ld(10, ld(1, ld(2, ld(2, vi(1, 0), vi(2, 80)))), vi(2, 5)), ld(7, str(1, 'E'), ld(3, ld(3, ld(1, str(1, 'cm')), str(2, 'k')))))),
    ]),
    want: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        volumes: [{ name: 'v', configMap: { name: 'cm' } }],
        containers: [{ name: 'c', livenessProbe: { httpGet: { port: 80 }, initialDelaySeconds: 5 }, env: [{ name: 'E', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }],
      },
    },
  },
  {
    name: 'unknown field numbers are skipped',
    body: envelope('v1', 'ConfigMap', [...meta(str(1, 'u')), ...vi(99, 7), ...str(98, 'x'), ...tag(97, 5), 1, 2, 3, 4, ...tag(96, 1), 1, 2, 3, 4, 5, 6, 7, 8]),
    want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'u' } },
  },
  {
    name: 'an envelope without typeMeta takes apiVersion/kind from the URL',
    body: Buffer.from([...PROTOBUF_MAGIC, ...ld(2, meta(str(1, 'n')))]),
    into: { apiVersion: 'v1', kind: 'Namespace' },
    want: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } },
  },
  {
    name: 'DeleteOptions in any group-version',
    body: envelope('apps/v1', 'DeleteOptions', [...vi(1, 0), ...str(4, 'Foreground')]),
    want: { apiVersion: 'apps/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground' },
  },
  {
    name: 'an envelope with JSON content type',
    body: envelope('v1', 'ConfigMap', utf8('{"metadata":{"name":"j"}}'), str(4, 'application/json')),
    want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j' } },
  },
];

for (const tc of cases) {
  test(`decode: ${tc.name}`, (t) => {
    t.deepEqual(decodeProtobuf(tc.body, tc.into), tc.want);
  });
}

interface ErrorCase {
  name: string;
  body: Buffer;
  into?: { apiVersion: string; kind: string };
  code: number;
  message: RegExp;
}

const cm = { apiVersion: 'v1', kind: 'ConfigMap' };
const errorCases: ErrorCase[] = [
  { name: 'bad magic', body: Buffer.from('{"kind":"ConfigMap"}'), into: cm, code: 400, message: /does not appear to be a protobuf message, expected prefix \[107 56 115 0\]/ },
  { name: 'empty body', body: Buffer.alloc(0), into: cm, code: 400, message: /does not appear to be a protobuf message/ },
  { name: 'truncated envelope', body: Buffer.from([...PROTOBUF_MAGIC, ...tag(1, 2), 10, 1]), into: cm, code: 400, message: /unexpected EOF/ },
  { name: 'truncated object', body: envelope('v1', 'ConfigMap', [...tag(1, 2), 20, ...str(1, 'x')]), into: cm, code: 400, message: /unexpected EOF/ },
  { name: 'wrong wire type', body: envelope('v1', 'ConfigMap', vi(1, 5)), into: cm, code: 400, message: /wrong wireType = 0 for field metadata/ },
  { name: 'field number 0', body: envelope('v1', 'ConfigMap', [0, 0]), into: cm, code: 400, message: /illegal tag/ },
  { name: 'varint overflow', body: envelope('v1', 'ConfigMap', [...tag(4, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), into: cm, code: 400, message: /integer overflow/ },
  { name: 'group wire type', body: envelope('v1', 'ConfigMap', tag(50, 3)), into: cm, code: 400, message: /illegal wireType 3/ },
  { name: 'kind not registered', body: envelope('v1', 'Gizmo', []), into: cm, code: 400, message: /no kind "Gizmo" is registered for version "v1"/ },
  { name: 'gzip content encoding', body: envelope('v1', 'ConfigMap', [], str(3, 'gzip')), into: cm, code: 400, message: /unsupported content encoding "gzip"/ },
  { name: 'RawExtension that is not JSON', body: envelope('apps/v1', 'ControllerRevision', ld(2, ld(1, utf8('{nope')))), code: 400, message: /embedded raw object is not valid JSON/ },
  { name: 'a custom resource has no protobuf schema', body: envelope('example.com/v1', 'Widget', []), into: { apiVersion: 'example.com/v1', kind: 'Widget' }, code: 415, message: /accepted media types include: application\/json, application\/yaml/ },
];

for (const tc of errorCases) {
  test(`malformed: ${tc.name} is ${tc.code}`, (t) => {
    const err = t.throws(() => decodeProtobuf(tc.body, tc.into));
    t.true(err instanceof StatusError, String(err));
    t.is((err as StatusError).status.code, tc.code);
    t.regex((err as StatusError).status.message ?? '', tc.message);
  });
}

test('malformed: every truncation of a valid body fails cleanly or decodes', (t) => {
  const body = cases[2]!.body;
  for (let n = 0; n < body.length; n++) {
    try {
      decodeProtobuf(body.subarray(0, n));
    } catch (err) {
      t.true(err instanceof StatusError && err.status.code === 400, `prefix ${n}: ${String(err)}`);
    }
  }
});

const durations: [number, string][] = [
  [0, '0s'],
  [1, '1ns'],
  [1500, '1.5µs'],
  [300_000_000, '300ms'],
  [1_500_000_000, '1.5s'],
  [120_000_000_000, '2m0s'],
  [3_600_000_000_000, '1h0m0s'],
  [3_723_500_000_000, '1h2m3.5s'],
  [-5_000_000_000, '-5s'],
];
for (const [ns, want] of durations) test(`formatDuration(${ns}) = ${want}`, (t) => t.is(formatDuration(ns), want));

test('formatTime renders seconds and micro precision', (t) => {
  t.is(formatTime(0, 0, false), undefined);
  t.is(formatTime(1, 0, false), '1970-01-01T00:00:01Z');
  t.is(formatTime(1, 5000, true), '1970-01-01T00:00:01.000005Z');
});

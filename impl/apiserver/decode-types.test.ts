import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSqliteStorage } from '#impl/storage/sqlite/store.ts';
import { startApiServer, type RunningApiServer } from './server.ts';
import { TestClient } from './testing/test-client.ts';
import { goPrint } from './endpoints/handlers/patch.ts';

let srv: RunningApiServer;
let c: TestClient;
let dir: string;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubets-apiserver-types-'));
  srv = await startApiServer({ dataDir: dir, securePort: 0, storage: newSqliteStorage({ path: ':memory:' }), log: () => {} });
  await srv.ready;
  c = new TestClient(srv.url, srv.pki);
  await c.post('/apis/apps/v1/namespaces/default/deployments', deployment('web'));
});

test.after.always(async () => {
  c?.close();
  await srv?.stop();
  await srv?.storage.close();
  rmSync(dir, { recursive: true, force: true });
});

function deployment(name: string, spec: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
  };
}

const CM = '/api/v1/namespaces/default/configmaps';
const DEP = '/apis/apps/v1/namespaces/default/deployments';

const createCases: Array<{ name: string; path: string; body: unknown; query?: string; status: number; message?: string }> = [
  {
    name: 'number in ConfigMap.data',
    path: CM,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'n1' }, data: { a: 1 } },
    status: 400,
    message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string',
  },
  {
    name: 'type errors are rejected even with fieldValidation=Ignore',
    path: CM,
    query: '?fieldValidation=Ignore',
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'n2' }, data: { a: true } },
    status: 400,
    message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ConfigMap.data of type string',
  },
  {
    name: 'string in DeploymentSpec.replicas',
    path: DEP,
    body: deployment('d1', { replicas: 'x' }),
    status: 400,
    message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
  },
  {
    name: 'fraction in an int32',
    path: DEP,
    body: deployment('d2', { replicas: 1.5 }),
    status: 400,
    message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32',
  },
  {
    name: 'nested struct inside an array names the innermost struct and skips indexes',
    path: DEP,
    body: deployment('d3', { template: { metadata: { labels: { app: 'd3' } }, spec: { containers: [{ name: 7, image: 'busybox' }] } } }),
    status: 400,
    message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.name of type string',
  },
  {
    name: 'object where a list is expected',
    path: DEP,
    body: deployment('d4', { template: { metadata: { labels: { app: 'd4' } }, spec: { containers: { name: 'c' } } } }),
    status: 400,
    message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container',
  },
  {
    name: 'bool as a quantity',
    path: '/api/v1/namespaces/default/resourcequotas',
    body: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: true } } },
    status: 400,
    message: "ResourceQuota in version \"v1\" cannot be handled as a ResourceQuota: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  },
  {
    name: 'bool as int-or-string',
    path: DEP,
    body: deployment('d5', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: true } } }),
    status: 400,
    message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal bool into Go value of type int32',
  },
  {
    name: 'RawExtension keeps any JSON value',
    path: '/apis/apps/v1/namespaces/default/controllerrevisions',
    body: { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'rev' }, revision: 1, data: 'anything' },
    status: 201,
  },
  { name: 'null is absent', path: CM, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok1', labels: null }, data: null }, status: 201 },
  { name: 'numbers and strings fit quantities and int-or-string', path: DEP, body: deployment('ok2', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } } }), status: 201 },
];

for (const tc of createCases) {
  test(`create: ${tc.name}`, async (t) => {
    const r = await c.post(tc.path + (tc.query ?? ''), tc.body);
    t.is(r.status, tc.status, r.text);
    if (tc.message !== undefined) {
      t.is(r.json.reason, 'BadRequest');
      t.is(r.json.message, tc.message);
    }
  });
}

test('update (PUT) with a bad type is 400 and nothing is stored', async (t) => {
  const cur = (await c.get(`${DEP}/web`)).json;
  const r = await c.put(`${DEP}/web`, { ...cur, spec: { ...cur.spec, replicas: 'x' } });
  t.is(r.status, 400, r.text);
  t.regex(r.json.message, /cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32/);
  t.is((await c.get(`${DEP}/web`)).json.spec.replicas, 1);
});

const patchCases: Array<{ name: string; type: string; body: unknown; message: RegExp }> = [
  {
    name: 'strategic merge patch: the converter message on the patch map',
    type: 'application/strategic-merge-patch+json',
    body: { spec: { replicas: 'x' } },
    message: /^ "" is invalid: patch: Invalid value: "map\[spec:map\[replicas:x\]\]": unrecognized type: int32$/,
  },
  {
    name: 'merge patch: the json message on the patched object',
    type: 'application/merge-patch+json',
    body: { spec: { replicas: 'x' } },
    message: /^ "" is invalid: patch: Invalid value: ".*": json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32$/,
  },
  {
    name: 'json patch',
    type: 'application/json-patch+json',
    body: [{ op: 'replace', path: '/spec/replicas', value: 'x' }],
    message: /json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32$/,
  },
];

for (const tc of patchCases) {
  test(`patch: ${tc.name}`, async (t) => {
    const r = await c.patch(`${DEP}/web`, tc.body, tc.type);
    t.is(r.status, 422, r.text);
    t.is(r.json.reason, 'Invalid');
    t.regex(r.json.message, tc.message);
    t.is(r.json.details.causes[0].field, 'patch');
    t.is((await c.get(`${DEP}/web`)).json.spec.replicas, 1);
  });
}

test('status and scale patches are type-checked too', async (t) => {
  const st = await c.patch(`${DEP}/web/status`, { status: { replicas: 'x' } }, 'application/merge-patch+json');
  t.is(st.status, 422, st.text);
  t.regex(st.json.message, /json: cannot unmarshal string into Go struct field DeploymentStatus.status.replicas of type int32$/);
  const sc = await c.patch(`${DEP}/web/scale`, { spec: { replicas: 'x' } }, 'application/merge-patch+json');
  t.is(sc.status, 422, sc.text);
  t.regex(sc.json.message, /json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32$/);
  t.is((await c.get(`${DEP}/web`)).json.spec.replicas, 1);
});

test('goPrint renders like Go %+v of a map', (t) => {
  const cases: Array<[unknown, string]> = [
    [{ spec: { replicas: 'x' } }, 'map[spec:map[replicas:x]]'],
    [{ b: [1, 'a'], a: null, c: true }, 'map[a:<nil> b:[1 a] c:true]'],
  ];
  for (const [v, want] of cases) t.is(goPrint(v), want);
});

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSqliteStorage } from '#impl/storage/sqlite/store.ts';
import { startApiServer, type RunningApiServer } from './server.ts';
import { TestClient } from './testing/test-client.ts';

let srv: RunningApiServer;
let c: TestClient;
let dir: string;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubets-apiserver-'));
  srv = await startApiServer({ dataDir: dir, securePort: 0, storage: newSqliteStorage({ path: ':memory:' }), log: () => {} });
  await srv.ready;
  c = new TestClient(srv.url, srv.pki);
});

test.after.always(async () => {
  c?.close();
  await srv?.stop();
  await srv?.storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const CM = '/api/v1/namespaces/default/configmaps';

interface BadInputCase {
  name: string;
  run: () => Promise<{ status: number; json: any }>;
  code: number;
  reason: string;
  message?: RegExp;
}

const badInput: BadInputCase[] = [
  { name: 'malformed JSON is 400 BadRequest', run: () => c.request('POST', CM, { raw: '{"apiVersion":"v1",' }), code: 400, reason: 'BadRequest', message: /json parse error/ },
  {
    name: 'kind not matching the URL is 400 BadRequest',
    run: () => c.post(CM, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k' } }),
    code: 400,
    reason: 'BadRequest',
    message: /Secret in version "v1" cannot be handled as a ConfigMap/,
  },
  {
    name: 'apiVersion not matching the URL is 400 BadRequest',
    run: () => c.post(CM, { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'k' } }),
    code: 400,
    reason: 'BadRequest',
    message: /does not match the expected API version/,
  },
  {
    name: 'unknown field under Strict is 400 with the upstream message',
    run: () => c.post(`${CM}?fieldValidation=Strict`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'u' }, spec: { foo: 1 } }),
    code: 400,
    reason: 'BadRequest',
    message: /^strict decoding error: unknown field "spec"$/,
  },
  {
    name: 'nested unknown field under Strict names its path',
    run: () => c.post('/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { foo: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }),
    code: 400,
    reason: 'BadRequest',
    message: /unknown field "spec.foo"/,
  },
  {
    name: 'duplicate field under Strict is 400',
    run: () => c.request('POST', `${CM}?fieldValidation=Strict`, { raw: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d1","name":"d2"}}' }),
    code: 400,
    reason: 'BadRequest',
    message: /^strict decoding error: duplicate field "metadata.name"$/,
  },
  {
    name: 'invalid name is 422 Invalid',
    run: () => c.post(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }),
    code: 422,
    reason: 'Invalid',
    message: /ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/,
  },
  {
    name: 'stale resourceVersion is 409 Conflict',
    run: async () => {
      const created = await c.post(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stale' }, data: { a: '1' } });
      await c.put(`${CM}/stale`, { ...created.json, data: { a: '2' } });
      return c.put(`${CM}/stale`, { ...created.json, data: { a: '3' } });
    },
    code: 409,
    reason: 'Conflict',
    message: /Operation cannot be fulfilled on configmaps "stale": the object has been modified/,
  },
  {
    name: 'a 5 MiB body is 413 RequestEntityTooLarge',
    run: () => c.request('POST', CM, { raw: Buffer.alloc(5 * 1024 * 1024, 0x20) }),
    code: 413,
    reason: 'RequestEntityTooLarge',
  },
  { name: 'unknown resource is 404 NotFound', run: () => c.get('/api/v1/namespaces/default/gizmos'), code: 404, reason: 'NotFound', message: /the server could not find the requested resource/ },
  {
    name: 'an unknown body media type is 415 UnsupportedMediaType',
    run: () => c.request('POST', CM, { raw: 'data', headers: { 'Content-Type': 'text/plain' } }),
    code: 415,
    reason: 'UnsupportedMediaType',
  },
  {
    name: 'a truncated protobuf body is 400 BadRequest',
    run: () => c.request('POST', CM, { raw: 'k8s\0\x0a\x05', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } }),
    code: 400,
    reason: 'BadRequest',
    message: /unable to decode protobuf body as ConfigMap: unexpected EOF/,
  },
  {
    name: 'a protobuf DeleteOptions body is decoded (its UID precondition fails with 409)',
    run: async () => {
      await c.post(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pbdel' } });
      // k8s\0 + Unknown{typeMeta{v1, DeleteOptions}, raw: DeleteOptions{preconditions{uid: "bad"}}}
      const typeMeta = [0x0a, 0x02, ...Buffer.from('v1'), 0x12, 0x0d, ...Buffer.from('DeleteOptions')];
      const raw = [0x12, 0x05, 0x0a, 0x03, ...Buffer.from('bad')];
      const body = Buffer.from([...Buffer.from('k8s\0'), 0x0a, typeMeta.length, ...typeMeta, 0x12, raw.length, ...raw]);
      return c.request('DELETE', `${CM}/pbdel`, { raw: body, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', 'Content-Length': String(body.length) } });
    },
    code: 409,
    reason: 'Conflict',
    message: /Precondition failed: UID in precondition: bad/,
  },
  {
    name: 'a protobuf body with a bad magic is 400 BadRequest',
    run: () => c.request('POST', CM, { raw: 'k8x\0\x0a', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } }),
    code: 400,
    reason: 'BadRequest',
    message: /does not appear to be a protobuf message/,
  },
  {
    name: 'protobuf-only Accept is 406 NotAcceptable',
    run: () => c.get(CM, { headers: { Accept: 'application/vnd.kubernetes.protobuf' } }),
    code: 406,
    reason: 'NotAcceptable',
  },
  { name: 'missing object is 404 with the upstream message', run: () => c.get(`${CM}/nope`), code: 404, reason: 'NotFound', message: /^configmaps "nope" not found$/ },
  {
    name: 'create in a missing namespace is 404',
    run: () => c.post('/api/v1/namespaces/ghost/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }),
    code: 404,
    reason: 'NotFound',
    message: /^namespaces "ghost" not found$/,
  },
  { name: 'unsupported field selector is 400', run: () => c.get(`${CM}?fieldSelector=spec.foo%3Dx`), code: 400, reason: 'BadRequest', message: /field label not supported: spec.foo/ },
  { name: 'no client certificate is 401', run: () => c.get(CM, { anonymous: true }), code: 401, reason: 'Unauthorized' },
];

for (const tc of badInput) {
  test.serial(`bad input: ${tc.name}`, async (t) => {
    const res = await tc.run();
    t.is(res.status, tc.code, JSON.stringify(res.json));
    t.is(res.json?.kind, 'Status');
    t.is(res.json?.status, 'Failure');
    t.is(res.json?.code, tc.code);
    t.is(res.json?.reason, tc.reason);
    if (tc.message) t.regex(res.json?.message ?? '', tc.message);
    // The server still serves.
    t.is((await c.get('/readyz')).status, 200);
  });
}

test.serial('bad input: watch from a compacted revision gives an ERROR event with 410 Expired', async (t) => {
  for (let i = 0; i < 3; i++) await c.post(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'compact-' } });
  const rev = await srv.storage.currentRevision();
  await srv.storage.compact(rev);
  const res = await c.get(`${CM}?watch=1&resourceVersion=1&timeoutSeconds=2`);
  t.is(res.status, 200);
  const ev = JSON.parse(res.text.trim().split('\n')[0]!);
  t.is(ev.type, 'ERROR');
  t.is(ev.object.code, 410);
  t.is(ev.object.reason, 'Expired');
});

test.serial('anonymous health and version endpoints', async (t) => {
  for (const p of ['/healthz', '/livez', '/readyz']) {
    const r = await c.get(p, { anonymous: true });
    t.is(r.status, 200);
    t.is(r.text, 'ok');
  }
  const v = await c.get('/version', { anonymous: true });
  t.regex(v.json.gitVersion, /^v1\.35\./);
});

test.serial('create sets uid, creationTimestamp, generateName and managedFields; dryRun stores nothing', async (t) => {
  const dry = await c.post(`${CM}?dryRun=All`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } });
  t.is(dry.status, 201);
  t.is((await c.get(`${CM}/dry`)).status, 404);
  const r = await c.post(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' }, data: { a: '1' } }, { headers: { 'User-Agent': 'kubectl/v1.32 (linux/amd64)' } });
  t.is(r.status, 201);
  t.regex(r.json.metadata.name, /^gen-[a-z0-9]{5}$/);
  t.truthy(r.json.metadata.uid);
  t.truthy(r.json.metadata.creationTimestamp);
  t.is(r.json.metadata.managedFields[0].manager, 'kubectl');
  t.is(r.json.metadata.managedFields[0].operation, 'Update');
});

test.serial('list with label selector, limit and continue', async (t) => {
  for (let i = 0; i < 5; i++) await c.post(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `page-${i}`, labels: { page: 'yes' } } });
  const names: string[] = [];
  let cont = '';
  let pages = 0;
  do {
    const r = await c.get(`${CM}?labelSelector=page%3Dyes&limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    t.is(r.status, 200);
    names.push(...r.json.items.map((i: any) => i.metadata.name));
    cont = r.json.metadata.continue ?? '';
    pages++;
  } while (cont);
  t.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  t.is(pages, 3);
});

test.serial('Table output has upstream columns', async (t) => {
  const r = await c.get('/api/v1/namespaces', { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
  t.is(r.json.kind, 'Table');
  t.deepEqual(r.json.columnDefinitions.map((d: any) => d.name), ['Name', 'Status', 'Age']);
  t.true(r.json.rows.some((row: any) => row.cells[0] === 'kube-system' && row.cells[1] === 'Active'));
  t.is(r.json.rows[0].object.kind, 'PartialObjectMetadata');
});

test.serial('a review asked for as a Table is 406, with a JSON fallback it is served', async (t) => {
  const path = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { path: '/', verb: 'get' } } };
  const only = await c.post(path, body, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  t.is(only.status, 406);
  t.is(only.json.reason, 'NotAcceptable');
  const fallback = await c.post(path, body, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
  t.is(fallback.status, 201);
  t.is(fallback.json.kind, 'SelfSubjectAccessReview');
});

test.serial('unknown fields of a typed object are dropped under fieldValidation=Ignore and Warn', async (t) => {
  for (const mode of ['Ignore', 'Warn']) {
    const r = await c.post(`/apis/apps/v1/namespaces/default/deployments?fieldValidation=${mode}`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `unknown-${mode.toLowerCase()}` }, spec: { foo: 'x', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', bar: 1 }] } } } });
    t.is(r.status, 201, r.text);
    t.is(r.json.spec.foo, undefined, mode);
    t.is(r.json.spec.template.spec.containers[0].bar, undefined, mode);
  }
});

test.serial('aggregated discovery v2', async (t) => {
  const r = await c.get('/apis', { headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
  t.is(r.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  t.is(r.json.kind, 'APIGroupDiscoveryList');
  const apps = r.json.items.find((i: any) => i.metadata.name === 'apps');
  const deploy = apps.versions[0].resources.find((x: any) => x.resource === 'deployments');
  t.deepEqual(deploy.shortNames, ['deploy']);
  t.is(deploy.scope, 'Namespaced');
  t.true(deploy.subresources.some((s: any) => s.subresource === 'scale' && s.responseKind.kind === 'Scale'));
});

test.serial('status is preserved on main writes and spec on status writes', async (t) => {
  const base = '/apis/apps/v1/namespaces/default/deployments';
  const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'st' }, spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
  const created = await c.post(base, d);
  t.is(created.json.metadata.generation, 1);
  const s = await c.patch(`${base}/st/status`, { status: { replicas: 7 }, spec: { replicas: 9 } }, 'application/merge-patch+json');
  t.is(s.json.status.replicas, 7);
  t.is(s.json.spec.replicas, 1);
  const m = await c.patch(`${base}/st`, { status: { replicas: 0 }, spec: { replicas: 3 } }, 'application/merge-patch+json');
  t.is(m.json.status.replicas, 7);
  t.is(m.json.spec.replicas, 3);
  t.is(m.json.metadata.generation, 2);
  const scale = await c.get(`${base}/st/scale`);
  t.is(scale.json.kind, 'Scale');
  t.is(scale.json.spec.replicas, 3);
  t.is(scale.json.status.selector, 'a=b');
});

test.serial('finalizers keep an object until the last one is removed', async (t) => {
  await c.post(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fin', finalizers: ['example.com/x'] } });
  const del = await c.delete(`${CM}/fin`);
  t.is(del.status, 200);
  const orphanFalse = await c.post(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fin2', finalizers: ['example.com/x'] } });
  t.is(orphanFalse.status, 201);
  t.is((await c.delete(`${CM}/fin2?orphanDependents=false`)).status, 202);
  await c.patch(`${CM}/fin2`, [{ op: 'remove', path: '/metadata/finalizers' }], 'application/json-patch+json');
  t.truthy(del.json.metadata.deletionTimestamp);
  t.is((await c.get(`${CM}/fin`)).status, 200);
  const p = await c.patch(`${CM}/fin`, [{ op: 'remove', path: '/metadata/finalizers' }], 'application/json-patch+json');
  t.is(p.status, 200);
  t.is((await c.get(`${CM}/fin`)).status, 404);
});

test.serial('services get a ClusterIP from the range; a taken IP is 422', async (t) => {
  const svc = (name: string, ip?: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ...(ip ? { clusterIP: ip } : {}), ports: [{ port: 80 }] } });
  const a = await c.post('/api/v1/namespaces/default/services', svc('a'));
  t.regex(a.json.spec.clusterIP, /^198\.19\./);
  const b = await c.post('/api/v1/namespaces/default/services', svc('b', a.json.spec.clusterIP));
  t.is(b.status, 422);
  t.regex(b.json.message, /provided IP is already allocated/);
  const headless = await c.post('/api/v1/namespaces/default/services', svc('h', 'None'));
  t.is(headless.json.spec.clusterIP, 'None');
  const np = await c.patch('/api/v1/namespaces/default/services/a', { spec: { type: 'NodePort' } }, 'application/merge-patch+json');
  t.is(np.status, 200, np.text);
  t.true(np.json.spec.ports[0].nodePort >= 30000 && np.json.spec.ports[0].nodePort <= 32767);
  t.is(np.json.spec.clusterIP, a.json.spec.clusterIP);
});

test.serial('service type changes: ExternalName -> ClusterIP allocates a cluster IP; ClusterIP/NodePort -> ExternalName frees IP and node ports', async (t) => {
  const base = '/api/v1/namespaces/default/services';
  const ext = await c.post(base, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'foo.example.com' } });
  t.is(ext.status, 201, ext.text);
  t.is(ext.json.spec.clusterIP, undefined);
  const toCluster = await c.put(`${base}/ext`, { ...ext.json, spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
  t.is(toCluster.status, 200, toCluster.text);
  t.regex(toCluster.json.spec.clusterIP ?? '', /^198\.19\./);
  t.deepEqual(toCluster.json.spec.clusterIPs, [toCluster.json.spec.clusterIP]);
  const toNodePort = await c.patch(`${base}/ext`, { spec: { type: 'NodePort' } }, 'application/merge-patch+json');
  const nodePort = toNodePort.json.spec.ports[0].nodePort;
  t.true(nodePort >= 30000);
  const back = await c.patch(`${base}/ext`, { spec: { type: 'ExternalName', externalName: 'bar.example.com' } }, 'application/merge-patch+json');
  t.is(back.status, 200, back.text);
  t.is(back.json.spec.clusterIP, undefined);
  t.is(back.json.spec.clusterIPs, undefined);
  t.is(back.json.spec.ports[0].nodePort, undefined);
  // The freed cluster IP and node port can be taken again.
  const again = await c.post(base, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reuse' }, spec: { type: 'NodePort', clusterIP: toCluster.json.spec.clusterIP, ports: [{ port: 80, nodePort }] } });
  t.is(again.status, 201, again.text);
});

test.serial('strategic merge patch merges containers by name', async (t) => {
  const base = '/api/v1/namespaces/default/pods';
  await c.post(base, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:1' }] } });
  const r = await c.patch(`${base}/p`, { spec: { containers: [{ name: 'b', image: 'y:2' }] } }, 'application/strategic-merge-patch+json');
  t.is(r.status, 200, r.text);
  t.deepEqual(r.json.spec.containers.map((x: any) => `${x.name}=${x.image}`), ['a=x:1', 'b=y:2']);
  t.is(r.json.status.phase, 'Pending');
  const bad = await c.patch(`${base}/p`, { spec: { restartPolicy: 'Never' } }, 'application/strategic-merge-patch+json');
  t.is(bad.status, 422);
});

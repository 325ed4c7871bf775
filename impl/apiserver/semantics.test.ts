import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest, Agent } from 'node:https';
import { newSqliteStorage } from '#impl/storage/sqlite/store.ts';
import { startApiServer, type RunningApiServer } from './server.ts';
import { TestClient } from './testing/test-client.ts';

let srv: RunningApiServer;
let c: TestClient;
let dir: string;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubets-apiserver-sem-'));
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

/** watchLines opens a watch and collects events until `count` arrived or the timeout passed. */
function watchLines(path: string, count: number, ms = 3000): { done: Promise<any[]> } {
  const agent = new Agent({ ca: srv.pki.caCert, cert: srv.pki.adminCert, key: srv.pki.adminKey });
  const events: any[] = [];
  const done = new Promise<any[]>((resolve) => {
    const req = httpsRequest(new URL(path, srv.url), { agent }, (res) => {
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
          if (events.length >= count) {
            req.destroy();
            resolve(events);
          }
        }
      });
      res.on('end', () => resolve(events));
    });
    req.on('error', () => resolve(events));
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve(events);
    }, ms);
  });
  return { done };
}

const NS = '/api/v1/namespaces';

test.serial('default namespaces exist with phase Active and the kubernetes finalizer', async (t) => {
  for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    const r = await c.get(`${NS}/${n}`);
    t.is(r.json.status.phase, 'Active');
    t.deepEqual(r.json.spec.finalizers, ['kubernetes']);
  }
  const svc = (await c.get(`${NS}/default/services/kubernetes`)).json;
  t.is(svc.spec.clusterIP, '198.19.0.1');
  const slice = (await c.get('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes')).json;
  t.deepEqual(slice.ports, [{ name: 'https', port: srv.port, protocol: 'TCP' }]);
  const ep = (await c.get(`${NS}/default/endpoints/kubernetes`)).json;
  t.is(ep.subsets[0].addresses[0].ip, '127.0.0.1');
});

test.serial('deleting a namespace makes it Terminating; creating in it is 403; finalize removes it', async (t) => {
  await c.post(NS, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
  const del = await c.delete(`${NS}/doomed`);
  t.is(del.status, 200);
  t.is(del.json.status.phase, 'Terminating');
  const r = await c.post(`${NS}/doomed/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
  t.is(r.status, 403);
  t.is(r.json.reason, 'Forbidden');
  t.is(r.json.message, 'configmaps "x" is forbidden: unable to create new content in namespace doomed because it is being terminated');
  const ns = (await c.get(`${NS}/doomed`)).json;
  const st = await c.put(`${NS}/doomed/status`, ns);
  t.is(st.status, 200, 'a status write keeps the namespace while spec.finalizers remain');
  t.is((await c.get(`${NS}/doomed`)).status, 200);
  const fin = await c.put(`${NS}/doomed/finalize`, { ...ns, metadata: { ...ns.metadata, resourceVersion: undefined }, spec: { finalizers: [] } });
  t.is(fin.status, 200, fin.text);
  t.is((await c.get(`${NS}/doomed`)).status, 404);
});

test.serial('pods: binding sets nodeName and PodScheduled; graceful delete sets deletionTimestamp; eviction deletes', async (t) => {
  const pods = `${NS}/default/pods`;
  const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const created = await c.post(pods, pod('bound'));
  t.is(created.json.spec.containers[0].imagePullPolicy, 'Always');
  t.is(created.json.status.qosClass, 'BestEffort');
  const b = await c.post(`${pods}/bound/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-1' } });
  t.is(b.status, 201, b.text);
  const got = (await c.get(`${pods}/bound`)).json;
  t.is(got.spec.nodeName, 'node-1');
  t.true(got.status.conditions.some((x: any) => x.type === 'PodScheduled' && x.status === 'True'));
  const again = await c.post(`${pods}/bound/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-2' } });
  t.is(again.status, 409);
  const bySel = await c.get(`${pods}?fieldSelector=spec.nodeName%3Dnode-1`);
  t.deepEqual(bySel.json.items.map((p: any) => p.metadata.name), ['bound']);
  const del = await c.delete(`${pods}/bound`);
  t.is(del.status, 200);
  t.is(del.json.metadata.deletionGracePeriodSeconds, 30);
  const gone = await c.delete(`${pods}/bound?gracePeriodSeconds=0`);
  t.is(gone.status, 200);
  t.is((await c.get(`${pods}/bound`)).status, 404);
  await c.post(pods, pod('evict-me'));
  const ev = await c.post(`${pods}/evict-me/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evict-me' } });
  t.is(ev.status, 201, ev.text);
  t.is((await c.get(`${pods}/evict-me`)).status, 404);
});

test.serial('fieldValidation=Warn answers with Warning headers', async (t) => {
  const r = await c.post(`${NS}/default/configmaps?fieldValidation=Warn`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'warned' }, bogus: 1 });
  t.is(r.status, 201);
  t.regex(String(r.headers.warning), /299 - "unknown field \\"bogus\\""/);
});

test.serial('watch: sendInitialEvents ends with the initial-events-end bookmark, then live events', async (t) => {
  await c.post(`${NS}/default/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w0', labels: { wtest: 'y' } } });
  const w = watchLines(`${NS}/default/configmaps?watch=1&labelSelector=wtest%3Dy&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`, 3);
  await new Promise((r) => setTimeout(r, 300));
  await c.post(`${NS}/default/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1', labels: { wtest: 'y' } } });
  const events = await w.done;
  t.deepEqual(
    events.map((e) => e.type),
    ['ADDED', 'BOOKMARK', 'ADDED'],
  );
  t.is(events[1].object.metadata.annotations['k8s.io/initial-events-end'], 'true');
  t.is(events[2].object.metadata.name, 'w1');
});

test.serial('watch: from a resourceVersion sends only later changes; timeoutSeconds ends the stream', async (t) => {
  const created = await c.post(`${NS}/default/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w2' }, data: { a: '1' } });
  const rv = created.json.metadata.resourceVersion;
  await c.patch(`${NS}/default/configmaps/w2`, { data: { a: '2' } }, 'application/merge-patch+json');
  await c.delete(`${NS}/default/configmaps/w2`);
  const res = await c.get(`/api/v1/watch/namespaces/default/configmaps/w2?resourceVersion=${rv}&timeoutSeconds=1`);
  const types = res.text.trim().split('\n').map((l) => JSON.parse(l).type);
  t.deepEqual(types, ['MODIFIED', 'DELETED']);
});

test.serial('OpenAPI v3 index and documents with ?hash=', async (t) => {
  const idx = await c.get('/openapi/v3');
  const url = idx.json.paths['apis/apps/v1'].serverRelativeURL as string;
  t.regex(url, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]+$/);
  const doc = await c.get(url);
  t.is(doc.status, 200);
  t.truthy(doc.json.components.schemas['io.k8s.api.apps.v1.Deployment']);
  t.is(doc.headers['cache-control'], 'public, immutable');
});

test.serial('metrics expose apiserver_request_total with upstream labels', async (t) => {
  const m = await c.get('/metrics', { headers: { Accept: 'text/plain' } });
  t.regex(m.text, /apiserver_request_total\{verb="GET",dry_run="",group="",version="v1",resource="namespaces",subresource="",scope="resource",component="apiserver",code="200"\} \d+/);
  t.regex(m.text, /apiserver_request_duration_seconds_bucket\{/);
});

const CRD = (versions: any[]) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.example.org' },
  spec: { group: 'example.org', scope: 'Namespaced', names: { plural: 'gadgets', kind: 'Gadget', shortNames: ['gd'], categories: ['all'] }, versions },
});
const schema = {
  openAPIV3Schema: {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer', default: 1 },
          mode: { type: 'string', enum: ['a', 'b'] },
          port: { 'x-kubernetes-int-or-string': true },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          tpl: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
          name: { type: 'string', pattern: '^[a-z]+$', maxLength: 5 },
        },
      },
      status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' } } },
    },
  },
};

test.serial('CRDs: live registration, two versions, pruning, defaulting, validation, status and scale, deletion', async (t) => {
  const crd = await c.post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD([
    { name: 'v1', served: true, storage: true, schema, subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } } },
    { name: 'v1beta1', served: true, storage: false, schema },
  ]));
  t.is(crd.status, 201, crd.text);
  t.deepEqual(crd.json.status.conditions.map((x: any) => `${x.type}=${x.status}`), ['NamesAccepted=True', 'Established=True']);
  const disc = await c.get('/apis/example.org/v1');
  const res = disc.json.resources.find((r: any) => r.name === 'gadgets');
  t.deepEqual(res.shortNames, ['gd']);
  t.deepEqual(res.categories, ['all']);
  t.true(disc.json.resources.some((r: any) => r.name === 'gadgets/scale'));
  t.truthy((await c.get('/openapi/v3')).json.paths['apis/example.org/v1']);
  // upstream's CRD OpenAPI builder adds apiVersion, kind and a metadata reference to ObjectMeta (kubectl explain shows them).
  const published = (await c.get('/openapi/v3/apis/example.org/v1')).json.components.schemas;
  const gadget = published['org.example.v1.Gadget'];
  t.like(gadget.properties.apiVersion, { type: 'string' });
  t.regex(gadget.properties.apiVersion.description, /^APIVersion defines/);
  t.deepEqual(gadget.properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
  t.truthy(published['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'], 'ObjectMeta and its references are in the document');
  t.truthy(published['io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry']);

  const base = '/apis/example.org/v1/namespaces/default/gadgets';
  const g = await c.post(base, { apiVersion: 'example.org/v1', kind: 'Gadget', metadata: { name: 'g1' }, spec: { mode: 'a', unknown: 1, port: 'http', free: { anything: true }, tpl: { apiVersion: 'v1', kind: 'Pod', extra: 1 } }, status: { replicas: 5 } });
  t.is(g.status, 201, g.text);
  t.is(g.json.spec.replicas, 1, 'defaulted');
  t.is(g.json.spec.unknown, undefined, 'pruned');
  t.deepEqual(g.json.spec.free, { anything: true });
  t.is(g.json.status, undefined, 'status dropped on create');
  t.is(g.json.metadata.generation, 1);

  const strictMeta = await c.post(`${base}?fieldValidation=Strict`, { apiVersion: 'example.org/v1', kind: 'Gadget', metadata: { name: 'g3', unknownMeta: 1 }, spec: { tpl: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', alsoUnknown: 1 } } } });
  t.is(strictMeta.status, 400, strictMeta.text);
  t.regex(strictMeta.json.message, /unknown field "metadata.unknownMeta"/);
  t.regex(strictMeta.json.message, /unknown field "spec.tpl.metadata.alsoUnknown"/);
  const prunedMeta = await c.post(base, { apiVersion: 'example.org/v1', kind: 'Gadget', metadata: { name: 'g3', unknownMeta: 1 }, spec: {} });
  t.is(prunedMeta.status, 201, prunedMeta.text);
  t.is(prunedMeta.json.metadata.unknownMeta, undefined, 'unknown metadata pruned');

  const bad = await c.post(base, { apiVersion: 'example.org/v1', kind: 'Gadget', metadata: { name: 'g2' }, spec: { mode: 'c', replicas: 'x', name: 'ABCDEFG', tpl: { foo: 1 } } });
  t.is(bad.status, 422);
  const fields = bad.json.details.causes.map((x: any) => x.field).sort();
  t.deepEqual(fields, ['spec.mode', 'spec.name', 'spec.name', 'spec.replicas', 'spec.tpl.apiVersion', 'spec.tpl.kind']);
  t.regex(bad.json.message, /^Gadget.example.org "g2" is invalid: \[/);

  const st = await c.patch(`${base}/g1/status`, { status: { replicas: 2, selector: 'app=x' }, spec: { replicas: 9 } }, 'application/merge-patch+json');
  t.is(st.json.status.replicas, 2);
  t.is(st.json.spec.replicas, 1);
  const sc = await c.patch(`${base}/g1/scale`, { spec: { replicas: 4 } }, 'application/merge-patch+json');
  t.is(sc.status, 200, sc.text);
  t.deepEqual([sc.json.kind, sc.json.spec.replicas, sc.json.status.replicas, sc.json.status.selector], ['Scale', 4, 2, 'app=x']);
  const after = (await c.get(`${base}/g1`)).json;
  t.is(after.metadata.generation, 2);

  const viaBeta = await c.get('/apis/example.org/v1beta1/namespaces/default/gadgets/g1');
  t.is(viaBeta.json.apiVersion, 'example.org/v1beta1');
  t.is(viaBeta.json.spec.replicas, 4);
  // A PATCH through the version that is not the stored one patches in the request's version.
  const viaBetaPatch = await c.patch('/apis/example.org/v1beta1/namespaces/default/gadgets/g1', [{ op: 'add', path: '/metadata/labels', value: { beta: 'yes' } }], 'application/json-patch+json');
  t.is(viaBetaPatch.status, 200, viaBetaPatch.text);
  t.is(viaBetaPatch.json.apiVersion, 'example.org/v1beta1');
  t.is(viaBetaPatch.json.metadata.labels.beta, 'yes');

  const smp = await c.patch(`${base}/g1`, { spec: { replicas: 3 } }, 'application/strategic-merge-patch+json');
  t.is(smp.status, 415);

  const del = await c.delete('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.org');
  t.is(del.status, 200, del.text);
  t.is((await c.get(base)).status, 404);
  const keys = await srv.storage.list('/registry/example.org/gadgets/', {});
  t.is(keys.items.length, 0);
  const idx = (await c.get('/openapi/v3')).json.paths;
  t.falsy(idx['apis/example.org/v1']);
  t.truthy(idx['apis/apps/v1']);
});

test.serial('deletecollection deletes what the selector selects; PartialObjectMetadataList', async (t) => {
  const base = `${NS}/default/configmaps`;
  for (const n of ['dc1', 'dc2', 'dc3']) await c.post(base, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, labels: { dc: n === 'dc3' ? 'keep' : 'drop' } } });
  const meta = await c.get(`${base}?labelSelector=dc`, { headers: { Accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json' } });
  t.is(meta.json.kind, 'PartialObjectMetadataList');
  t.deepEqual(meta.json.items.map((i: any) => i.metadata.name), ['dc1', 'dc2', 'dc3']);
  const dry = await c.delete(`${base}?labelSelector=dc%3Ddrop&dryRun=All`);
  t.is(dry.status, 200);
  t.is((await c.get(`${base}?labelSelector=dc`)).json.items.length, 3);
  const del = await c.delete(`${base}?labelSelector=dc%3Ddrop`);
  t.is(del.status, 200);
  t.deepEqual((await c.get(`${base}?labelSelector=dc`)).json.items.map((i: any) => i.metadata.name), ['dc3']);
});

const tpl = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'i' }] } });

interface StrategyCase {
  name: string;
  run: () => Promise<{ status: number; json: any }>;
  code: number;
  check?: (json: any) => unknown;
  want?: unknown;
  message?: RegExp;
}

const strategyCases: StrategyCase[] = [
  {
    name: 'configmap: bad key is 422',
    run: () => c.post(`${NS}/default/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'badkey' }, data: { 'a/b': 'x' } }),
    code: 422,
    message: /data\[a\/b\]: Invalid value: "a\/b"/,
  },
  {
    name: 'configmap: immutable data cannot change',
    run: async () => {
      await c.post(`${NS}/default/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true });
      return c.patch(`${NS}/default/configmaps/frozen`, { data: { a: '2' } }, 'application/merge-patch+json');
    },
    code: 422,
    message: /data: Forbidden: field is immutable when `immutable` is set/,
  },
  {
    name: 'secret: stringData is folded into base64 data',
    run: () => c.post(`${NS}/default/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, stringData: { u: 'admin' } }),
    code: 201,
    check: (j) => [j.data, j.stringData, j.type],
    want: [{ u: 'YWRtaW4=' }, undefined, 'Opaque'],
  },
  {
    name: 'deployment: selector must match template labels',
    run: () => c.post('/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'mismatch' }, spec: { selector: { matchLabels: { a: 'b' } }, template: tpl({ a: 'c' }) } }),
    code: 422,
    message: /spec.template.metadata.labels: Invalid value: map\[string\]string\{"a":"c"\}: `selector` does not match template `labels`/,
  },
  {
    name: 'deployment: selector is immutable',
    run: async () => {
      await c.post('/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'sel' }, spec: { selector: { matchLabels: { a: 'b' } }, template: tpl({ a: 'b', x: 'y' }) } });
      return c.patch('/apis/apps/v1/namespaces/default/deployments/sel', { spec: { selector: { matchLabels: { a: 'b', x: 'y' } } } }, 'application/merge-patch+json');
    },
    code: 422,
    message: /spec.selector: Invalid value: .*field is immutable/,
  },
  {
    name: 'deployment: defaults as upstream',
    run: () => c.post('/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'defaults' }, spec: { selector: { matchLabels: { a: 'b' } }, template: tpl({ a: 'b' }) } }),
    code: 201,
    check: (j) => [j.spec.replicas, j.spec.strategy, j.spec.revisionHistoryLimit, j.spec.progressDeadlineSeconds, j.spec.template.spec.restartPolicy],
    want: [1, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, 10, 600, 'Always'],
  },
  {
    name: 'job: selector and controller-uid labels are generated',
    run: () => c.post('/apis/batch/v1/namespaces/default/jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } } }),
    code: 201,
    check: (j) => [j.spec.selector.matchLabels['batch.kubernetes.io/controller-uid'] === j.metadata.uid, j.spec.template.metadata.labels['job-name'], j.spec.backoffLimit, j.spec.completions],
    want: [true, 'j', 6, 1],
  },
  {
    name: 'cronjob: an invalid schedule is 422',
    run: () => c.post('/apis/batch/v1/namespaces/default/cronjobs', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj' }, spec: { schedule: 'every day', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } } } } }),
    code: 422,
    message: /spec.schedule: Invalid value: "every day"/,
  },
  {
    name: 'pod: duplicate container names are 422',
    run: () => c.post(`${NS}/default/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dup' }, spec: { containers: [{ name: 'a', image: 'i' }, { name: 'a', image: 'j' }] } }),
    code: 422,
    message: /spec.containers\[1\].name: Duplicate value: "a"/,
  },
  {
    name: 'rbac: names may contain colons',
    run: () => c.post('/apis/rbac.authorization.k8s.io/v1/clusterroles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:test:role' }, rules: [] }),
    code: 201,
  },
  {
    name: 'namespace: names must be DNS labels',
    run: () => c.post(NS, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }),
    code: 422,
  },
];

for (const tc of strategyCases) {
  test.serial(`strategy: ${tc.name}`, async (t) => {
    const r = await tc.run();
    t.is(r.status, tc.code, JSON.stringify(r.json));
    if (tc.message) t.regex(r.json.message, tc.message);
    if (tc.check) t.deepEqual(tc.check(r.json), tc.want);
  });
}

test.serial('eviction honours PodDisruptionBudgets (429 when no disruption is allowed)', async (t) => {
  const pods = `${NS}/default/pods`;
  await c.post(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'guarded', labels: { pdb: 'yes' } }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'i' }] } });
  await c.patch(`${pods}/guarded/status`, { status: { phase: 'Running' } }, 'application/merge-patch+json');
  const pdbs = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';
  await c.post(pdbs, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'b' }, spec: { minAvailable: 1, selector: { matchLabels: { pdb: 'yes' } } } });
  const ev = () => c.post(`${pods}/guarded/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'guarded' } });
  const blocked = await ev();
  t.is(blocked.status, 429, blocked.text);
  t.is(blocked.json.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  await c.patch(`${pdbs}/b/status`, { status: { disruptionsAllowed: 1, observedGeneration: 1, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } }, 'application/merge-patch+json');
  const ok = await ev();
  t.is(ok.status, 201, ok.text);
  const evicted = (await c.get(`${pods}/guarded`)).json;
  t.truthy(evicted.metadata.deletionTimestamp);
  // upstream addConditionAndDeletePod: the pod is marked before the delete, for Job podFailurePolicy rules.
  t.like(evicted.status.conditions.find((x: any) => x.type === 'DisruptionTarget'), { status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
});

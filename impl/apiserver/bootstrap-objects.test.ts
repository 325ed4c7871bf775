import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSqliteStorage } from '#impl/storage/sqlite/store.ts';
import { startApiServer, type RunningApiServer } from './server.ts';
import { TestClient } from './testing/test-client.ts';
import { apiServiceName, FLOW_SCHEMAS, localAPIService, PRIORITY_LEVEL_CONFIGURATIONS } from './bootstrap-objects.ts';

let srv: RunningApiServer;
let c: TestClient;
let dir: string;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubets-bootstrap-objects-'));
  srv = await startApiServer({ dataDir: dir, securePort: 0, storage: newSqliteStorage({ path: ':memory:' }), serviceClusterIPRange: '10.96.0.0/12', log: () => {} });
  await srv.ready;
  c = new TestClient(srv.url, srv.pki);
});

test.after.always(async () => {
  c?.close();
  await srv?.stop();
  await srv?.storage.close();
  rmSync(dir, { recursive: true, force: true });
});

type Obj = { metadata: { name: string; labels?: Record<string, string> }; spec: Record<string, any>; status?: { conditions?: { type: string; status: string; reason?: string }[] } };

const nameCases = [
  { name: 'core group', group: '', version: 'v1', want: 'v1.' },
  { name: 'named group', group: 'apps', version: 'v1', want: 'v1.apps' },
  { name: 'autoscaling v2', group: 'autoscaling', version: 'v2', want: 'v2.autoscaling' },
];
for (const tc of nameCases) test(`apiServiceName: ${tc.name}`, (t) => t.is(apiServiceName(tc.group, tc.version), tc.want));

test('localAPIService: core group has no group field and the top priority', (t) => {
  t.deepEqual(localAPIService('', 'v1').spec, { version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 });
});

const servedCases = [
  { name: 'core v1 APIService is Local and Available', path: '/apis/apiregistration.k8s.io/v1/apiservices/v1.', check: (o: Obj) => o.spec.service === undefined && o.status?.conditions?.[0]?.type === 'Available' && o.status.conditions[0].status === 'True' && o.status.conditions[0].reason === 'Local' },
  { name: 'apps v1 APIService', path: '/apis/apiregistration.k8s.io/v1/apiservices/v1.apps', check: (o: Obj) => o.spec.group === 'apps' && o.metadata.labels?.['kube-aggregator.kubernetes.io/automanaged'] === 'onstart' },
  { name: 'default ServiceCIDR', path: '/apis/networking.k8s.io/v1/servicecidrs/kubernetes', check: (o: Obj) => JSON.stringify(o.spec.cidrs) === '["10.96.0.0/12"]' && o.status?.conditions?.[0]?.type === 'Ready' },
  { name: 'exempt PriorityLevelConfiguration', path: '/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations/exempt', check: (o: Obj) => o.spec.type === 'Exempt' },
  { name: 'catch-all PriorityLevelConfiguration rejects', path: '/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations/catch-all', check: (o: Obj) => o.spec.limited.nominalConcurrencyShares === 5 && o.spec.limited.limitResponse.type === 'Reject' },
  { name: 'catch-all FlowSchema is not dangling', path: '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas/catch-all', check: (o: Obj) => o.spec.matchingPrecedence === 10000 && o.status?.conditions?.[0]?.type === 'Dangling' && o.status.conditions[0].status === 'False' },
];
for (const tc of servedCases) {
  test(`served: ${tc.name}`, async (t) => {
    const r = await c.get(tc.path);
    t.is(r.status, 200, r.text);
    t.true(tc.check(r.json as Obj), r.text);
  });
}

test('every built-in group-version has an APIService; every APF object exists', async (t) => {
  const list = (await c.get('/apis/apiregistration.k8s.io/v1/apiservices')).json as { items: Obj[] };
  const names = new Set(list.items.map((o) => o.metadata.name));
  for (const n of ['v1.', 'v1.apps', 'v1.batch', 'v2.autoscaling', 'v1.apiregistration.k8s.io', 'v1.flowcontrol.apiserver.k8s.io']) t.true(names.has(n), n);
  const fs = (await c.get('/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas')).json as { items: Obj[] };
  t.deepEqual(fs.items.map((o) => o.metadata.name).sort(), FLOW_SCHEMAS.map((o) => o.metadata!.name!).sort());
  const pls = (await c.get('/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations')).json as { items: Obj[] };
  t.deepEqual(pls.items.map((o) => o.metadata.name).sort(), PRIORITY_LEVEL_CONFIGURATIONS.map((o) => o.metadata!.name!).sort());
  // Every FlowSchema references an existing priority level.
  const plNames = new Set(pls.items.map((o) => o.metadata.name));
  for (const f of fs.items) t.true(plNames.has(f.spec.priorityLevelConfiguration.name), f.metadata.name);
});

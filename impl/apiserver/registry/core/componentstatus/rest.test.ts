import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSqliteStorage } from '#impl/storage/sqlite/store.ts';
import { startApiServer } from '../../../server.ts';
import { TestClient } from '../../../testing/test-client.ts';
import { ComponentStatusREST, leaseCondition } from './rest.ts';

const NOW = new Date('2026-01-01T00:00:30Z');
const lease = (spec: Record<string, unknown>) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'kube-scheduler', namespace: 'kube-system' }, spec });

const leaseCases: Array<{ name: string; spec: Record<string, unknown>; status: string; message?: string; error?: RegExp }> = [
  { name: 'renewed within its duration', spec: { holderIdentity: 'a', renewTime: '2026-01-01T00:00:20.000000Z', leaseDurationSeconds: 15 }, status: 'True', message: 'ok' },
  { name: 'expired', spec: { holderIdentity: 'a', renewTime: '2026-01-01T00:00:00.000000Z', leaseDurationSeconds: 15 }, status: 'False', error: /held by a expired \(last renewed 2026-01-01T00:00:00.000000Z\)/ },
  { name: 'no holder (released)', spec: { leaseDurationSeconds: 15 }, status: 'False', error: /has no holder/ },
  { name: 'never renewed', spec: { holderIdentity: 'a' }, status: 'False', error: /expired$/ },
];

for (const tc of leaseCases) {
  test(`leaseCondition: ${tc.name}`, (t) => {
    const c = leaseCondition(lease(tc.spec) as never, 'kube-scheduler', NOW);
    t.is(c.status as string, tc.status);
    if (tc.message) t.is(c.message, tc.message);
    if (tc.error) t.regex(c.error ?? '', tc.error);
  });
}

test('ComponentStatusREST: etcd-0 from storage, scheduler from its Lease, controller-manager Unknown without one', async (t) => {
  const storage = newSqliteStorage({ path: ':memory:' });
  try {
    await storage.create('/registry/leases/kube-system/kube-scheduler', lease({ holderIdentity: 'a', renewTime: '2026-01-01T00:00:25.000000Z', leaseDurationSeconds: 15 }) as never);
    const rest = new ComponentStatusREST({ storage, now: () => NOW });
    const byName = Object.fromEntries((await rest.list()).map((o) => [o.metadata.name, o.conditions[0]]));
    t.deepEqual(Object.keys(byName), ['scheduler', 'controller-manager', 'etcd-0']);
    t.deepEqual(byName['etcd-0'], { type: 'Healthy', status: 'True', message: 'ok' });
    t.deepEqual(byName.scheduler, { type: 'Healthy', status: 'True', message: 'ok' });
    t.is(byName['controller-manager'].status, 'Unknown');
    await t.throwsAsync(rest.get('etcd-1'), { message: 'componentstatuses "etcd-1" not found' });
  } finally {
    await storage.close();
  }
});

test('GET/LIST /api/v1/componentstatuses over HTTP, with the deprecation warning', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-cs-'));
  const srv = await startApiServer({ dataDir: dir, securePort: 0, storage: newSqliteStorage({ path: ':memory:' }), log: () => {} });
  const c = new TestClient(srv.url, srv.pki);
  try {
    await srv.ready;
    const list = await c.get('/api/v1/componentstatuses');
    t.is(list.status, 200, list.text);
    t.is(list.json.kind, 'ComponentStatusList');
    t.deepEqual(list.json.items.map((o: { metadata: { name: string } }) => o.metadata.name).sort(), ['controller-manager', 'etcd-0', 'scheduler']);
    t.is(list.headers.warning, '299 - "v1 ComponentStatus is deprecated in v1.19+"');
    const one = await c.get('/api/v1/componentstatuses/etcd-0');
    t.is(one.status, 200, one.text);
    t.deepEqual(one.json.conditions, [{ type: 'Healthy', status: 'True', message: 'ok' }]);
    const table = await c.get('/api/v1/componentstatuses', { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    t.deepEqual(table.json.rows.find((r: { cells: string[] }) => r.cells[0] === 'etcd-0').cells, ['etcd-0', 'Healthy', 'ok', '']);
    t.is((await c.get('/api/v1/componentstatuses/nope')).status, 404);
    t.is((await c.get('/api/v1/componentstatuses?watch=1')).status, 405);
    const ep = await c.get('/api/v1/namespaces/default/endpoints');
    t.is(ep.headers.warning, '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"');
  } finally {
    c.close();
    await srv.stop();
    await srv.storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

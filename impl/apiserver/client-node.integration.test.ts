/**
 * @kubernetes/client-node against the apiserver (issue #3 acceptance 3): an informer on
 * ConfigMaps sees add, update and delete in order, and resumes after the apiserver restarts on
 * the same data dir and port.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { startApiServer } from './server.ts';

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('client-node informer sees add, update, delete in order and resumes after a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-client-node-'));
  let srv = await startApiServer({ dataDir: dir, securePort: 0, log: () => {} });
  const port = srv.port;
  await srv.ready;
  const kc = new KubeConfig();
  kc.loadFromFile(srv.kubeconfigPath);
  const api = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () => api.listNamespacedConfigMap({ namespace: 'default' }));
  const events: string[] = [];
  informer.on('add', (o) => events.push(`add ${o.metadata?.name} ${o.data?.v ?? ''}`));
  informer.on('update', (o) => events.push(`update ${o.metadata?.name} ${o.data?.v ?? ''}`));
  informer.on('delete', (o) => events.push(`delete ${o.metadata?.name}`));
  let stopped = false;
  let errors = 0;
  informer.on('error', () => {
    errors++;
    // client-node stops on error; restart it after a pause, as its docs recommend.
    setTimeout(() => {
      if (!stopped) void informer.start().catch(() => {});
    }, 300);
  });
  try {
    await informer.start();
    await api.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' }, data: { v: '1' } } });
    await until(() => events.includes('add a 1'));
    const cur = await api.readNamespacedConfigMap({ namespace: 'default', name: 'a' });
    await api.replaceNamespacedConfigMap({ namespace: 'default', name: 'a', body: { ...cur, data: { v: '2' } } });
    await until(() => events.includes('update a 2'));
    await api.deleteNamespacedConfigMap({ namespace: 'default', name: 'a' });
    await until(() => events.includes('delete a'));
    t.deepEqual(events, ['add a 1', 'update a 2', 'delete a']);

    // Restart the apiserver on the same data dir and port.
    await srv.stop();
    srv = await startApiServer({ dataDir: dir, securePort: port, log: () => {} });
    await srv.ready;
    await until(() => errors > 0, 15_000).catch(() => {});
    // After the restart, new changes still arrive.
    let created = false;
    for (let i = 0; i < 50 && !created; i++) {
      try {
        await api.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' }, data: { v: '1' } } });
        created = true;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    t.true(created);
    await until(() => events.includes('add b 1'), 15_000);
    t.deepEqual(events.slice(0, 3), ['add a 1', 'update a 2', 'delete a']);
    t.is(events.filter((e) => e === 'add b 1').length, 1);
    t.true(informer.list('default').some((o) => o.metadata?.name === 'b'));
  } finally {
    stopped = true;
    await informer.stop();
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

import test from 'ava';
import { runStorageSuite } from '../storage-suite.ts';
import { etcdAvailable, startEtcdServer, type EtcdServer } from '../testing/etcd-server.ts';
import { newEtcd3Storage } from './store.ts';

if (!etcdAvailable()) {
  test.skip('etcd3 storage suite (skipped: /usr/bin/etcd is missing; apt-get install -y etcd-server)', () => undefined);
  console.log('etcd3 storage suite skipped: /usr/bin/etcd is missing (apt-get install -y etcd-server)');
} else {
  let server: EtcdServer | undefined;
  test.before(async () => {
    server = await startEtcdServer();
  });
  test.after.always(async () => {
    await server?.stop();
  });

  runStorageSuite({
    name: 'etcd3',
    async newStorage() {
      const storage = newEtcd3Storage({ endpoints: [server!.endpoint] });
      return { storage, close: () => storage.close() };
    },
  });

  test.serial('etcd3: the key prefix option namespaces every key', async (t) => {
    const a = newEtcd3Storage({ endpoints: [server!.endpoint], prefix: '/tenant-a' });
    const b = newEtcd3Storage({ endpoints: [server!.endpoint], prefix: '/tenant-b' });
    try {
      await a.create('/registry/x/one', { metadata: { name: 'one' } });
      t.is((await a.list('/registry/x/')).items.length, 1);
      t.is((await b.list('/registry/x/')).items.length, 0);
      t.is(await b.count('/registry/x/'), 0);
    } finally {
      await a.close();
      await b.close();
    }
  });
}

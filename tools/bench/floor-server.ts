/**
 * The HTTPS floor of the apiserver benchmark: the least a networked service must do to store an
 * object on a backend. It answers `POST /<anything>/namespaces/<ns>/<resource>` by parsing the JSON
 * body, stamping uid and creationTimestamp, storing it with the storage layer's `create` (the same
 * transaction the apiserver's store runs: SQLite txn or etcd compare-and-put) and writing the
 * stored object back with 201, over the same TLS setup as the apiserver (its serving cert, client
 * certificates requested and checked against its CA). No routing, authz, admission, validation,
 * defaulting, managedFields, watch cache or metrics.
 *
 * Run as a child process by `tools/bench/apiserver.ts`:
 * `node --import tsx tools/bench/floor-server.ts --pki DIR (--sqlite FILE | --etcd-servers URL)`;
 * it prints its URL on stdout and stops on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Interface, StoredObject } from '../../impl/storage/interfaces.ts';

const { values } = parseArgs({ options: { pki: { type: 'string' }, sqlite: { type: 'string' }, 'etcd-servers': { type: 'string' } } });
if (!values.pki || (!values.sqlite && !values['etcd-servers'])) throw new Error('usage: floor-server.ts --pki DIR (--sqlite FILE | --etcd-servers URL)');

let storage: Interface;
if (values.sqlite) {
  const { newSqliteStorage } = await import('../../impl/storage/sqlite/store.ts');
  storage = newSqliteStorage({ path: values.sqlite });
} else {
  const { newEtcd3Storage } = await import('../../impl/storage/etcd3/store.ts');
  storage = newEtcd3Storage({ endpoints: values['etcd-servers']!.split(',') });
}

const pkiDir = values.pki;
const pem = (f: string) => readFileSync(join(pkiDir, f), 'utf8');
const server = createServer({ key: pem('apiserver.key'), cert: pem('apiserver.crt'), ca: pem('ca.crt'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      try {
        if (!(req.socket as import('node:tls').TLSSocket).authorized) throw Object.assign(new Error('Unauthorized'), { code: 401 });
        const obj = JSON.parse(Buffer.concat(chunks).toString('utf8')) as StoredObject;
        const parts = (req.url ?? '').split('/');
        const ns = parts[parts.indexOf('namespaces') + 1] ?? 'default';
        obj.metadata = { ...obj.metadata, namespace: ns, uid: crypto.randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
        const stored = await storage.create(`/registry/floor/${ns}/${obj.metadata.name}`, obj);
        const body = Buffer.from(JSON.stringify(stored));
        res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': body.length });
        res.end(body);
      } catch (err) {
        const code = (err as { code?: number }).code === 401 ? 401 : /exists/i.test(String(err)) ? 409 : 500;
        res.writeHead(code, { 'Content-Type': 'text/plain' });
        res.end(String(err));
      }
    })();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`https://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  void storage.close().then(() => process.exit(0));
});

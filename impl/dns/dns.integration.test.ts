/**
 * Cluster DNS against a real apiserver (SQLite, Node,RBAC): the server runs as its own service
 * account with the addon's role, publishes itself as kube-system/kube-dns, and follows Services
 * and EndpointSlices as they change; answers are read with node:dns, a real stub resolver.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadKubeconfig, RestClient } from '#impl/client/index.ts';
import { until } from '#impl/apiserver/testing/integration.ts';
import { DNS_USER, ensureDnsIdentity, ensureDnsService, startClusterDns, type ClusterDns } from './index.ts';

interface Env {
  dir: string;
  admin: RestClient;
  dns: ClusterDns;
  resolver: Resolver;
  stopApi(): Promise<void>;
}

let env: Env | undefined;

test.before(async () => {
  const { startApiServer, issueClientCert, buildKubeconfig } = await import('#impl/apiserver/index.ts');
  const dir = mkdtempSync(join(tmpdir(), 'kubets-dns-'));
  const api = await startApiServer({ dataDir: dir, securePort: 0, auth: { authorizationMode: ['Node', 'RBAC'] }, log: () => undefined });
  await api.ready;
  const admin = new RestClient(loadKubeconfig({ path: api.kubeconfigPath }));
  const { cert, key } = issueClientCert(api.pki, DNS_USER, []);
  const dnsKubeconfig = join(dir, 'coredns.kubeconfig');
  writeFileSync(dnsKubeconfig, buildKubeconfig({ server: api.url, caCert: api.pki.caCert, clientCert: cert, clientKey: key, user: DNS_USER }));
  await ensureDnsIdentity(admin);
  const dns = await startClusterDns({ kubeconfig: dnsKubeconfig, bindAddress: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
  await dns.ready;
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${dns.server.port}`]);
  env = { dir, admin, dns, resolver, stopApi: () => api.stop() };
});

test.after.always(async () => {
  if (!env) return;
  await env.dns.stop();
  env.admin.close();
  await env.stopApi();
  rmSync(env.dir, { recursive: true, force: true });
});

test.serial('the addon publishes kube-dns with an allocated cluster IP that survives a re-apply, and the server answers for it', async (t) => {
  const { admin, dns, resolver } = env!;
  const ip = await ensureDnsService(admin, { address: '198.18.0.1', port: dns.server.port });
  t.regex(ip, /^198\.19\./);
  t.is(await ensureDnsService(admin, { address: '198.18.0.1', port: dns.server.port + 1 }), ip);
  const slice = await admin.resource('discovery.k8s.io', 'v1', 'endpointslices').namespace('kube-system').get('kube-dns-node');
  t.is(slice['ports']?.[0]?.port, dns.server.port + 1);
  t.deepEqual(await until('kube-dns A record', () => resolver.resolve4('kube-dns.kube-system.svc.cluster.local')), [ip]);
  t.deepEqual(await until('kubernetes A record', () => resolver.resolve4('kubernetes.default.svc.cluster.local')), ['198.19.0.1']);
});

test.serial('a headless service follows its EndpointSlice: hostnames, not-ready endpoints left out, deletion gives NXDOMAIN', async (t) => {
  const { admin, resolver } = env!;
  const services = admin.resource('', 'v1', 'services').namespace('default');
  const slices = admin.resource('discovery.k8s.io', 'v1', 'endpointslices').namespace('default');
  await services.create({ metadata: { name: 'db' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } });
  await slices.create({
    metadata: { name: 'db-1', labels: { 'kubernetes.io/service-name': 'db' } },
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['198.18.5.1'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['198.18.5.2'], conditions: { ready: false } },
    ],
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  });
  t.deepEqual(await until('headless A', () => resolver.resolve4('db.default.svc.cluster.local')), ['198.18.5.1']);
  t.deepEqual(await resolver.resolve4('db-0.db.default.svc.cluster.local'), ['198.18.5.1']);
  t.deepEqual(await resolver.resolveSrv('_pg._tcp.db.default.svc.cluster.local'), [{ name: 'db-0.db.default.svc.cluster.local', port: 5432, priority: 0, weight: 100 }]);

  const slice = await slices.get('db-1');
  await slices.update({ ...slice, endpoints: [...(slice['endpoints'] as object[]).slice(0, 1), { addresses: ['198.18.5.2'], conditions: { ready: true } }] });
  await until('second endpoint ready', async () => (await resolver.resolve4('db.default.svc.cluster.local')).length === 2);

  await services.delete('db');
  await until('NXDOMAIN after delete', () => resolver.resolve4('db.default.svc.cluster.local').then(() => false, (err: { code?: string }) => err.code === 'ENOTFOUND'));
  t.pass();
});

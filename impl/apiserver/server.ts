/**
 * startApiServer runs the kube-apiserver: PKI and admin kubeconfig under the data dir, storage
 * (embedded SQLite or etcd3), the control plane's registry, bootstrap objects (default namespaces,
 * the `kubernetes` service), CRD serving, and the HTTPS listener with client-certificate authn.
 *
 * upstream: cmd/kube-apiserver/app/server.go (Run, CreateServerChain) and
 * pkg/controlplane/controller/kubernetesservice (the `kubernetes` service).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { networkInterfaces } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import type { Interface } from '#impl/storage/interfaces.ts';
import { buildControlPlane, trackNamespaces, type ControlPlane } from './controlplane.ts';
import { newApiHandler, type HandlerOptions } from './handler.ts';
import { ApiServerMetrics } from './metrics.ts';
import { OpenApiV3Service } from './openapi/openapi-v3.ts';
import { buildKubeconfig, ensureClientCert, ensurePki, type Pki } from './pki.ts';
import { ensureBootstrapObjects } from './bootstrap-objects.ts';
import { installCrdSupport } from './apiextensions/crd-handler.ts';
import { upgradeListener } from './endpoints/handlers/connect.ts';
import { KUBELET_CLIENT_USER, KubeletClient } from './kubelet-client.ts';
import type { KubeObject, RequestContext } from './registry/rest/strategy.ts';
import { buildAuth, type AuthFlags, type AuthWiring } from './auth-wiring.ts';
import { buildAdmission, type AdmissionFlags } from './admission-wiring.ts';
import { installAuthAPIs } from './registry/authentication/review-apis.ts';

/** ApiServerOptions are the `kubets apiserver` flags (upstream names) plus test hooks. */
export interface ApiServerOptions {
  /** `--data-dir`: PKI, kubeconfig and the SQLite database live here. */
  dataDir: string;
  /** `--secure-port` (default 6443; 0 picks a free port). */
  securePort?: number;
  /** `--bind-address` (default 127.0.0.1). */
  bindAddress?: string;
  /** `--storage-backend` (default sqlite). */
  storageBackend?: 'sqlite' | 'etcd3';
  /** `--etcd-servers` (comma-separated URLs) for etcd3. */
  etcdServers?: string;
  /** `--service-cluster-ip-range` (default 198.19.0.0/16). */
  serviceClusterIPRange?: string;
  /** `--runtime-config`. */
  runtimeConfig?: string;
  /**
   * `--advertise-address`: the IP in the `kubernetes` Endpoints/EndpointSlice (default: the bind
   * address, or the first non-loopback IPv4 when binding all interfaces).
   */
  advertiseAddress?: string;
  /** Use this storage instead of creating one (tests, benchmarks); it is not closed on stop. */
  storage?: Interface;
  /** Disable the per-resource watch cache. */
  watchCache?: boolean;
  /** Authenticator override (default: client certificates signed by the cluster CA). */
  authenticate?: HandlerOptions['authenticate'];
  /** Authentication/authorization flags (`--token-auth-file`, `--authorization-mode`...). */
  auth?: AuthFlags;
  /** `--enable-admission-plugins` / `--disable-admission-plugins`. */
  admission?: AdmissionFlags;
  /** `--kubelet-certificate-authority` (PEM file): verify kubelet serving certs; unset = not verified, as upstream. */
  kubeletCertificateAuthority?: string;
  /** `--kubelet-preferred-address-types` (default InternalIP,InternalDNS,ExternalIP,ExternalDNS,Hostname). */
  kubeletPreferredAddressTypes?: string[];
  /** Log lines (default: stderr). */
  log?: (line: string) => void;
}

/** RunningApiServer is a started apiserver. */
export interface RunningApiServer {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** `<dataDir>/admin.kubeconfig` */
  kubeconfigPath: string;
  pki: Pki;
  storage: Interface;
  controlPlane: ControlPlane;
  /** The authentication/authorization state (undefined when `authenticate` overrides it). */
  auth?: AuthWiring;
  /** Resolves when bootstrap finished (the server answers /readyz ok). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

async function openStorage(o: ApiServerOptions): Promise<{ storage: Interface; owned: boolean }> {
  if (o.storage) return { storage: o.storage, owned: false };
  if ((o.storageBackend ?? 'sqlite') === 'etcd3') {
    const endpoints = (o.etcdServers ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (endpoints.length === 0) throw new Error('--etcd-servers is required with --storage-backend=etcd3');
    const { newEtcd3Storage } = await import('#impl/storage/etcd3/store.ts');
    return { storage: newEtcd3Storage({ endpoints }), owned: true };
  }
  const dir = join(o.dataDir, 'db');
  mkdirSync(dir, { recursive: true });
  const { newSqliteStorage } = await import('#impl/storage/sqlite/store.ts');
  return { storage: newSqliteStorage({ path: join(dir, 'state.db') }), owned: true };
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** bootstrap creates the default namespaces and the `kubernetes` service (idempotent). */
async function bootstrap(cp: ControlPlane, port: number, advertise: string): Promise<void> {
  const ctx = (ns = ''): RequestContext => ({ namespace: ns, warnings: [], user: { name: 'system:apiserver', groups: ['system:masters'] }, apiVersion: 'v1' });
  const nsStore = cp.registry.lookup('', 'v1', 'namespaces')?.store;
  // Each object is read first and written only when missing or different (upstream's bootstrap
  // controller does the same): a restart then writes nothing, and compiles no schema for
  // managedFields before the first request needs one.
  const exists = (p: Promise<unknown>) => p.then(() => true, () => false);
  for (const name of SYSTEM_NAMESPACES) {
    if (!nsStore) break;
    if (await exists(nsStore.get(ctx(), name))) continue;
    try {
      await nsStore.create(ctx(), { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'kube-apiserver' });
    } catch (err) {
      if ((err as { reason?: string }).reason !== 'AlreadyExists') throw err;
    }
  }
  const svcStore = cp.registry.lookup('', 'v1', 'services')?.store;
  if (svcStore) {
    const svc: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: cp.allocators.firstIP(), ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }], sessionAffinity: 'None', type: 'ClusterIP' },
    };
    const current = await svcStore.get(ctx('default'), 'kubernetes').catch(() => undefined);
    if (!current) await svcStore.create(ctx('default'), svc, { fieldManager: 'kube-apiserver' });
    else if (!isDeepStrictEqual(current.spec?.ports, svc.spec.ports)) {
      // Keep the target port current when the apiserver moved.
      await svcStore.update(ctx('default'), 'kubernetes', (old) => {
        const next = structuredClone(old!);
        next.spec.ports = svc.spec.ports;
        return next;
      }, { fieldManager: 'kube-apiserver' });
    }
  }
  const epStore = cp.registry.lookup('', 'v1', 'endpoints')?.store;
  if (epStore) {
    const ep: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: advertise }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
    };
    const current = await epStore.get(ctx('default'), 'kubernetes').catch(() => undefined);
    if (!current || !isDeepStrictEqual(current.subsets, ep.subsets)) await epStore.update(ctx('default'), 'kubernetes', (old) => ({ ...(old ?? ep), subsets: ep.subsets, metadata: { ...(old?.metadata ?? ep.metadata) } }), { forceAllowCreate: true, fieldManager: 'kube-apiserver' });
  }
  const sliceStore = cp.registry.lookup('discovery.k8s.io', 'v1', 'endpointslices')?.store;
  if (sliceStore) {
    const slice: KubeObject = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [advertise], conditions: { ready: true } }],
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    };
    const current = await sliceStore.get(ctx('default'), 'kubernetes').catch(() => undefined);
    if (!current || !isDeepStrictEqual(current.endpoints, slice.endpoints) || !isDeepStrictEqual(current.ports, slice.ports)) await sliceStore.update(ctx('default'), 'kubernetes', (old) => ({ ...(old ?? slice), endpoints: slice.endpoints, ports: slice.ports, metadata: { ...(old?.metadata ?? slice.metadata) } }), { forceAllowCreate: true, fieldManager: 'kube-apiserver' });
  }
}

/** advertiseDefault picks the address other components reach the apiserver at. */
function advertiseDefault(bind: string): string {
  if (bind !== '0.0.0.0' && bind !== '::') return bind;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * startApiServer starts the apiserver and resolves once it listens; `ready` resolves when the
 * bootstrap objects exist. `--secure-port 0` listens on a random free port.
 */
export async function startApiServer(o: ApiServerOptions): Promise<RunningApiServer> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  mkdirSync(o.dataDir, { recursive: true });
  const pki = await ensurePki({ dataDir: o.dataDir });
  const { storage, owned } = await openStorage(o);
  const openapi = new OpenApiV3Service();
  const metrics = new ApiServerMetrics();
  // `auth` is assigned below; the escalation check only runs on requests, after start.
  const admission = buildAdmission({ storage, flags: o.admission ?? {}, metricsRegistry: metrics.registry, extraValidate: async (ctx, c) => auth?.checkRBACWrite(ctx.user, c) });
  // The kubelet client cert (CN kube-apiserver-kubelet-client, O system:masters) is issued from the
  // cluster CA on first start and reused (pki/apiserver-kubelet-client.*); kubelet serving certs are
  // verified only with --kubelet-certificate-authority.
  const kubeletClient = new KubeletClient({
    ...ensureClientCert(pki, 'apiserver-kubelet-client', KUBELET_CLIENT_USER, ['system:masters']),
    caCert: o.kubeletCertificateAuthority ? readFileSync(o.kubeletCertificateAuthority, 'utf8') : undefined,
    preferredAddressTypes: o.kubeletPreferredAddressTypes,
  });
  const cp = buildControlPlane({ storage, openapi, runtimeConfig: o.runtimeConfig, serviceClusterIPRange: o.serviceClusterIPRange, watchCache: o.watchCache, admission: () => admission.storeAdmission, kubeletClient });
  let isReady = false;
  let address = '';
  const auth = o.authenticate ? undefined : buildAuth({ dataDir: o.dataDir, caCert: pki.caCert, storage, flags: o.auth ?? {}, log });
  if (auth) installAuthAPIs(cp, auth, storage);
  const handler = newApiHandler({ registry: cp.registry, openapi, metrics, serverAddress: () => address, ready: () => isReady, authenticate: o.authenticate, auth: auth?.request });
  const server: Server = createServer(
    {
      key: pki.servingKey,
      cert: pki.servingCert,
      ca: pki.caCert,
      requestCert: true,
      rejectUnauthorized: false,
    },
    handler,
  );
  server.on('upgrade', upgradeListener(handler));
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0;
  const sockets = new Set<import('node:net').Socket>();
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const bind = o.bindAddress ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.securePort ?? 6443, bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  address = `${host}:${port}`;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const kubeconfigPath = join(o.dataDir, 'admin.kubeconfig');
  writeFileSync(kubeconfigPath, buildKubeconfig({ server: url, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey }), { mode: 0o600 });
  const stopCtl = new AbortController();
  const crd = installCrdSupport({ controlPlane: cp, openapi, storage, signal: stopCtl.signal });
  const ready = (async () => {
    await trackNamespaces(storage, cp.namespaces, stopCtl.signal);
    await auth?.start(stopCtl.signal);
    await admission.start(stopCtl.signal);
    await bootstrap(cp, port, o.advertiseAddress ?? advertiseDefault(bind));
    await ensureBootstrapObjects(cp.registry, { storage, serviceClusterIPRange: cp.allocators.cidr });
    await crd.start();
    isReady = true;
  })();
  ready.catch((err: unknown) => log(`apiserver: bootstrap failed: ${err instanceof Error ? err.stack : String(err)}`));
  log(`kubets apiserver listening on ${url} (storage ${o.storage ? 'injected' : (o.storageBackend ?? 'sqlite')}); kubeconfig ${kubeconfigPath}`);
  return {
    url,
    port,
    kubeconfigPath,
    pki,
    storage,
    controlPlane: cp,
    auth,
    ready,
    async stop() {
      stopCtl.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await ready.catch(() => {});
      await cp.close();
      kubeletClient.close();
      if (owned) await storage.close();
    },
  };
}

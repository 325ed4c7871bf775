/**
 * startClusterDns runs the cluster DNS server (the role CoreDNS plays in a kubeadm cluster):
 * informers on Services and EndpointSlices feed {@link KubernetesZone}, and {@link startDnsServer}
 * answers on UDP and TCP. Ready once both caches have synced.
 */
import type { EndpointSlice, Service } from '#generated/k8s/index.ts';
import { loadKubeconfig, RestClient, SharedInformerFactory, waitForCacheSync, type KubeObject } from '#impl/client/index.ts';
import { realClock, type Clock } from '#impl/apimachinery/util/clock/index.ts';
import pino, { type Logger } from 'pino';
import { KubernetesZone, type ClusterState } from './kubernetes/kubernetes.ts';
import { startDnsServer, type DnsServer } from './server.ts';

/** SERVICE_NAME_LABEL ties an EndpointSlice to its Service. */
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const BY_SERVICE = 'byService';

/** ClusterDnsOptions configure {@link startClusterDns}. */
export interface ClusterDnsOptions {
  /** A client, or a kubeconfig path to build one from. */
  client?: RestClient;
  kubeconfig?: string;
  /** Cluster domain (default `cluster.local`). */
  clusterDomain?: string;
  bindAddress?: string;
  /** UDP and TCP port (default 53; 0 = a free one). */
  port?: number;
  /** Nameservers for other names (default none: SERVFAIL). */
  upstreams?: string[];
  ttl?: number;
  clock?: Clock;
  logger?: Logger;
  signal?: AbortSignal;
}

/** ClusterDns is a running cluster DNS server. */
export interface ClusterDns {
  server: DnsServer;
  zone: KubernetesZone;
  /** Resolves once the Service and EndpointSlice caches have synced. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * startClusterDns binds the server at once (so its port can be published before the caches fill)
 * and starts the informers; until both caches have synced, cluster names get SERVFAIL, as CoreDNS
 * answers before its kubernetes plugin is ready. `ready` resolves once they have.
 */
export async function startClusterDns(o: ClusterDnsOptions): Promise<ClusterDns> {
  const logger = o.logger ?? pino({ name: 'kubets-dns' });
  const client = o.client ?? new RestClient({ ...loadKubeconfig(o.kubeconfig ? { path: o.kubeconfig } : {}), userAgent: 'kubets-dns/kubets' });
  const ctrl = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, ctrl.signal]) : ctrl.signal;
  const clock = o.clock ?? realClock;
  const factory = new SharedInformerFactory(client, { clock, dropManagedFields: true });
  const services = factory.forResource<Service & KubeObject>({ group: '', version: 'v1', resource: 'services' });
  const slices = factory.forResource<EndpointSlice & KubeObject>(
    { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
    { indexers: { [BY_SERVICE]: (s) => (s.metadata?.labels?.[SERVICE_NAME_LABEL] ? [`${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}`] : []) } },
  );
  factory.start(signal);
  let synced = false;
  const ready = waitForCacheSync(signal, [() => services.informer().hasSynced(), () => slices.informer().hasSynced()], clock).then((ok) => {
    if (!ok) throw new Error('cluster DNS: stopped before its caches synced');
    synced = true;
    logger.info('cluster DNS caches synced');
  });
  ready.catch(() => undefined);

  const state: ClusterState = {
    getService: (ns, name) => services.informer().getStore().getByKey(`${ns}/${name}`),
    listServices: () => services.informer().getStore().list(),
    endpointSlices: (ns, name) => slices.informer().getIndexer().byIndex(BY_SERVICE, `${ns}/${name}`),
  };
  const zone = new KubernetesZone({ clusterDomain: o.clusterDomain ?? 'cluster.local', state, ttl: o.ttl });
  let server: DnsServer;
  try {
    server = await startDnsServer({ zone, bindAddress: o.bindAddress, port: o.port ?? 53, upstreams: o.upstreams, ready: () => synced });
  } catch (err) {
    ctrl.abort();
    await factory.shutdown();
    throw err;
  }
  logger.info({ address: server.address, port: server.port, zone: zone.zone, upstreams: o.upstreams ?? [] }, 'cluster DNS serving');

  let stopping: Promise<void> | undefined;
  return {
    server,
    zone,
    ready,
    stop: () =>
      (stopping ??= (async () => {
        await server.close();
        ctrl.abort();
        await factory.shutdown();
      })()),
  };
}

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
  stop(): Promise<void>;
}

/** startClusterDns starts the informers, waits for their caches, then serves. */
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
  const synced = await waitForCacheSync(signal, [() => services.informer().hasSynced(), () => slices.informer().hasSynced()], clock);
  if (!synced) {
    ctrl.abort();
    await factory.shutdown();
    throw new Error('cluster DNS: caches did not sync (stopped before the API answered)');
  }

  const state: ClusterState = {
    getService: (ns, name) => services.informer().getStore().getByKey(`${ns}/${name}`),
    listServices: () => services.informer().getStore().list(),
    endpointSlices: (ns, name) => slices.informer().getIndexer().byIndex(BY_SERVICE, `${ns}/${name}`),
  };
  const zone = new KubernetesZone({ clusterDomain: o.clusterDomain ?? 'cluster.local', state, ttl: o.ttl });
  const server = await startDnsServer({ zone, bindAddress: o.bindAddress, port: o.port ?? 53, upstreams: o.upstreams });
  logger.info({ address: server.address, port: server.port, zone: zone.zone, upstreams: o.upstreams ?? [] }, 'cluster DNS serving');

  let stopping: Promise<void> | undefined;
  return {
    server,
    zone,
    stop: () =>
      (stopping ??= (async () => {
        await server.close();
        ctrl.abort();
        await factory.shutdown();
      })()),
  };
}

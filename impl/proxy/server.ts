/**
 * The kube-proxy process (upstream `cmd/kube-proxy/app/server.go`): {@link startProxy} checks
 * that iptables works, starts Service and EndpointSlice informers, feeds a {@link Proxier} and
 * serves `/healthz` (upstream `--healthz-bind-address`, JSON as `pkg/proxy/healthcheck`) and
 * `/metrics` (`--metrics-bind-address`) over plain HTTP. Stopping removes every rule the instance
 * owns (kubets' proxy never outlives its cluster; upstream leaves rules until `--cleanup`).
 *
 * Like upstream, the informers skip objects labelled `service.kubernetes.io/service-proxy-name`
 * (another proxy's) and EndpointSlices of headless Services.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EndpointSlice, Service } from '#generated/k8s/index.ts';
import { RestClient, loadKubeconfig } from '#impl/client/index.ts';
import { DeletedFinalStateUnknown, newListWatchFromClient, newSharedIndexInformer, waitForCacheSync, type SharedIndexInformer } from '#impl/client/tools/cache/index.ts';
import { newConntrackRunner } from './conntrack/cleanup.ts';
import { clusterTag, isValidTag } from './iptables/chain-names.ts';
import { Proxier, cleanupInstance } from './iptables/proxier.ts';
import { newIptablesRunner, type IptablesRunner } from './util/iptables/iptables.ts';

/** PROXY_INFORMER_LABEL_SELECTOR is upstream's `!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless`. */
export const PROXY_INFORMER_LABEL_SELECTOR = '!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless';

/** ProxyOptions configure {@link startProxy}. */
export interface ProxyOptions {
  /** `--kubeconfig` (unless `client` is given). */
  kubeconfig?: string;
  client?: RestClient;
  /** `--hostname-override`: the node name (default: the host name, lower case). */
  hostnameOverride?: string;
  /** `--cluster-cidr`: the pod range; service traffic from outside it is masqueraded. */
  clusterCIDR?: string;
  /** `--masquerade-all`. */
  masqueradeAll?: boolean;
  /** `--proxy-mode`: only `iptables` (the default) is implemented. */
  proxyMode?: string;
  /** The instance tag (`--cluster-tag`); default derived from the apiserver URL. */
  clusterTag?: string;
  /** `--healthz-bind-address` host:port ('' = off). */
  healthzBindAddress?: string;
  /** `--metrics-bind-address` host:port ('' = off). */
  metricsBindAddress?: string;
  /** `--iptables-min-sync-period` / `--iptables-sync-period` in ms. */
  minSyncPeriodMs?: number;
  syncPeriodMs?: number;
  /** Let node ports answer on 127.0.0.1 (upstream `--iptables-localhost-nodeports`, default true: sets `route_localnet`). */
  localhostNodePorts?: boolean;
  iptables?: IptablesRunner;
  logger?: Logger;
  signal?: AbortSignal;
}

/** RunningProxy is a started proxy. */
export interface RunningProxy {
  tag: string;
  nodeName: string;
  proxier: Proxier;
  /** synced resolves after the first successful rule sync. */
  synced: Promise<void>;
  healthzUrl?: string;
  metricsUrl?: string;
  /** stop ends the informers and removes every rule and chain the instance owns. */
  stop(): Promise<void>;
}

/** defaultProxyTag is the instance tag a proxy uses when none is given: derived from the apiserver URL (unique per running cluster on a machine). */
export function defaultProxyTag(server: string): string {
  return clusterTag(`server:${server}`);
}

/**
 * startProxy runs kube-proxy in iptables mode. It rejects, before touching anything, when
 * iptables is missing or not permitted (callers such as `kubets up` log it and go on).
 */
export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const logger = opts.logger ?? pino({ name: 'kube-proxy' }, pino.destination(2));
  if (opts.proxyMode && opts.proxyMode !== 'iptables') throw new Error(`--proxy-mode ${opts.proxyMode} is not supported; kubets implements iptables`);
  const iptables = opts.iptables ?? newIptablesRunner();
  let version: string;
  try {
    version = await iptables.version();
  } catch (err) {
    throw new Error(`kube-proxy needs a working iptables (root, nf_tables or legacy): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const client = opts.client ?? new RestClient({ ...loadKubeconfig(opts.kubeconfig ? { path: opts.kubeconfig } : {}), userAgent: 'kube-proxy/kubets' });
  const tag = opts.clusterTag ?? defaultProxyTag(client.config.server);
  if (!isValidTag(tag)) throw new Error(`--cluster-tag must be 1-5 characters of [a-z0-9], not ${JSON.stringify(tag)}`);
  const nodeName = (opts.hostnameOverride || hostname()).toLowerCase();
  if (opts.localhostNodePorts ?? true) enableRouteLocalnet(logger);

  const registry = new Registry();
  const syncDuration = new Histogram({ name: 'kubeproxy_sync_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds', buckets: [0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 30], registers: [registry] });
  const lastSync = new Gauge({ name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', help: 'The last time proxy rules were successfully synced', registers: [registry] });
  const restores = new Counter({ name: 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total', help: 'Cumulative proxy iptables restore failures', registers: [registry] });
  const syncs = new Counter({ name: 'kubeproxy_sync_full_proxy_rules_total', help: 'Number of proxy rule syncs', registers: [registry] });

  let resolveSynced!: () => void;
  const synced = new Promise<void>((r) => (resolveSynced = r));
  const proxier = new Proxier({
    tag,
    nodeName,
    clusterCIDR: opts.clusterCIDR,
    masqueradeAll: opts.masqueradeAll,
    iptables,
    conntrack: newConntrackRunner({ onError: (err) => logger.warn({ err: err.message }, 'conntrack cleanup failed') }),
    minSyncPeriodMs: opts.minSyncPeriodMs,
    syncPeriodMs: opts.syncPeriodMs,
    logger,
    onSync: ({ ok, durationMs }) => {
      syncs.inc();
      syncDuration.observe(durationMs / 1000);
      if (ok) {
        lastSync.set(Date.now() / 1000);
        resolveSynced();
      } else restores.inc();
    },
  });

  const controller = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
  const strip = <T extends { metadata?: { managedFields?: unknown } }>(o: T): T => {
    if (o.metadata?.managedFields) o.metadata.managedFields = undefined;
    return o;
  };
  const svcInformer: SharedIndexInformer<Service> = newSharedIndexInformer<Service>({
    listWatch: newListWatchFromClient(client.resource('', 'v1', 'services').as<Service>(), { labelSelector: PROXY_INFORMER_LABEL_SELECTOR }),
    objectType: 'Service',
    transform: strip,
  });
  const sliceInformer: SharedIndexInformer<EndpointSlice> = newSharedIndexInformer<EndpointSlice>({
    listWatch: newListWatchFromClient(client.resource('discovery.k8s.io', 'v1', 'endpointslices').as<EndpointSlice>(), { labelSelector: PROXY_INFORMER_LABEL_SELECTOR }),
    objectType: 'EndpointSlice',
    transform: strip,
  });
  const unwrap = <T>(o: T | DeletedFinalStateUnknown<T>): T => (o instanceof DeletedFinalStateUnknown ? o.obj : o);
  svcInformer.addEventHandler({
    onAdd: (s) => proxier.onServiceUpdate(s),
    onUpdate: (_o, s) => proxier.onServiceUpdate(s),
    onDelete: (s) => proxier.onServiceDelete(unwrap(s)),
  });
  sliceInformer.addEventHandler({
    onAdd: (s) => proxier.onEndpointSliceUpdate(s),
    onUpdate: (_o, s) => proxier.onEndpointSliceUpdate(s),
    onDelete: (s) => proxier.onEndpointSliceDelete(unwrap(s)),
  });
  const running = [svcInformer.run(signal), sliceInformer.run(signal)];
  void waitForCacheSync(signal, [() => svcInformer.hasSynced(), () => sliceInformer.hasSynced()]).then((ok) => {
    if (ok) proxier.setInitialized();
  });
  logger.info({ version, tag, nodeName, clusterCIDR: opts.clusterCIDR }, 'kube-proxy started in iptables mode');

  const servers: Server[] = [];
  const healthzUrl = opts.healthzBindAddress ? await serve(servers, opts.healthzBindAddress, (path) => {
    if (path !== '/healthz' && path !== '/livez') return undefined;
    const now = Date.now();
    const period = opts.syncPeriodMs ?? 30_000;
    // Healthy: synced recently, and no change has been waiting longer than a sync period (upstream healthcheck.ProxierHealthServer).
    const healthy = proxier.lastSyncSuccess > 0 && (proxier.lastChange === 0 || now - proxier.lastChange < 2 * period);
    const body = JSON.stringify({ lastUpdated: new Date(proxier.lastSyncSuccess || now).toISOString(), currentTime: new Date(now).toISOString(), nodeName, nodeHealthy: healthy, healthy });
    return { status: healthy ? 200 : 503, type: 'application/json', body };
  }) : undefined;
  const metricsUrl = opts.metricsBindAddress ? await serve(servers, opts.metricsBindAddress, async (path) => (path === '/metrics' ? { status: 200, type: registry.contentType, body: await registry.metrics() } : undefined)) : undefined;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      controller.abort();
      await Promise.allSettled(running);
      await proxier.stop();
      for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
      try {
        const removed = await cleanupInstance(iptables, tag);
        logger.info({ tag, ...removed }, 'kube-proxy stopped; rules removed');
      } catch (err) {
        logger.error({ err: String(err), tag }, 'kube-proxy cleanup failed');
      }
      if (!opts.client) client.close();
    })());
  return { tag, nodeName, proxier, synced, healthzUrl, metricsUrl, stop };
}

/**
 * cleanupProxyRules is `kube-proxy --cleanup` for one instance: it removes the rules and chains
 * tagged `tag` and nothing else.
 */
export async function cleanupProxyRules(tag: string, iptables: IptablesRunner = newIptablesRunner()): Promise<{ rules: number; chains: number }> {
  if (!isValidTag(tag)) throw new Error(`invalid cluster tag ${JSON.stringify(tag)}`);
  return cleanupInstance(iptables, tag);
}

type Handler = (path: string) => { status: number; type: string; body: string } | undefined | Promise<{ status: number; type: string; body: string } | undefined>;

async function serve(servers: Server[], bind: string, handler: Handler): Promise<string> {
  const i = bind.lastIndexOf(':');
  const host = i > 0 ? bind.slice(0, i).replace(/^\[|\]$/g, '') : bind;
  const port = i > 0 ? Number(bind.slice(i + 1)) : 0;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    void Promise.resolve(handler(path)).then(
      (out) => {
        if (!out) {
          res.writeHead(404).end('404 page not found\n');
          return;
        }
        res.writeHead(out.status, { 'content-type': out.type }).end(out.body);
      },
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  servers.push(server);
  const addr = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
}

/** enableRouteLocalnet sets `net.ipv4.conf.all.route_localnet=1` so node ports answer on 127.0.0.1 (upstream does the same). */
function enableRouteLocalnet(logger: Logger): void {
  const file = '/proc/sys/net/ipv4/conf/all/route_localnet';
  try {
    if (readFileSync(file, 'utf8').trim() !== '1') writeFileSync(file, '1');
  } catch (err) {
    logger.warn({ err: String(err) }, 'cannot set route_localnet; node ports will not answer on 127.0.0.1');
  }
}

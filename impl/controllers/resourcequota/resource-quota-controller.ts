/**
 * ResourceQuotaController keeps every ResourceQuota's `status.hard` equal to its `spec.hard`
 * and its `status.used` equal to what the namespace really uses (upstream
 * `pkg/controller/resourcequota/resource_quota_controller.go`). The queue holds quota keys
 * (`namespace/name`). A quota is synced when it is created or its spec changes, when an object
 * of a resource it measures changes in its namespace (the quota monitor's replenishment), and
 * on a full resync every `--resource-quota-sync-period` (default 5 m).
 *
 * Usage is computed from informer caches: pods, services, configmaps, secrets,
 * persistentvolumeclaims, replicationcontrollers and resourcequotas are monitored from the
 * start; any other `count/<resource>.<group>` gets a monitor (an informer resolved through
 * discovery) the first time a quota names it. The ResourceQuota admission plugin updates
 * `status.used` on each create; this controller releases usage on deletes and corrects drift.
 */
import type { ResourceQuota } from '#generated/k8s/index.ts';
import { parseQuantity } from '#impl/apimachinery/index.ts';
import { isConflict, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, sleepUntilAborted, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike, type GVR } from '../controller-client.ts';
import type { Controller, InformerSource } from '../controller-context.ts';
import { objectKey, unwrapTombstone } from '../controller-utils.ts';
import type { DiscoveryInterface } from '#impl/client/discovery/index.ts';
import { runWorkers, type ReconcileResult } from '../worker-loop.ts';
import { calculateUsage, resourceForQuotaName, type GroupResource } from './resource-quota-usage.ts';

/** RESOURCE_QUOTA_CONTROLLER_NAME is the upstream controller name. */
export const RESOURCE_QUOTA_CONTROLLER_NAME = 'resourcequota-controller';
/** DEFAULT_RESOURCE_QUOTA_SYNC_PERIOD_MS is upstream `--resource-quota-sync-period` (5 m). */
export const DEFAULT_RESOURCE_QUOTA_SYNC_PERIOD_MS = 5 * 60 * 1000;

const RESOURCE_QUOTAS: GVR = { group: '', version: 'v1', resource: 'resourcequotas' };

/** STATIC_MONITORS are the resources watched from the start (upstream's evaluators with informers). */
const STATIC_MONITORS: readonly GVR[] = [
  { group: '', version: 'v1', resource: 'pods' },
  { group: '', version: 'v1', resource: 'services' },
  { group: '', version: 'v1', resource: 'configmaps' },
  { group: '', version: 'v1', resource: 'secrets' },
  { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  { group: '', version: 'v1', resource: 'replicationcontrollers' },
];

/** ResourceQuotaControllerOptions configure {@link ResourceQuotaController}. */
export interface ResourceQuotaControllerOptions {
  client: ClientLike;
  quotaInformer: GenericInformer;
  /** Source of the monitored resources' informers. */
  informers: InformerSource;
  /** Resolves `count/<resource>.<group>` to a served version (optional in tests). */
  discovery?: DiscoveryInterface;
  /** Starts informers created after the factory's first start. */
  startInformers?: () => void;
  /** `--resource-quota-sync-period` in ms (default 5 m; 0 = no periodic resync). */
  resyncPeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
  queue?: RateLimitingInterface<string>;
}

const grKey = (gr: GroupResource): string => (gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`);

/** ResourceQuotaController implements the resourcequota controller. */
export class ResourceQuotaController implements Controller {
  readonly name = RESOURCE_QUOTA_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** group-resource -> informer of the monitored resource. */
  private readonly monitors = new Map<string, GenericInformer>();
  /** group-resources being resolved through discovery. */
  private readonly pending = new Set<string>();

  constructor(private readonly opts: ResourceQuotaControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = opts.queue ?? new RateLimitingQueue<string>({ name: 'resourcequota_primary', clock: this.clock });
    opts.quotaInformer.informer().addEventHandler({
      onAdd: (q) => {
        this.queue.add(objectKey(q));
        if (q.metadata?.namespace) this.enqueueNamespace(q.metadata.namespace, 'resourcequotas');
      },
      onUpdate: (old, q) => {
        // upstream: only spec changes and a status.hard out of step with spec.hard need a sync.
        if (JSON.stringify(old.spec) !== JSON.stringify(q.spec) || JSON.stringify(q.status?.hard ?? {}) !== JSON.stringify(q.spec?.hard ?? {})) this.queue.add(objectKey(q));
      },
      onDelete: (q) => {
        const ns = unwrapTombstone(q as never).metadata?.namespace;
        if (ns) this.enqueueNamespace(ns, 'resourcequotas');
      },
    });
    this.monitors.set('resourcequotas', opts.quotaInformer);
    for (const gvr of STATIC_MONITORS) this.addMonitor(gvr, opts.informers.forResource(gvr));
  }

  private addMonitor(gvr: GVR, inf: GenericInformer): void {
    const gr = grKey(gvr);
    if (this.monitors.has(gr)) return;
    this.monitors.set(gr, inf);
    const replenish = (o: KubeObject | { key: string; obj: unknown }): void => {
      const ns = unwrapTombstone(o as never).metadata?.namespace;
      if (ns) this.enqueueNamespace(ns, gr);
    };
    inf.informer().addEventHandler({ onAdd: replenish, onUpdate: (_o, n) => replenish(n), onDelete: replenish });
  }

  /** enqueueNamespace queues the quotas of `namespace` that measure `gr` (upstream `replenishQuota`). */
  private enqueueNamespace(namespace: string, gr: string): void {
    for (const q of this.opts.quotaInformer.lister().byNamespace(namespace).list()) {
      const measured = Object.keys(q.spec?.hard ?? {}).some((n) => {
        const r = resourceForQuotaName(n);
        return r !== undefined && grKey(r) === gr;
      });
      if (measured) this.queue.add(objectKey(q));
    }
  }

  /** ensureMonitor returns the informer of `gr`, starting one (via discovery) if needed; undefined while it is not ready. */
  private async ensureMonitor(gr: GroupResource): Promise<GenericInformer | 'unknown' | undefined> {
    const key = grKey(gr);
    const inf = this.monitors.get(key);
    if (inf) return inf.informer().hasSynced() ? inf : undefined;
    if (!this.opts.discovery || this.pending.has(key)) return undefined;
    this.pending.add(key);
    try {
      const { resources } = await this.opts.discovery.serverPreferredResources();
      const r = resources.find((x) => x.group === gr.group && x.resource === gr.resource && x.verbs.includes('list') && x.verbs.includes('watch'));
      if (!r) return 'unknown';
      const gvr = { group: r.group, version: r.version, resource: r.resource };
      this.addMonitor(gvr, this.opts.informers.forResource(gvr));
      this.opts.startInformers?.();
      return undefined;
    } finally {
      this.pending.delete(key);
    }
  }

  /** reconcile is upstream `syncResourceQuotaFromKey`: recompute usage and write the status if it changed. */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const quota = this.opts.quotaInformer.lister().byNamespace(namespace).get(name) as ResourceQuota | undefined;
    if (!quota) return;
    const hard = (quota.spec?.hard ?? {}) as Record<string, string>;
    const byResource = new Map<string, { gr: GroupResource; names: string[] }>();
    const used: Record<string, string> = {};
    for (const n of Object.keys(hard)) {
      const gr = resourceForQuotaName(n);
      if (!gr) continue;
      const k = grKey(gr);
      if (!byResource.has(k)) byResource.set(k, { gr, names: [] });
      byResource.get(k)!.names.push(n);
    }
    let notReady = false;
    const now = this.clock.now();
    for (const { gr, names } of byResource.values()) {
      const inf = await this.ensureMonitor(gr);
      if (inf === 'unknown') {
        // Nothing serves it: nothing uses it.
        for (const n of names) used[n] = '0';
        continue;
      }
      if (!inf) {
        notReady = true;
        continue;
      }
      const objects = inf.lister().byNamespace(namespace).list();
      for (const [n, q] of calculateUsage(quota, gr, names, objects, now)) used[n] = q.toString();
    }
    if (notReady) return { requeueAfter: 500 };
    // Keep the previous value of a name nothing measures (upstream keeps unknown usage as is).
    const prevUsed = (quota.status?.used ?? {}) as Record<string, string>;
    for (const n of Object.keys(hard)) if (used[n] === undefined && prevUsed[n] !== undefined) used[n] = prevUsed[n]!;
    if (sameResources(quota.status?.hard as Record<string, string> | undefined, hard) && sameResources(prevUsed, used)) return;
    const next = structuredClone(quota) as KubeObject;
    next.status = { hard: { ...hard }, used };
    try {
      await resourceFor(this.opts.client, RESOURCE_QUOTAS, namespace).update(next, { subresource: 'status' });
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) return { requeueAfter: 0 };
      throw err;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [() => this.opts.quotaInformer.informer().hasSynced(), ...[...this.monitors.values()].map((m) => () => m.informer().hasSynced())];
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    const period = this.opts.resyncPeriodMs ?? DEFAULT_RESOURCE_QUOTA_SYNC_PERIOD_MS;
    const resync = (async () => {
      if (period <= 0) return;
      while (await sleepUntilAborted(this.clock, period, signal)) {
        for (const q of this.opts.quotaInformer.lister().list()) this.queue.add(objectKey(q));
      }
    })();
    await Promise.all([runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger }), resync]);
  }
}

/** sameResources compares two ResourceLists by quantity value (`1000m` equals `1`). */
export function sameResources(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    const vb = b?.[k];
    if (vb === undefined) return false;
    try {
      if (parseQuantity(String(a![k])).cmp(parseQuantity(String(vb))) !== 0) return false;
    } catch {
      if (String(a![k]) !== String(vb)) return false;
    }
  }
  return true;
}

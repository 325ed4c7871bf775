/**
 * EndpointSliceController publishes the pods selected by each Service as
 * `discovery.k8s.io/v1` EndpointSlices (upstream `pkg/controller/endpointslice`): one
 * endpoint per pod IP with ready/serving/terminating conditions, targetRef and nodeName;
 * ports resolved per pod (pods resolving named ports differently get different slices); at
 * most 100 endpoints per slice; slices labelled `kubernetes.io/service-name` and managed-by
 * `endpointslice-controller.k8s.io`, owned by the Service. A Service with no ready pods gets an
 * empty placeholder slice. Services without a selector are not managed.
 */
import { isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { labels } from '#impl/apimachinery/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike, type GVR } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { newControllerRef, unwrapTombstone } from '../controller-utils.ts';
import { findPort, managedSelector, podIsReady, servicesForPod, shouldPodBeInEndpoints, type ServicePort } from '../util/endpoint/controller-utils.ts';
import { runWorkers, type ReconcileResult } from '../worker-loop.ts';

/** ENDPOINTSLICE_CONTROLLER_NAME is the upstream controller name. */
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller';
/** MANAGED_BY is the managed-by label value of slices this controller owns. */
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
/** LABEL_SERVICE_NAME / LABEL_MANAGED_BY are the slice labels. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** MAX_ENDPOINTS_PER_SLICE is upstream's `--max-endpoints-per-slice` default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

const SLICES: GVR = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

/** EndpointSliceControllerOptions configure {@link EndpointSliceController}. */
export interface EndpointSliceControllerOptions {
  client: ClientLike;
  serviceInformer: GenericInformer;
  podInformer: GenericInformer;
  sliceInformer: GenericInformer;
  maxEndpointsPerSlice?: number;
  clock?: Clock;
  logger?: Logger;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v as object).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${k}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** EndpointSliceController implements the endpointslice controller. */
export class EndpointSliceController implements Controller {
  readonly name = ENDPOINTSLICE_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly max: number;
  /**
   * What this controller last wrote per Service (slice name -> resourceVersion, '' for
   * deleted), so a sync on a cache that has not seen those writes yet waits instead of
   * creating duplicates (upstream `endpointSliceTracker`).
   */
  private readonly written = new Map<string, Map<string, string>>();

  constructor(private readonly opts: EndpointSliceControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.max = opts.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
    this.queue = new RateLimitingQueue<string>({ name: 'endpoint_slice', clock: this.clock });
    const svcKey = (s: KubeObject): string => `${s.metadata?.namespace}/${s.metadata?.name}`;
    opts.serviceInformer.informer().addEventHandler({
      onAdd: (s) => this.queue.add(svcKey(s)),
      onUpdate: (_o, s) => this.queue.add(svcKey(s)),
      onDelete: (s) => this.queue.add(svcKey(unwrapTombstone(s))),
    });
    const podChanged = (pod: KubeObject): void => {
      for (const k of servicesForPod(opts.serviceInformer, pod)) this.queue.add(k);
    };
    opts.podInformer.informer().addEventHandler({
      onAdd: podChanged,
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        podChanged(old);
        podChanged(cur);
      },
      onDelete: (p) => podChanged(unwrapTombstone(p)),
    });
    const sliceChanged = (s: KubeObject): void => {
      const svc = s.metadata?.labels?.[LABEL_SERVICE_NAME];
      if (svc && s.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGED_BY) this.queue.add(`${s.metadata?.namespace}/${svc}`);
    };
    // A deleted slice is no longer awaited in the cache (upstream endpointSliceTracker
    // HandleDeletion): else a slice someone else deleted would keep the Service stale forever.
    const sliceDeleted = (s: KubeObject): void => {
      const svc = s.metadata?.labels?.[LABEL_SERVICE_NAME];
      if (svc) this.written.get(`${s.metadata?.namespace}/${svc}`)?.delete(s.metadata?.name ?? '');
      sliceChanged(s);
    };
    opts.sliceInformer.informer().addEventHandler({ onUpdate: (_o, s) => sliceChanged(s), onDelete: (s) => sliceDeleted(unwrapTombstone(s)) });
  }

  /** desiredSlices computes the slices a Service should have (without names). */
  desiredSlices(svc: KubeObject, pods: KubeObject[]): Array<{ ports: unknown[] | null; endpoints: unknown[] }> {
    const servicePorts = (svc.spec?.ports ?? []) as ServicePort[];
    const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
    const groups = new Map<string, { ports: unknown[]; endpoints: Array<Record<string, unknown>> }>();
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod)) continue;
      const ips = ((pod.status?.podIPs ?? []) as Array<{ ip: string }>).map((p) => p.ip);
      const ipv4 = (ips.length ? ips : [pod.status.podIP]).find((ip: string) => !ip.includes(':'));
      if (!ipv4) continue;
      const ports = servicePorts
        .map((sp) => {
          const port = findPort(pod, sp);
          if (port === undefined) return undefined;
          const out: Record<string, unknown> = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
          if (sp.appProtocol) out.appProtocol = sp.appProtocol;
          return out;
        })
        .filter((p): p is Record<string, unknown> => p !== undefined);
      const key = canonical(ports);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ports, endpoints: [] }));
      const terminating = !!pod.metadata?.deletionTimestamp;
      const ready = podIsReady(pod);
      const ep: Record<string, unknown> = {
        addresses: [ipv4],
        conditions: { ready: publishNotReady || (ready && !terminating), serving: publishNotReady || ready, terminating },
        targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
      };
      if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
      if (pod.spec?.hostname && pod.spec?.subdomain === svc.metadata?.name) ep.hostname = pod.spec.hostname;
      g.endpoints.push(ep);
    }
    const out: Array<{ ports: unknown[] | null; endpoints: unknown[] }> = [];
    for (const g of [...groups.values()].sort((a, b) => (canonical(a.ports) < canonical(b.ports) ? -1 : 1))) {
      g.endpoints.sort((a, b) => ((a.addresses as string[])[0]! < (b.addresses as string[])[0]! ? -1 : 1));
      for (let i = 0; i < g.endpoints.length; i += this.max) out.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + this.max) });
    }
    if (out.length === 0) out.push({ ports: null, endpoints: [] }); // placeholder
    return out;
  }

  private cacheIsStale(key: string, namespace: string): boolean {
    const w = this.written.get(key);
    if (!w) return false;
    const lister = this.opts.sliceInformer.lister().byNamespace(namespace);
    for (const [slice, rv] of w) {
      const cur = lister.get(slice);
      if (rv === '' ? cur !== undefined : !cur || Number(cur.metadata?.resourceVersion ?? 0) < Number(rv)) return true;
    }
    this.written.delete(key);
    return false;
  }

  /** reconcile syncs one Service's slices (upstream `syncService` + reconciler). */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace = '', name = ''] = key.split('/');
    if (this.cacheIsStale(key, namespace)) return { requeueAfter: 50 };
    const svc = this.opts.serviceInformer.lister().byNamespace(namespace).get(name);
    if (!svc || svc.metadata?.deletionTimestamp) return; // owned slices are garbage collected
    const sel = managedSelector(svc);
    if (!sel) return;
    const selector = labels.selectorFromSet(sel);
    const pods = this.opts.podInformer.lister().byNamespace(namespace).list().filter((p) => selector.matches(p.metadata?.labels ?? {}));
    const desired = this.desiredSlices(svc, pods);
    const existing = this.opts.sliceInformer
      .lister()
      .byNamespace(namespace)
      .list()
      .filter((s) => s.metadata?.labels?.[LABEL_SERVICE_NAME] === name && s.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGED_BY)
      .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
    const api = resourceFor(this.opts.client, SLICES, namespace);
    const sliceLabels = { ...(svc.metadata?.labels ?? {}), [LABEL_SERVICE_NAME]: name, [LABEL_MANAGED_BY]: MANAGED_BY };
    const ref = newControllerRef(svc, { group: '', version: 'v1', kind: 'Service' });
    // Keep slices whose content already matches a desired one; reuse the others for updates.
    const remaining = [...desired];
    const unmatched: KubeObject[] = [];
    for (const s of existing) {
      const i = remaining.findIndex((d) => canonical(d.endpoints) === canonical(s.endpoints ?? []) && canonical(d.ports ?? null) === canonical(s.ports ?? null));
      if (i >= 0 && canonical(s.metadata?.labels) === canonical(sliceLabels)) remaining.splice(i, 1);
      else unmatched.push(s);
    }
    for (const d of remaining) {
      const reuse = unmatched.shift();
      const body: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: reuse ? { ...structuredClone(reuse.metadata), labels: sliceLabels } : { generateName: `${name}-`, namespace, labels: sliceLabels, ownerReferences: [ref] },
        addressType: 'IPv4',
        endpoints: d.endpoints,
        ports: d.ports ?? undefined,
      };
      const out = reuse ? await api.update(body) : await api.create(body);
      this.track(key, out.metadata?.name ?? '', out.metadata?.resourceVersion ?? '0');
    }
    for (const s of unmatched) {
      await api.delete(s.metadata!.name!, { preconditions: { uid: s.metadata?.uid } }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      this.track(key, s.metadata!.name!, '');
    }
  }

  private track(key: string, slice: string, rv: string): void {
    let w = this.written.get(key);
    if (!w) this.written.set(key, (w = new Map()));
    w.set(slice, rv);
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [this.opts.serviceInformer, this.opts.podInformer, this.opts.sliceInformer].map((i) => () => i.informer().hasSynced());
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

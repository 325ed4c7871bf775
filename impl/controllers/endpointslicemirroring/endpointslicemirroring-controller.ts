/**
 * EndpointSliceMirroringController mirrors custom Endpoints into EndpointSlices (upstream
 * `pkg/controller/endpointslicemirroring`): for a Service without a selector whose Endpoints
 * someone else maintains, each subset becomes slices (per address family) labelled
 * `kubernetes.io/service-name` and managed-by `endpointslicemirroring-controller.k8s.io`, owned by
 * the Endpoints, carrying its labels and annotations (less the trigger-time and last-applied
 * ones). Ready addresses are ready endpoints, notReadyAddresses are not; at most 1000 addresses
 * of a subset are mirrored. Endpoints labelled `endpointslice.kubernetes.io/skip-mirror: "true"`,
 * Services with a selector, and missing Services or Endpoints get no (or no more) mirrored slices.
 */
import { isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike, type GVR } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { newControllerRef, unwrapTombstone } from '../controller-utils.ts';
import { runWorkers } from '../worker-loop.ts';

/** ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME is the upstream controller name. */
export const ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME = 'endpointslice-mirroring-controller';
/** MIRRORING_MANAGED_BY is the managed-by label value of mirrored slices. */
export const MIRRORING_MANAGED_BY = 'endpointslicemirroring-controller.k8s.io';
/** MAX_ENDPOINTS_PER_SUBSET is upstream's `--mirroring-max-endpoints-per-subset` default. */
export const MAX_ENDPOINTS_PER_SUBSET = 1000;

const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
const DROPPED_ANNOTATIONS = ['endpoints.kubernetes.io/last-change-trigger-time', 'kubectl.kubernetes.io/last-applied-configuration'];
const SLICES: GVR = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

/** EndpointSliceMirroringControllerOptions configure {@link EndpointSliceMirroringController}. */
export interface EndpointSliceMirroringControllerOptions {
  client: ClientLike;
  serviceInformer: GenericInformer;
  endpointsInformer: GenericInformer;
  sliceInformer: GenericInformer;
  maxEndpointsPerSubset?: number;
  clock?: Clock;
  logger?: Logger;
}

/** MirroredSlice is the content of one mirrored slice (without names). */
export interface MirroredSlice {
  addressType: 'IPv4' | 'IPv6';
  ports: Array<Record<string, unknown>>;
  endpoints: Array<Record<string, unknown>>;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v as object).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${k}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** mirroredSlices computes the slices an Endpoints object mirrors to (upstream reconciler). */
export function mirroredSlices(endpoints: KubeObject, max = MAX_ENDPOINTS_PER_SUBSET): MirroredSlice[] {
  const out: MirroredSlice[] = [];
  for (const subset of (endpoints.subsets ?? []) as KubeObject[]) {
    const ports = ((subset.ports ?? []) as KubeObject[]).map((p) => {
      const port: Record<string, unknown> = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
      if (p.appProtocol) port.appProtocol = p.appProtocol;
      return port;
    });
    const byFamily = new Map<'IPv4' | 'IPv6', Array<Record<string, unknown>>>();
    const add = (addr: KubeObject, ready: boolean): void => {
      const family = String(addr.ip ?? '').includes(':') ? 'IPv6' : 'IPv4';
      const list = byFamily.get(family) ?? [];
      byFamily.set(family, list);
      const ep: Record<string, unknown> = { addresses: [addr.ip], conditions: { ready } };
      if (addr.hostname) ep.hostname = addr.hostname;
      if (addr.nodeName) ep.nodeName = addr.nodeName;
      if (addr.targetRef) ep.targetRef = addr.targetRef;
      list.push(ep);
    };
    let n = 0;
    for (const a of (subset.addresses ?? []) as KubeObject[]) if (n++ < max) add(a, true);
    for (const a of (subset.notReadyAddresses ?? []) as KubeObject[]) if (n++ < max) add(a, false);
    for (const [addressType, eps] of byFamily) out.push({ addressType, ports, endpoints: eps });
  }
  return out;
}

/** EndpointSliceMirroringController implements the endpointslicemirroring controller. */
export class EndpointSliceMirroringController implements Controller {
  readonly name = ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: EndpointSliceMirroringControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = new RateLimitingQueue<string>({ name: 'endpoint_slice_mirroring', clock: this.clock });
    const key = (o: KubeObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;
    const enqueue = (o: KubeObject): void => this.queue.add(key(unwrapTombstone(o)));
    opts.endpointsInformer.informer().addEventHandler({ onAdd: enqueue, onUpdate: (_o, e) => enqueue(e), onDelete: enqueue });
    opts.serviceInformer.informer().addEventHandler({ onAdd: enqueue, onUpdate: (_o, s) => enqueue(s), onDelete: enqueue });
    const sliceChanged = (raw: KubeObject): void => {
      const s = unwrapTombstone(raw);
      const svc = s.metadata?.labels?.[LABEL_SERVICE_NAME];
      if (svc && s.metadata?.labels?.[LABEL_MANAGED_BY] === MIRRORING_MANAGED_BY) this.queue.add(`${s.metadata?.namespace}/${svc}`);
    };
    opts.sliceInformer.informer().addEventHandler({ onUpdate: (_o, s) => sliceChanged(s), onDelete: sliceChanged });
  }

  /** reconcile syncs one Endpoints object's mirrored slices (upstream syncEndpoints). */
  async reconcile(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const endpoints = this.opts.endpointsInformer.lister().byNamespace(namespace).get(name);
    const svc = this.opts.serviceInformer.lister().byNamespace(namespace).get(name);
    const existing = this.opts.sliceInformer
      .lister()
      .byNamespace(namespace)
      .list()
      .filter((s) => s.metadata?.labels?.[LABEL_SERVICE_NAME] === name && s.metadata?.labels?.[LABEL_MANAGED_BY] === MIRRORING_MANAGED_BY);
    const api = resourceFor(this.opts.client, SLICES, namespace);
    const mirror = endpoints && svc && !svc.spec?.selector && endpoints.metadata?.labels?.[LABEL_SKIP_MIRROR] !== 'true';
    const desired = mirror ? mirroredSlices(endpoints, this.opts.maxEndpointsPerSubset) : [];
    const meta = mirror ? this.sliceMeta(endpoints) : { labels: {}, annotations: {} };
    const remaining = [...desired];
    const unmatched: KubeObject[] = [];
    for (const s of existing) {
      const i = remaining.findIndex((d) => d.addressType === s.addressType && canonical(d.endpoints) === canonical(s.endpoints ?? []) && canonical(d.ports) === canonical(s.ports ?? []));
      if (i >= 0 && canonical(s.metadata?.labels) === canonical(meta.labels) && canonical(s.metadata?.annotations ?? {}) === canonical(meta.annotations)) remaining.splice(i, 1);
      else unmatched.push(s);
    }
    for (const d of remaining) {
      const reuse = unmatched.findIndex((s) => s.addressType === d.addressType);
      const old = reuse >= 0 ? unmatched.splice(reuse, 1)[0] : undefined;
      const body: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: old
          ? { ...structuredClone(old.metadata), labels: meta.labels, annotations: meta.annotations }
          : { generateName: `${name}-`, namespace, labels: meta.labels, annotations: meta.annotations, ownerReferences: [newControllerRef(endpoints!, { group: '', version: 'v1', kind: 'Endpoints' })] },
        addressType: d.addressType,
        endpoints: d.endpoints,
        ports: d.ports,
      };
      if (old) await api.update(body);
      else await api.create(body);
    }
    for (const s of unmatched) {
      await api.delete(s.metadata!.name!, { preconditions: { uid: s.metadata?.uid } }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }

  /** sliceMeta is the labels and annotations a mirrored slice carries (upstream newEndpointSlice). */
  private sliceMeta(endpoints: KubeObject): { labels: Record<string, string>; annotations: Record<string, string> } {
    const annotations = { ...(endpoints.metadata?.annotations ?? {}) } as Record<string, string>;
    for (const a of DROPPED_ANNOTATIONS) delete annotations[a];
    return { labels: { ...(endpoints.metadata?.labels ?? {}), [LABEL_SERVICE_NAME]: String(endpoints.metadata?.name), [LABEL_MANAGED_BY]: MIRRORING_MANAGED_BY }, annotations };
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [this.opts.serviceInformer, this.opts.endpointsInformer, this.opts.sliceInformer].map((i) => () => i.informer().hasSynced());
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

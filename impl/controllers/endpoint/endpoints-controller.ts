/**
 * EndpointsController keeps the core/v1 Endpoints object of each Service with a selector
 * (upstream `pkg/controller/endpoint/endpoints_controller.go`): ready pods under `addresses`,
 * not-ready ones under `notReadyAddresses` (all ready with publishNotReadyAddresses),
 * terminating pods left out, subsets grouped by resolved ports. Endpoints of a Service that
 * has no selector are user-managed and left alone.
 */
import { isAlreadyExists, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { labels } from '#impl/apimachinery/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { findPort, managedSelector, podIsReady, servicesForPod, shouldPodBeInEndpoints, type ServicePort } from '../util/endpoint/controller-utils.ts';
import { unwrapTombstone } from '../controller-utils.ts';
import { runWorkers } from '../worker-loop.ts';

/** ENDPOINTS_CONTROLLER_NAME is the upstream controller name. */
export const ENDPOINTS_CONTROLLER_NAME = 'endpoints-controller';

/** EndpointsControllerOptions configure {@link EndpointsController}. */
export interface EndpointsControllerOptions {
  client: ClientLike;
  serviceInformer: GenericInformer;
  podInformer: GenericInformer;
  endpointsInformer: GenericInformer;
  clock?: Clock;
  logger?: Logger;
}

const ENDPOINTS = { group: '', version: 'v1', resource: 'endpoints' } as const;

/** EndpointsController implements the endpoints controller. */
export class EndpointsController implements Controller {
  readonly name = ENDPOINTS_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: EndpointsControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = new RateLimitingQueue<string>({ name: 'endpoint', clock: this.clock });
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
    opts.endpointsInformer.informer().addEventHandler({ onDelete: (e) => this.queue.add(svcKey(unwrapTombstone(e))) });
  }

  /** desiredSubsets computes the Endpoints subsets of a Service. */
  desiredSubsets(svc: KubeObject, pods: KubeObject[]): unknown[] {
    const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
    const groups = new Map<string, { addresses: unknown[]; notReadyAddresses: unknown[]; ports: unknown[] }>();
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod)) continue;
      if (pod.metadata?.deletionTimestamp && !publishNotReady) continue;
      const address: Record<string, unknown> = { ip: pod.status.podIP, targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid } };
      if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
      if (pod.spec?.hostname && pod.spec?.subdomain === svc.metadata?.name) address.hostname = pod.spec.hostname;
      const ports = ((svc.spec?.ports ?? []) as ServicePort[])
        .map((sp) => {
          const port = findPort(pod, sp);
          if (port === undefined) return undefined;
          const p: Record<string, unknown> = { port, protocol: sp.protocol ?? 'TCP' };
          if (sp.name) p.name = sp.name;
          if (sp.appProtocol) p.appProtocol = sp.appProtocol;
          return p;
        })
        .filter((p) => p !== undefined);
      if ((svc.spec?.ports ?? []).length > 0 && ports.length === 0) continue;
      const key = JSON.stringify(ports);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { addresses: [], notReadyAddresses: [], ports }));
      if (publishNotReady || podIsReady(pod)) g.addresses.push(address);
      else g.notReadyAddresses.push(address);
    }
    const byIp = (a: unknown, b: unknown): number => ((a as { ip: string }).ip < (b as { ip: string }).ip ? -1 : 1);
    return [...groups.values()].map((g) => {
      const s: Record<string, unknown> = {};
      if (g.addresses.length) s.addresses = g.addresses.sort(byIp);
      if (g.notReadyAddresses.length) s.notReadyAddresses = g.notReadyAddresses.sort(byIp);
      if (g.ports.length) s.ports = g.ports;
      return s;
    });
  }

  /** reconcile syncs one Service's Endpoints (upstream `syncService`). */
  async reconcile(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const api = resourceFor(this.opts.client, ENDPOINTS, namespace);
    const svc = this.opts.serviceInformer.lister().byNamespace(namespace).get(name);
    if (!svc) {
      // The Service is gone: its Endpoints go too (upstream deletes them explicitly).
      const ep = this.opts.endpointsInformer.lister().byNamespace(namespace).get(name);
      if (ep) await api.delete(name).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      return;
    }
    const sel = managedSelector(svc);
    if (!sel) return;
    const selector = labels.selectorFromSet(sel);
    const pods = this.opts.podInformer.lister().byNamespace(namespace).list().filter((p) => selector.matches(p.metadata?.labels ?? {}));
    const subsets = this.desiredSubsets(svc, pods);
    const epLabels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
    if (svc.spec?.clusterIP === 'None') epLabels['service.kubernetes.io/headless'] = '';
    const cur = this.opts.endpointsInformer.lister().byNamespace(namespace).get(name);
    if (cur && JSON.stringify(cur.subsets ?? []) === JSON.stringify(subsets) && JSON.stringify(cur.metadata?.labels ?? {}) === JSON.stringify(epLabels)) return;
    const body: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: cur ? { ...structuredClone(cur.metadata), labels: epLabels } : { name, namespace, labels: epLabels }, subsets };
    try {
      if (cur) await api.update(body);
      else await api.create(body);
    } catch (err) {
      if (isAlreadyExists(err) || isNotFound(err)) throw new Error(`endpoints ${key} changed while syncing; retrying`, { cause: err });
      throw err;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [this.opts.serviceInformer, this.opts.podInformer, this.opts.endpointsInformer].map((i) => () => i.informer().hasSynced());
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}


/**
 * Publisher keeps the `kube-root-ca.crt` ConfigMap, holding the cluster CA bundle under
 * `ca.crt`, in every namespace (upstream `pkg/controller/certificates/rootcacertpublisher/publisher.go`).
 * Namespaces are enqueued when they appear or are active; the ConfigMap's namespace is
 * enqueued when it is changed or deleted, so edits are reverted and deletes undone.
 */
import { isAlreadyExists, isForbidden, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { DeletedFinalStateUnknown, noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { RESOURCES, resourceFor, type ClientLike } from '../../controller-client.ts';
import type { Controller } from '../../controller-context.ts';
import { runWorkers } from '../../worker-loop.ts';

/** ROOT_CA_CERT_PUBLISHER_NAME is the upstream controller name. */
export const ROOT_CA_CERT_PUBLISHER_NAME = 'root-ca-certificate-publisher-controller';
/** ROOT_CA_CONFIGMAP_NAME is the published ConfigMap's name. */
export const ROOT_CA_CONFIGMAP_NAME = 'kube-root-ca.crt';
/** DESCRIPTION_ANNOTATION is the annotation key carrying {@link DESCRIPTION}. */
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
/** DESCRIPTION is upstream's text for the ConfigMap. */
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

/** PublisherOptions configure {@link Publisher}. */
export interface PublisherOptions {
  client: ClientLike;
  configMapInformer: GenericInformer;
  namespaceInformer: GenericInformer;
  /** The PEM CA bundle to publish. */
  rootCA: string;
  clock?: Clock;
  logger?: Logger;
  queue?: RateLimitingInterface<string>;
}

/** Publisher implements the root-ca-cert-publisher controller. */
export class Publisher implements Controller {
  readonly name = ROOT_CA_CERT_PUBLISHER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly client: ClientLike;
  private readonly cmInformer: GenericInformer;
  private readonly nsInformer: GenericInformer;
  private readonly rootCA: string;
  private readonly logger: Logger;
  private readonly clock: Clock;

  constructor(opts: PublisherOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = opts.queue ?? new RateLimitingQueue<string>({ name: 'root_ca_cert_publisher', clock: this.clock });
    this.cmInformer = opts.configMapInformer;
    this.nsInformer = opts.namespaceInformer;
    this.rootCA = opts.rootCA;
    const cmChanged = (obj: KubeObject | DeletedFinalStateUnknown): void => {
      const cm = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
      if (cm.metadata?.name === ROOT_CA_CONFIGMAP_NAME && cm.metadata.namespace) this.queue.add(cm.metadata.namespace);
    };
    this.cmInformer.informer().addEventHandler({ onUpdate: (_o, n) => cmChanged(n), onDelete: cmChanged });
    this.nsInformer.informer().addEventHandler({
      onAdd: (ns) => ns.metadata?.name && this.queue.add(ns.metadata.name),
      onUpdate: (_o, ns) => {
        if ((ns.status?.phase ?? 'Active') === 'Active' && ns.metadata?.name) this.queue.add(ns.metadata.name);
      },
    });
  }

  /** reconcile makes the namespace's ConfigMap match the CA bundle. */
  async reconcile(namespace: string): Promise<void> {
    const ns = this.nsInformer.lister().get(namespace);
    if (!ns || ns.metadata?.deletionTimestamp) return;
    const api = resourceFor(this.client, RESOURCES.configmaps, namespace);
    const cm = this.cmInformer.lister().byNamespace(namespace).get(ROOT_CA_CONFIGMAP_NAME);
    if (!cm) {
      try {
        await api.create({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIGMAP_NAME, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
          data: { 'ca.crt': this.rootCA },
        });
      } catch (err) {
        // Terminating (Forbidden) or deleted namespaces, or a create racing ours, are fine.
        if (isAlreadyExists(err) || isNotFound(err) || isForbidden(err)) return;
        throw err;
      }
      return;
    }
    const data = (cm.data ?? {}) as Record<string, string>;
    const sameData = Object.keys(data).length === 1 && data['ca.crt'] === this.rootCA;
    if (sameData && cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION] === DESCRIPTION) return;
    const next = structuredClone(cm);
    next.data = { 'ca.crt': this.rootCA };
    next.metadata = { ...next.metadata, annotations: { ...(next.metadata?.annotations ?? {}), [DESCRIPTION_ANNOTATION]: DESCRIPTION } };
    try {
      await api.update(next);
    } catch (err) {
      if (isNotFound(err) || isForbidden(err)) return;
      throw err;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [() => this.cmInformer.informer().hasSynced(), () => this.nsInformer.informer().hasSynced()];
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

/**
 * NamespaceController finalizes terminating namespaces (upstream
 * `pkg/controller/namespace/namespace_controller.go`): a namespace informer enqueues every
 * namespace with a deletionTimestamp after a short grace period; `reconcile(name)` runs the
 * {@link NamespacedResourcesDeleter} and requeues after half the estimate while content remains.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { DeletedFinalStateUnknown, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { noopLogger } from '#impl/client/tools/cache/index.ts';
import type { ClientLike } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import type { DiscoveryInterface } from '#impl/client/discovery/index.ts';
import { runWorkers, type ReconcileResult } from '../worker-loop.ts';
import { NamespacedResourcesDeleter, ResourcesRemainingError } from './deletion/namespaced-resources-deleter.ts';

/** NAMESPACE_CONTROLLER_NAME is the upstream controller name. */
export const NAMESPACE_CONTROLLER_NAME = 'namespace-controller';

/** NAMESPACE_DELETION_GRACE_PERIOD_MS is upstream's wait before acting on a namespace event (5 s). */
export const NAMESPACE_DELETION_GRACE_PERIOD_MS = 5000;

/** NamespaceControllerOptions configure {@link NamespaceController}. */
export interface NamespaceControllerOptions {
  client: ClientLike;
  discovery: DiscoveryInterface;
  namespaceInformer: GenericInformer;
  /**
   * Optional pod informer: a pod leaving a terminating namespace requeues it at once instead
   * of waiting out the grace-period estimate (a kubets addition; upstream only waits).
   */
  podInformer?: GenericInformer;
  /** Wait after an event before syncing (default {@link NAMESPACE_DELETION_GRACE_PERIOD_MS}). */
  deletionGracePeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
  queue?: RateLimitingInterface<string>;
}

/** NamespaceController implements the namespace controller. */
export class NamespaceController implements Controller {
  readonly name = NAMESPACE_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly deleter: NamespacedResourcesDeleter;
  private readonly informer: GenericInformer;
  private readonly gracePeriod: number;
  private readonly logger: Logger;
  private readonly clock: Clock;

  constructor(opts: NamespaceControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = opts.queue ?? new RateLimitingQueue<string>({ name: 'namespace', clock: this.clock });
    this.deleter = new NamespacedResourcesDeleter({ client: opts.client, discovery: opts.discovery, clock: this.clock });
    this.informer = opts.namespaceInformer;
    this.gracePeriod = opts.deletionGracePeriodMs ?? NAMESPACE_DELETION_GRACE_PERIOD_MS;
    this.informer.informer().addEventHandler({
      onAdd: (obj) => this.enqueueNamespace(obj),
      onUpdate: (_old, obj) => this.enqueueNamespace(obj),
    });
    opts.podInformer?.informer().addEventHandler({
      onDelete: (obj) => {
        const pod = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        const ns = pod.metadata?.namespace ? this.informer.lister().get(pod.metadata.namespace) : undefined;
        if (ns?.metadata?.deletionTimestamp && ns.metadata.name) this.queue.add(ns.metadata.name);
      },
    });
  }

  private enqueueNamespace(obj: KubeObject | DeletedFinalStateUnknown): void {
    const ns = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
    if (!ns.metadata?.deletionTimestamp || !ns.metadata.name) return;
    this.queue.addAfter(ns.metadata.name, this.gracePeriod);
  }

  /** reconcile syncs one namespace by name. */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const started = this.clock.now();
    const ns = this.informer.lister().get(key);
    if (!ns) {
      this.logger.debug({ namespace: key }, 'namespace has been deleted');
      return;
    }
    try {
      await this.deleter.delete(key);
    } catch (err) {
      if (err instanceof ResourcesRemainingError) {
        const t = (Math.floor(err.estimate / 2) + 1) * 1000;
        this.logger.info({ namespace: key, requeueAfterMs: t }, 'content remaining in namespace; requeuing');
        return { requeueAfter: t };
      }
      throw err;
    } finally {
      this.logger.debug({ namespace: key, ms: this.clock.now() - started }, 'finished syncing namespace');
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (!(await waitForNamedCacheSync(this.name, signal, [() => this.informer.informer().hasSynced()], { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

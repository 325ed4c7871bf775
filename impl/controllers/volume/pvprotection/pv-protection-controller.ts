/**
 * PVProtectionController keeps bound volumes from disappearing (upstream
 * `pkg/controller/volume/pvprotection/pv_protection_controller.go`): every live PersistentVolume
 * gets the `kubernetes.io/pv-protection` finalizer, and a volume being deleted loses it only once
 * it is no longer Bound to a claim. The queue holds volume names.
 */
import type { PersistentVolume } from '#generated/k8s/index.ts';
import { isConflict, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike } from '../../controller-client.ts';
import type { Controller } from '../../controller-context.ts';
import { runWorkers, type ReconcileResult } from '../../worker-loop.ts';

/** PV_PROTECTION_CONTROLLER_NAME is the upstream controller name. */
export const PV_PROTECTION_CONTROLLER_NAME = 'persistentvolume-protection-controller';
/** PV_PROTECTION_FINALIZER is upstream `volumeutil.PVProtectionFinalizer`. */
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** PVProtectionControllerOptions configure {@link PVProtectionController}. */
export interface PVProtectionControllerOptions {
  client: ClientLike;
  volumeInformer: GenericInformer;
  clock?: Clock;
  logger?: Logger;
}

/** PVProtectionController implements the pv-protection controller. */
export class PVProtectionController implements Controller {
  readonly name = PV_PROTECTION_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: PVProtectionControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = new RateLimitingQueue<string>({ name: 'pvprotection', clock: this.clock });
    opts.volumeInformer.informer().addEventHandler({
      onAdd: (pv) => this.queue.add(pv.metadata!.name!),
      onUpdate: (_o, pv) => this.queue.add(pv.metadata!.name!),
    });
  }

  /** reconcile is upstream `processPV`: add the finalizer, or drop it from an unbound volume being deleted. */
  async reconcile(name: string): Promise<ReconcileResult | void> {
    const pv = this.opts.volumeInformer.lister().get(name) as PersistentVolume | undefined;
    if (!pv) return;
    const fins = pv.metadata?.finalizers ?? [];
    const has = fins.includes(PV_PROTECTION_FINALIZER);
    let next: string[] | undefined;
    if (!pv.metadata?.deletionTimestamp && !has) next = [...fins, PV_PROTECTION_FINALIZER];
    // upstream isBeingUsed: a Bound volume is in use.
    else if (pv.metadata?.deletionTimestamp && has && pv.status?.phase !== 'Bound') next = fins.filter((f) => f !== PV_PROTECTION_FINALIZER);
    if (!next) return;
    const updated = structuredClone(pv) as KubeObject;
    updated.metadata!.finalizers = next;
    try {
      await resourceFor(this.opts.client, { group: '', version: 'v1', resource: 'persistentvolumes' }).update(updated);
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) return { requeueAfter: 100 };
      throw err;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (!(await waitForNamedCacheSync(this.name, signal, [() => this.opts.volumeInformer.informer().hasSynced()], { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

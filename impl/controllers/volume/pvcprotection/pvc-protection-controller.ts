/**
 * PVCProtectionController keeps claims in use from disappearing (upstream
 * `pkg/controller/volume/pvcprotection/pvc_protection_controller.go`): every live claim gets the
 * `kubernetes.io/pvc-protection` finalizer, and a claim being deleted loses it only once no
 * pod that is not terminated uses it. The queue holds claim keys; pod events queue the claims
 * their volumes name.
 */
import type { PersistentVolumeClaim, Pod } from '#generated/k8s/index.ts';
import { isConflict, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike } from '../../controller-client.ts';
import type { Controller } from '../../controller-context.ts';
import { objectKey, unwrapTombstone } from '../../controller-utils.ts';
import { runWorkers, type ReconcileResult } from '../../worker-loop.ts';

/** PVC_PROTECTION_CONTROLLER_NAME is the upstream controller name. */
export const PVC_PROTECTION_CONTROLLER_NAME = 'persistentvolumeclaim-protection-controller';
/** PVC_PROTECTION_FINALIZER is upstream `volumeutil.PVCProtectionFinalizer`. */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';

/** PVCProtectionControllerOptions configure {@link PVCProtectionController}. */
export interface PVCProtectionControllerOptions {
  client: ClientLike;
  claimInformer: GenericInformer;
  podInformer: GenericInformer;
  clock?: Clock;
  logger?: Logger;
}

/** isPodTerminated: a pod that will never run again no longer uses its claims (upstream `IsPodTerminated`). */
function isPodTerminated(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** PVCProtectionController implements the pvc-protection controller. */
export class PVCProtectionController implements Controller {
  readonly name = PVC_PROTECTION_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: PVCProtectionControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = new RateLimitingQueue<string>({ name: 'pvcprotection', clock: this.clock });
    opts.claimInformer.informer().addEventHandler({
      onAdd: (c) => this.queue.add(objectKey(c)),
      onUpdate: (_o, c) => this.queue.add(objectKey(c)),
    });
    const onPod = (o: KubeObject | { key: string; obj: unknown }): void => {
      const pod = unwrapTombstone(o as never) as Pod;
      for (const v of pod.spec?.volumes ?? []) if (v.persistentVolumeClaim) this.queue.add(`${pod.metadata?.namespace}/${v.persistentVolumeClaim.claimName}`);
    };
    opts.podInformer.informer().addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p), onDelete: onPod });
  }

  /** podUsesClaim reports whether a non-terminated pod in the namespace names the claim. */
  private claimInUse(ns: string, name: string): boolean {
    return (this.opts.podInformer.lister().byNamespace(ns).list() as Pod[]).some(
      (p) => !isPodTerminated(p) && (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name),
    );
  }

  /** reconcile is upstream `processPVC`. */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const pvc = this.opts.claimInformer.lister().byNamespace(ns).get(name) as PersistentVolumeClaim | undefined;
    if (!pvc) return;
    const fins = pvc.metadata?.finalizers ?? [];
    const has = fins.includes(PVC_PROTECTION_FINALIZER);
    let next: string[] | undefined;
    if (!pvc.metadata?.deletionTimestamp && !has) next = [...fins, PVC_PROTECTION_FINALIZER];
    else if (pvc.metadata?.deletionTimestamp && has && !this.claimInUse(ns, name)) next = fins.filter((f) => f !== PVC_PROTECTION_FINALIZER);
    if (!next) return;
    try {
      // upstream updates the claim (the controller's role grants update, not patch).
      const updated = structuredClone(pvc) as KubeObject;
      updated.metadata!.finalizers = next;
      await resourceFor(this.opts.client, { group: '', version: 'v1', resource: 'persistentvolumeclaims' }, ns).update(updated);
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) return { requeueAfter: 100 };
      throw err;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [() => this.opts.claimInformer.informer().hasSynced(), () => this.opts.podInformer.informer().hasSynced()];
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

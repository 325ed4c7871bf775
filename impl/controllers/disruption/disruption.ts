/**
 * DisruptionController keeps PodDisruptionBudget status current (upstream
 * `pkg/controller/disruption/disruption.go`), which the eviction subresource reads:
 * `expectedPods`, `currentHealthy` (ready, not terminating, not recently evicted),
 * `desiredHealthy`, `disruptionsAllowed`, `observedGeneration`, the `DisruptionAllowed`
 * condition (SufficientPods / InsufficientPods / SyncFailed) and `disruptedPods` entries
 * dropped after two minutes. With an integer minAvailable the expected count is the number of
 * matching pods; with a percentage or maxUnavailable it is the sum of the pods' controllers'
 * replicas (ReplicaSet/Deployment, ReplicationController, StatefulSet).
 */
import { getScaledValueFromIntOrPercent, labels } from '#impl/apimachinery/index.ts';
import type { KubeObject } from '#impl/client/index.ts';
import { isNotFound } from '#impl/client/index.ts';
import { DeletedFinalStateUnknown, noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { getControllerOf, isPodReady, rfc3339 } from '../controller-utils.ts';
import { errMessage, runWorkers, type ReconcileResult } from '../worker-loop.ts';

/** DISRUPTION_CONTROLLER_NAME is the upstream controller name. */
export const DISRUPTION_CONTROLLER_NAME = 'disruption-controller';
/** DELETION_TIMEOUT_MS: a disruptedPods entry older than this is dropped (upstream 2 min). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** DisruptionControllerOptions configure {@link DisruptionController}. */
export interface DisruptionControllerOptions {
  client: ClientLike;
  pdbInformer: GenericInformer;
  podInformer: GenericInformer;
  /** Scale sources: `apps/ReplicaSet`, `apps/Deployment`, `apps/StatefulSet`, `/ReplicationController`. */
  rsInformer: GenericInformer;
  deploymentInformer: GenericInformer;
  statefulSetInformer: GenericInformer;
  rcInformer: GenericInformer;
  clock?: Clock;
  logger?: Logger;
}

/** DisruptionController implements the disruption controller. */
export class DisruptionController implements Controller {
  readonly name = DISRUPTION_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: DisruptionControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = new RateLimitingQueue<string>({ name: 'disruption', clock: this.clock });
    const key = (o: KubeObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;
    opts.pdbInformer.informer().addEventHandler({ onAdd: (p) => this.queue.add(key(p)), onUpdate: (_o, p) => this.queue.add(key(p)) });
    const podChanged = (obj: KubeObject | DeletedFinalStateUnknown): void => {
      const pod = obj instanceof DeletedFinalStateUnknown ? (obj.obj as KubeObject) : obj;
      for (const pdb of opts.pdbInformer.lister().byNamespace(pod.metadata?.namespace ?? '').list()) {
        if (pdb.spec?.selector && labels.labelSelectorAsSelector(pdb.spec.selector).matches(pod.metadata?.labels ?? {})) this.queue.add(key(pdb));
      }
    };
    opts.podInformer.informer().addEventHandler({ onAdd: podChanged, onUpdate: (_o, p) => podChanged(p), onDelete: podChanged });
  }

  private controllerScale(pod: KubeObject): { uid: string; replicas: number } | undefined {
    const ref = getControllerOf(pod);
    if (!ref) return undefined;
    const ns = pod.metadata?.namespace ?? '';
    const find = (inf: GenericInformer, name: string, uid: string): KubeObject | undefined => {
      const o = inf.lister().byNamespace(ns).get(name);
      return o && o.metadata?.uid === uid ? o : undefined;
    };
    if (ref.kind === 'ReplicaSet' && ref.apiVersion.startsWith('apps/')) {
      const rs = find(this.opts.rsInformer, ref.name, ref.uid);
      if (!rs) return undefined;
      const dref = getControllerOf(rs);
      if (dref?.kind === 'Deployment') {
        const d = find(this.opts.deploymentInformer, dref.name, dref.uid);
        return d ? { uid: dref.uid, replicas: Number(d.spec?.replicas ?? 1) } : undefined;
      }
      return { uid: ref.uid, replicas: Number(rs.spec?.replicas ?? 1) };
    }
    if (ref.kind === 'StatefulSet') {
      const s = find(this.opts.statefulSetInformer, ref.name, ref.uid);
      return s ? { uid: ref.uid, replicas: Number(s.spec?.replicas ?? 1) } : undefined;
    }
    if (ref.kind === 'ReplicationController') {
      const rc = find(this.opts.rcInformer, ref.name, ref.uid);
      return rc ? { uid: ref.uid, replicas: Number(rc.spec?.replicas ?? 1) } : undefined;
    }
    return undefined;
  }

  /** reconcile recomputes one PDB's status (upstream `trySync`/`updatePdbStatus`). */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace = '', name = ''] = key.split('/');
    const cached = this.opts.pdbInformer.lister().byNamespace(namespace).get(name);
    if (!cached) return;
    const pdb = structuredClone(cached);
    const now = this.clock.now();
    const sel = pdb.spec?.selector;
    const pods = sel === undefined || sel === null ? [] : this.opts.podInformer.lister().byNamespace(namespace).list().filter((p) => labels.labelSelectorAsSelector(sel).matches(p.metadata?.labels ?? {}));
    let expected = 0;
    let desired = 0;
    let failure: string | undefined;
    const minAvailable = pdb.spec?.minAvailable;
    const maxUnavailable = pdb.spec?.maxUnavailable;
    if (maxUnavailable === undefined && typeof minAvailable === 'number') {
      expected = pods.length;
      desired = minAvailable;
    } else {
      const controllers = new Map<string, number>();
      for (const p of pods) {
        const s = this.controllerScale(p);
        if (!s) {
          failure = `found no controllers for pod "${p.metadata?.name}"`;
          break;
        }
        controllers.set(s.uid, s.replicas);
      }
      expected = [...controllers.values()].reduce((a, b) => a + b, 0);
      if (maxUnavailable !== undefined) desired = Math.max(0, expected - getScaledValueFromIntOrPercent(maxUnavailable, expected, true));
      else if (minAvailable !== undefined) desired = getScaledValueFromIntOrPercent(minAvailable, expected, true);
    }
    // Recently evicted pods are not healthy; old entries expire.
    const disrupted: Record<string, string> = { ...(pdb.status?.disruptedPods ?? {}) };
    let recheck: number | undefined;
    for (const [podName, at] of Object.entries(disrupted)) {
      const pod = pods.find((p) => p.metadata?.name === podName);
      const t = Date.parse(at);
      if (!pod || pod.metadata?.deletionTimestamp || Number.isNaN(t) || t + DELETION_TIMEOUT_MS < now) delete disrupted[podName];
      else recheck = Math.min(recheck ?? Infinity, t + DELETION_TIMEOUT_MS - now);
    }
    const healthy = pods.filter((p) => !p.metadata?.deletionTimestamp && isPodReady(p) && !(p.metadata!.name! in disrupted)).length;
    const allowed = failure ? 0 : Math.max(0, healthy - desired);
    const prevCond = ((pdb.status?.conditions ?? []) as Array<{ type: string; status: string; lastTransitionTime?: string; reason?: string }>).find((c) => c.type === 'DisruptionAllowed');
    const condStatus = allowed > 0 ? 'True' : 'False';
    const reason = failure ? 'SyncFailed' : allowed > 0 ? 'SufficientPods' : 'InsufficientPods';
    const cond = {
      type: 'DisruptionAllowed',
      status: condStatus,
      reason,
      message: failure ?? '',
      observedGeneration: pdb.metadata?.generation,
      lastTransitionTime: prevCond && prevCond.status === condStatus ? prevCond.lastTransitionTime : rfc3339(now),
    };
    const status: Record<string, unknown> = {
      ...(pdb.status ?? {}),
      observedGeneration: pdb.metadata?.generation,
      expectedPods: expected,
      currentHealthy: healthy,
      desiredHealthy: desired,
      disruptionsAllowed: allowed,
      conditions: [...((pdb.status?.conditions ?? []) as Array<{ type: string }>).filter((c) => c.type !== 'DisruptionAllowed'), cond],
    };
    if (Object.keys(disrupted).length) status.disruptedPods = disrupted;
    else delete status.disruptedPods;
    if (JSON.stringify(status) !== JSON.stringify(pdb.status ?? {})) {
      try {
        await resourceFor(this.opts.client, { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' }, namespace).update({ ...pdb, status }, { subresource: 'status' });
      } catch (err) {
        if (!isNotFound(err)) throw new Error(`update status of PodDisruptionBudget ${key}: ${errMessage(err)}`, { cause: err });
      }
    }
    if (failure) this.logger.warn({ pdb: key, err: failure }, 'failed to sync pdb');
    return recheck !== undefined ? { requeueAfter: recheck } : undefined;
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const infs = [this.opts.pdbInformer, this.opts.podInformer, this.opts.rsInformer, this.opts.deploymentInformer, this.opts.statefulSetInformer, this.opts.rcInformer];
    if (!(await waitForNamedCacheSync(this.name, signal, infs.map((i) => () => i.informer().hasSynced()), { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

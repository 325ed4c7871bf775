/**
 * DeploymentController rolls Deployments out through ReplicaSets (upstream
 * `pkg/controller/deployment`: deployment_controller.go, sync.go, rolling.go, recreate.go,
 * progress.go). `reconcile(namespace/name)` (upstream `syncDeployment`):
 *
 * 1. claim the namespace's ReplicaSets by selector and controllerRef;
 * 2. deleted or paused Deployments only get their status (and, paused, scaling) synced;
 * 3. a changed `spec.replicas` with an unchanged template is a scaling event: replicas are
 *    spread over the active ReplicaSets proportionally;
 * 4. otherwise roll out: **RollingUpdate** scales the new ReplicaSet (named
 *    `<deployment>-<pod-template-hash>`) up within `replicas + maxSurge` and old ones down while
 *    at least `replicas - maxUnavailable` are available; **Recreate** scales old ones to 0, waits
 *    for their pods to go, then scales the new one up;
 * 5. revisions (`deployment.kubernetes.io/revision` on ReplicaSets and the Deployment), old
 *    ReplicaSets beyond `revisionHistoryLimit` deleted, and status with the Available and
 *    Progressing conditions (progressDeadlineSeconds -> ProgressDeadlineExceeded).
 */
import { labels } from '#impl/apimachinery/index.ts';
import { isAlreadyExists, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { RESOURCES, resourceFor, type ClientLike, type ResourceApi } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { claimPods } from '../controller-ref-manager.ts';
import { getControllerOf, newControllerRef, objectKey, rfc3339, unwrapTombstone, type ControllerGVK } from '../controller-utils.ts';
import { noopRecorder, type EventRecorder } from '#impl/client/tools/record/index.ts';
import { errMessage, runWorkers, type ReconcileResult } from '../worker-loop.ts';
import {
  byCreation,
  bySizeNewer,
  bySizeOlder,
  getProportion,
  compareRevisions,
  computeHash,
  DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY,
  DESIRED_REPLICAS_ANNOTATION,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  equalIgnoreHash,
  filterActiveReplicaSets,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  hasProgressDeadline,
  isRollingUpdate,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  REASONS,
  removeCondition,
  replicasOf,
  REVISION_ANNOTATION,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  sumSpecReplicas,
  sumStatus,
  type DeploymentCondition,
  type DeploymentStatus,
} from './util/deployment-util.ts';

/** DEPLOYMENT_CONTROLLER_NAME is the upstream controller name. */
export const DEPLOYMENT_CONTROLLER_NAME = 'deployment-controller';

const DEPLOYMENT_GVK: ControllerGVK = { group: 'apps', version: 'v1', kind: 'Deployment' };

/** DeploymentControllerOptions configure {@link DeploymentController}. */
export interface DeploymentControllerOptions {
  client: ClientLike;
  dInformer: GenericInformer;
  rsInformer: GenericInformer;
  podInformer: GenericInformer;
  recorder?: EventRecorder;
  clock?: Clock;
  logger?: Logger;
}

/** Work carries the per-sync clients and the Deployment being changed (a clone). */
interface Work {
  d: KubeObject;
  rsApi: ResourceApi;
  dApi: ResourceApi;
  /** The revision annotation changed and must be written with the object, not just status. */
  annotationsChanged?: boolean;
  requeueAfter?: number;
}

/** DeploymentController implements the deployment controller. */
export class DeploymentController implements Controller {
  readonly name = DEPLOYMENT_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly client: ClientLike;
  private readonly dInformer: GenericInformer;
  private readonly rsInformer: GenericInformer;
  private readonly podInformer: GenericInformer;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(opts: DeploymentControllerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.recorder = opts.recorder ?? noopRecorder;
    this.queue = new RateLimitingQueue<string>({ name: 'deployment', clock: this.clock });
    this.dInformer = opts.dInformer;
    this.rsInformer = opts.rsInformer;
    this.podInformer = opts.podInformer;
    this.dInformer.informer().addEventHandler({
      onAdd: (d) => this.queue.add(objectKey(d)),
      onUpdate: (_o, d) => this.queue.add(objectKey(d)),
      onDelete: (d) => this.queue.add(objectKey(unwrapTombstone(d))),
    });
    this.rsInformer.informer().addEventHandler({
      onAdd: (rs) => this.enqueueForReplicaSet(rs),
      onUpdate: (old, rs) => {
        if (old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
        const oldRef = getControllerOf(old);
        if (oldRef && oldRef.uid !== getControllerOf(rs)?.uid) this.enqueueForReplicaSet(old);
        this.enqueueForReplicaSet(rs);
      },
      onDelete: (rs) => this.enqueueForReplicaSet(unwrapTombstone(rs)),
    });
    this.podInformer.informer().addEventHandler({
      onDelete: (obj) => {
        // Recreate waits for old pods to go: a pod deletion may unblock it.
        const pod = unwrapTombstone(obj);
        const ref = getControllerOf(pod);
        if (!ref || ref.kind !== 'ReplicaSet') return;
        const rs = this.rsInformer.lister().byNamespace(pod.metadata?.namespace ?? '').get(ref.name);
        if (rs) this.enqueueForReplicaSet(rs);
      },
    });
  }

  private enqueueForReplicaSet(rs: KubeObject): void {
    const ns = rs.metadata?.namespace ?? '';
    const ref = getControllerOf(rs);
    if (ref) {
      if (ref.kind !== 'Deployment') return;
      const d = this.dInformer.lister().byNamespace(ns).get(ref.name);
      if (d && d.metadata?.uid === ref.uid) this.queue.add(objectKey(d));
      return;
    }
    for (const d of this.dInformer.lister().byNamespace(ns).list()) {
      try {
        if (labels.labelSelectorAsSelector(d.spec?.selector).matches(rs.metadata?.labels ?? {})) this.queue.add(objectKey(d));
      } catch {
        /* invalid selector */
      }
    }
  }

  private now(): string {
    return rfc3339(this.clock.now());
  }

  private condition(type: string, status: string, reason: string, message: string): DeploymentCondition {
    const t = this.now();
    return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
  }

  /** reconcile syncs one Deployment (upstream `syncDeployment`). */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace = '', name = ''] = key.split('/');
    const cached = this.dInformer.lister().byNamespace(namespace).get(name);
    if (!cached) return;
    const w: Work = {
      d: structuredClone(cached),
      rsApi: resourceFor(this.client, RESOURCES.replicasets, namespace),
      dApi: resourceFor(this.client, RESOURCES.deployments, namespace),
    };
    const d = w.d;
    const sel = d.spec?.selector;
    if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) {
      this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        d.status = { ...(d.status ?? {}), observedGeneration: d.metadata?.generation };
        await w.dApi.update(d, { subresource: 'status' });
      }
      return;
    }
    const selector = labels.labelSelectorAsSelector(sel);
    const rsList = await claimPods(this.rsInformer.lister().byNamespace(namespace).list(), {
      controller: d,
      gvk: DEPLOYMENT_GVK,
      selector,
      pods: w.rsApi,
      getController: () => w.dApi.get(name),
    });
    if (d.metadata?.deletionTimestamp) {
      await this.syncStatusOnly(w, rsList);
      return;
    }
    await this.checkPausedConditions(w);
    if (d.spec?.paused) {
      await this.sync(w, rsList);
      return;
    }
    if (this.isScalingEvent(d, rsList)) {
      await this.sync(w, rsList);
      return;
    }
    if (isRollingUpdate(d)) await this.rolloutRolling(w, rsList);
    else await this.rolloutRecreate(w, rsList);
    return w.requeueAfter !== undefined ? { requeueAfter: w.requeueAfter } : undefined;
  }

  private async checkPausedConditions(w: Work): Promise<void> {
    const d = w.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === REASONS.timedOut) return;
    const pausedCond = cond?.reason === REASONS.paused;
    d.status ??= {};
    if (d.spec?.paused && !pausedCond) setCondition(d.status, this.condition('Progressing', 'Unknown', REASONS.paused, 'Deployment is paused'));
    else if (!d.spec?.paused && pausedCond) setCondition(d.status, this.condition('Progressing', 'Unknown', REASONS.resumed, 'Deployment is resumed'));
    else return;
    w.d = await w.dApi.update(d, { subresource: 'status' });
  }

  private isScalingEvent(d: KubeObject, rsList: KubeObject[]): boolean {
    const newRS = findNewReplicaSet(d, rsList);
    const all = [...findOldReplicaSets(d, rsList), newRS];
    for (const rs of filterActiveReplicaSets(all)) {
      const desired = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
      if (desired === undefined) continue;
      if (Number(desired) !== replicasOf(d)) return true;
    }
    return false;
  }

  /**
   * getAllReplicaSetsAndSyncRevision finds the new and old ReplicaSets, creating the new one
   * when asked, and keeps the revision annotations in step (upstream sync.go).
   */
  private async getAllReplicaSetsAndSyncRevision(w: Work, rsList: KubeObject[], create: boolean): Promise<{ newRS?: KubeObject; oldRSs: KubeObject[] }> {
    const oldRSs = findOldReplicaSets(w.d, rsList);
    const newRS = await this.getNewReplicaSet(w, rsList, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(w: Work, rsList: KubeObject[], oldRSs: KubeObject[], create: boolean): Promise<KubeObject | undefined> {
    const d = w.d;
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = maxRevision(oldRSs) + 1n;
    if (existing) {
      const rsCopy = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, rsCopy, newRevision, true);
      const minReadyChanged = (rsCopy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      let rs = rsCopy;
      if (annotationsUpdated || minReadyChanged) {
        rsCopy.spec.minReadySeconds = d.spec?.minReadySeconds ?? 0;
        rs = await w.rsApi.update(rsCopy);
      }
      let needsUpdate = this.setDeploymentRevision(w, rs.metadata?.annotations?.[REVISION_ANNOTATION]);
      d.status ??= {};
      if (!getCondition(d.status, 'Progressing') && hasProgressDeadline(d)) {
        setCondition(d.status, this.condition('Progressing', 'True', REASONS.foundNewRS, `Found new replica set "${rs.metadata?.name}"`));
        needsUpdate = true;
      }
      if (needsUpdate) await this.updateDeployment(w);
      return rs;
    }
    if (!create) return undefined;
    const template = structuredClone(d.spec.template ?? {});
    const hash = computeHash(template, d.status?.collisionCount);
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash };
    const newRS: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `${d.metadata!.name}-${hash}`, namespace: d.metadata!.namespace, ownerReferences: [newControllerRef(d, DEPLOYMENT_GVK)], labels: { ...template.metadata.labels } },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    newRS.spec.replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);
    let created: KubeObject;
    try {
      created = await w.rsApi.create(newRS);
    } catch (err) {
      if (isAlreadyExists(err)) {
        // A hash collision or our own earlier create not yet in the cache.
        const rs = await w.rsApi.get(newRS.metadata!.name!);
        if (getControllerOf(rs)?.uid === d.metadata?.uid && equalIgnoreHash(rs.spec?.template, d.spec?.template)) return rs;
        d.status = { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
        await this.updateDeployment(w);
        throw new Error(`hash collision for ReplicaSet ${newRS.metadata!.name}; collisionCount is now ${d.status.collisionCount}`);
      }
      d.status ??= {};
      if (hasProgressDeadline(d)) {
        setCondition(d.status, this.condition('Progressing', 'False', REASONS.failedRSCreate, `Failed to create new replica set "${newRS.metadata!.name}": ${errMessage(err)}`));
        await this.updateDeployment(w).catch(() => undefined);
      }
      throw err;
    }
    if (replicasOf(created) > 0) this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name} from 0 to ${replicasOf(created)}`);
    let needsUpdate = this.setDeploymentRevision(w, String(newRevision));
    d.status ??= {};
    if (hasProgressDeadline(d)) {
      setCondition(d.status, this.condition('Progressing', 'True', REASONS.newRSCreated, `Created new replica set "${created.metadata?.name}"`));
      needsUpdate = true;
    }
    if (needsUpdate) await this.updateDeployment(w);
    return created;
  }

  private setDeploymentRevision(w: Work, revision: string | undefined): boolean {
    if (revision === undefined) return false;
    const m = (w.d.metadata ??= {});
    if (m.annotations?.[REVISION_ANNOTATION] === revision) return false;
    m.annotations = { ...(m.annotations ?? {}), [REVISION_ANNOTATION]: revision };
    w.annotationsChanged = true;
    return true;
  }

  /** updateDeployment writes the revision annotation (if changed) and the status. */
  private async updateDeployment(w: Work): Promise<void> {
    const status = w.d.status;
    if (w.annotationsChanged) {
      w.annotationsChanged = false;
      const updated = await w.dApi.update(w.d);
      w.d = { ...updated, status };
    }
    const next = await w.dApi.update(w.d, { subresource: 'status' });
    w.d = next;
  }

  private async scaleReplicaSet(w: Work, rs: KubeObject, newScale: number, operation: 'up' | 'down'): Promise<{ scaled: boolean; rs: KubeObject }> {
    const d = w.d;
    const sizeChanged = replicasOf(rs) !== newScale;
    const copy = structuredClone(rs);
    const annotationsChanged = setReplicasAnnotations(copy, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (!sizeChanged && !annotationsChanged) return { scaled: false, rs };
    const old = replicasOf(rs);
    copy.spec.replicas = newScale;
    const out = await w.rsApi.update(copy);
    if (sizeChanged) this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata?.name} from ${old} to ${newScale}`);
    return { scaled: sizeChanged, rs: out };
  }

  private async scaleTo(w: Work, rs: KubeObject, n: number): Promise<{ scaled: boolean; rs: KubeObject }> {
    return this.scaleReplicaSet(w, rs, n, n > replicasOf(rs) ? 'up' : 'down');
  }

  /** sync handles scaling events and paused Deployments (upstream `sync`). */
  private async sync(w: Work, rsList: KubeObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(w, rsList, false);
    const scaled = await this.scale(w, newRS, oldRSs);
    if (w.d.spec?.paused) await this.cleanupDeployment(w, oldRSs);
    await this.syncDeploymentStatus(w, [...scaled.oldRSs, scaled.newRS], scaled.newRS);
  }

  /** scale spreads spec.replicas over the active ReplicaSets (upstream `scale`, proportional). */
  private async scale(w: Work, newRS: KubeObject | undefined, oldRSs: KubeObject[]): Promise<{ newRS?: KubeObject; oldRSs: KubeObject[] }> {
    const d = w.d;
    const replicas = replicasOf(d);
    const all = [...oldRSs, ...(newRS ? [newRS] : [])];
    const active = filterActiveReplicaSets(all);
    const replace = (rs: KubeObject): void => {
      if (newRS && rs.metadata?.uid === newRS.metadata?.uid) newRS = rs;
      else oldRSs = oldRSs.map((o) => (o.metadata?.uid === rs.metadata?.uid ? rs : o));
    };
    let target: KubeObject | undefined;
    if (active.length === 0) target = newRS ?? [...oldRSs].sort(byCreation).at(-1);
    else if (active.length === 1) target = active[0];
    if (target || active.length <= 1) {
      if (target && replicasOf(target) !== replicas) replace((await this.scaleTo(w, target, replicas)).rs);
      return { newRS, oldRSs };
    }
    if (newRS && replicasOf(newRS) === replicas && newRS.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION] === String(replicas) && Number(newRS.status?.availableReplicas ?? 0) === replicas) {
      for (const old of filterActiveReplicaSets(oldRSs)) replace((await this.scaleTo(w, old, 0)).rs);
      return { newRS, oldRSs };
    }
    if (isRollingUpdate(d)) {
      const current = sumSpecReplicas(active);
      const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
      const toAdd = allowed - current;
      if (toAdd === 0) return { newRS, oldRSs };
      // Proportional (upstream getProportion): each active ReplicaSet gets its share of the new
      // size by its max-replicas annotation; the leftover goes to the first one (the largest;
      // the newest on ties when scaling up, the oldest when scaling down).
      const sorted = [...active].sort(toAdd > 0 ? bySizeNewer : bySizeOlder);
      const sizes = new Map<string, number>();
      let added = 0;
      for (const rs of sorted) {
        const proportion = getProportion(rs, d, toAdd, added);
        sizes.set(rs.metadata!.uid!, replicasOf(rs) + proportion);
        added += proportion;
      }
      const first = sorted[0]!;
      sizes.set(first.metadata!.uid!, Math.max(0, sizes.get(first.metadata!.uid!)! + toAdd - added));
      for (const rs of sorted) {
        const n = sizes.get(rs.metadata!.uid!)!;
        replace((await this.scaleTo(w, rs, n)).rs);
      }
    }
    return { newRS, oldRSs };
  }

  /** cleanupDeployment deletes the oldest idle ReplicaSets beyond revisionHistoryLimit. */
  private async cleanupDeployment(w: Work, oldRSs: KubeObject[]): Promise<void> {
    const limit = w.d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const alive = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const diff = alive.length - Number(limit);
    if (diff <= 0) return;
    const sorted = [...alive].sort((a, b) => compareRevisions(a, b) || byCreation(a, b));
    for (const rs of sorted.slice(0, diff)) {
      if (Number(rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await w.rsApi.delete(rs.metadata!.name!, { preconditions: { uid: rs.metadata?.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** calculateStatus computes the Deployment status from its ReplicaSets (upstream sync.go). */
  private calculateStatus(all: Array<KubeObject | undefined>, newRS: KubeObject | undefined, d: KubeObject): DeploymentStatus {
    const available = sumStatus(all, 'availableReplicas');
    const total = sumSpecReplicas(all);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata?.generation,
      replicas: sumStatus(all, 'replicas'),
      updatedReplicas: sumStatus([newRS], 'replicas'),
      readyReplicas: sumStatus(all, 'readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
    };
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    if (d.status?.conditions) status.conditions = structuredClone(d.status.conditions);
    if (available >= replicasOf(d) - maxUnavailable(d)) setCondition(status, this.condition('Available', 'True', REASONS.minimumReplicasAvailable, 'Deployment has minimum availability.'));
    else setCondition(status, this.condition('Available', 'False', REASONS.minimumReplicasUnavailable, 'Deployment does not have minimum availability.'));
    return status;
  }

  private statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
    const norm = (s: DeploymentStatus | undefined): string =>
      JSON.stringify({
        observedGeneration: s?.observedGeneration ?? 0,
        replicas: s?.replicas ?? 0,
        updatedReplicas: s?.updatedReplicas ?? 0,
        readyReplicas: s?.readyReplicas ?? 0,
        availableReplicas: s?.availableReplicas ?? 0,
        unavailableReplicas: s?.unavailableReplicas ?? 0,
        collisionCount: s?.collisionCount,
        conditions: (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime, c.lastUpdateTime]),
      });
    return norm(a) === norm(b);
  }

  private async syncDeploymentStatus(w: Work, all: Array<KubeObject | undefined>, newRS: KubeObject | undefined): Promise<void> {
    const status = this.calculateStatus(all, newRS, w.d);
    if (this.statusEqual(w.d.status, status)) return;
    w.d.status = status;
    await this.updateDeployment(w);
  }

  private async syncStatusOnly(w: Work, rsList: KubeObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(w, rsList, false);
    await this.syncDeploymentStatus(w, [...oldRSs, newRS], newRS);
  }

  /** syncRolloutStatus updates status and the Progressing condition (upstream progress.go). */
  private async syncRolloutStatus(w: Work, all: Array<KubeObject | undefined>, newRS: KubeObject | undefined): Promise<void> {
    const d = w.d;
    const status = this.calculateStatus(all, newRS, d);
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
    const cur = getCondition(status, 'Progressing');
    const complete = status.replicas === status.updatedReplicas && cur?.reason === REASONS.newRSAvailable;
    if (hasProgressDeadline(d) && !complete) {
      if (deploymentComplete(d, status)) {
        setCondition(status, this.condition('Progressing', 'True', REASONS.newRSAvailable, newRS ? `ReplicaSet "${newRS.metadata?.name}" has successfully progressed.` : 'Deployment has successfully progressed.'));
      } else if (deploymentProgressing(d, status)) {
        const c = this.condition('Progressing', 'True', REASONS.rsUpdated, newRS ? `ReplicaSet "${newRS.metadata?.name}" is progressing.` : 'Deployment is progressing.');
        if (cur?.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
        removeCondition(status, 'Progressing');
        setCondition(status, c);
      } else if (deploymentTimedOut(d, status, this.clock.now())) {
        setCondition(status, this.condition('Progressing', 'False', REASONS.timedOut, newRS ? `ReplicaSet "${newRS.metadata?.name}" has timed out progressing.` : 'Deployment has timed out progressing.'));
      }
    }
    const failure = all.flatMap((rs) => ((rs?.status?.conditions ?? []) as DeploymentCondition[]).filter((c) => c.type === 'ReplicaFailure' && c.status === 'True'))[0];
    if (failure) setCondition(status, { ...failure, lastUpdateTime: this.now() });
    else removeCondition(status, 'ReplicaFailure');
    if (this.statusEqual(d.status, status)) {
      this.requeueStuckDeployment(w, status);
      return;
    }
    w.d.status = status;
    await this.updateDeployment(w);
  }

  private requeueStuckDeployment(w: Work, status: DeploymentStatus): void {
    const d = w.d;
    const c = getCondition(status, 'Progressing');
    if (!hasProgressDeadline(d) || !c || c.reason === REASONS.newRSAvailable || c.reason === REASONS.timedOut) return;
    if (deploymentComplete(d, status)) return;
    const after = (Date.parse(c.lastUpdateTime ?? '') || 0) + Number(d.spec.progressDeadlineSeconds) * 1000 - this.clock.now();
    w.requeueAfter = Math.max(1000, after);
  }

  /** rolloutRolling implements the RollingUpdate strategy (upstream rolling.go). */
  private async rolloutRolling(w: Work, rsList: KubeObject[]): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(w, rsList, true);
    const d = w.d;
    // reconcileNewReplicaSet
    if (newRS && replicasOf(newRS) !== replicasOf(d)) {
      const target = replicasOf(newRS) > replicasOf(d) ? replicasOf(d) : newRSNewReplicas(d, [...oldRSs, newRS], newRS);
      const r = await this.scaleTo(w, newRS, target);
      newRS = r.rs;
      if (r.scaled) {
        await this.syncRolloutStatus(w, [...oldRSs, newRS], newRS);
        return;
      }
    }
    // reconcileOldReplicaSets
    const scaledDown = await this.reconcileOldReplicaSets(w, oldRSs, newRS);
    oldRSs = scaledDown.oldRSs;
    if (scaledDown.scaled) {
      await this.syncRolloutStatus(w, [...oldRSs, newRS], newRS);
      return;
    }
    if (deploymentComplete(w.d, w.d.status ?? {})) await this.cleanupDeployment(w, oldRSs);
    await this.syncRolloutStatus(w, [...oldRSs, newRS], newRS);
  }

  private async reconcileOldReplicaSets(w: Work, oldRSs: KubeObject[], newRS: KubeObject | undefined): Promise<{ scaled: boolean; oldRSs: KubeObject[] }> {
    const d = w.d;
    const oldPods = sumSpecReplicas(filterActiveReplicaSets(oldRSs));
    if (oldPods === 0) return { scaled: false, oldRSs };
    const allPods = sumSpecReplicas([...oldRSs, newRS]);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = newRS ? replicasOf(newRS) - Number(newRS.status?.availableReplicas ?? 0) : 0;
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return { scaled: false, oldRSs };
    const updated = new Map(oldRSs.map((rs) => [rs.metadata!.uid!, rs]));
    // cleanupUnhealthyReplicas: old replicas that are not available go first.
    let cleaned = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (cleaned >= maxScaledDown) break;
      const cur = updated.get(rs.metadata!.uid!)!;
      if (replicasOf(cur) === 0) continue;
      const unhealthy = replicasOf(cur) - Number(cur.status?.availableReplicas ?? 0);
      if (unhealthy <= 0) continue;
      const n = Math.min(maxScaledDown - cleaned, unhealthy);
      const r = await this.scaleTo(w, cur, replicasOf(cur) - n);
      updated.set(rs.metadata!.uid!, r.rs);
      cleaned += n;
    }
    // scaleDownOldReplicaSetsForRollingUpdate
    let list = [...updated.values()];
    const available = sumStatus([...list, newRS], 'availableReplicas');
    let scaledDown = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of [...list].sort(byCreation)) {
        if (scaledDown >= total) break;
        const cur = updated.get(rs.metadata!.uid!)!;
        if (replicasOf(cur) === 0) continue;
        const n = Math.min(replicasOf(cur), total - scaledDown);
        const r = await this.scaleTo(w, cur, replicasOf(cur) - n);
        updated.set(rs.metadata!.uid!, r.rs);
        scaledDown += n;
      }
    }
    list = [...updated.values()];
    return { scaled: cleaned + scaledDown > 0, oldRSs: list };
  }

  /** rolloutRecreate implements the Recreate strategy (upstream recreate.go). */
  private async rolloutRecreate(w: Work, rsList: KubeObject[]): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(w, rsList, false);
    let scaledDown = false;
    const updatedOld: KubeObject[] = [];
    for (const rs of oldRSs) {
      if (replicasOf(rs) === 0) {
        updatedOld.push(rs);
        continue;
      }
      const r = await this.scaleTo(w, rs, 0);
      scaledDown ||= r.scaled;
      updatedOld.push(r.rs);
    }
    oldRSs = updatedOld;
    if (scaledDown) {
      await this.syncRolloutStatus(w, [...oldRSs, newRS], newRS);
      return;
    }
    if (this.oldPodsRunning(newRS, oldRSs)) {
      await this.syncRolloutStatus(w, [...oldRSs, newRS], newRS);
      return;
    }
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(w, rsList, true));
    if (newRS && replicasOf(newRS) !== replicasOf(w.d)) newRS = (await this.scaleTo(w, newRS, replicasOf(w.d))).rs;
    if (deploymentComplete(w.d, w.d.status ?? {})) await this.cleanupDeployment(w, oldRSs);
    await this.syncRolloutStatus(w, [...oldRSs, newRS], newRS);
  }

  private oldPodsRunning(newRS: KubeObject | undefined, oldRSs: KubeObject[]): boolean {
    if (sumStatus(oldRSs, 'replicas') > 0) return true;
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata?.uid));
    const ns = (newRS ?? oldRSs[0])?.metadata?.namespace ?? '';
    for (const pod of this.podInformer.lister().byNamespace(ns).list()) {
      const ref = getControllerOf(pod);
      if (!ref || !oldUids.has(ref.uid)) continue;
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
    return false;
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [() => this.dInformer.informer().hasSynced(), () => this.rsInformer.informer().hasSynced(), () => this.podInformer.informer().hasSynced()];
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}


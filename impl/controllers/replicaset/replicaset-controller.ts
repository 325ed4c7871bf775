/**
 * ReplicaSetController keeps `spec.replicas` pods running for each ReplicaSet (upstream
 * `pkg/controller/replicaset/replica_set.go`); the ReplicationController manager is the same
 * controller configured for `v1/ReplicationController` (see `replication/`).
 *
 * `reconcile(namespace/name)` (upstream `syncReplicaSet`): read the ReplicaSet from the lister
 * (gone: forget its expectations); claim the namespace's active pods (adopt orphans matching
 * the selector, release owned pods that stopped matching); when expectations are satisfied,
 * create the missing pods in slow-start batches or delete the surplus by deletion rank; then
 * write status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
 * observedGeneration, ReplicaFailure). Pod events resolve their controllerRef to enqueue the
 * owner and to mark expected creations and deletions as observed.
 */
import { labels } from '#impl/apimachinery/index.ts';
import { isForbidden, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { DeletedFinalStateUnknown, noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike, type GVR } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { claimPods, type Matcher } from '../controller-ref-manager.ts';
import {
  ControllerExpectations,
  filterActivePods,
  getControllerOf,
  getPodFromTemplate,
  isPodReady,
  newControllerRef,
  objectKey,
  podKey,
  unwrapTombstone,
  rankPodsForDeletion,
  slowStartBatch,
  type ControllerGVK,
} from '../controller-utils.ts';
import { noopRecorder, type EventRecorder } from '#impl/client/tools/record/index.ts';
import { errMessage, runWorkers, type ReconcileResult } from '../worker-loop.ts';
import { calculateStatus, updateReplicaSetStatus } from './replica-set-utils.ts';

/** REPLICASET_CONTROLLER_NAME is the upstream controller name. */
export const REPLICASET_CONTROLLER_NAME = 'replicaset-controller';

/** BURST_REPLICAS caps creations or deletions per sync (upstream `BurstReplicas`). */
export const BURST_REPLICAS = 500;

/** ReplicaSetKindConfig says which kind the controller manages (ReplicaSet or ReplicationController). */
export interface ReplicaSetKindConfig {
  name: string;
  gvk: ControllerGVK;
  gvr: GVR;
  queueName: string;
  /** Parses the selector; throws on an invalid one. */
  selectorOf(obj: KubeObject): Matcher;
}

/** REPLICASET_KIND configures the controller for apps/v1 ReplicaSets. */
export const REPLICASET_KIND: ReplicaSetKindConfig = {
  name: REPLICASET_CONTROLLER_NAME,
  gvk: { group: 'apps', version: 'v1', kind: 'ReplicaSet' },
  gvr: { group: 'apps', version: 'v1', resource: 'replicasets' },
  queueName: 'replicaset',
  selectorOf: (rs) => labels.labelSelectorAsSelector(rs.spec?.selector),
};

/** ReplicaSetControllerOptions configure {@link ReplicaSetController}. */
export interface ReplicaSetControllerOptions {
  client: ClientLike;
  rsInformer: GenericInformer;
  podInformer: GenericInformer;
  kind?: ReplicaSetKindConfig;
  burstReplicas?: number;
  recorder?: EventRecorder;
  clock?: Clock;
  logger?: Logger;
}

/** ReplicaSetController implements the replicaset (and replicationcontroller) controller. */
export class ReplicaSetController implements Controller {
  readonly name: string;
  readonly queue: RateLimitingInterface<string>;
  readonly expectations: ControllerExpectations;
  private readonly kind: ReplicaSetKindConfig;
  private readonly client: ClientLike;
  private readonly rsInformer: GenericInformer;
  private readonly podInformer: GenericInformer;
  private readonly burst: number;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(opts: ReplicaSetControllerOptions) {
    this.kind = opts.kind ?? REPLICASET_KIND;
    this.name = this.kind.name;
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.recorder = opts.recorder ?? noopRecorder;
    this.burst = opts.burstReplicas ?? BURST_REPLICAS;
    this.queue = new RateLimitingQueue<string>({ name: this.kind.queueName, clock: this.clock });
    this.expectations = new ControllerExpectations(this.clock);
    this.rsInformer = opts.rsInformer;
    this.podInformer = opts.podInformer;
    this.rsInformer.informer().addEventHandler({
      onAdd: (rs) => this.queue.add(objectKey(rs)),
      onUpdate: (_o, rs) => this.queue.add(objectKey(rs)),
      onDelete: (obj) => {
        const rs = unwrapTombstone(obj);
        this.expectations.deleteExpectations(objectKey(rs));
        this.queue.add(objectKey(rs));
      },
    });
    this.podInformer.informer().addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (obj) => this.deletePod(obj),
    });
  }

  /** resolveControllerRef returns the cached controller a pod's controllerRef points to, if it is ours. */
  private resolveControllerRef(namespace: string, ref: ReturnType<typeof getControllerOf>): KubeObject | undefined {
    if (!ref || ref.kind !== this.kind.gvk.kind) return undefined;
    const rs = this.rsInformer.lister().byNamespace(namespace).get(ref.name);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** getPodReplicaSets returns the controllers whose selector matches an orphan pod. */
  private getPodReplicaSets(pod: KubeObject): KubeObject[] {
    const ns = pod.metadata?.namespace ?? '';
    return this.rsInformer
      .lister()
      .byNamespace(ns)
      .list()
      .filter((rs) => {
        try {
          return this.kind.selectorOf(rs).matches(pod.metadata?.labels ?? {});
        } catch {
          return false;
        }
      });
  }

  private addPod(pod: KubeObject): void {
    if (pod.metadata?.deletionTimestamp) {
      this.deletePod(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (!rs) return;
      this.expectations.creationObserved(objectKey(rs));
      this.queue.add(objectKey(rs));
      return;
    }
    for (const rs of this.getPodReplicaSets(pod)) this.queue.add(objectKey(rs));
  }

  private updatePod(old: KubeObject, cur: KubeObject): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp) {
      this.deletePod(cur);
      if (labelChanged) this.deletePod(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = JSON.stringify(curRef) !== JSON.stringify(oldRef);
    const ns = cur.metadata?.namespace ?? '';
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(ns, oldRef);
      if (rs) this.queue.add(objectKey(rs));
    }
    if (curRef) {
      const rs = this.resolveControllerRef(ns, curRef);
      if (!rs) return;
      this.queue.add(objectKey(rs));
      const minReady = Number(rs.spec?.minReadySeconds ?? 0);
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) this.queue.addAfter(objectKey(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelChanged || refChanged) for (const rs of this.getPodReplicaSets(cur)) this.queue.add(objectKey(rs));
  }

  private deletePod(obj: KubeObject | DeletedFinalStateUnknown): void {
    const pod = unwrapTombstone(obj);
    const ref = getControllerOf(pod);
    if (!ref) return;
    const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (!rs) return;
    this.expectations.deletionObserved(objectKey(rs), podKey(pod));
    this.queue.add(objectKey(rs));
  }

  /** reconcile syncs one controller by `namespace/name` (upstream `syncReplicaSet`). */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace = '', name = ''] = key.split('/');
    const rs = this.rsInformer.lister().byNamespace(namespace).get(name);
    if (!rs) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const needsSync = this.expectations.satisfiedExpectations(key);
    let selector: Matcher;
    try {
      selector = this.kind.selectorOf(rs);
    } catch (err) {
      this.logger.error({ controller: this.name, key, err: errMessage(err) }, 'invalid selector');
      return;
    }
    const rsApi = resourceFor(this.client, this.kind.gvr, namespace);
    const podsApi = resourceFor(this.client, { group: '', version: 'v1', resource: 'pods' }, namespace);
    const active = filterActivePods(this.podInformer.lister().byNamespace(namespace).list());
    const filtered = await claimPods(active, { controller: rs, gvk: this.kind.gvk, selector, pods: podsApi, getController: () => rsApi.get(name) });
    let manageErr: unknown;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(filtered, rs, key);
      } catch (err) {
        manageErr = err;
      }
    }
    const status = calculateStatus(rs, filtered, manageErr, this.clock.now());
    let updated: KubeObject;
    try {
      updated = await updateReplicaSetStatus(rsApi, rs, status);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (manageErr) throw manageErr;
    const want = Number(updated.spec?.replicas ?? 1);
    const minReady = Number(updated.spec?.minReadySeconds ?? 0);
    if (minReady > 0 && updated.status?.readyReplicas === want && updated.status?.availableReplicas !== want) return { requeueAfter: minReady * 1000 };
  }

  /** manageReplicas creates or deletes pods to reach `spec.replicas` (upstream `manageReplicas`). */
  private async manageReplicas(filtered: KubeObject[], rs: KubeObject, key: string): Promise<void> {
    const want = Number(rs.spec?.replicas ?? 1);
    const diff = filtered.length - want;
    const namespace = rs.metadata?.namespace ?? '';
    const podsApi = resourceFor(this.client, { group: '', version: 'v1', resource: 'pods' }, namespace);
    if (diff < 0) {
      const n = Math.min(-diff, this.burst);
      this.expectations.expectCreations(key, n);
      const ref = newControllerRef(rs, this.kind.gvk);
      const { successes, error } = await slowStartBatch(n, 1, async () => {
        try {
          const created = await podsApi.create(getPodFromTemplate(rs.spec?.template, rs, ref));
          this.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
        } catch (err) {
          // A terminating namespace refuses new pods; that is not an error to retry.
          if (isForbidden(err) && /being terminated|NamespaceTerminating/.test(errMessage(err))) return;
          this.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${errMessage(err)}`);
          throw err;
        }
      });
      // Creations that were skipped or failed will never be observed.
      for (let i = successes; i < n; i++) this.expectations.creationObserved(key);
      if (error) throw error;
      return;
    }
    if (diff > 0) {
      const n = Math.min(diff, this.burst);
      const victims = rankPodsForDeletion(filtered).slice(0, n);
      this.expectations.expectDeletions(key, victims.map(podKey));
      const errors: string[] = [];
      await Promise.all(
        victims.map(async (pod) => {
          try {
            await podsApi.delete(pod.metadata!.name!);
            this.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
          } catch (err) {
            this.expectations.deletionObserved(key, podKey(pod));
            if (isNotFound(err)) return;
            this.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${errMessage(err)}`);
            errors.push(errMessage(err));
          }
        }),
      );
      if (errors.length) throw new Error(errors.join('; '));
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [() => this.rsInformer.informer().hasSynced(), () => this.podInformer.informer().hasSynced()];
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

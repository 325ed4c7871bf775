/**
 * StatefulSetController runs pods with stable identities (upstream
 * `pkg/controller/statefulset`: stateful_set.go, stateful_set_control.go, stateful_set_utils.go).
 * `reconcile(namespace/name)`:
 *
 * - pods are `<set>-<ordinal>` for ordinals 0..replicas-1, with hostname, subdomain
 *   (`serviceName`), labels `statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index`
 *   and `controller-revision-hash`; each volumeClaimTemplate gets a PVC
 *   `<template>-<set>-<ordinal>` (created before the pod, never deleted by scale-down unless the
 *   retention policy says so);
 * - **OrderedReady** creates one pod at a time in ordinal order and waits for it to be Running and
 *   Ready; scale-down removes the highest ordinal first, one at a time; **Parallel** does all at once;
 * - failed pods are deleted and re-created with the same identity;
 * - **RollingUpdate** replaces pods whose revision is not the update revision, from the highest
 *   ordinal down to `partition`, one at a time (waiting for readiness); **OnDelete** leaves it to the user;
 * - revisions are ControllerRevisions `<set>-<hash>`; status carries replicas, ready, available,
 *   current and updated counts and revisions.
 */
import { labels } from '#impl/apimachinery/index.ts';
import { isAlreadyExists, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { DeletedFinalStateUnknown, noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike, type GVR } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { claimPods } from '../controller-ref-manager.ts';
import { getControllerOf, isPodAvailable, isPodReady, newControllerRef, type ControllerGVK } from '../controller-utils.ts';
import { computeHash } from '../deployment/util/deployment-util.ts';
import { noopRecorder, type EventRecorder } from '#impl/client/tools/record/index.ts';
import { errMessage, runWorkers, type ReconcileResult } from '../worker-loop.ts';

/** STATEFULSET_CONTROLLER_NAME is the upstream controller name. */
export const STATEFULSET_CONTROLLER_NAME = 'statefulset-controller';
/** Pod labels set by the controller. */
export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

const STS_GVK: ControllerGVK = { group: 'apps', version: 'v1', kind: 'StatefulSet' };
const STS: GVR = { group: 'apps', version: 'v1', resource: 'statefulsets' };
const PODS: GVR = { group: '', version: 'v1', resource: 'pods' };
const PVCS: GVR = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
const REVISIONS: GVR = { group: 'apps', version: 'v1', resource: 'controllerrevisions' };

/** getOrdinal parses `<set>-<ordinal>`; -1 when the pod is not one of the set's. */
export function getOrdinal(setName: string, podName: string): number {
  const m = new RegExp(`^${setName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(podName);
  return m ? Number(m[1]) : -1;
}

function isRunningAndReady(pod: KubeObject): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

/** StatefulSetControllerOptions configure {@link StatefulSetController}. */
export interface StatefulSetControllerOptions {
  client: ClientLike;
  setInformer: GenericInformer;
  podInformer: GenericInformer;
  revisionInformer: GenericInformer;
  recorder?: EventRecorder;
  clock?: Clock;
  logger?: Logger;
}

/** StatefulSetController implements the statefulset controller. */
export class StatefulSetController implements Controller {
  readonly name = STATEFULSET_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: StatefulSetControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.recorder = opts.recorder ?? noopRecorder;
    this.queue = new RateLimitingQueue<string>({ name: 'statefulset', clock: this.clock });
    const key = (o: KubeObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;
    opts.setInformer.informer().addEventHandler({ onAdd: (s) => this.queue.add(key(s)), onUpdate: (_o, s) => this.queue.add(key(s)) });
    const podChanged = (obj: KubeObject | DeletedFinalStateUnknown): void => {
      const pod = obj instanceof DeletedFinalStateUnknown ? (obj.obj as KubeObject) : obj;
      const ref = getControllerOf(pod);
      if (ref?.kind === 'StatefulSet') this.queue.add(`${pod.metadata?.namespace}/${ref.name}`);
    };
    opts.podInformer.informer().addEventHandler({ onAdd: podChanged, onUpdate: (_o, p) => podChanged(p), onDelete: podChanged });
  }

  private async ensureRevision(set: KubeObject, hash: string): Promise<void> {
    const ns = set.metadata?.namespace ?? '';
    const name = `${set.metadata?.name}-${hash}`;
    const revs = this.opts.revisionInformer.lister().byNamespace(ns).list().filter((r) => getControllerOf(r)?.uid === set.metadata?.uid);
    if (revs.some((r) => r.metadata?.name === name)) return;
    const max = revs.reduce((m, r) => Math.max(m, Number(r.revision ?? 0)), 0);
    try {
      await resourceFor(this.opts.client, REVISIONS, ns).create({
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: { name, labels: { ...(set.spec?.selector?.matchLabels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: name }, ownerReferences: [newControllerRef(set, STS_GVK)] },
        data: { spec: { template: { ...structuredClone(set.spec?.template ?? {}), $patch: 'replace' } } },
        revision: max + 1,
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  /**
   * currentRevisionTemplate returns the pod template stored in the set's current revision when
   * it differs from the update revision (upstream `ApplyRevision(set, currentRevision)`).
   */
  private currentRevisionTemplate(set: KubeObject, updateRevision: string): { revision: string; template: KubeObject } | undefined {
    const current = set.status?.currentRevision as string | undefined;
    if (!current || current === updateRevision) return undefined;
    const rev = this.opts.revisionInformer.lister().byNamespace(set.metadata?.namespace ?? '').get(current);
    if (!rev || getControllerOf(rev)?.uid !== set.metadata?.uid) return undefined;
    const template = structuredClone((rev.data as KubeObject | undefined)?.spec?.template);
    if (!template) return undefined;
    delete template.$patch;
    return { revision: current, template };
  }

  /**
   * newVersionedPod is upstream newVersionedStatefulSetPod: with a RollingUpdate strategy, an
   * ordinal below the partition is (re)created at the current revision, every other one at the
   * update revision.
   */
  private newVersionedPod(set: KubeObject, ordinal: number, updateRevision: string): KubeObject {
    const start = Number(set.spec?.ordinals?.start ?? 0);
    const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
    const partition = Number(set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0);
    if (strategy === 'RollingUpdate' && ordinal < start + partition) {
      const current = this.currentRevisionTemplate(set, updateRevision);
      if (current) return this.newPod({ ...set, spec: { ...set.spec, template: current.template } }, ordinal, current.revision);
    }
    return this.newPod(set, ordinal, updateRevision);
  }

  private newPod(set: KubeObject, ordinal: number, revision: string): KubeObject {
    const t = structuredClone(set.spec?.template ?? {});
    const name = `${set.metadata?.name}-${ordinal}`;
    const spec = t.spec ?? {};
    spec.hostname = name;
    if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
    const volumes = [...(spec.volumes ?? [])] as Array<{ name: string }>;
    for (const claim of (set.spec?.volumeClaimTemplates ?? []) as KubeObject[]) {
      const cn = claim.metadata?.name ?? '';
      const v = { name: cn, persistentVolumeClaim: { claimName: `${cn}-${set.metadata?.name}-${ordinal}` } };
      const i = volumes.findIndex((x) => x.name === cn);
      if (i >= 0) volumes[i] = v;
      else volumes.push(v);
    }
    if (volumes.length) spec.volumes = volumes;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        labels: { ...(t.metadata?.labels ?? {}), [STATEFULSET_POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revision },
        annotations: { ...(t.metadata?.annotations ?? {}) },
        ownerReferences: [newControllerRef(set, STS_GVK)],
      },
      spec,
    };
  }

  private async ensureClaims(set: KubeObject, ordinal: number): Promise<void> {
    const ns = set.metadata?.namespace ?? '';
    const api = resourceFor(this.opts.client, PVCS, ns);
    for (const claim of (set.spec?.volumeClaimTemplates ?? []) as KubeObject[]) {
      const name = `${claim.metadata?.name}-${set.metadata?.name}-${ordinal}`;
      try {
        await api.get(name);
        continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      const pvc: KubeObject = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name, labels: { ...(set.spec?.selector?.matchLabels ?? {}), ...(claim.metadata?.labels ?? {}) }, annotations: claim.metadata?.annotations },
        spec: structuredClone(claim.spec ?? {}),
      };
      if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete') pvc.metadata!.ownerReferences = [{ ...newControllerRef(set, STS_GVK), controller: false, blockOwnerDeletion: true }];
      try {
        await api.create(pvc);
        this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${set.metadata?.name}-${ordinal} in StatefulSet ${set.metadata?.name} success`);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
  }

  /** reconcile syncs one StatefulSet (upstream `UpdateStatefulSet`). */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace = '', name = ''] = key.split('/');
    const cached = this.opts.setInformer.lister().byNamespace(namespace).get(name);
    if (!cached) return;
    const set = structuredClone(cached);
    const podsApi = resourceFor(this.opts.client, PODS, namespace);
    const setApi = resourceFor(this.opts.client, STS, namespace);
    const selector = labels.labelSelectorAsSelector(set.spec?.selector);
    const owned = await claimPods(this.opts.podInformer.lister().byNamespace(namespace).list(), { controller: set, gvk: STS_GVK, selector, pods: podsApi, getController: () => setApi.get(name) });
    const hash = computeHash(set.spec?.template, set.status?.collisionCount);
    const updateRevision = `${name}-${hash}`;
    await this.ensureRevision(set, hash);
    const replicas = Number(set.spec?.replicas ?? 1);
    const parallel = set.spec?.podManagementPolicy === 'Parallel';
    const start = Number(set.spec?.ordinals?.start ?? 0);
    const byOrdinal = new Map<number, KubeObject>();
    const condemned: KubeObject[] = [];
    for (const p of owned) {
      const o = getOrdinal(name, p.metadata?.name ?? '');
      if (o < 0) continue;
      if (o >= start && o < start + replicas) byOrdinal.set(o, p);
      else condemned.push(p);
    }
    const errors: string[] = [];
    let blocked = false;
    const minReady = Number(set.spec?.minReadySeconds ?? 0);
    // Create, replace failed, and wait in order.
    for (let o = start; o < start + replicas && !blocked; o++) {
      const pod = byOrdinal.get(o);
      try {
        if (!pod) {
          await this.ensureClaims(set, o);
          const created = await podsApi.create(this.newVersionedPod(set, o, updateRevision));
          this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${created.metadata?.name} in StatefulSet ${name} successful`);
          if (!parallel) blocked = true;
          continue;
        }
        if (pod.status?.phase === 'Failed' && !pod.metadata?.deletionTimestamp) {
          await podsApi.delete(pod.metadata!.name!);
          this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata?.name} in StatefulSet ${name} successful`);
          if (!parallel) blocked = true;
          continue;
        }
        if (!parallel && (pod.metadata?.deletionTimestamp || !isRunningAndReady(pod))) blocked = true;
      } catch (err) {
        errors.push(errMessage(err));
        blocked = true;
      }
    }
    // Scale down: highest ordinal first.
    if (!blocked || parallel) {
      const victims = [...condemned].filter((p) => !p.metadata?.deletionTimestamp).sort((a, b) => getOrdinal(name, b.metadata!.name!) - getOrdinal(name, a.metadata!.name!));
      const waiting = condemned.some((p) => p.metadata?.deletionTimestamp);
      for (const p of parallel ? victims : waiting ? [] : victims.slice(0, 1)) {
        try {
          await podsApi.delete(p.metadata!.name!);
          this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata?.name} in StatefulSet ${name} successful`);
        } catch (err) {
          if (!isNotFound(err)) errors.push(errMessage(err));
        }
      }
    }
    // Rolling update: highest ordinal down to the partition, one at a time.
    const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
    if (strategy === 'RollingUpdate' && !blocked && condemned.length === 0) {
      const partition = Number(set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0);
      const allReady = [...byOrdinal.values()].every((p) => !p.metadata?.deletionTimestamp && isRunningAndReady(p));
      if (allReady || parallel) {
        for (let o = start + replicas - 1; o >= start + partition; o--) {
          const p = byOrdinal.get(o);
          if (!p || p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === updateRevision) continue;
          try {
            await podsApi.delete(p.metadata!.name!);
            this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata?.name} in StatefulSet ${name} successful`);
          } catch (err) {
            if (!isNotFound(err)) errors.push(errMessage(err));
          }
          break;
        }
      }
    }
    const live = owned.filter((p) => !p.metadata?.deletionTimestamp);
    const now = this.clock.now();
    const updated = live.filter((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === updateRevision).length;
    const rolloutComplete = owned.length === replicas && updated === replicas && live.filter(isPodReady).length === replicas;
    const status = {
      ...(set.status ?? {}),
      observedGeneration: set.metadata?.generation,
      replicas: live.length,
      readyReplicas: live.filter(isPodReady).length,
      availableReplicas: live.filter((p) => isPodAvailable(p, minReady, now)).length,
      currentReplicas: updated === live.length ? updated : live.length - updated,
      updatedReplicas: updated,
      // upstream completeRollingUpdate: the current revision catches up only once every replica
      // (terminating ones included) runs the update revision and is ready.
      currentRevision: rolloutComplete || !set.status?.currentRevision ? updateRevision : set.status.currentRevision,
      updateRevision,
    };
    if (JSON.stringify(status) !== JSON.stringify(set.status ?? {})) {
      await setApi.update({ ...set, status }, { subresource: 'status' }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
    if (errors.length) throw new Error(errors.join('; '));
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [this.opts.setInformer, this.opts.podInformer, this.opts.revisionInformer].map((i) => () => i.informer().hasSynced());
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

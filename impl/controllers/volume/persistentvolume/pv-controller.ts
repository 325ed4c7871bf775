/**
 * PersistentVolumeController binds claims to volumes, provisions volumes for claims of a
 * StorageClass, and reclaims released volumes (upstream
 * `pkg/controller/volume/persistentvolume/pv_controller.go`, the "persistentvolume-binder"
 * controller). Two queues as upstream: claims (`namespace/name`, `syncClaim`) and volumes
 * (`name`, `syncVolume`).
 *
 * - **syncUnboundClaim**: a volume pre-bound to the claim, or the smallest Available volume of
 *   the same class that fits (access modes, capacity, selector, volume mode, node affinity), is
 *   bound: the PV gets `spec.claimRef` and phase Bound, the claim `spec.volumeName`, the
 *   `pv.kubernetes.io/bind-completed` and `bound-by-controller` annotations and phase Bound.
 *   Without a match, a claim whose class has a provisioner known here is provisioned (PV named
 *   `pvc-<claim uid>`, pre-bound to the claim); a class with `volumeBindingMode:
 *   WaitForFirstConsumer` waits for the scheduler's `volume.kubernetes.io/selected-node`
 *   annotation (event `WaitForFirstConsumer`). Provisioners not known here get the
 *   `volume.kubernetes.io/storage-provisioner` annotation and an `ExternalProvisioning` event.
 * - **syncBoundClaim**: a claim whose volume vanished is Lost (`ClaimLost`); one whose volume
 *   is not yet bound back finishes the binding.
 * - **syncVolume**: phase Available without claimRef, Bound with its claim, Released when the
 *   claim is gone; released volumes are reclaimed by policy: Retain keeps them, Delete asks the
 *   provisioner to delete the storage and deletes the PV (`VolumeFailedDelete` on failure),
 *   Recycle is not supported (`VolumeFailedRecycle`, phase Failed).
 */
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '#generated/k8s/index.ts';
import { isAlreadyExists, isConflict, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, sleepUntilAborted, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike, type GVR } from '../../controller-client.ts';
import type { Controller } from '../../controller-context.ts';
import { objectKey, unwrapTombstone } from '../../controller-utils.ts';
import { noopRecorder, type EventRecorder } from '#impl/client/tools/record/index.ts';
import { errMessage, runWorkers, type ReconcileResult } from '../../worker-loop.ts';
import type { Provisioner } from '../localpath/local-path-provisioner.ts';
import { ANNOTATIONS, claimClass, findMatchingVolume, isVolumeBoundToClaim } from './index-helpers.ts';

/** PERSISTENT_VOLUME_BINDER_NAME is the upstream controller name. */
export const PERSISTENT_VOLUME_BINDER_NAME = 'persistentvolume-binder-controller';
/** DEFAULT_PV_SYNC_PERIOD_MS is upstream `--pvclaimbinder-sync-period` (15 s). */
export const DEFAULT_PV_SYNC_PERIOD_MS = 15_000;

const PVS: GVR = { group: '', version: 'v1', resource: 'persistentvolumes' };
const PVCS: GVR = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };

/** PersistentVolumeControllerOptions configure {@link PersistentVolumeController}. */
export interface PersistentVolumeControllerOptions {
  client: ClientLike;
  volumeInformer: GenericInformer;
  claimInformer: GenericInformer;
  classInformer: GenericInformer;
  podInformer: GenericInformer;
  nodeInformer: GenericInformer;
  /** Provisioners run in this process, by provisioner name. */
  provisioners?: readonly Provisioner[];
  /**
   * StorageClasses created at start when absent (the local provisioner's default `standard`
   * class, like k3s's bundled local-storage manifest).
   */
  bootstrapStorageClasses?: readonly StorageClass[];
  /** `--pvclaimbinder-sync-period` (default 15 s). */
  syncPeriodMs?: number;
  recorder?: EventRecorder;
  clock?: Clock;
  logger?: Logger;
}

/** PersistentVolumeController implements the persistent volume binder. */
export class PersistentVolumeController implements Controller {
  readonly name = PERSISTENT_VOLUME_BINDER_NAME;
  readonly claimQueue: RateLimitingInterface<string>;
  readonly volumeQueue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly recorder: EventRecorder;
  private readonly provisioners: Map<string, Provisioner>;

  constructor(private readonly opts: PersistentVolumeControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.recorder = opts.recorder ?? noopRecorder;
    this.provisioners = new Map((opts.provisioners ?? []).map((p) => [p.name, p]));
    this.claimQueue = new RateLimitingQueue<string>({ name: 'claims', clock: this.clock });
    this.volumeQueue = new RateLimitingQueue<string>({ name: 'volumes', clock: this.clock });
    opts.volumeInformer.informer().addEventHandler({
      onAdd: (pv) => this.volumeQueue.add(pv.metadata!.name!),
      onUpdate: (_o, pv) => this.volumeQueue.add(pv.metadata!.name!),
      onDelete: (o) => {
        const pv = unwrapTombstone(o) as PersistentVolume;
        const ref = pv.spec?.claimRef;
        if (ref?.namespace && ref.name) this.claimQueue.add(`${ref.namespace}/${ref.name}`);
      },
    });
    opts.claimInformer.informer().addEventHandler({
      onAdd: (c) => this.claimQueue.add(objectKey(c)),
      onUpdate: (_o, c) => this.claimQueue.add(objectKey(c)),
      onDelete: (o) => {
        const c = unwrapTombstone(o) as PersistentVolumeClaim;
        if (c.spec?.volumeName) this.volumeQueue.add(c.spec.volumeName);
      },
    });
    // A pod that uses a waiting claim may now have a node (see selectedNodeOf).
    const onPod = (p: KubeObject): void => {
      const pod = p as Pod;
      if (!pod.spec?.nodeName) return;
      for (const v of pod.spec.volumes ?? []) if (v.persistentVolumeClaim) this.claimQueue.add(`${pod.metadata?.namespace}/${v.persistentVolumeClaim.claimName}`);
    };
    opts.podInformer.informer().addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p) });
  }

  private pvApi() {
    return resourceFor(this.opts.client, PVS);
  }

  private pvcApi(ns: string) {
    return resourceFor(this.opts.client, PVCS, ns);
  }

  private storageClass(name: string): StorageClass | undefined {
    return name ? (this.opts.classInformer.lister().get(name) as StorageClass | undefined) : undefined;
  }

  private node(name: string | undefined): Node | undefined {
    return name ? (this.opts.nodeInformer.lister().get(name) as Node | undefined) : undefined;
  }

  /**
   * selectedNodeOf is the scheduler's `volume.kubernetes.io/selected-node`; when a scheduler
   * without volume binding already put a pod using the claim on a node, that node is used.
   */
  private selectedNodeOf(pvc: PersistentVolumeClaim): string | undefined {
    const annotated = pvc.metadata?.annotations?.[ANNOTATIONS.selectedNode];
    if (annotated) return annotated;
    for (const p of this.opts.podInformer.lister().byNamespace(pvc.metadata?.namespace ?? '').list() as Pod[]) {
      if (!p.spec?.nodeName || p.metadata?.deletionTimestamp) continue;
      if ((p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === pvc.metadata?.name)) return p.spec.nodeName;
    }
    return undefined;
  }

  /** syncClaim is the claim-queue reconcile (upstream `syncClaim`). */
  async syncClaim(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const cached = this.opts.claimInformer.lister().byNamespace(ns).get(name) as PersistentVolumeClaim | undefined;
    if (!cached) return;
    const pvc = structuredClone(cached);
    if (pvc.metadata?.deletionTimestamp) return;
    try {
      if (!pvc.metadata?.annotations?.[ANNOTATIONS.bindCompleted]) return await this.syncUnboundClaim(pvc);
      return await this.syncBoundClaim(pvc);
    } catch (err) {
      if (isConflict(err)) return { requeueAfter: 100 };
      throw err;
    }
  }

  private async syncUnboundClaim(pvc: PersistentVolumeClaim): Promise<ReconcileResult | void> {
    const volumes = this.opts.volumeInformer.lister().list() as PersistentVolume[];
    if (pvc.spec?.volumeName) {
      // The user asked for a specific volume.
      const pv = volumes.find((v) => v.metadata?.name === pvc.spec!.volumeName);
      if (!pv) {
        await this.updateClaimPhase(pvc, 'Pending');
        return;
      }
      if (!pv.spec?.claimRef || isVolumeBoundToClaim(pv, pvc)) {
        await this.bind(pv, pvc);
        return;
      }
      // Bound to another claim: only the user can fix it.
      this.recorder.event(pvc as KubeObject, 'Warning', 'FailedBinding', 'volume already bound to a different claim.');
      await this.updateClaimPhase(pvc, 'Pending');
      return;
    }
    const cls = this.storageClass(claimClass(pvc));
    const delay = cls?.volumeBindingMode === 'WaitForFirstConsumer';
    const selected = delay ? this.selectedNodeOf(pvc) : undefined;
    const node = this.node(selected);
    const pv = findMatchingVolume(pvc, volumes, { delayBinding: delay, node });
    if (pv) {
      await this.bind(pv, pvc);
      return;
    }
    if (delay && !selected) {
      this.recorder.event(pvc as KubeObject, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      await this.updateClaimPhase(pvc, 'Pending');
      return;
    }
    if (!cls) {
      if (claimClass(pvc) === '') this.recorder.event(pvc as KubeObject, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      else this.recorder.event(pvc as KubeObject, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${claimClass(pvc)}" not found`);
      await this.updateClaimPhase(pvc, 'Pending');
      return;
    }
    await this.provisionClaim(pvc, cls, selected);
  }

  private async provisionClaim(pvc: PersistentVolumeClaim, cls: StorageClass, selectedNode: string | undefined): Promise<ReconcileResult | void> {
    const provisionerName = cls.provisioner;
    const anns = pvc.metadata?.annotations ?? {};
    if (anns[ANNOTATIONS.storageProvisioner] !== provisionerName) {
      // upstream setClaimProvisioner: mark who provisions, then come back on the update.
      pvc.metadata!.annotations = { ...anns, [ANNOTATIONS.storageProvisioner]: provisionerName, [ANNOTATIONS.betaStorageProvisioner]: provisionerName };
      await this.pvcApi(pvc.metadata!.namespace!).update(pvc as KubeObject);
      return;
    }
    const provisioner = this.provisioners.get(provisionerName);
    if (!provisioner) {
      this.recorder.event(pvc as KubeObject, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${provisionerName}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
      await this.updateClaimPhase(pvc, 'Pending');
      return;
    }
    const pvName = `pvc-${pvc.metadata?.uid}`;
    if (this.opts.volumeInformer.lister().get(pvName)) return; // already provisioned; binding follows the volume event
    let node = this.node(selectedNode);
    if (!node && cls.volumeBindingMode !== 'WaitForFirstConsumer') {
      // Immediate binding: any schedulable node (single-node clusters have one).
      node = (this.opts.nodeInformer.lister().list() as Node[]).filter((n) => !n.spec?.unschedulable).sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1))[0];
    }
    if (!node) {
      this.recorder.event(pvc as KubeObject, 'Warning', 'ProvisioningFailed', 'no node available to provision the volume on');
      return { requeueAfter: 5000 };
    }
    this.recorder.event(pvc as KubeObject, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${pvc.metadata?.namespace}/${pvc.metadata?.name}"`);
    let pv: PersistentVolume;
    try {
      pv = await provisioner.provision({ storageClass: cls, pvName, pvc, selectedNode: node });
      await this.pvApi().create(pv as KubeObject);
    } catch (err) {
      if (!/already exists/i.test(errMessage(err))) {
        this.recorder.event(pvc as KubeObject, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls.metadata?.name}": ${errMessage(err)}`);
        throw err;
      }
      return;
    }
    this.recorder.event(pvc as KubeObject, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  }

  private async syncBoundClaim(pvc: PersistentVolumeClaim): Promise<void> {
    const volumeName = pvc.spec?.volumeName;
    if (!volumeName) {
      // bind-completed without a volume: the claim was bound once and lost it.
      await this.updateClaimPhase(pvc, 'Lost', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      return;
    }
    const pv = this.opts.volumeInformer.lister().get(volumeName) as PersistentVolume | undefined;
    if (!pv) {
      await this.updateClaimPhase(pvc, 'Lost', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      return;
    }
    if (!pv.spec?.claimRef || isVolumeBoundToClaim(pv, pvc)) {
      await this.bind(pv, pvc);
      return;
    }
    await this.updateClaimPhase(pvc, 'Lost', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
  }

  /** bind is upstream `bind`: volume -> claim, volume status, claim -> volume, claim status (each only when needed). */
  private async bind(pv0: PersistentVolume, pvc0: PersistentVolumeClaim): Promise<void> {
    let pv = structuredClone(pv0);
    const ref = pv.spec?.claimRef;
    if (!ref || ref.uid !== pvc0.metadata?.uid || ref.name !== pvc0.metadata?.name || ref.namespace !== pvc0.metadata?.namespace) {
      pv.spec = {
        ...pv.spec,
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc0.metadata?.namespace, name: pvc0.metadata?.name, uid: pvc0.metadata?.uid, resourceVersion: pvc0.metadata?.resourceVersion },
      };
      if (!ref) pv.metadata = { ...pv.metadata, annotations: { ...(pv.metadata?.annotations ?? {}), [ANNOTATIONS.boundByController]: 'yes' } };
      pv = (await this.pvApi().update(pv as KubeObject)) as PersistentVolume;
    }
    if (pv.status?.phase !== 'Bound') {
      pv.status = { ...pv.status, phase: 'Bound', lastPhaseTransitionTime: this.now() };
      pv = (await this.pvApi().update(pv as KubeObject, { subresource: 'status' })) as PersistentVolume;
    }
    let pvc = structuredClone(pvc0);
    const anns = pvc.metadata?.annotations ?? {};
    if (pvc.spec?.volumeName !== pv.metadata?.name || anns[ANNOTATIONS.bindCompleted] !== 'yes') {
      const next: Record<string, string> = { ...anns, [ANNOTATIONS.bindCompleted]: 'yes' };
      if (!pvc.spec?.volumeName) next[ANNOTATIONS.boundByController] = 'yes';
      pvc.metadata = { ...pvc.metadata, annotations: next };
      pvc.spec = { ...pvc.spec, volumeName: pv.metadata?.name };
      pvc = (await this.pvcApi(pvc.metadata!.namespace!).update(pvc as KubeObject)) as PersistentVolumeClaim;
    }
    const capacity = pv.spec?.capacity;
    if (pvc.status?.phase !== 'Bound' || JSON.stringify(pvc.status?.capacity) !== JSON.stringify(capacity) || JSON.stringify(pvc.status?.accessModes) !== JSON.stringify(pv.spec?.accessModes)) {
      pvc.status = { ...pvc.status, phase: 'Bound', capacity, accessModes: pv.spec?.accessModes };
      await this.pvcApi(pvc.metadata!.namespace!).update(pvc as KubeObject, { subresource: 'status' });
    }
  }

  private async updateClaimPhase(pvc: PersistentVolumeClaim, phase: string, reason?: string, message?: string): Promise<void> {
    if (pvc.status?.phase === phase) return;
    if (reason) this.recorder.event(pvc as KubeObject, 'Warning', reason, message ?? '');
    pvc.status = { ...pvc.status, phase };
    try {
      await this.pvcApi(pvc.metadata!.namespace!).update(pvc as KubeObject, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async updateVolumePhase(pv: PersistentVolume, phase: string, reason?: string, message?: string): Promise<PersistentVolume> {
    if (pv.status?.phase === phase) return pv;
    if (reason) this.recorder.event(pv as KubeObject, 'Warning', reason, message ?? '');
    const next = { ...structuredClone(pv), status: { ...pv.status, phase, ...(message ? { message } : {}), lastPhaseTransitionTime: this.now() } };
    return (await this.pvApi().update(next as KubeObject, { subresource: 'status' })) as PersistentVolume;
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** syncVolume is the volume-queue reconcile (upstream `syncVolume`). */
  async syncVolume(name: string): Promise<ReconcileResult | void> {
    const pv = this.opts.volumeInformer.lister().get(name) as PersistentVolume | undefined;
    if (!pv) return;
    try {
      const ref = pv.spec?.claimRef;
      if (!ref) {
        await this.updateVolumePhase(pv, 'Available');
        return;
      }
      const claim = ref.namespace && ref.name ? (this.opts.claimInformer.lister().byNamespace(ref.namespace).get(ref.name) as PersistentVolumeClaim | undefined) : undefined;
      if (!ref.uid) {
        // Pre-bound by the user: available until the claim binds.
        if (pv.status?.phase !== 'Available' && pv.status?.phase !== 'Bound') await this.updateVolumePhase(pv, 'Available');
        if (claim) this.claimQueue.add(objectKey(claim as KubeObject));
        return;
      }
      if (claim && claim.metadata?.uid === ref.uid) {
        if (!claim.spec?.volumeName || claim.metadata?.annotations?.[ANNOTATIONS.bindCompleted] !== 'yes') {
          // The claim is still being bound (e.g. a freshly provisioned volume).
          this.claimQueue.add(objectKey(claim as KubeObject));
          return;
        }
        if (claim.spec.volumeName === pv.metadata?.name) {
          await this.updateVolumePhase(pv, 'Bound');
          return;
        }
        // The claim is bound to another volume: this one is released if we bound it.
        if (pv.metadata?.annotations?.[ANNOTATIONS.boundByController]) {
          await this.unbindVolume(pv);
          return;
        }
        return;
      }
      // The claim is gone (or was replaced): released, then reclaimed.
      if (pv.status?.phase === 'Failed') return;
      const released = await this.updateVolumePhase(pv, 'Released');
      await this.reclaimVolume(released);
    } catch (err) {
      if (isConflict(err)) return { requeueAfter: 100 };
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private async unbindVolume(pv: PersistentVolume): Promise<void> {
    const next = structuredClone(pv);
    delete next.spec!.claimRef;
    const anns = { ...(next.metadata?.annotations ?? {}) };
    delete anns[ANNOTATIONS.boundByController];
    next.metadata = { ...next.metadata, annotations: anns };
    const updated = (await this.pvApi().update(next as KubeObject)) as PersistentVolume;
    await this.updateVolumePhase(updated, 'Available');
  }

  /** reclaimVolume applies `persistentVolumeReclaimPolicy` to a Released volume (upstream `reclaimVolume`). */
  private async reclaimVolume(pv: PersistentVolume): Promise<void> {
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain') return;
    if (policy === 'Recycle') {
      await this.updateVolumePhase(pv, 'Failed', 'VolumeFailedRecycle', 'No recycler plugin found for the volume!');
      return;
    }
    const provisionedBy = pv.metadata?.annotations?.[ANNOTATIONS.provisionedBy];
    const provisioner = provisionedBy ? this.provisioners.get(provisionedBy) : undefined;
    if (!provisioner) {
      if (provisionedBy) return; // an external provisioner deletes it
      await this.updateVolumePhase(pv, 'Failed', 'VolumeFailedDelete', 'error getting deleter volume plugin for volume: no deletable volume plugin matched');
      return;
    }
    try {
      await provisioner.delete(pv);
    } catch (err) {
      await this.updateVolumePhase(pv, 'Failed', 'VolumeFailedDelete', errMessage(err));
      return;
    }
    try {
      await this.pvApi().delete(pv.metadata!.name!, { preconditions: { uid: pv.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** ensureStorageClasses creates the bootstrap StorageClasses that do not exist yet. */
  async ensureStorageClasses(): Promise<void> {
    const api = resourceFor(this.opts.client, { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' });
    for (const sc of this.opts.bootstrapStorageClasses ?? []) {
      try {
        await api.get(sc.metadata!.name!);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await api.create(sc as KubeObject).catch((e: unknown) => {
          if (!isAlreadyExists(e)) throw e;
        });
        this.logger.info({ storageClass: sc.metadata?.name }, 'created default StorageClass');
      }
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const o = this.opts;
    void (async () => {
      for (;;) {
        try {
          await this.ensureStorageClasses();
          return;
        } catch (err) {
          this.logger.warn({ err: errMessage(err) }, 'failed to create the default StorageClass; retrying');
          if (!(await sleepUntilAborted(this.clock, 5000, signal))) return;
        }
      }
    })();
    const synced = [o.volumeInformer, o.claimInformer, o.classInformer, o.podInformer, o.nodeInformer].map((i) => () => i.informer().hasSynced());
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    const resync = (async () => {
      // upstream resync: every volume and claim is looked at again each sync period.
      while (await sleepUntilAborted(this.clock, o.syncPeriodMs ?? DEFAULT_PV_SYNC_PERIOD_MS, signal)) {
        for (const pv of o.volumeInformer.lister().list()) this.volumeQueue.add(pv.metadata!.name!);
        for (const c of o.claimInformer.lister().list()) this.claimQueue.add(objectKey(c));
      }
    })();
    await Promise.all([
      runWorkers({ name: `${this.name}-volumes`, queue: this.volumeQueue, reconcile: (k) => this.syncVolume(k), workers, signal, logger: this.logger }),
      runWorkers({ name: `${this.name}-claims`, queue: this.claimQueue, reconcile: (k) => this.syncClaim(k), workers, signal, logger: this.logger }),
      resync,
    ]);
  }
}

/**
 * LocalPathProvisioner provisions PersistentVolumes as directories on the node (like k3s's
 * local-path provisioner, which is itself modelled on sig-storage-lib-external-provisioner's
 * `Provisioner` interface): a claim of class `standard` (provisioner `kubets.io/local-path`)
 * gets a `hostPath` PV at `<baseDir>/pvc-<uid>_<namespace>_<claim>` with node affinity to the
 * node that will run the pod (the scheduler's `volume.kubernetes.io/selected-node`), and the
 * directory is removed when a PV with reclaim policy Delete is released.
 *
 * The directory is created by the kubelet when it mounts the volume (`DirectoryOrCreate`);
 * deletion happens here, so it only removes directories on the host the controller-manager
 * runs on, which is the node on a `kubets up` cluster.
 */
import { rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Node, PersistentVolume, PersistentVolumeClaim, StorageClass } from '#generated/k8s/index.ts';
import { ANNOTATIONS } from '../persistentvolume/index-helpers.ts';

/** LOCAL_PATH_PROVISIONER_NAME is the provisioner name StorageClasses use. */
export const LOCAL_PATH_PROVISIONER_NAME = 'kubets.io/local-path';
/** DEFAULT_STORAGE_CLASS_NAME is the default StorageClass created for the provisioner. */
export const DEFAULT_STORAGE_CLASS_NAME = 'standard';
/** DEFAULT_LOCAL_PATH_DIR is where volumes go when no directory is configured. */
export const DEFAULT_LOCAL_PATH_DIR = '/var/lib/kubets/storage';

/** ProvisionOptions is what a provisioner gets (sig-storage-lib `ProvisionOptions`). */
export interface ProvisionOptions {
  storageClass: StorageClass;
  pvName: string;
  pvc: PersistentVolumeClaim;
  /** The node chosen by the scheduler (delayed binding) or any ready node (immediate). */
  selectedNode?: Node;
}

/** Provisioner creates and deletes volumes of one provisioner name. */
export interface Provisioner {
  readonly name: string;
  provision(opts: ProvisionOptions): Promise<PersistentVolume>;
  /** delete releases the volume's storage; it must be idempotent. */
  delete(pv: PersistentVolume): Promise<void>;
}

/** LocalPathProvisionerOptions configure {@link LocalPathProvisioner}. */
export interface LocalPathProvisionerOptions {
  /** Base directory of the volumes (default {@link DEFAULT_LOCAL_PATH_DIR}). */
  baseDir?: string;
}

/** defaultStorageClass is the `standard` StorageClass object (default class, WaitForFirstConsumer, Delete). */
export function defaultStorageClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: DEFAULT_STORAGE_CLASS_NAME, annotations: { [ANNOTATIONS.isDefaultClass]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER_NAME,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/** LocalPathProvisioner implements {@link Provisioner} with host directories. */
export class LocalPathProvisioner implements Provisioner {
  readonly name = LOCAL_PATH_PROVISIONER_NAME;
  readonly baseDir: string;

  constructor(opts: LocalPathProvisionerOptions = {}) {
    this.baseDir = resolve(opts.baseDir ?? DEFAULT_LOCAL_PATH_DIR);
  }

  provision(o: ProvisionOptions): Promise<PersistentVolume> {
    const { pvc, storageClass } = o;
    const nodeName = o.selectedNode?.metadata?.labels?.['kubernetes.io/hostname'] ?? o.selectedNode?.metadata?.name;
    if (!nodeName) return Promise.reject(new Error('configuration error, no node was specified'));
    const dir = join(this.baseDir, `${o.pvName}_${pvc.metadata?.namespace}_${pvc.metadata?.name}`);
    return Promise.resolve({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: o.pvName, annotations: { [ANNOTATIONS.provisionedBy]: this.name } },
      spec: {
        capacity: { storage: String(pvc.spec?.resources?.requests?.storage ?? '1Gi') },
        accessModes: pvc.spec?.accessModes?.length ? [...pvc.spec.accessModes] : ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
        storageClassName: storageClass.metadata?.name,
        volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
        mountOptions: storageClass.mountOptions,
        hostPath: { path: dir, type: 'DirectoryOrCreate' },
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.metadata?.namespace, name: pvc.metadata?.name, uid: pvc.metadata?.uid, resourceVersion: pvc.metadata?.resourceVersion },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } },
      },
    });
  }

  async delete(pv: PersistentVolume): Promise<void> {
    const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (!path) return;
    const abs = resolve(path);
    // Never remove anything outside the base directory.
    if (!abs.startsWith(this.baseDir + sep)) throw new Error(`refusing to delete ${abs}: not under ${this.baseDir}`);
    await rm(abs, { recursive: true, force: true });
  }
}

/**
 * StorageObjectInUseProtection: new PersistentVolumeClaims get the `kubernetes.io/pvc-protection`
 * finalizer and new PersistentVolumes `kubernetes.io/pv-protection`, so that they are not removed
 * while a pod (or a claim) uses them. The pvc-protection and pv-protection controllers remove the
 * finalizers once the object is unused; without them a deleted claim stays Terminating.
 *
 * upstream: plugin/pkg/admission/storage/storageobjectinuseprotection/admission.go
 */
import { handlesOps, isResource, type AdmissionAttributes, type MutatingPlugin } from '../../interfaces.ts';

export const STORAGE_OBJECT_IN_USE_PROTECTION_NAME = 'StorageObjectInUseProtection';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** newStorageObjectInUseProtection builds the plugin (mutating, CREATE of PVCs and PVs). */
export function newStorageObjectInUseProtection() {
  return {
    name: STORAGE_OBJECT_IN_USE_PROTECTION_NAME,
    handles: handlesOps('CREATE'),
    admit(a: AdmissionAttributes): void {
      const finalizer = isResource(a, '', 'persistentvolumeclaims') ? PVC_PROTECTION_FINALIZER : isResource(a, '', 'persistentvolumes') ? PV_PROTECTION_FINALIZER : undefined;
      if (!finalizer || !a.object) return;
      const meta = (a.object.metadata ??= {});
      const finalizers = (meta.finalizers as string[] | undefined) ?? [];
      if (!finalizers.includes(finalizer)) meta.finalizers = [...finalizers, finalizer];
    },
  } satisfies MutatingPlugin;
}

/**
 * DefaultStorageClass: a PVC without `spec.storageClassName` gets the default StorageClass.
 *
 * upstream: plugin/pkg/admission/storage/storageclass/setdefault/admission.go and
 * pkg/volume/util (GetDefaultClass: newest default wins since 1.28)
 */
import type { PersistentVolumeClaim, StorageClass } from '#generated/k8s/index.ts';
import { handlesOps, isResource, type AdmissionAttributes, type MutatingPlugin } from '../../interfaces.ts';

export const DEFAULT_STORAGE_CLASS_NAME = 'DefaultStorageClass';
export const IS_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_IS_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

/** isDefaultClass reads either annotation. */
export function isDefaultClass(sc: StorageClass): boolean {
  const ann = sc.metadata?.annotations ?? {};
  return ann[IS_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true' || ann[BETA_IS_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true';
}

/** getDefaultClass picks the newest default class (ties: by name), or undefined. */
export function getDefaultClass(classes: readonly StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort((x, y) => {
    const tx = Date.parse(x.metadata?.creationTimestamp ?? '') || 0;
    const ty = Date.parse(y.metadata?.creationTimestamp ?? '') || 0;
    if (tx !== ty) return ty - tx;
    return (x.metadata?.name ?? '').localeCompare(y.metadata?.name ?? '');
  });
  return defaults[0];
}

/** newDefaultStorageClass builds the plugin. */
export function newDefaultStorageClass(opts: { listStorageClasses(): readonly StorageClass[] }) {
  return {
    name: DEFAULT_STORAGE_CLASS_NAME,
    handles: handlesOps('CREATE'),
    admit(a: AdmissionAttributes): void {
      if (!isResource(a, '', 'persistentvolumeclaims')) return;
      const pvc = a.object as PersistentVolumeClaim | undefined;
      if (!pvc?.spec) return;
      // An explicit "" means "no class" and is kept, as upstream.
      if (pvc.spec.storageClassName !== undefined && pvc.spec.storageClassName !== null) return;
      if (pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return;
      const def = getDefaultClass(opts.listStorageClasses());
      if (def?.metadata?.name) pvc.spec.storageClassName = def.metadata.name;
    },
  } satisfies MutatingPlugin;
}

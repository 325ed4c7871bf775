/**
 * persistentVolumeClaimStrategy: PersistentVolumeClaim defaults (volume mode Filesystem) and a new
 * claim starting in phase Pending.
 *
 * upstream: pkg/registry/core/persistentvolumeclaim/strategy.go (PrepareForCreate),
 * pkg/apis/core/v1/defaults.go (SetDefaults_PersistentVolumeClaim, SetDefaults_PersistentVolumeClaimSpec).
 */
import { newDefaultStrategy } from '../../generic/default-strategy.ts';
import type { KubeObject, Strategy } from '../../rest/strategy.ts';

/** setDefaultsPersistentVolumeClaim applies upstream SetDefaults_PersistentVolumeClaimSpec. */
export function setDefaultsPersistentVolumeClaim(obj: KubeObject): void {
  const spec = (obj.spec ??= {});
  spec.volumeMode ??= 'Filesystem';
}

const base = newDefaultStrategy({ namespaced: true, hasStatusSubresource: true, hasSpec: true });

/** persistentVolumeClaimStrategy is the PersistentVolumeClaim strategy. */
export const persistentVolumeClaimStrategy: Strategy = {
  ...base,
  prepareForCreate(ctx, obj) {
    base.prepareForCreate(ctx, obj);
    setDefaultsPersistentVolumeClaim(obj);
    obj.status = { phase: 'Pending' };
  },
  prepareForUpdate(ctx, obj, old) {
    setDefaultsPersistentVolumeClaim(obj);
    base.prepareForUpdate(ctx, obj, old);
  },
};

/**
 * persistentVolumeStrategy: PersistentVolume defaults (reclaim policy Retain, volume mode
 * Filesystem) and a new volume starting in phase Pending.
 *
 * upstream: pkg/registry/core/persistentvolume/strategy.go (PrepareForCreate),
 * pkg/apis/core/v1/defaults.go (SetDefaults_PersistentVolume).
 */
import { newDefaultStrategy } from '../../generic/default-strategy.ts';
import type { KubeObject, Strategy } from '../../rest/strategy.ts';

/** setDefaultsPersistentVolume applies upstream SetDefaults_PersistentVolume to the spec. */
export function setDefaultsPersistentVolume(obj: KubeObject): void {
  const spec = (obj.spec ??= {});
  spec.persistentVolumeReclaimPolicy ||= 'Retain';
  spec.volumeMode ??= 'Filesystem';
}

/** newPersistentVolumeStrategy builds the PersistentVolume strategy with a clock for lastPhaseTransitionTime. */
export function newPersistentVolumeStrategy(now: () => Date = () => new Date()): Strategy {
  const base = newDefaultStrategy({ namespaced: false, hasStatusSubresource: true, hasSpec: true });
  return {
    ...base,
    prepareForCreate(ctx, obj) {
      base.prepareForCreate(ctx, obj);
      setDefaultsPersistentVolume(obj);
      obj.status = { phase: 'Pending', lastPhaseTransitionTime: now().toISOString().replace(/\.\d{3}Z$/, 'Z') };
    },
    prepareForUpdate(ctx, obj, old) {
      setDefaultsPersistentVolume(obj);
      base.prepareForUpdate(ctx, obj, old);
    },
  };
}

/** persistentVolumeStrategy is the PersistentVolume strategy on the wall clock. */
export const persistentVolumeStrategy: Strategy = newPersistentVolumeStrategy();

/**
 * PersistentVolume matching shared by the volume plugins (upstream
 * `pkg/controller/volume/persistentvolume/util` `FindMatchingVolume`, `CheckAccessModes`,
 * `pkg/volume/util` `CheckNodeAffinity`, `storage/v1/helper` class getters, and the annotations
 * the scheduler, the PV controller and provisioners agree on).
 */
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass, TopologySelectorTerm } from '#generated/k8s/index.ts';
import { labels } from '#impl/apimachinery/index.ts';
import { quantityValue } from '../../types.ts';
import { matchNodeSelectorTerms } from '../helper/node-affinity.ts';

/** ANN_SELECTED_NODE is set on a WaitForFirstConsumer PVC to the node chosen for provisioning. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** ANN_BIND_COMPLETED marks a PVC whose binding the PV controller finished. */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** ANN_BOUND_BY_CONTROLLER marks a PV (or PVC) bound by a controller rather than pre-bound by a user. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** BETA_STORAGE_CLASS_ANNOTATION is the legacy class annotation, read before `storageClassName`. */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
/** NOT_SUPPORTED_PROVISIONER is the provisioner of classes for pre-created (local) PVs only. */
export const NOT_SUPPORTED_PROVISIONER = 'kubernetes.io/no-provisioner';

/** getPersistentVolumeClaimClass returns the PVC's class ('' for none). */
export function getPersistentVolumeClaimClass(pvc: PersistentVolumeClaim): string {
  const ann = pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (ann !== undefined) return ann;
  return pvc.spec?.storageClassName ?? '';
}

/** getPersistentVolumeClass returns the PV's class ('' for none). */
export function getPersistentVolumeClass(pv: PersistentVolume): string {
  const ann = pv.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (ann !== undefined) return ann;
  return pv.spec?.storageClassName ?? '';
}

/** isDelayBindingMode reports whether the PVC's class binds at first consumer (WaitForFirstConsumer). */
export function isDelayBindingMode(pvc: PersistentVolumeClaim, getClass: (name: string) => StorageClass | undefined): boolean {
  const name = getPersistentVolumeClaimClass(pvc);
  if (!name) return false;
  return getClass(name)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** isPVCFullyBound: the PVC names its PV and the PV controller finished the binding. */
export function isPVCFullyBound(pvc: PersistentVolumeClaim): boolean {
  return !!pvc.spec?.volumeName && !!pvc.metadata?.annotations && Object.hasOwn(pvc.metadata.annotations, ANN_BIND_COMPLETED);
}

/** isVolumeBoundToClaim: the PV's claimRef names the claim (and its uid, when set). */
export function isVolumeBoundToClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata?.name || (ref.namespace ?? '') !== (pvc.metadata?.namespace ?? '')) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

/** checkNodeAffinity reports whether the PV's required node affinity admits the node. */
export function checkNodeAffinity(pv: PersistentVolume, node: Node): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  return matchNodeSelectorTerms(terms, node);
}

/** checkAccessModes reports whether the PV offers every access mode the claim asks for. */
export function checkAccessModes(pvc: PersistentVolumeClaim, pv: PersistentVolume): boolean {
  const have = new Set(pv.spec?.accessModes ?? []);
  return (pvc.spec?.accessModes ?? []).every((m) => have.has(m));
}

/** requestedStorage returns the claim's `resources.requests.storage` in bytes. */
export function requestedStorage(pvc: PersistentVolumeClaim): number {
  return quantityValue(pvc.spec?.resources?.requests?.storage as string | undefined);
}

/**
 * findMatchingVolume returns the smallest PV that can serve the claim on the node (upstream
 * `FindMatchingVolume` with delayBinding): a PV already bound to the claim wins if its node
 * affinity admits the node; otherwise an Available PV of the claim's class, big enough, with the
 * same volume mode, matching the claim's selector and access modes, whose node affinity admits
 * the node, and not in `excluded`.
 */
export function findMatchingVolume(pvc: PersistentVolumeClaim, volumes: readonly PersistentVolume[], node: Node, excluded: ReadonlySet<string>): PersistentVolume | undefined {
  const requested = requestedStorage(pvc);
  const requestedClass = getPersistentVolumeClaimClass(pvc);
  let selector: labels.Selector | undefined;
  if (pvc.spec?.selector) {
    try {
      selector = labels.labelSelectorAsSelector(pvc.spec.selector);
    } catch {
      return undefined;
    }
  }
  const claimMode = pvc.spec?.volumeMode ?? 'Filesystem';
  let best: PersistentVolume | undefined;
  let bestSize = Infinity;
  for (const pv of volumes) {
    const name = pv.metadata?.name ?? '';
    if (excluded.has(name)) continue;
    const size = quantityValue(pv.spec?.capacity?.storage as string | undefined);
    if (size < requested) continue;
    if ((pv.spec?.volumeMode ?? 'Filesystem') !== claimMode) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    const affinityOK = checkNodeAffinity(pv, node);
    if (isVolumeBoundToClaim(pv, pvc)) return affinityOK ? pv : undefined;
    if (pv.spec?.claimRef) continue;
    if (pv.status?.phase !== 'Available') continue;
    if (selector && !selector.matches(pv.metadata?.labels ?? {})) continue;
    if (getPersistentVolumeClass(pv) !== requestedClass) continue;
    if (!affinityOK) continue;
    if (!checkAccessModes(pvc, pv)) continue;
    if (size < bestSize) {
      best = pv;
      bestSize = size;
    }
  }
  return best;
}

/** matchTopologySelectorTerms reports whether node labels satisfy a class's allowedTopologies (none = any). */
export function matchTopologySelectorTerms(terms: readonly TopologySelectorTerm[] | undefined, nodeLabels: Readonly<Record<string, string>>): boolean {
  if (!terms || terms.length === 0) return true;
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((e) => e.key in nodeLabels && e.values.includes(nodeLabels[e.key]!)));
}

/** PodClaimRef is one PVC a pod uses: its name and whether it is a generic ephemeral volume's claim. */
export interface PodClaimRef {
  name: string;
  ephemeral: boolean;
}

/** podClaimRefs lists the PVCs a pod uses (`persistentVolumeClaim` volumes and ephemeral volumes' `<pod>-<volume>` claims). */
export function podClaimRefs(pod: Pod): PodClaimRef[] {
  const out: PodClaimRef[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push({ name: v.persistentVolumeClaim.claimName, ephemeral: false });
    else if (v.ephemeral) out.push({ name: `${pod.metadata?.name}-${v.name}`, ephemeral: true });
  }
  return out;
}

/** podHasClaims is the cheap check every volume plugin runs first. */
export function podHasClaims(pod: Pod): boolean {
  for (const v of pod.spec?.volumes ?? []) if (v.persistentVolumeClaim || v.ephemeral) return true;
  return false;
}

/**
 * lookupPodClaim resolves one of the pod's claims, with the upstream messages for a missing or
 * deleted claim and for an ephemeral claim the pod does not own. Returns the PVC or a message.
 */
export function lookupPodClaim(pod: Pod, ref: PodClaimRef, get: ((ns: string, name: string) => PersistentVolumeClaim | undefined) | undefined): { pvc: PersistentVolumeClaim } | { message: string } {
  const ns = pod.metadata?.namespace ?? 'default';
  const pvc = get?.(ns, ref.name);
  if (!pvc) {
    if (ref.ephemeral) return { message: `waiting for ephemeral volume controller to create the persistentvolumeclaim "${ref.name}"` };
    return { message: `persistentvolumeclaim "${ref.name}" not found` };
  }
  if (pvc.metadata?.deletionTimestamp) return { message: `persistentvolumeclaim "${ref.name}" is being deleted` };
  if (ref.ephemeral && !(pvc.metadata?.ownerReferences ?? []).some((o) => o.controller && o.uid === pod.metadata?.uid)) {
    return { message: `PVC ${ns}/${ref.name} was not created for pod ${ns}/${pod.metadata?.name} (pod is not owner)` };
  }
  return { pvc };
}

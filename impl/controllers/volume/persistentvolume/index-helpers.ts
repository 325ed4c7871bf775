/**
 * Matching a claim to a volume (upstream `pkg/controller/volume/persistentvolume/index.go`
 * `findMatchingVolume` and `k8s.io/component-helpers/storage/volume`): same storage class,
 * access modes a superset of the claim's, capacity at least the request, the claim's label
 * selector over the volume's labels, the same volume mode, and (for delayed binding) the
 * volume's node affinity admitting the selected node. The smallest fitting volume wins;
 * a volume pre-bound to the claim (`spec.claimRef`) always wins.
 */
import type { Node, PersistentVolume, PersistentVolumeClaim } from '#generated/k8s/index.ts';
import { labels, parseQuantity } from '#impl/apimachinery/index.ts';
import { matchNodeSelectorTerms } from '#impl/scheduler/framework/plugins/helper/node-affinity.ts';

/** ANNOTATIONS are the upstream annotation keys of the binder and provisioners. */
export const ANNOTATIONS = {
  bindCompleted: 'pv.kubernetes.io/bind-completed',
  boundByController: 'pv.kubernetes.io/bound-by-controller',
  provisionedBy: 'pv.kubernetes.io/provisioned-by',
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  betaStorageProvisioner: 'volume.beta.kubernetes.io/storage-provisioner',
  selectedNode: 'volume.kubernetes.io/selected-node',
  isDefaultClass: 'storageclass.kubernetes.io/is-default-class',
} as const;

/** claimClass is the claim's storage class ('' = none). */
export function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.spec?.storageClassName ?? '';
}

/** volumeClass is the volume's storage class ('' = none). */
export function volumeClass(pv: PersistentVolume): string {
  return pv.spec?.storageClassName ?? '';
}

/** isVolumeBoundToClaim reports whether `pv.spec.claimRef` names `pvc` (uid checked when set). */
export function isVolumeBoundToClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata?.name || ref.namespace !== pvc.metadata?.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

/** checkAccessModes is true when the volume offers every mode the claim asks for. */
export function checkAccessModes(pvc: PersistentVolumeClaim, pv: PersistentVolume): boolean {
  const have = new Set(pv.spec?.accessModes ?? []);
  return (pvc.spec?.accessModes ?? []).every((m) => have.has(m));
}

/** volumeModeMismatch is upstream `CheckVolumeModeMismatches` (Filesystem by default). */
export function volumeModeMismatch(pvc: PersistentVolumeClaim, pv: PersistentVolume): boolean {
  return (pvc.spec?.volumeMode ?? 'Filesystem') !== (pv.spec?.volumeMode ?? 'Filesystem');
}

/** volumeFitsNode is true when the volume has no node affinity or it admits `node`. */
export function volumeFitsNode(pv: PersistentVolume, node: Node | undefined): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  if (!node) return false;
  return matchNodeSelectorTerms(terms, node);
}

/** FindOptions narrow {@link findMatchingVolume}. */
export interface FindOptions {
  /** Delayed binding: only volumes whose node affinity admits this node (upstream `node` argument). */
  node?: Node;
  /** Delayed binding without a selected node: match only pre-bound volumes. */
  delayBinding?: boolean;
}

/** findMatchingVolume returns the best volume for the claim, or undefined. */
export function findMatchingVolume(pvc: PersistentVolumeClaim, volumes: readonly PersistentVolume[], o: FindOptions = {}): PersistentVolume | undefined {
  const request = pvc.spec?.resources?.requests?.storage;
  const want = request !== undefined ? parseQuantity(String(request)) : parseQuantity('0');
  let selector: ReturnType<typeof labels.labelSelectorAsSelector> | undefined;
  if (pvc.spec?.selector) selector = labels.labelSelectorAsSelector(pvc.spec.selector);
  let best: PersistentVolume | undefined;
  for (const pv of volumes) {
    if (volumeModeMismatch(pvc, pv)) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    const cap = pv.spec?.capacity?.storage;
    const capacity = cap !== undefined ? parseQuantity(String(cap)) : parseQuantity('0');
    if (isVolumeBoundToClaim(pv, pvc)) {
      // Pre-bound to this claim: it is the one, whatever else differs (upstream returns it at once
      // when it is big enough and in the right class).
      if (capacity.cmp(want) >= 0 && volumeClass(pv) === claimClass(pvc)) return pv;
      continue;
    }
    if (pv.spec?.claimRef) continue;
    if (pv.status?.phase && pv.status.phase !== 'Available') continue;
    if (o.delayBinding && !o.node) continue;
    if (o.node && !volumeFitsNode(pv, o.node)) continue;
    if (volumeClass(pv) !== claimClass(pvc)) continue;
    if (selector && !selector.matches(pv.metadata?.labels ?? {})) continue;
    if (!checkAccessModes(pvc, pv)) continue;
    if (capacity.cmp(want) < 0) continue;
    if (!best || capacity.cmp(parseQuantity(String(best.spec?.capacity?.storage ?? '0'))) < 0) best = pv;
  }
  return best;
}

/**
 * VolumeRestrictions rejects nodes where the pod's volumes would conflict with volumes already
 * mounted there (upstream `pkg/scheduler/framework/plugins/volumerestrictions`): the same GCE PD,
 * AWS EBS, RBD or iSCSI disk mounted read-write, and a ReadWriteOncePod PersistentVolumeClaim
 * already used by another pod anywhere in the cluster.
 */
import type { Pod, Volume } from '#generated/k8s/index.ts';
import type { CycleState, StateData } from '../../cycle-state.ts';
import { ActionType, type ClusterEventWithHint } from '../../events.ts';
import {
  Code,
  newStatus,
  unschedulable,
  unschedulableAndUnresolvable,
  type EnqueueExtensions,
  type FilterPlugin,
  type Handle,
  type PluginFactory,
  type PreFilterExtensions,
  type PreFilterOutcome,
  type PreFilterPlugin,
  type Status,
} from '../../interface.ts';
import type { NodeInfo } from '../../types.ts';
import * as names from '../names/names.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.VolumeRestrictions;
/** PRE_FILTER_STATE_KEY is where PreFilter leaves the ReadWriteOncePod claims and their users. */
export const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
/** ERR_REASON_DISK_CONFLICT is the reason for a conflicting disk. */
export const ERR_REASON_DISK_CONFLICT = 'node(s) had no available disk';
/** ERR_REASON_RWOP_CONFLICT is the reason for a ReadWriteOncePod claim in use. */
export const ERR_REASON_RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';

class PreFilterState implements StateData {
  constructor(
    /** readWriteOncePodPVCs are `namespace/name` keys of the pod's ReadWriteOncePod claims. */
    readonly readWriteOncePodPVCs: ReadonlySet<string>,
    /** conflictingPVCRefCount counts other pods using one of them. */
    public conflictingPVCRefCount: number,
  ) {}
  clone(): StateData {
    return new PreFilterState(this.readWriteOncePodPVCs, this.conflictingPVCRefCount);
  }
}

const hasRestrictedDisk = (v: Volume): boolean => !!(v.gcePersistentDisk || v.awsElasticBlockStore || v.rbd || v.iscsi);

/** isVolumeConflict reports whether a volume of the pod conflicts with one of an existing pod (upstream `isVolumeConflict`). */
export function isVolumeConflict(v: Volume, pod: Pod): boolean {
  for (const e of pod.spec?.volumes ?? []) {
    if (v.gcePersistentDisk && e.gcePersistentDisk) {
      if (v.gcePersistentDisk.pdName === e.gcePersistentDisk.pdName && !(v.gcePersistentDisk.readOnly && e.gcePersistentDisk.readOnly)) return true;
    }
    if (v.awsElasticBlockStore && e.awsElasticBlockStore && v.awsElasticBlockStore.volumeID === e.awsElasticBlockStore.volumeID) return true;
    if (v.iscsi && e.iscsi && v.iscsi.iqn === e.iscsi.iqn && !(v.iscsi.readOnly && e.iscsi.readOnly)) return true;
    if (v.rbd && e.rbd) {
      const overlap = v.rbd.monitors.some((m) => e.rbd!.monitors.includes(m));
      if (overlap && (v.rbd.pool ?? 'rbd') === (e.rbd.pool ?? 'rbd') && v.rbd.image === e.rbd.image && !(v.rbd.readOnly && e.rbd.readOnly)) return true;
    }
  }
  return false;
}

const podClaimKeys = (pod: Pod): string[] =>
  (pod.spec?.volumes ?? []).filter((v) => v.persistentVolumeClaim?.claimName).map((v) => `${pod.metadata?.namespace ?? ''}/${v.persistentVolumeClaim!.claimName}`);

/** VolumeRestrictions is the plugin instance. */
export class VolumeRestrictions implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  constructor(private readonly handle: Handle) {}

  preFilter(state: CycleState, pod: Pod): PreFilterOutcome {
    const volumes = pod.spec?.volumes ?? [];
    const needsDiskCheck = volumes.some(hasRestrictedDisk);
    const rwop = new Set<string>();
    const ns = pod.metadata?.namespace ?? '';
    for (const v of volumes) {
      const name = v.persistentVolumeClaim?.claimName;
      if (!name) continue;
      const pvc = this.handle.listers?.persistentVolumeClaim?.(ns, name);
      if (!pvc) return { status: unschedulableAndUnresolvable(`persistentvolumeclaim "${name}" not found`) };
      if (pvc.spec?.accessModes?.includes('ReadWriteOncePod')) rwop.add(`${ns}/${name}`);
    }
    if (!needsDiskCheck && rwop.size === 0) return { status: newStatus(Code.Skip) };
    let conflicts = 0;
    if (rwop.size) {
      for (const ni of this.handle.snapshotSharedLister().nodeInfos().list()) {
        for (const pi of ni.pods) for (const k of podClaimKeys(pi.pod)) if (rwop.has(k)) conflicts++;
      }
    }
    state.write(PRE_FILTER_STATE_KEY, new PreFilterState(rwop, conflicts));
    if (conflicts > 0) return { status: unschedulable(ERR_REASON_RWOP_CONFLICT) };
    return undefined;
  }

  preFilterExtensions(): PreFilterExtensions {
    const update = (state: CycleState, other: Pod, delta: number): Status | undefined => {
      const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
      if (!s) return undefined;
      for (const k of podClaimKeys(other)) if (s.readWriteOncePodPVCs.has(k)) s.conflictingPVCRefCount += delta;
      return undefined;
    };
    return {
      addPod: (state, _pod, podToAdd) => update(state, podToAdd, 1),
      removePod: (state, _pod, podToRemove) => update(state, podToRemove, -1),
    };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    for (const v of pod.spec?.volumes ?? []) {
      if (!hasRestrictedDisk(v)) continue;
      for (const pi of nodeInfo.pods) if (isVolumeConflict(v, pi.pod)) return unschedulable(ERR_REASON_DISK_CONFLICT);
    }
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    if (s && s.conflictingPVCRefCount > 0) return unschedulable(ERR_REASON_RWOP_CONFLICT);
    return undefined;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'AssignedPod', actionType: ActionType.Delete } },
      { event: { resource: 'Node', actionType: ActionType.Add } },
      { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add | ActionType.Update } },
    ];
  }
}

/** newVolumeRestrictions builds the plugin. */
export const newVolumeRestrictions: PluginFactory = (_args, handle) => new VolumeRestrictions(handle);

/**
 * NodeVolumeLimits rejects nodes where the pod's CSI volumes would exceed the per-driver attach
 * limit the node reports in its CSINode object (`spec.drivers[].allocatable.count`), as upstream
 * `pkg/scheduler/framework/plugins/nodevolumelimits/csi.go`. A node without a CSINode, or a driver
 * without a limit, is not limited. A PVC's driver comes from its bound PV (`spec.csi.driver`), or,
 * while unbound, from its StorageClass provisioner.
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { CycleState } from '../../cycle-state.ts';
import { ActionType, type ClusterEventWithHint } from '../../events.ts';
import {
  Code,
  newStatus,
  unschedulable,
  type EnqueueExtensions,
  type FilterPlugin,
  type Handle,
  type PluginFactory,
  type PreFilterOutcome,
  type PreFilterPlugin,
  type SharedListers,
  type Status,
} from '../../interface.ts';
import type { NodeInfo } from '../../types.ts';
import * as names from '../names/names.ts';
import { getPersistentVolumeClaimClass, podHasClaims } from '../volumebinding/pv-helpers.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.NodeVolumeLimits;
/** ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED is the user-facing reason. */
export const ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED = 'node(s) exceed max volume count';

/**
 * attachableVolumes maps each CSI driver to the volume handles the pod uses with it (PVC volumes,
 * generic ephemeral volumes and inline CSI volumes).
 */
export function attachableVolumes(pod: Pod, listers: SharedListers | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (driver: string | undefined, handle: string): void => {
    if (!driver) return;
    let s = out.get(driver);
    if (!s) out.set(driver, (s = new Set()));
    s.add(handle);
  };
  const ns = pod.metadata?.namespace ?? '';
  for (const v of pod.spec?.volumes ?? []) {
    if (v.csi) {
      add(v.csi.driver, `${ns}/${pod.metadata?.name}/${v.name}`);
      continue;
    }
    const claim = v.persistentVolumeClaim?.claimName ?? (v.ephemeral ? `${pod.metadata?.name}-${v.name}` : undefined);
    if (!claim) continue;
    const pvc = listers?.persistentVolumeClaim?.(ns, claim);
    if (!pvc) continue;
    const pv = pvc.spec?.volumeName ? listers?.persistentVolume?.(pvc.spec.volumeName) : undefined;
    if (pv?.spec?.csi) add(pv.spec.csi.driver, pv.spec.csi.volumeHandle);
    else if (!pv) {
      const cls = listers?.storageClass?.(getPersistentVolumeClaimClass(pvc));
      add(cls?.provisioner, `${ns}/${claim}`);
    }
  }
  return out;
}

/** NodeVolumeLimits is the plugin instance. */
export class NodeVolumeLimits implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  constructor(private readonly handle: Handle) {}

  preFilter(_state: CycleState, pod: Pod): PreFilterOutcome {
    if (podHasClaims(pod) || (pod.spec?.volumes ?? []).some((v) => v.csi)) return undefined;
    return { status: newStatus(Code.Skip) };
  }

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const l = this.handle.listers;
    const csiNode = l?.csiNode?.(nodeInfo.nodeName());
    if (!csiNode) return undefined;
    const limits = new Map<string, number>();
    for (const d of csiNode.spec?.drivers ?? []) if (d.allocatable?.count !== undefined) limits.set(d.name, d.allocatable.count);
    if (limits.size === 0) return undefined;
    const wanted = attachableVolumes(pod, l);
    if (wanted.size === 0) return undefined;
    const attached = new Map<string, Set<string>>();
    for (const pi of nodeInfo.pods) {
      for (const [driver, handles] of attachableVolumes(pi.pod, l)) {
        let s = attached.get(driver);
        if (!s) attached.set(driver, (s = new Set()));
        for (const h of handles) s.add(h);
      }
    }
    for (const [driver, handles] of wanted) {
      const limit = limits.get(driver);
      if (limit === undefined) continue;
      const have = attached.get(driver) ?? new Set<string>();
      let added = 0;
      for (const h of handles) if (!have.has(h)) added++;
      if (have.size + added > limit) return unschedulable(ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED);
    }
    return undefined;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'CSINode', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'AssignedPod', actionType: ActionType.Delete } },
      { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add | ActionType.Update } },
    ];
  }
}

/** newNodeVolumeLimits builds the plugin. */
export const newNodeVolumeLimits: PluginFactory = (_args, handle) => new NodeVolumeLimits(handle);

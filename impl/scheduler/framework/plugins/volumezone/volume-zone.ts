/**
 * VolumeZone rejects nodes outside the zone/region of the pod's bound PersistentVolumes (upstream
 * `pkg/scheduler/framework/plugins/volumezone`): a PV labelled `topology.kubernetes.io/zone`
 * (or region, or the beta `failure-domain.beta.kubernetes.io/*` labels; values may be a `__`
 * separated set) only admits nodes with a matching label. Nodes without any zone/region label pass;
 * unbound WaitForFirstConsumer claims are left to VolumeBinding.
 */
import type { Node, PersistentVolume, Pod } from '#generated/k8s/index.ts';
import type { CycleState, StateData } from '../../cycle-state.ts';
import { ActionType, type ClusterEventWithHint } from '../../events.ts';
import {
  Code,
  newStatus,
  unschedulableAndUnresolvable,
  type EnqueueExtensions,
  type FilterPlugin,
  type Handle,
  type PluginFactory,
  type PreFilterOutcome,
  type PreFilterPlugin,
  type Status,
} from '../../interface.ts';
import type { NodeInfo } from '../../types.ts';
import * as names from '../names/names.ts';
import { getPersistentVolumeClaimClass } from '../volumebinding/pv-helpers.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.VolumeZone;
/** PRE_FILTER_STATE_KEY is where PreFilter leaves the PVs' topologies. */
export const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
/** ERR_REASON_CONFLICT is the user-facing reason. */
export const ERR_REASON_CONFLICT = 'node(s) had no available volume zone';

const BETA_ZONE = 'failure-domain.beta.kubernetes.io/zone';
const BETA_REGION = 'failure-domain.beta.kubernetes.io/region';
/** TOPOLOGY_LABELS are the PV labels VolumeZone honours, as upstream. */
export const TOPOLOGY_LABELS = [BETA_ZONE, BETA_REGION, 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region'] as const;
const GA_OF: Record<string, string> = { [BETA_ZONE]: 'topology.kubernetes.io/zone', [BETA_REGION]: 'topology.kubernetes.io/region' };

/** PVTopology is one label constraint of a PV: the key and the accepted values. */
export interface PVTopology {
  key: string;
  values: ReadonlySet<string>;
}

class PreFilterState implements StateData {
  constructor(readonly topologies: readonly PVTopology[]) {}
  clone(): StateData {
    return this;
  }
}

/** getPVTopologies reads a PV's zone/region labels (values split on `__`). */
export function getPVTopologies(pv: PersistentVolume): PVTopology[] {
  const out: PVTopology[] = [];
  for (const key of TOPOLOGY_LABELS) {
    const v = pv.metadata?.labels?.[key];
    if (v !== undefined) out.push({ key, values: new Set(v.split('__').map((s) => s.trim()).filter(Boolean)) });
  }
  return out;
}

/** nodeMatchesTopologies reports whether the node satisfies every PV topology (or has no zone/region label). */
export function nodeMatchesTopologies(node: Node, topologies: readonly PVTopology[]): boolean {
  const ls = node.metadata?.labels ?? {};
  if (!TOPOLOGY_LABELS.some((k) => k in ls)) return true;
  for (const t of topologies) {
    const v = ls[t.key] ?? (GA_OF[t.key] ? ls[GA_OF[t.key]!] : undefined);
    if (v === undefined || !t.values.has(v)) return false;
  }
  return true;
}

/** VolumeZone is the plugin instance. */
export class VolumeZone implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  constructor(private readonly handle: Handle) {}

  preFilter(state: CycleState, pod: Pod): PreFilterOutcome {
    const l = this.handle.listers;
    const ns = pod.metadata?.namespace ?? '';
    const topologies: PVTopology[] = [];
    for (const v of pod.spec?.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const pvc = l?.persistentVolumeClaim?.(ns, claim);
      if (!pvc) return { status: unschedulableAndUnresolvable(`persistentvolumeclaim "${claim}" not found`) };
      const pvName = pvc.spec?.volumeName;
      if (!pvName) {
        const sc = getPersistentVolumeClaimClass(pvc);
        if (!sc) return { status: unschedulableAndUnresolvable('PersistentVolumeClaim had no pv name and storageClass name') };
        const cls = l?.storageClass?.(sc);
        if (!cls) return { status: unschedulableAndUnresolvable(`storageclass.storage.k8s.io "${sc}" not found`) };
        if (cls.volumeBindingMode === 'WaitForFirstConsumer') continue;
        return { status: unschedulableAndUnresolvable('PersistentVolume had no name') };
      }
      const pv = l?.persistentVolume?.(pvName);
      if (!pv) return { status: unschedulableAndUnresolvable(`persistentvolume "${pvName}" not found`) };
      topologies.push(...getPVTopologies(pv));
    }
    if (topologies.length === 0) return { status: newStatus(Code.Skip) };
    state.write(PRE_FILTER_STATE_KEY, new PreFilterState(topologies));
    return undefined;
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    if (!s || !nodeInfo.node) return undefined;
    return nodeMatchesTopologies(nodeInfo.node, s.topologies) ? undefined : unschedulableAndUnresolvable(ERR_REASON_CONFLICT);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'StorageClass', actionType: ActionType.Add } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel } },
      { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'PersistentVolume', actionType: ActionType.Add | ActionType.Update } },
    ];
  }
}

/** newVolumeZone builds the plugin. */
export const newVolumeZone: PluginFactory = (_args, handle) => new VolumeZone(handle);

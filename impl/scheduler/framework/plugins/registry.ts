/**
 * The in-tree plugin registry: plugin name -> factory (upstream `plugins/registry.go`
 * `NewInTreeRegistry`). Out-of-tree plugins are merged into it by `startScheduler`.
 */
import type { PluginFactory } from '../interface.ts';
import { newDefaultBinder } from './defaultbinder/default-binder.ts';
import { newDefaultPreemption } from './defaultpreemption/default-preemption.ts';
import { newImageLocality } from './imagelocality/image-locality.ts';
import { newInterPodAffinity } from './interpodaffinity/inter-pod-affinity.ts';
import * as names from './names/names.ts';
import { newNodeAffinity } from './nodeaffinity/node-affinity.ts';
import { newNodeName } from './nodename/node-name.ts';
import { newNodePorts } from './nodeports/node-ports.ts';
import { newBalancedAllocation } from './noderesources/balanced-allocation.ts';
import { newFit } from './noderesources/fit.ts';
import { newNodeUnschedulable } from './nodeunschedulable/node-unschedulable.ts';
import { newPodTopologySpread } from './podtopologyspread/pod-topology-spread.ts';
import { newPrioritySort } from './queuesort/priority-sort.ts';
import { newSchedulingGates } from './schedulinggates/scheduling-gates.ts';
import { newTaintToleration } from './tainttoleration/taint-toleration.ts';
import { newNodeVolumeLimits } from './nodevolumelimits/csi.ts';
import { newVolumeBinding } from './volumebinding/volume-binding.ts';
import { newVolumeRestrictions } from './volumerestrictions/volume-restrictions.ts';
import { newVolumeZone } from './volumezone/volume-zone.ts';

/** Registry maps plugin names to factories. */
export type Registry = ReadonlyMap<string, PluginFactory>;

/** newInTreeRegistry returns the factories of every plugin kubets implements. */
export function newInTreeRegistry(): Map<string, PluginFactory> {
  return new Map<string, PluginFactory>([
    [names.PrioritySort, newPrioritySort],
    [names.SchedulingGates, newSchedulingGates],
    [names.NodeUnschedulable, newNodeUnschedulable],
    [names.NodeName, newNodeName],
    [names.TaintToleration, newTaintToleration],
    [names.NodeAffinity, newNodeAffinity],
    [names.NodePorts, newNodePorts],
    [names.NodeResourcesFit, newFit],
    [names.VolumeRestrictions, newVolumeRestrictions],
    [names.NodeVolumeLimits, newNodeVolumeLimits],
    [names.VolumeBinding, newVolumeBinding],
    [names.VolumeZone, newVolumeZone],
    [names.PodTopologySpread, newPodTopologySpread],
    [names.InterPodAffinity, newInterPodAffinity],
    [names.NodeResourcesBalancedAllocation, newBalancedAllocation],
    [names.ImageLocality, newImageLocality],
    [names.DefaultPreemption, newDefaultPreemption],
    [names.DefaultBinder, newDefaultBinder],
  ]);
}

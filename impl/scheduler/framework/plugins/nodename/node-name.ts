/**
 * NodeName keeps a pod that sets `spec.nodeName` to that node. (Pods with nodeName are normally
 * bound already; this covers the scheduler-assigned path and custom schedulers.)
 * upstream: pkg/scheduler/framework/plugins/nodename/node_name.go
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { CycleState } from '../../cycle-state.ts';
import { ActionType, type ClusterEventWithHint } from '../../events.ts';
import { unschedulableAndUnresolvable, type EnqueueExtensions, type FilterPlugin, type PluginFactory, type Status } from '../../interface.ts';
import type { NodeInfo } from '../../types.ts';
import * as names from '../names/names.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.NodeName;
/** ERR_REASON is the user-facing reason. */
export const ERR_REASON = "node(s) didn't match the requested node name";

/** fits reports whether the pod names no node or this node. */
export function fits(pod: Pod, nodeInfo: NodeInfo): boolean {
  const want = pod.spec?.nodeName;
  return !want || want === nodeInfo.nodeName();
}

/** filter rejects every node but the requested one. */
export function filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
  if (!nodeInfo.node) return unschedulableAndUnresolvable('node not found');
  return fits(pod, nodeInfo) ? undefined : unschedulableAndUnresolvable(ERR_REASON);
}

/** eventsToRegister: only a new node can be the named one. */
export function eventsToRegister(): ClusterEventWithHint[] {
  return [{ event: { resource: 'Node', actionType: ActionType.Add } }];
}

/** newNodeName builds the plugin. */
export const newNodeName: PluginFactory = () => ({ name: NAME, filter, eventsToRegister }) satisfies FilterPlugin & EnqueueExtensions;

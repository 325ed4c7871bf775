/**
 * NodeUnschedulable filters out nodes with `spec.unschedulable: true` unless the pod tolerates
 * the `node.kubernetes.io/unschedulable:NoSchedule` taint.
 * upstream: pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go
 */
import type { Pod, Taint } from '#generated/k8s/index.ts';
import type { CycleState } from '../../cycle-state.ts';
import { ActionType, type ClusterEventWithHint } from '../../events.ts';
import { unschedulableAndUnresolvable, type EnqueueExtensions, type FilterPlugin, type PluginFactory, type Status } from '../../interface.ts';
import type { NodeInfo } from '../../types.ts';
import { tolerationsTolerateTaint } from '../helper/taints.ts';
import * as names from '../names/names.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.NodeUnschedulable;
/** ERR_REASON_UNKNOWN_CONDITION is used when the node object is missing. */
export const ERR_REASON_UNKNOWN_CONDITION = 'node(s) had unknown conditions';
/** ERR_REASON_UNSCHEDULABLE is used for cordoned nodes. */
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

/** filter rejects cordoned nodes the pod does not tolerate. */
export function filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
  const node = nodeInfo.node;
  if (!node) return unschedulableAndUnresolvable(ERR_REASON_UNKNOWN_CONDITION);
  if (!node.spec?.unschedulable) return undefined;
  if (tolerationsTolerateTaint(pod.spec?.tolerations, UNSCHEDULABLE_TAINT)) return undefined;
  return unschedulableAndUnresolvable(ERR_REASON_UNSCHEDULABLE);
}

/** eventsToRegister: a node added or uncordoned, or a pod gaining tolerations. */
export function eventsToRegister(): ClusterEventWithHint[] {
  return [
    { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint } },
    { event: { resource: 'Pod', actionType: ActionType.UpdatePodToleration } },
  ];
}

/** newNodeUnschedulable builds the plugin. */
export const newNodeUnschedulable: PluginFactory = () => ({ name: NAME, filter, eventsToRegister }) satisfies FilterPlugin & EnqueueExtensions;

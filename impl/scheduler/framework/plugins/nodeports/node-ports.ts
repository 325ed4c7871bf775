/**
 * NodePorts rejects nodes where a host port the pod wants is already used (same protocol and
 * port, on the same IP or a wildcard 0.0.0.0).
 * upstream: pkg/scheduler/framework/plugins/nodeports/node_ports.go
 */
import type { ContainerPort, Pod } from '#generated/k8s/index.ts';
import type { CycleState, StateData } from '../../cycle-state.ts';
import { ActionType, type ClusterEventWithHint } from '../../events.ts';
import { Code, newStatus, unschedulable, type EnqueueExtensions, type FilterPlugin, type PluginFactory, type PreFilterOutcome, type PreFilterPlugin, type Status } from '../../interface.ts';
import type { HostPortInfo, NodeInfo } from '../../types.ts';
import * as names from '../names/names.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.NodePorts;
/** PRE_FILTER_STATE_KEY is where PreFilter leaves the wanted ports. */
export const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
/** ERR_REASON is the user-facing reason. */
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

class PreFilterState implements StateData {
  constructor(readonly ports: readonly ContainerPort[]) {}
  clone(): StateData {
    return this;
  }
}

/** getContainerPorts returns the host ports the pod's containers (and sidecar init containers) want. */
export function getContainerPorts(pod: Pod): ContainerPort[] {
  const out: ContainerPort[] = [];
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.hostPort && p.hostPort > 0) out.push(p);
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) if (p.hostPort && p.hostPort > 0) out.push(p);
  }
  return out;
}

/** preFilter collects the wanted host ports; Skip when there are none. */
export function preFilter(state: CycleState, pod: Pod): PreFilterOutcome {
  const ports = getContainerPorts(pod);
  if (ports.length === 0) return { status: newStatus(Code.Skip) };
  state.write(PRE_FILTER_STATE_KEY, new PreFilterState(ports));
  return undefined;
}

/** fitsPorts reports whether none of the wanted ports conflicts with the node's used ports. */
export function fitsPorts(wantPorts: readonly ContainerPort[], usedPorts: HostPortInfo): boolean {
  for (const p of wantPorts) if (usedPorts.checkConflict(p.hostIP, p.protocol, p.hostPort ?? 0)) return false;
  return true;
}

/** filter rejects a node with a port conflict. */
export function filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
  const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
  const ports = s ? s.ports : getContainerPorts(pod);
  return fitsPorts(ports, nodeInfo.usedPorts) ? undefined : unschedulable(ERR_REASON);
}

/** eventsToRegister: an assigned pod deleted frees ports; a new node has free ports. */
export function eventsToRegister(): ClusterEventWithHint[] {
  return [
    { event: { resource: 'AssignedPod', actionType: ActionType.Delete } },
    { event: { resource: 'Node', actionType: ActionType.Add | ActionType.Update } },
  ];
}

/** newNodePorts builds the plugin. */
export const newNodePorts: PluginFactory = () => ({ name: NAME, preFilter, filter, eventsToRegister }) satisfies PreFilterPlugin & FilterPlugin & EnqueueExtensions;

/**
 * SchedulingGates keeps pods with `spec.schedulingGates` out of activeQ until every gate is
 * removed. upstream: pkg/scheduler/framework/plugins/schedulinggates/scheduling_gates.go
 */
import type { Pod } from '#generated/k8s/index.ts';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../../events.ts';
import { unschedulableAndUnresolvable, type EnqueueExtensions, type PluginFactory, type PreEnqueuePlugin, type Status } from '../../interface.ts';
import * as names from '../names/names.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.SchedulingGates;

/** preEnqueue rejects a pod that still has gates: "waiting for scheduling gates: [a b]". */
export function preEnqueue(pod: Pod): Status | undefined {
  const gates = pod.spec?.schedulingGates ?? [];
  if (gates.length === 0) return undefined;
  return unschedulableAndUnresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
}

/** eventsToRegister: only the removal of the last gate can help. */
export function eventsToRegister(): ClusterEventWithHint[] {
  return [
    {
      event: { resource: 'Pod', actionType: ActionType.UpdatePodSchedulingGatesEliminated },
      queueingHintFn: (pod, _old, newObj) => {
        const p = newObj as Pod;
        return p.metadata?.uid === pod.metadata?.uid && !(p.spec?.schedulingGates?.length) ? QueueingHint.Queue : QueueingHint.QueueSkip;
      },
    },
  ];
}

/** newSchedulingGates builds the plugin. */
export const newSchedulingGates: PluginFactory = () => ({ name: NAME, preEnqueue, eventsToRegister }) satisfies PreEnqueuePlugin & EnqueueExtensions;

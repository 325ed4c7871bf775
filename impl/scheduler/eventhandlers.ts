/**
 * Informer event handlers (upstream `pkg/scheduler/eventhandlers.go`): assigned pods and nodes
 * go to the cache, unassigned pods of our profiles go to the queue, and every change that may
 * help an unschedulable pod becomes a {@link ClusterEvent} for the queue.
 */
import type { Node, Pod } from '#generated/k8s/index.ts';
import { DeletedFinalStateUnknown } from '#impl/client/tools/cache/index.ts';
import type { Cache } from './backend/cache/cache.ts';
import type { PriorityQueue } from './backend/queue/scheduling-queue.ts';
import { ActionType, EVENTS, type ClusterEvent } from './framework/events.ts';
import { computePodResourceRequest } from './framework/types.ts';

/** assignedPod reports whether the pod has a node. */
export function assignedPod(pod: Pod): boolean {
  return !!pod.spec?.nodeName;
}

const json = (v: unknown): string => JSON.stringify(v ?? null);

/**
 * nodeSchedulingPropertiesChange returns the update action bits between two versions of a node
 * (0 when nothing the scheduler cares about changed).
 */
export function nodeSchedulingPropertiesChange(oldNode: Node, newNode: Node): number {
  let a = 0;
  if (!!oldNode.spec?.unschedulable !== !!newNode.spec?.unschedulable) a |= ActionType.UpdateNodeTaint;
  if (json(oldNode.status?.allocatable) !== json(newNode.status?.allocatable)) a |= ActionType.UpdateNodeAllocatable;
  if (json(oldNode.metadata?.labels) !== json(newNode.metadata?.labels)) a |= ActionType.UpdateNodeLabel;
  if (json(oldNode.spec?.taints) !== json(newNode.spec?.taints)) a |= ActionType.UpdateNodeTaint;
  const conds = (n: Node): string => json((n.status?.conditions ?? []).map((c) => [c.type, c.status]));
  if (conds(oldNode) !== conds(newNode)) a |= ActionType.UpdateNodeCondition;
  if (json(oldNode.metadata?.annotations) !== json(newNode.metadata?.annotations)) a |= ActionType.UpdateNodeAnnotation;
  return a;
}

/** podSchedulingPropertiesChange returns the update action bits between two versions of a pod. */
export function podSchedulingPropertiesChange(oldPod: Pod, newPod: Pod): number {
  let a = 0;
  if (json(oldPod.metadata?.labels) !== json(newPod.metadata?.labels)) a |= ActionType.UpdatePodLabel;
  if (json(oldPod.spec?.tolerations) !== json(newPod.spec?.tolerations)) a |= ActionType.UpdatePodToleration;
  if ((oldPod.spec?.schedulingGates?.length ?? 0) > 0 && !(newPod.spec?.schedulingGates?.length)) a |= ActionType.UpdatePodSchedulingGatesEliminated;
  const o = computePodResourceRequest(oldPod);
  const n = computePodResourceRequest(newPod);
  if (n.milliCPU < o.milliCPU || n.memory < o.memory || n.ephemeralStorage < o.ephemeralStorage) a |= ActionType.UpdatePodScaleDown;
  return a;
}

/** EventHandlerDeps are what the handlers feed. */
export interface EventHandlerDeps {
  cache: Cache;
  queue: PriorityQueue;
  /** responsibleForPod reports whether one of our profiles schedules this pod. */
  responsibleForPod: (pod: Pod) => boolean;
}

function unwrap<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

/** podEventHandler routes pod notifications to the cache or the queue. */
export function podEventHandler(d: EventHandlerDeps): {
  onAdd(pod: Pod): void;
  onUpdate(oldPod: Pod, newPod: Pod): void;
  onDelete(obj: Pod | DeletedFinalStateUnknown<Pod>): void;
} {
  return {
    onAdd(pod) {
      if (assignedPod(pod)) {
        d.cache.addPod(pod);
        d.queue.moveAllToActiveOrBackoffQueue(EVENTS.AssignedPodAdd, undefined, pod);
      } else if (d.responsibleForPod(pod) && !pod.metadata?.deletionTimestamp) {
        d.queue.add(pod);
      }
    },
    onUpdate(oldPod, newPod) {
      if (oldPod === newPod || oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return;
      if (assignedPod(newPod)) {
        if (assignedPod(oldPod)) {
          d.cache.updatePod(oldPod, newPod);
          const a = podSchedulingPropertiesChange(oldPod, newPod);
          if (a) d.queue.moveAllToActiveOrBackoffQueue({ resource: 'AssignedPod', actionType: a, label: 'AssignedPodUpdate' }, oldPod, newPod);
        } else {
          // The pod was bound: it leaves the queue and joins the cache (confirming an assumed pod).
          d.queue.delete(oldPod);
          d.cache.addPod(newPod);
          d.queue.moveAllToActiveOrBackoffQueue(EVENTS.AssignedPodAdd, undefined, newPod);
        }
        return;
      }
      if (!d.responsibleForPod(newPod)) return;
      const a = podSchedulingPropertiesChange(oldPod, newPod);
      const event: ClusterEvent | undefined = a ? { resource: 'UnscheduledPod', actionType: a, label: 'UnscheduledPodUpdate' } : undefined;
      d.queue.update(oldPod, newPod, event);
    },
    onDelete(obj) {
      const pod = unwrap(obj);
      if (assignedPod(pod)) {
        d.cache.removePod(pod);
        d.queue.moveAllToActiveOrBackoffQueue(EVENTS.AssignedPodDelete, pod, undefined);
      } else {
        d.queue.delete(pod);
      }
    },
  };
}

/** nodeEventHandler feeds nodes to the cache and node events to the queue. */
export function nodeEventHandler(d: EventHandlerDeps): {
  onAdd(node: Node): void;
  onUpdate(oldNode: Node, newNode: Node): void;
  onDelete(obj: Node | DeletedFinalStateUnknown<Node>): void;
} {
  return {
    onAdd(node) {
      d.cache.addNode(node);
      d.queue.moveAllToActiveOrBackoffQueue(EVENTS.NodeAdd, undefined, node);
    },
    onUpdate(oldNode, newNode) {
      d.cache.updateNode(oldNode, newNode);
      const a = nodeSchedulingPropertiesChange(oldNode, newNode);
      if (a) d.queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', actionType: a, label: 'NodeUpdate' }, oldNode, newNode);
    },
    onDelete(obj) {
      d.cache.removeNode(unwrap(obj));
    },
  };
}

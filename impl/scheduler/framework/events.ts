/**
 * Cluster events that can make an unschedulable pod schedulable (upstream `framework/events.go`
 * and `types.go` `ClusterEvent`/`ActionType`). Plugins register the events they care about; the
 * queue moves a pod rejected by plugin P only on events P registered.
 */
import type { Pod } from '#generated/k8s/index.ts';

/** ActionType is a bit set of what happened to an object. */
export const ActionType = {
  Add: 1 << 0,
  Delete: 1 << 1,
  UpdateNodeAllocatable: 1 << 2,
  UpdateNodeLabel: 1 << 3,
  UpdateNodeTaint: 1 << 4,
  UpdateNodeCondition: 1 << 5,
  UpdateNodeAnnotation: 1 << 6,
  UpdatePodLabel: 1 << 7,
  UpdatePodScaleDown: 1 << 8,
  UpdatePodToleration: 1 << 9,
  UpdatePodSchedulingGatesEliminated: 1 << 10,
  /** Update is any update. */
  Update: (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10),
  /** All is any action. */
  All: (1 << 11) - 1,
} as const;

/** ActionType is a combination of {@link ActionType} bits. */
export type ActionType = number;

/** EventResource is the kind of object an event is about. */
export type EventResource = 'Pod' | 'AssignedPod' | 'UnscheduledPod' | 'Node' | 'PersistentVolume' | 'PersistentVolumeClaim' | 'StorageClass' | 'CSINode' | '*';

/** ClusterEvent is "something happened to a resource". */
export interface ClusterEvent {
  resource: EventResource;
  actionType: ActionType;
  /** A human label used in metrics (`scheduler_queue_incoming_pods_total{event}`). */
  label?: string;
}

/** QueueingHint is a plugin's answer to "may this event make the pod schedulable?". */
export const QueueingHint = { QueueSkip: 0, Queue: 1 } as const;
/** QueueingHint is one {@link QueueingHint} value. */
export type QueueingHint = (typeof QueueingHint)[keyof typeof QueueingHint];

/** QueueingHintFn filters events more precisely than the event type alone. */
export type QueueingHintFn = (pod: Pod, oldObj: unknown, newObj: unknown) => QueueingHint;

/** ClusterEventWithHint is one registration of a plugin. */
export interface ClusterEventWithHint {
  event: ClusterEvent;
  queueingHintFn?: QueueingHintFn;
}

/** eventMatches reports whether a registered event covers an incoming one. */
export function eventMatches(registered: ClusterEvent, incoming: ClusterEvent): boolean {
  if ((registered.actionType & incoming.actionType) === 0) return false;
  if (registered.resource === '*' || registered.resource === incoming.resource) return true;
  // A plugin registered for Pod events cares about assigned and unscheduled pods alike.
  return registered.resource === 'Pod' && (incoming.resource === 'AssignedPod' || incoming.resource === 'UnscheduledPod');
}

/** Well-known events, labelled like upstream's metric labels. */
export const EVENTS = {
  NodeAdd: { resource: 'Node', actionType: ActionType.Add, label: 'NodeAdd' },
  AssignedPodAdd: { resource: 'AssignedPod', actionType: ActionType.Add, label: 'AssignedPodAdd' },
  AssignedPodUpdate: { resource: 'AssignedPod', actionType: ActionType.Update, label: 'AssignedPodUpdate' },
  AssignedPodDelete: { resource: 'AssignedPod', actionType: ActionType.Delete, label: 'AssignedPodDelete' },
  UnschedulableTimeout: { resource: '*', actionType: ActionType.All, label: 'UnschedulableTimeout' },
  ForceActivate: { resource: '*', actionType: ActionType.All, label: 'ForceActivate' },
  ScheduleAttemptFailure: { resource: '*', actionType: ActionType.All, label: 'ScheduleAttemptFailure' },
  BackoffComplete: { resource: '*', actionType: ActionType.All, label: 'BackoffComplete' },
  PodAdd: { resource: 'UnscheduledPod', actionType: ActionType.Add, label: 'PodAdd' },
} as const satisfies Record<string, ClusterEvent>;

/**
 * The active deadline handler (upstream: pkg/kubelet/active_deadline.go): a pod whose
 * `spec.activeDeadlineSeconds` elapsed since `status.startTime` is failed by the kubelet with
 * reason `DeadlineExceeded`; its containers are then killed like any terminal pod's.
 */
import type { Pod } from '#generated/k8s/index.ts';

/** DEADLINE_EXCEEDED_REASON / MESSAGE are upstream's words. */
export const DEADLINE_EXCEEDED_REASON = 'DeadlineExceeded';
export const DEADLINE_EXCEEDED_MESSAGE = 'Pod was active on the node longer than the specified deadline';

/** PodEviction is a reason to fail a pod from the node side (upstream lifecycle.ShouldEvictResponse). */
export interface PodEviction {
  reason: string;
  message: string;
}

/** activeDeadline returns the epoch ms at which the pod's deadline passes (undefined: none, or not started). */
export function activeDeadline(pod: Pod, startTime: string | undefined = pod.status?.startTime as string | undefined): number | undefined {
  const secs = pod.spec?.activeDeadlineSeconds;
  if (secs === undefined || secs === null || !startTime) return undefined;
  return Date.parse(startTime) + Number(secs) * 1000;
}

/** pastActiveDeadline is upstream's ShouldEvict of the active deadline handler. */
export function pastActiveDeadline(pod: Pod, now: number, startTime?: string): PodEviction | undefined {
  const d = activeDeadline(pod, startTime ?? (pod.status?.startTime as string | undefined));
  if (d === undefined || now < d) return undefined;
  return { reason: DEADLINE_EXCEEDED_REASON, message: DEADLINE_EXCEEDED_MESSAGE };
}

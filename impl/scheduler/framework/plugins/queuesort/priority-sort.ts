/**
 * PrioritySort orders activeQ by pod priority (higher first), then by the time the pod entered
 * the queue (earlier first). upstream: pkg/scheduler/framework/plugins/queuesort/priority_sort.go
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { PluginFactory, QueueSortPlugin } from '../../interface.ts';
import type { QueuedPodInfo } from '../../types.ts';
import * as names from '../names/names.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.PrioritySort;

/** podPriority returns `spec.priority`, 0 when unset (upstream `corev1helpers.PodPriority`). */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** less orders higher priority first, then earlier queue timestamps. */
export function less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
  const p1 = podPriority(a.podInfo.pod);
  const p2 = podPriority(b.podInfo.pod);
  return p1 > p2 || (p1 === p2 && a.timestamp < b.timestamp);
}

/** newPrioritySort builds the plugin. */
export const newPrioritySort: PluginFactory = () => ({ name: NAME, less }) satisfies QueueSortPlugin;

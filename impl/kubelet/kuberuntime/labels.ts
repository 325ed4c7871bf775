/**
 * Labels and annotations the kubelet puts on CRI sandboxes and containers, and reads back to
 * find pods in the runtime (upstream: pkg/kubelet/kuberuntime/labels.go, pkg/kubelet/types/labels.go).
 */
import type { Container, Pod } from '#generated/k8s/index.ts';

/** KUBERNETES_POD_NAME_LABEL and friends are the upstream label keys (pkg/kubelet/types/labels.go). */
export const KUBERNETES_POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const KUBERNETES_POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const KUBERNETES_POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const KUBERNETES_CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';

/** Container annotation keys (upstream labels.go). */
export const POD_DELETION_GRACE_PERIOD_LABEL = 'io.kubernetes.pod.deletionGracePeriod';
export const POD_TERMINATION_GRACE_PERIOD_LABEL = 'io.kubernetes.pod.terminationGracePeriod';
export const CONTAINER_HASH_LABEL = 'io.kubernetes.container.hash';
export const CONTAINER_RESTART_COUNT_LABEL = 'io.kubernetes.container.restartCount';
export const CONTAINER_TERMINATION_MESSAGE_PATH_LABEL = 'io.kubernetes.container.terminationMessagePath';
export const CONTAINER_TERMINATION_MESSAGE_POLICY_LABEL = 'io.kubernetes.container.terminationMessagePolicy';
export const CONTAINER_PRE_STOP_HANDLER_LABEL = 'io.kubernetes.container.preStopHandler';
export const CONTAINER_PORTS_LABEL = 'io.kubernetes.container.ports';

/** newPodLabels returns the sandbox labels: the pod's labels plus the three identity labels. */
export function newPodLabels(pod: Pod): Record<string, string> {
  return {
    ...(pod.metadata?.labels ?? {}),
    [KUBERNETES_POD_NAME_LABEL]: pod.metadata?.name ?? '',
    [KUBERNETES_POD_NAMESPACE_LABEL]: pod.metadata?.namespace ?? '',
    [KUBERNETES_POD_UID_LABEL]: pod.metadata?.uid ?? '',
  };
}

/** newPodAnnotations returns the sandbox annotations (the pod's annotations). */
export function newPodAnnotations(pod: Pod): Record<string, string> {
  return { ...(pod.metadata?.annotations ?? {}) };
}

/** newContainerLabels returns the container labels (identity only, as upstream). */
export function newContainerLabels(container: Container, pod: Pod): Record<string, string> {
  return {
    [KUBERNETES_POD_NAME_LABEL]: pod.metadata?.name ?? '',
    [KUBERNETES_POD_NAMESPACE_LABEL]: pod.metadata?.namespace ?? '',
    [KUBERNETES_POD_UID_LABEL]: pod.metadata?.uid ?? '',
    [KUBERNETES_CONTAINER_NAME_LABEL]: container.name,
  };
}

/** newContainerAnnotations returns the container annotations upstream records for recovery. */
export function newContainerAnnotations(container: Container, pod: Pod, restartCount: number, hash: string): Record<string, string> {
  const a: Record<string, string> = {
    [CONTAINER_HASH_LABEL]: hash,
    [CONTAINER_RESTART_COUNT_LABEL]: String(restartCount),
    [CONTAINER_TERMINATION_MESSAGE_PATH_LABEL]: container.terminationMessagePath ?? '/dev/termination-log',
    [CONTAINER_TERMINATION_MESSAGE_POLICY_LABEL]: container.terminationMessagePolicy ?? 'File',
  };
  if (pod.metadata?.deletionGracePeriodSeconds != null) a[POD_DELETION_GRACE_PERIOD_LABEL] = String(pod.metadata.deletionGracePeriodSeconds);
  if (pod.spec?.terminationGracePeriodSeconds != null) a[POD_TERMINATION_GRACE_PERIOD_LABEL] = String(pod.spec.terminationGracePeriodSeconds);
  if (container.lifecycle?.preStop) a[CONTAINER_PRE_STOP_HANDLER_LABEL] = JSON.stringify(container.lifecycle.preStop);
  if (container.ports?.length) a[CONTAINER_PORTS_LABEL] = JSON.stringify(container.ports);
  return a;
}

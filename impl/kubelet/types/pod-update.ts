/**
 * Pod helpers shared by the kubelet's parts (upstream: pkg/kubelet/types/pod_update.go).
 */
import type { Container } from '#generated/k8s/index.ts';

/**
 * isRestartableInitContainer reports whether an init container is a sidecar: an init container
 * with `restartPolicy: Always` (upstream IsRestartableInitContainer, SidecarContainers GA in 1.33).
 */
export function isRestartableInitContainer(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

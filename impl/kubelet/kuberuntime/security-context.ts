/**
 * Pod-level security context pieces shared by the sandbox and container configs (upstream:
 * pkg/kubelet/kuberuntime/security_context.go and kuberuntime_sandbox_linux.go).
 */
import type { Pod } from '#generated/k8s/index.ts';

type PodSecurityContext = NonNullable<NonNullable<Pod['spec']>['securityContext']>;

/**
 * podSupplementalGroups is `supplementalGroups` plus `fsGroup`: upstream adds the fsGroup so a
 * non-root container can read volume files owned by that group (e.g. a 0440 secret).
 */
export function podSupplementalGroups(psc: PodSecurityContext | undefined): string[] {
  const groups = (psc?.supplementalGroups ?? []).map(String);
  if (psc?.fsGroup != null && !groups.includes(String(psc.fsGroup))) groups.push(String(psc.fsGroup));
  return groups;
}

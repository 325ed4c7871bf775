/**
 * Job pod failure policy (upstream pkg/controller/job/pod_failure_policy.go): the first rule
 * that matches a failed pod decides what its failure means — fail the whole Job, ignore the
 * failure (it does not count against backoffLimit), or count it as usual.
 */
import type { KubeObject } from '#impl/client/index.ts';

/** PodFailurePolicyAction is a rule's verdict; 'Count' is also the verdict when no rule matches. */
export type PodFailurePolicyAction = 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';

/** PodFailureVerdict is what a failed pod means for its Job. */
export interface PodFailureVerdict {
  action: PodFailurePolicyAction;
  /** For FailJob: the Failed condition's message, as upstream words it. */
  message?: string;
}

interface ExitCodesRule {
  containerName?: string;
  operator: 'In' | 'NotIn';
  values: number[];
}
interface Rule {
  action: PodFailurePolicyAction;
  onExitCodes?: ExitCodesRule;
  onPodConditions?: { type: string; status?: string }[];
}

/** matchPodFailurePolicy returns the verdict for a failed pod (Count when the Job has no policy or no rule matches). */
export function matchPodFailurePolicy(job: KubeObject, pod: KubeObject): PodFailureVerdict {
  const rules = ((job.spec?.podFailurePolicy as { rules?: Rule[] } | undefined)?.rules ?? []) as Rule[];
  const podName = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
  for (const [i, rule] of rules.entries()) {
    if (rule.onExitCodes) {
      const hit = matchExitCodes(pod, rule.onExitCodes);
      if (!hit) continue;
      if (rule.action === 'FailJob') {
        return { action: 'FailJob', message: `Container ${hit.name} for pod ${podName} failed with exit code ${hit.exitCode} matching FailJob rule at index ${i}` };
      }
      return { action: rule.action };
    }
    if (rule.onPodConditions) {
      const conds = (pod.status?.conditions ?? []) as { type?: string; status?: string }[];
      const hit = rule.onPodConditions.find((p) => conds.some((c) => c.type === p.type && c.status === (p.status ?? 'True')));
      if (!hit) continue;
      if (rule.action === 'FailJob') {
        return { action: 'FailJob', message: `Pod ${podName} has condition ${hit.type} matching FailJob rule at index ${i}` };
      }
      return { action: rule.action };
    }
  }
  return { action: 'Count' };
}

/** matchExitCodes finds a terminated container (init containers first) whose exit code the rule selects; 0 never matches NotIn. */
function matchExitCodes(pod: KubeObject, r: ExitCodesRule): { name: string; exitCode: number } | undefined {
  const statuses = [...((pod.status?.initContainerStatuses ?? []) as KubeObject[]), ...((pod.status?.containerStatuses ?? []) as KubeObject[])];
  for (const s of statuses) {
    if (r.containerName && s.name !== r.containerName) continue;
    const code = s.state?.terminated?.exitCode as number | undefined;
    if (code === undefined) continue;
    const inValues = r.values.includes(code);
    if (r.operator === 'In' ? inValues : code !== 0 && !inValues) return { name: String(s.name), exitCode: code };
  }
  return undefined;
}

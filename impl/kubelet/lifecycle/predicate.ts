/**
 * Pod admission on the node (upstream: pkg/kubelet/lifecycle/predicate.go
 * predicateAdmitHandler + the scheduler's node predicates it reuses): a pod bound to this node
 * is rejected when the node has no room for it (pods, cpu, memory, ephemeral-storage), when
 * its nodeSelector / required node affinity does not match the node's labels, or when it does
 * not tolerate a NoExecute taint. A rejected pod is failed with the upstream reason
 * (`OutOfpods`, `OutOfcpu`, `NodeAffinity`, `Taint`...) and message.
 */
import type { Node, NodeSelectorRequirement, Pod, Taint, Toleration } from '#generated/k8s/index.ts';
import { parseQuantity } from '#impl/apimachinery/resource/quantity.ts';

/** PodAdmitResult is the outcome of admission (upstream lifecycle.PodAdmitResult). */
export type PodAdmitResult = { admit: true } | { admit: false; reason: string; message: string };

const RESOURCES = ['cpu', 'memory', 'ephemeral-storage'] as const;

function amount(resource: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  const q = parseQuantity(String(v));
  return resource === 'cpu' ? q.milliValue() : q.value();
}

/** podRequests sums a pod's requests: max(sum of containers, largest init container) per resource (upstream PodRequests). */
export function podRequests(pod: Pod): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of RESOURCES) {
    const sum = (pod.spec?.containers ?? []).reduce((a, c) => a + amount(r, (c.resources?.requests as Record<string, unknown> | undefined)?.[r]), 0);
    const init = Math.max(0, ...(pod.spec?.initContainers ?? []).map((c) => amount(r, (c.resources?.requests as Record<string, unknown> | undefined)?.[r])));
    out[r] = Math.max(sum, init);
  }
  return out;
}

function matchRequirement(req: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = req.key in labels;
  const v = labels[req.key];
  switch (req.operator) {
    case 'In': return has && (req.values ?? []).includes(v);
    case 'NotIn': return !has || !(req.values ?? []).includes(v);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt': return has && Number(v) > Number(req.values?.[0]);
    case 'Lt': return has && Number(v) < Number(req.values?.[0]);
    default: return false;
  }
}

/** podMatchesNodeAffinity checks nodeSelector and required node affinity (upstream GetRequiredNodeAffinity). */
export function podMatchesNodeAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((t) => {
    if (!t.matchExpressions?.length && !t.matchFields?.length) return false;
    const exprOK = (t.matchExpressions ?? []).every((r) => matchRequirement(r, labels));
    const fieldsOK = (t.matchFields ?? []).every((r) => matchRequirement(r, { 'metadata.name': node.metadata?.name ?? '' }));
    return exprOK && fieldsOK;
  });
}

/** tolerates reports whether a toleration matches a taint (upstream ToleratesTaint). */
export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  if (!tol.key && tol.operator !== 'Exists') return false;
  if (tol.operator === 'Exists') return true;
  return (tol.value ?? '') === (taint.value ?? '');
}

/** canAdmitPod runs the node predicates against the pods already admitted (upstream Admit). */
export function canAdmitPod(pod: Pod, node: Node, admitted: Pod[]): PodAdmitResult {
  const alloc = (node.status?.allocatable ?? {}) as Record<string, unknown>;
  const maxPods = Number(alloc.pods ?? 110);
  if (admitted.length + 1 > maxPods) {
    return { admit: false, reason: 'OutOfpods', message: `Node didn't have enough resource: pods, requested: 1, used: ${admitted.length}, capacity: ${maxPods}` };
  }
  const want = podRequests(pod);
  for (const r of RESOURCES) {
    if (!want[r] || alloc[r] === undefined) continue;
    const capacity = amount(r, alloc[r]);
    const used = admitted.reduce((a, p) => a + podRequests(p)[r], 0);
    if (used + want[r] > capacity) {
      return { admit: false, reason: `OutOf${r}`, message: `Node didn't have enough resource: ${r}, requested: ${want[r]}, used: ${used}, capacity: ${capacity}` };
    }
  }
  if (!podMatchesNodeAffinity(pod, node)) {
    return { admit: false, reason: 'NodeAffinity', message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector" };
  }
  const untolerated = (node.spec?.taints ?? []).find((t) => t.effect === 'NoExecute' && !(pod.spec?.tolerations ?? []).some((tol) => tolerates(tol, t)));
  if (untolerated) {
    return { admit: false, reason: 'Taint', message: `Predicate TaintToleration failed: node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}` };
  }
  return { admit: true };
}

/**
 * Node selector matching (upstream `k8s.io/component-helpers/scheduling/corev1/nodeaffinity`):
 * `nodeSelectorTerms` are ORed, the requirements inside a term are ANDed; `matchExpressions`
 * read labels and `matchFields` read `metadata.name`. An empty term matches nothing.
 */
import type { Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod, PreferredSchedulingTerm } from '#generated/k8s/index.ts';

function matchRequirement(r: NodeSelectorRequirement, value: string | undefined, present: boolean): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return present && values.includes(value!);
    case 'NotIn':
      return !present || !values.includes(value!);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'Gt':
    case 'Lt': {
      if (!present || values.length !== 1) return false;
      const have = Number.parseInt(value!, 10);
      const want = Number.parseInt(values[0]!, 10);
      if (Number.isNaN(have) || Number.isNaN(want)) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** matchNodeSelectorTerm reports whether one term matches the node; an empty term matches nothing. */
export function matchNodeSelectorTerm(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const r of exprs) {
    const present = Object.prototype.hasOwnProperty.call(labels, r.key);
    if (!matchRequirement(r, labels[r.key], present)) return false;
  }
  for (const r of fields) {
    if (r.key !== 'metadata.name') return false;
    if (!matchRequirement(r, node.metadata?.name ?? '', true)) return false;
  }
  return true;
}

/** matchNodeSelectorTerms reports whether any term matches (ORed terms). */
export function matchNodeSelectorTerms(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  for (const t of terms) if (matchNodeSelectorTerm(t, node)) return true;
  return false;
}

/** RequiredNodeAffinity is a pod's `nodeSelector` plus its required node affinity, matched together. */
export class RequiredNodeAffinity {
  private readonly labelSelector: Record<string, string> | undefined;
  private readonly required: NodeSelector | undefined;

  constructor(pod: Pod) {
    const sel = pod.spec?.nodeSelector;
    this.labelSelector = sel && Object.keys(sel).length ? sel : undefined;
    this.required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  }

  /** constrains reports whether the pod has a nodeSelector or required node affinity at all. */
  constrains(): boolean {
    return this.labelSelector !== undefined || this.required !== undefined;
  }

  /** match reports whether the node satisfies nodeSelector and required node affinity. */
  match(node: Node): boolean {
    if (this.labelSelector) {
      const labels = node.metadata?.labels ?? {};
      for (const k in this.labelSelector) if (labels[k] !== this.labelSelector[k]) return false;
    }
    if (this.required) return matchNodeSelectorTerms(this.required.nodeSelectorTerms ?? [], node);
    return true;
  }
}

/** PreferredSchedulingTerms sums the weights of the preferred terms a node matches. */
export class PreferredSchedulingTerms {
  constructor(private readonly terms: readonly PreferredSchedulingTerm[]) {}

  /** score returns the sum of the weights of the matching terms. */
  score(node: Node): number {
    let total = 0;
    for (const t of this.terms) {
      if (t.weight === 0) continue;
      if (matchNodeSelectorTerm(t.preference, node)) total += t.weight;
    }
    return total;
  }
}

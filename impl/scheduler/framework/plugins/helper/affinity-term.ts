/**
 * Parsed pod (anti-)affinity terms (upstream `framework.AffinityTerm` and
 * `newAffinityTerm`): the namespaces a term applies to, its label selector and topology key.
 * Parsed terms are cached per PodInfo, since existing pods' terms are read every cycle.
 */
import type { Pod, PodAffinityTerm } from '#generated/k8s/index.ts';
import { labels } from '#impl/apimachinery/index.ts';
import type { PodInfo } from '../../types.ts';

/** AffinityTerm is one parsed PodAffinityTerm. */
export interface AffinityTerm {
  /** namespaces the term selects; empty with allNamespaces false means none. */
  namespaces: ReadonlySet<string>;
  /** allNamespaces is true for an empty (`{}`) namespaceSelector. */
  allNamespaces: boolean;
  /** namespaceSelector is a non-empty namespaceSelector: namespaces whose labels it matches are selected too. */
  namespaceSelector?: labels.Selector;
  selector: labels.Selector;
  topologyKey: string;
  /** weight of a preferred term (0 for required ones). */
  weight: number;
}

/**
 * newAffinityTerm parses a term for a pod: no namespaces and no namespaceSelector mean the pod's
 * own namespace; an empty namespaceSelector means all namespaces; a non-empty one selects the
 * namespaces whose labels it matches, in addition to the listed namespaces.
 */
export function newAffinityTerm(pod: Pod, term: PodAffinityTerm, weight = 0): AffinityTerm {
  const ns = new Set(term.namespaces ?? []);
  const nsSel = term.namespaceSelector;
  const allNamespaces = !!nsSel && Object.keys(nsSel.matchLabels ?? {}).length === 0 && (nsSel.matchExpressions ?? []).length === 0;
  if (ns.size === 0 && !nsSel) ns.add(pod.metadata?.namespace ?? 'default');
  let namespaceSelector: labels.Selector | undefined;
  if (nsSel && !allNamespaces) {
    try {
      namespaceSelector = labels.labelSelectorAsSelector(nsSel);
    } catch {
      namespaceSelector = labels.nothing();
    }
  }
  let selector = labels.labelSelectorAsSelector(term.labelSelector);
  // matchLabelKeys / mismatchLabelKeys merge the pod's own label values into the selector.
  const own = pod.metadata?.labels ?? {};
  for (const k of term.matchLabelKeys ?? []) if (k in own) selector = selector.add(labels.newRequirement(k, 'in', [own[k]!]));
  for (const k of term.mismatchLabelKeys ?? []) if (k in own) selector = selector.add(labels.newRequirement(k, 'notin', [own[k]!]));
  return { namespaces: ns, allNamespaces, namespaceSelector, selector, topologyKey: term.topologyKey, weight };
}

/** NamespaceLabels returns a namespace's labels (from the namespace informer), or undefined when unknown. */
export type NamespaceLabels = (namespace: string) => Readonly<Record<string, string>> | undefined;

/**
 * termMatches reports whether a pod is selected by the term (upstream `AffinityTerm.Matches`):
 * its namespace is listed (or all are), or the namespaceSelector matches the namespace's labels;
 * and the label selector matches the pod.
 */
export function termMatches(term: AffinityTerm, pod: Pod, nsLabels?: NamespaceLabels): boolean {
  const ns = pod.metadata?.namespace ?? '';
  if (!term.allNamespaces && !term.namespaces.has(ns)) {
    if (!term.namespaceSelector || !nsLabels) return false;
    const l = nsLabels(ns);
    if (!l || !term.namespaceSelector.matches(l)) return false;
  }
  return term.selector.matches(pod.metadata?.labels ?? {});
}

/** ParsedTerms are a pod's four term lists, parsed. */
export interface ParsedTerms {
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: AffinityTerm[];
  preferredAntiAffinity: AffinityTerm[];
  /** scoresOthers: the pod has terms that score incoming pods (required affinity or any preferred term). */
  scoresOthers: boolean;
}

/** parsedTerms returns (and caches on the PodInfo) the parsed terms of a PodInfo. */
export function parsedTerms(pi: PodInfo): ParsedTerms {
  let t = pi.parsedTermsCache as ParsedTerms | undefined;
  if (!t) {
    const pod = pi.pod;
    t = {
      requiredAffinity: pi.requiredAffinityTerms.map((x) => newAffinityTerm(pod, x)),
      requiredAntiAffinity: pi.requiredAntiAffinityTerms.map((x) => newAffinityTerm(pod, x)),
      preferredAffinity: pi.preferredAffinityTerms.map((x) => newAffinityTerm(pod, x.podAffinityTerm, x.weight)),
      preferredAntiAffinity: pi.preferredAntiAffinityTerms.map((x) => newAffinityTerm(pod, x.podAffinityTerm, x.weight)),
      scoresOthers: pi.requiredAffinityTerms.length + pi.preferredAffinityTerms.length + pi.preferredAntiAffinityTerms.length > 0,
    };
    pi.parsedTermsCache = t;
  }
  return t;
}

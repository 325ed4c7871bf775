/**
 * ClusterRole aggregation: a ClusterRole with an `aggregationRule` gets the union of the rules
 * of every ClusterRole its selectors match.
 *
 * upstream: pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go (syncClusterRole)
 */
import type { ClusterRole, PolicyRule } from '#generated/k8s/index.ts';
import { labelSelectorAsSelector } from '#impl/apimachinery/labels/selector.ts';

function ruleKey(r: PolicyRule): string {
  return JSON.stringify([r.verbs, r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? [], r.nonResourceURLs ?? []]);
}

/**
 * aggregateClusterRole returns the rules `target` should have (undefined when it has no
 * aggregationRule): for each selector in order, the matching ClusterRoles sorted by name
 * (itself excluded), each rule added once.
 */
export function aggregateClusterRole(target: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = target.aggregationRule?.clusterRoleSelectors;
  if (!target.aggregationRule) return undefined;
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  const sorted = [...all].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const ps of selectors ?? []) {
    const sel = labelSelectorAsSelector(ps);
    for (const cr of sorted) {
      if (cr.metadata?.name === target.metadata?.name) continue;
      if (!sel.matches(cr.metadata?.labels ?? {})) continue;
      for (const r of cr.rules ?? []) {
        const k = ruleKey(r);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(r);
      }
    }
  }
  return out;
}

/**
 * aggregateAll returns the ClusterRoles whose rules change after aggregation (the controller's
 * update list), given the current set. Aggregated roles can feed other aggregated roles (view ->
 * edit -> admin), so it repeats until nothing changes, as the controller's requeues do.
 */
export function aggregateAll(all: readonly ClusterRole[]): ClusterRole[] {
  const current = new Map(all.map((r) => [r.metadata?.name ?? '', r]));
  const changed = new Map<string, ClusterRole>();
  for (let round = 0; round < 16; round++) {
    let any = false;
    const snapshot = [...current.values()];
    for (const cr of snapshot) {
      const rules = aggregateClusterRole(cr, snapshot);
      if (rules === undefined || JSON.stringify(rules) === JSON.stringify(cr.rules ?? [])) continue;
      const next = { ...cr, rules };
      current.set(cr.metadata?.name ?? '', next);
      changed.set(cr.metadata?.name ?? '', next);
      any = true;
    }
    if (!any) break;
  }
  return [...changed.values()];
}

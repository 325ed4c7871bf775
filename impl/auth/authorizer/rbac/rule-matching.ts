/**
 * How one RBAC PolicyRule matches request attributes.
 *
 * upstream: plugin/pkg/auth/authorizer/rbac/rbac.go (RuleAllows) and pkg/apis/rbac/v1/evaluation_helpers.go
 */
import type { PolicyRule } from '#generated/k8s/index.ts';
import type { Attributes } from '../interfaces.ts';

/** Wildcards (rbacv1.VerbAll, APIGroupAll, ResourceAll, NonResourceAll). */
export const ALL = '*';

/** verbMatches: `*` or the verb itself. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((v) => v === ALL || v === verb);
}

/** apiGroupMatches: `*` or the group itself. */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === ALL || g === group);
}

/**
 * resourceMatches: `*`, the combined `resource/subresource`, or `* /subresource` for any
 * resource's subresource.
 */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (subresource !== '' && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

/** resourceNameMatches: an empty list matches every name. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/** nonResourceURLMatches: `*`, the path itself, or a `prefix*` rule. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** ruleAllows is true when `rule` grants the request (upstream RuleAllows). */
export function ruleAllows(attrs: Attributes, rule: PolicyRule): boolean {
  if (attrs.resourceRequest) {
    const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    return verbMatches(rule, attrs.verb) && apiGroupMatches(rule, attrs.apiGroup) && resourceMatches(rule, combined, attrs.subresource) && resourceNameMatches(rule, attrs.name);
  }
  return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path);
}

/** describeRule renders a rule like upstream's CompactString (`{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}`). */
export function describeRule(rule: PolicyRule): string {
  const parts: string[] = [];
  const q = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
  if (rule.apiGroups?.length) parts.push(`APIGroups:${q(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${q(rule.resources)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(rule.nonResourceURLs)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${q(rule.resourceNames)}`);
  parts.push(`Verbs:${q(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * Which webhooks apply to a request: rules (operations, groups, versions, resources with
 * subresource wildcards, scope), matchPolicy, namespaceSelector and objectSelector.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/predicates/rules/rules.go,
 * namespace/matcher.go, object/matcher.go, generic/webhook.go (ShouldCallHook)
 */
import type { LabelSelector, Namespace, RuleWithOperations } from '#generated/k8s/index.ts';
import { labelSelectorAsSelector } from '#impl/apimachinery/labels/selector.ts';
import type { AdmissionAttributes } from '../../interfaces.ts';

/** WebhookAccessor is what matching reads of a Mutating/ValidatingWebhook. */
export interface WebhookRules {
  rules?: RuleWithOperations[];
  matchPolicy?: string;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
}

const has = (xs: readonly string[] | undefined, x: string) => (xs ?? []).some((v) => v === '*' || v === x);

/** resourceMatches handles `*`, `*\/*`, `pods`, `pods/*`, `*\/status` and `pods/status` (upstream rules.Matcher.resource). */
export function ruleResourceMatches(resources: readonly string[] | undefined, resource: string, subresource: string): boolean {
  for (const r of resources ?? []) {
    if (r === '*/*') return true;
    if (r === '*') {
      if (subresource === '') return true;
      continue;
    }
    const [res, sub = ''] = r.split('/') as [string, string?];
    const resOk = res === '*' || res === resource;
    const subOk = sub === '*' || sub === subresource;
    if (resOk && subOk) return true;
  }
  return false;
}

/** ruleMatches checks one rule against the request, optionally ignoring the version (matchPolicy Equivalent). */
export function ruleMatches(rule: RuleWithOperations, a: AdmissionAttributes, ignoreVersion = false): boolean {
  if (!has(rule.operations, a.operation)) return false;
  if (!has(rule.apiGroups, a.resource.group)) return false;
  if (!ignoreVersion && !has(rule.apiVersions, a.resource.version)) return false;
  if (!ruleResourceMatches(rule.resources, a.resource.resource, a.subresource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && a.namespace !== '') return false;
  if (scope === 'Namespaced' && (a.namespace === '' || (a.resource.group === '' && a.resource.resource === 'namespaces'))) return false;
  return true;
}

/**
 * rulesMatch is true when any rule matches. With matchPolicy Equivalent (the default), a rule for
 * the same group/resource in another version also matches; kubets then sends the object in the
 * request's version (no conversion), which is correct for the single-version resources it serves.
 */
export function rulesMatch(w: WebhookRules, a: AdmissionAttributes): boolean {
  const rules = w.rules ?? [];
  if (rules.some((r) => ruleMatches(r, a))) return true;
  if ((w.matchPolicy ?? 'Equivalent') === 'Equivalent') return rules.some((r) => ruleMatches(r, a, true));
  return false;
}

/**
 * namespaceSelectorMatches: cluster-scoped objects other than Namespaces always match; a
 * Namespace is matched by its own labels; others by their namespace's labels.
 */
export async function namespaceSelectorMatches(w: WebhookRules, a: AdmissionAttributes, getNamespace: (name: string) => Namespace | undefined | Promise<Namespace | undefined>): Promise<boolean> {
  const sel = w.namespaceSelector;
  if (!sel || (!sel.matchLabels && !(sel.matchExpressions ?? []).length)) return true;
  let labels: Record<string, string> | undefined;
  if (a.resource.group === '' && a.resource.resource === 'namespaces' && a.subresource === '') {
    labels = (a.object ?? a.oldObject)?.metadata?.labels;
  } else {
    if (a.namespace === '') return true;
    labels = (await getNamespace(a.namespace))?.metadata?.labels;
  }
  return labelSelectorAsSelector(sel).matches(labels ?? {});
}

/** objectSelectorMatches: the object or the old object must match (upstream object.Matcher). */
export function objectSelectorMatches(w: WebhookRules, a: AdmissionAttributes): boolean {
  const sel = w.objectSelector;
  if (!sel || (!sel.matchLabels && !(sel.matchExpressions ?? []).length)) return true;
  const s = labelSelectorAsSelector(sel);
  return [a.object, a.oldObject].some((o) => o !== undefined && s.matches(o.metadata?.labels ?? {}));
}

/** isWebhookConfigurationResource: webhooks are never called for webhook configurations (upstream IsExemptAdmissionConfigurationResource). */
export function isExemptResource(a: AdmissionAttributes): boolean {
  return a.resource.group === 'admissionregistration.k8s.io' && ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings'].includes(a.resource.resource);
}

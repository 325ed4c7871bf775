/**
 * Audit policy: which level (None, Metadata, Request, RequestResponse) and which stages each
 * request is audited at (`--audit-policy-file`, audit.k8s.io/v1 Policy).
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/audit/policy/{reader,checker}.go and
 * pkg/apis/audit/v1/types.go
 */
import { readFileSync } from 'node:fs';
import { parseAllYamlDocuments } from '#impl/apimachinery/util/yaml/index.ts';
import type { UserInfo } from '../user/user.ts';

/** LEVELS in increasing detail. */
export const AUDIT_LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type AuditLevel = (typeof AUDIT_LEVELS)[number];
/** STAGES of a request. */
export const AUDIT_STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type AuditStage = (typeof AUDIT_STAGES)[number];

/** GroupResources selects resources of one group (upstream audit.GroupResources). */
export interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

/** PolicyRule is one audit rule; empty selectors match everything. */
export interface AuditPolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

/** AuditPolicy is the whole policy file. */
export interface AuditPolicy {
  apiVersion?: string;
  kind?: string;
  rules: AuditPolicyRule[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

/** RequestAttributes is what the policy checks (a subset of authorizer attributes). */
export interface AuditRequestAttributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  path: string;
  namespace: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
}

/** RequestAuditConfig is the outcome for one request (upstream RequestAuditConfig). */
export interface RequestAuditConfig {
  level: AuditLevel;
  omitStages: AuditStage[];
  omitManagedFields: boolean;
}

/** parseAuditPolicy parses a policy document (YAML or JSON) and validates levels and stages like upstream's reader. */
export function parseAuditPolicy(text: string, source = 'audit policy'): AuditPolicy {
  const docs = parseAllYamlDocuments(text).map((d) => d.toJS() as AuditPolicy | null).filter((d): d is AuditPolicy => d !== null);
  if (docs.length !== 1) throw new Error(`${source}: expected one Policy document, found ${docs.length}`);
  const p = docs[0]!;
  if (p.kind !== undefined && p.kind !== 'Policy') throw new Error(`${source}: kind ${p.kind} is not Policy`);
  if (p.apiVersion !== undefined && p.apiVersion !== 'audit.k8s.io/v1') throw new Error(`${source}: unsupported apiVersion ${p.apiVersion}`);
  if (!Array.isArray(p.rules) || p.rules.length === 0) throw new Error(`loaded illegal policy with 0 rules from file ${source}`);
  for (const [i, r] of p.rules.entries()) {
    if (!(AUDIT_LEVELS as readonly string[]).includes(r.level)) throw new Error(`${source}: rules[${i}].level: Unsupported value: "${String(r.level)}"`);
    if ((r.nonResourceURLs ?? []).length > 0 && ((r.resources ?? []).length > 0 || (r.namespaces ?? []).length > 0)) {
      throw new Error(`${source}: rules[${i}].nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs`);
    }
    for (const s of [...(r.omitStages ?? [])]) if (!(AUDIT_STAGES as readonly string[]).includes(s)) throw new Error(`${source}: rules[${i}].omitStages: Unsupported value: "${s}"`);
  }
  for (const s of p.omitStages ?? []) if (!(AUDIT_STAGES as readonly string[]).includes(s)) throw new Error(`${source}: omitStages: Unsupported value: "${s}"`);
  return p;
}

/** readAuditPolicyFile reads `--audit-policy-file`. */
export function readAuditPolicyFile(path: string): AuditPolicy {
  return parseAuditPolicy(readFileSync(path, 'utf8'), path);
}

function resourceMatches(gr: GroupResources, a: AuditRequestAttributes): boolean {
  if ((gr.group ?? '') !== a.apiGroup) return false;
  const resources = gr.resources ?? [];
  if (resources.length === 0) return true;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const ok = resources.some((r) => r === '*' || r === combined || (a.subresource !== '' && (r === `*/${a.subresource}` || r === `${a.resource}/*`)));
  if (!ok) return false;
  const names = gr.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name);
}

function urlMatches(patterns: readonly string[], path: string): boolean {
  return patterns.some((p) => p === '*' || p === path || (p.endsWith('*') && path.startsWith(p.slice(0, -1))));
}

/** ruleMatches is upstream policyRuleEvaluator.ruleMatches. */
export function auditRuleMatches(r: AuditPolicyRule, a: AuditRequestAttributes): boolean {
  if ((r.users ?? []).length && !r.users!.includes(a.user.name)) return false;
  if ((r.userGroups ?? []).length && !a.user.groups.some((g) => r.userGroups!.includes(g))) return false;
  if ((r.verbs ?? []).length && !r.verbs!.includes(a.verb)) return false;
  const hasResourceSel = (r.namespaces ?? []).length > 0 || (r.resources ?? []).length > 0;
  const hasUrlSel = (r.nonResourceURLs ?? []).length > 0;
  if (hasResourceSel) {
    if (!a.resourceRequest) return false;
    if ((r.namespaces ?? []).length && !r.namespaces!.includes(a.namespace)) return false;
    if ((r.resources ?? []).length && !r.resources!.some((gr) => resourceMatches(gr, a))) return false;
  }
  if (hasUrlSel) {
    if (a.resourceRequest) return false;
    if (!urlMatches(r.nonResourceURLs!, a.path)) return false;
  }
  return true;
}

/** evaluatePolicy returns the first matching rule's config, or level None (upstream EvaluatePolicyRule). */
export function evaluateAuditPolicy(p: AuditPolicy, a: AuditRequestAttributes): RequestAuditConfig {
  for (const r of p.rules) {
    if (!auditRuleMatches(r, a)) continue;
    return {
      level: r.level,
      omitStages: [...new Set([...(p.omitStages ?? []), ...(r.omitStages ?? [])])],
      omitManagedFields: r.omitManagedFields ?? p.omitManagedFields ?? false,
    };
  }
  return { level: 'None', omitStages: [...(p.omitStages ?? [])], omitManagedFields: false };
}

/** levelAtLeast compares levels (upstream Level.GreaterOrEqual). */
export function levelAtLeast(level: AuditLevel, min: AuditLevel): boolean {
  return AUDIT_LEVELS.indexOf(level) >= AUDIT_LEVELS.indexOf(min);
}

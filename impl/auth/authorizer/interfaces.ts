/**
 * The authorizer contracts: request attributes in, a decision with a reason out.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/authorization/authorizer/interfaces.go
 */
import type { UserInfo } from '../user/user.ts';

/** Attributes describe one request to authorize (upstream `authorizer.AttributesRecord`). */
export interface Attributes {
  user: UserInfo;
  verb: string;
  /** True for `/api/...` and `/apis/...` resource requests; false for non-resource paths. */
  resourceRequest: boolean;
  namespace: string;
  apiGroup: string;
  apiVersion?: string;
  resource: string;
  subresource: string;
  name: string;
  /** The request path (non-resource requests are authorized by it). */
  path: string;
}

/** DECISIONS are the three outcomes (upstream DecisionDeny/Allow/NoOpinion). */
export const DECISIONS = { allow: 'allow', deny: 'deny', noOpinion: 'noOpinion' } as const;
export type DecisionValue = (typeof DECISIONS)[keyof typeof DECISIONS];

/** Decision is an authorizer's answer. `reason` explains it (may be ''). */
export interface Decision {
  decision: DecisionValue;
  reason: string;
  /** An evaluation error (the decision then is usually noOpinion). */
  error?: string;
}

/**
 * Authorizer decides one request. Implementations must be side-effect free and fast; they may
 * be async (webhook). Only `allow` lets the request through; `deny` stops a union at once;
 * `noOpinion` lets the next authorizer decide.
 */
export interface Authorizer {
  authorize(attrs: Attributes, signal?: AbortSignal): Decision | Promise<Decision>;
}

/** ResourceRuleInfo and NonResourceRuleInfo describe what a user may do (SelfSubjectRulesReview). */
export interface ResourceRuleInfo {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
}
export interface NonResourceRuleInfo {
  verbs: string[];
  nonResourceURLs: string[];
}

/** RulesResult is what a rule resolver lists for a user in a namespace. */
export interface RulesResult {
  resourceRules: ResourceRuleInfo[];
  nonResourceRules: NonResourceRuleInfo[];
  incomplete: boolean;
  evaluationError?: string;
}

/** RuleResolver lists the rules that apply to a user (upstream `authorizer.RuleResolver`). */
export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): RulesResult | Promise<RulesResult>;
}

/** allow, deny and noOpinion build decisions. */
export const allow = (reason = ''): Decision => ({ decision: 'allow', reason });
export const deny = (reason = ''): Decision => ({ decision: 'deny', reason });
export const noOpinion = (reason = '', error?: string): Decision => ({ decision: 'noOpinion', reason, ...(error ? { error } : {}) });

/** isReadOnly is true for get/list/watch (upstream `IsReadOnly`). */
export function isReadOnly(attrs: Attributes): boolean {
  return attrs.verb === 'get' || attrs.verb === 'list' || attrs.verb === 'watch';
}

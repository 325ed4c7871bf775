/**
 * The union authorizer: ask each in order; the first allow or deny decides.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/authorization/union/union.go
 */
import type { Attributes, Authorizer, Decision, RuleResolver, RulesResult } from './interfaces.ts';
import type { UserInfo } from '../user/user.ts';

/**
 * newUnionAuthorizer asks `authorizers` in order. The first `allow` or `deny` wins; if all have no
 * opinion, the result is noOpinion with every reason joined by newline (upstream). Errors are
 * joined the same way.
 */
export function newUnionAuthorizer(authorizers: readonly Authorizer[]): Authorizer {
  return {
    async authorize(attrs: Attributes, signal?: AbortSignal): Promise<Decision> {
      const reasons: string[] = [];
      const errors: string[] = [];
      for (const a of authorizers) {
        const d = await a.authorize(attrs, signal);
        if (d.error) errors.push(d.error);
        if (d.reason) reasons.push(d.reason);
        if (d.decision === 'allow' || d.decision === 'deny') return { decision: d.decision, reason: d.reason, ...(d.error ? { error: d.error } : {}) };
      }
      return { decision: 'noOpinion', reason: reasons.join('\n'), ...(errors.length ? { error: errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]` } : {}) };
    },
  };
}

/** newUnionRuleResolver concatenates the rules of every resolver (upstream unionAuthzRulesHandler). */
export function newUnionRuleResolver(resolvers: readonly RuleResolver[]): RuleResolver {
  return {
    async rulesFor(user: UserInfo, namespace: string): Promise<RulesResult> {
      const out: RulesResult = { resourceRules: [], nonResourceRules: [], incomplete: false };
      const errs: string[] = [];
      for (const r of resolvers) {
        const res = await r.rulesFor(user, namespace);
        out.resourceRules.push(...res.resourceRules);
        out.nonResourceRules.push(...res.nonResourceRules);
        if (res.incomplete) out.incomplete = true;
        if (res.evaluationError) errs.push(res.evaluationError);
      }
      if (errs.length) out.evaluationError = errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`;
      return out;
    },
  };
}

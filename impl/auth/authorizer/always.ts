/**
 * AlwaysAllow, AlwaysDeny and the privileged-group short circuit.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/authorization/authorizerfactory/builtin.go
 */
import { SYSTEM_PRIVILEGED_GROUP, type UserInfo } from '../user/user.ts';
import { allow, deny, noOpinion, type Attributes, type Authorizer, type Decision, type RuleResolver, type RulesResult } from './interfaces.ts';

/** alwaysAllowAuthorizer allows everything and lists `*` rules (`--authorization-mode=AlwaysAllow`). */
export const alwaysAllowAuthorizer = {
  authorize: (): Decision => allow(''),
  rulesFor: (): RulesResult => ({
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  }),
} satisfies Authorizer & RuleResolver;

/** alwaysDenyAuthorizer denies everything with reason `Everything is forbidden.` (`AlwaysDeny`). */
export const alwaysDenyAuthorizer = {
  authorize: (): Decision => deny('Everything is forbidden.'),
  rulesFor: (): RulesResult => ({ resourceRules: [], nonResourceRules: [], incomplete: false }),
} satisfies Authorizer & RuleResolver;

/**
 * newPrivilegedGroupAuthorizer allows any user in one of `groups` (upstream NewPrivilegedGroups,
 * used with `system:masters` as the first authorizer so cluster admins never depend on RBAC).
 */
export function newPrivilegedGroupAuthorizer(groups: readonly string[] = [SYSTEM_PRIVILEGED_GROUP]): Authorizer & RuleResolver {
  const inGroup = (u: UserInfo) => u.groups.some((g) => groups.includes(g));
  return {
    authorize: (attrs: Attributes): Decision => (inGroup(attrs.user) ? allow('') : noOpinion('')),
    rulesFor: (u: UserInfo): RulesResult =>
      inGroup(u)
        ? alwaysAllowAuthorizer.rulesFor()
        : { resourceRules: [], nonResourceRules: [], incomplete: false },
  };
}

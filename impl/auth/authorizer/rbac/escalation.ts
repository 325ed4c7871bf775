/**
 * Privilege escalation prevention: a user may only grant what it already holds, unless it may
 * `escalate` (roles) or `bind` (the referenced role).
 *
 * upstream: pkg/registry/rbac/validation/rule.go (ConfirmNoEscalation), policy_comparator.go
 * (Covers), pkg/registry/rbac/escalation_check.go (EscalationAllowed, RoleEscalationAuthorized,
 * BindingAuthorized)
 */
import type { PolicyRule } from '#generated/k8s/index.ts';
import { forbidden, type StatusError } from '#impl/apimachinery/index.ts';
import { SYSTEM_PRIVILEGED_GROUP, type UserInfo } from '../../user/user.ts';
import type { Authorizer } from '../interfaces.ts';
import type { RBACRuleResolver } from './rbac.ts';
import { ALL, describeRule } from './rule-matching.ts';

function has(set: readonly string[] | undefined, x: string): boolean {
  return (set ?? []).includes(x);
}

/** breakdownRule splits a rule into one-verb, one-group, one-resource(, one-name) rules (upstream BreakdownRule). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if ((rule.resourceNames ?? []).length > 0) {
          for (const name of rule.resourceNames!) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function resourceCovers(owner: readonly string[], requested: readonly string[]): boolean {
  if (has(owner, ALL)) return true;
  for (const path of requested) {
    if (has(owner, path)) continue;
    const i = path.indexOf('/');
    if (i < 0) return false;
    if (!has(owner, `*/${path.slice(i + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, requested: string): boolean {
  if (owner === requested || owner === ALL) return true;
  return owner.endsWith('*') && requested.startsWith(owner.slice(0, -1));
}

/** ruleCovers is true when `owner` grants everything `sub` (a broken-down rule) grants (upstream ruleCovers). */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, ALL) || sub.verbs.every((v) => has(owner.verbs, v));
  const groups = has(owner.apiGroups, ALL) || (sub.apiGroups ?? []).every((g) => has(owner.apiGroups, g));
  const resources = resourceCovers(owner.resources ?? [], sub.resources ?? []);
  const urls = (sub.nonResourceURLs ?? []).every((u) => (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, u)));
  // A request for all names is covered only by a rule for all names.
  const ownerNames = owner.resourceNames ?? [];
  const subNames = sub.resourceNames ?? [];
  const names = subNames.length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || subNames.every((n) => ownerNames.includes(n));
  return verbs && groups && resources && urls && names;
}

/** covers returns whether `owner` covers all of `requested`, and the broken-down rules it misses (upstream Covers). */
export function covers(owner: readonly PolicyRule[], requested: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const r of requested) for (const sub of breakdownRule(r)) if (!owner.some((o) => ruleCovers(o, sub))) missing.push(sub);
  return { covered: missing.length === 0, missing };
}

/**
 * confirmNoEscalation checks that `user` holds every rule in `rules` in `namespace`. It returns a
 * 403 StatusError with upstream's text (`user "bob" (groups=["..."]) is attempting to grant RBAC
 * permissions not currently held:\n{...}`) or undefined when nothing escalates.
 */
export function confirmNoEscalation(user: UserInfo, rules: readonly PolicyRule[], namespace: string, resolver: RBACRuleResolver, gr: { group: string; resource: string }, name: string): StatusError | undefined {
  const { rules: owner, errors } = resolver.policyRulesFor(user, namespace);
  const { covered, missing } = covers(owner, rules);
  if (covered) return undefined;
  let msg = `user ${JSON.stringify(user.name)} (groups=${JSON.stringify(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.map(describeRule).join('\n')}`;
  if (errors.length > 0) msg += `; resolution errors: [${errors.join(' ')}]`;
  return forbidden(gr, name, msg);
}

/** escalationAllowed is true for `system:masters` (upstream EscalationAllowed). */
export function escalationAllowed(user: UserInfo): boolean {
  return user.groups.includes(SYSTEM_PRIVILEGED_GROUP);
}

/** roleEscalationAuthorized: may the user `escalate` roles/clusterroles here (upstream RoleEscalationAuthorized)? */
export async function roleEscalationAuthorized(authz: Authorizer, user: UserInfo, namespace: string, clusterScoped: boolean): Promise<boolean> {
  const d = await authz.authorize({ user, verb: 'escalate', resourceRequest: true, namespace, apiGroup: 'rbac.authorization.k8s.io', resource: clusterScoped ? 'clusterroles' : 'roles', subresource: '', name: '', path: '' });
  return d.decision === 'allow';
}

/** bindingAuthorized: may the user `bind` the referenced role (upstream BindingAuthorized)? */
export async function bindingAuthorized(authz: Authorizer, user: UserInfo, namespace: string, roleRef: { kind: string; name: string }): Promise<boolean> {
  const d = await authz.authorize({
    user,
    verb: 'bind',
    resourceRequest: true,
    namespace: roleRef.kind === 'ClusterRole' ? '' : namespace,
    apiGroup: 'rbac.authorization.k8s.io',
    resource: roleRef.kind === 'ClusterRole' ? 'clusterroles' : 'roles',
    subresource: '',
    name: roleRef.name,
    path: '',
  });
  return d.decision === 'allow';
}

/**
 * checkRoleWrite is the whole create/update check of a Role/ClusterRole (upstream
 * pkg/registry/rbac/role/policybased): allowed for system:masters, for users who may
 * `escalate`, or when every rule is already held.
 */
export async function checkRoleWrite(opts: { user: UserInfo; namespace: string; clusterScoped: boolean; name: string; rules: readonly PolicyRule[]; authorizer: Authorizer; resolver: RBACRuleResolver }): Promise<StatusError | undefined> {
  if (escalationAllowed(opts.user)) return undefined;
  if (await roleEscalationAuthorized(opts.authorizer, opts.user, opts.namespace, opts.clusterScoped)) return undefined;
  const gr = { group: 'rbac.authorization.k8s.io', resource: opts.clusterScoped ? 'clusterroles' : 'roles' };
  return confirmNoEscalation(opts.user, opts.rules, opts.clusterScoped ? '' : opts.namespace, opts.resolver, gr, opts.name);
}

/**
 * checkBindingWrite is the create/update check of a RoleBinding/ClusterRoleBinding (upstream
 * rolebinding/policybased): allowed for system:masters, for users who may `bind` the role, or
 * when the user holds every rule of the referenced role.
 */
export async function checkBindingWrite(opts: { user: UserInfo; namespace: string; clusterScoped: boolean; name: string; roleRef: { kind: string; name: string }; roleRules: readonly PolicyRule[] | undefined; authorizer: Authorizer; resolver: RBACRuleResolver }): Promise<StatusError | undefined> {
  if (escalationAllowed(opts.user)) return undefined;
  if (await bindingAuthorized(opts.authorizer, opts.user, opts.namespace, opts.roleRef)) return undefined;
  const gr = { group: 'rbac.authorization.k8s.io', resource: opts.clusterScoped ? 'clusterrolebindings' : 'rolebindings' };
  if (!opts.roleRules) return forbidden(gr, opts.name, `${opts.roleRef.kind.toLowerCase()}.rbac.authorization.k8s.io "${opts.roleRef.name}" not found`);
  return confirmNoEscalation(opts.user, opts.roleRules, opts.clusterScoped ? '' : opts.namespace, opts.resolver, gr, opts.name);
}

/**
 * The RBAC authorizer and rule resolver over Role/ClusterRole/RoleBinding/ClusterRoleBinding
 * listers.
 *
 * upstream: plugin/pkg/auth/authorizer/rbac/rbac.go (RBACAuthorizer) and
 * pkg/registry/rbac/validation/rule.go (DefaultRuleResolver.VisitRulesFor, appliesTo)
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from '#generated/k8s/index.ts';
import { makeServiceAccountUsername, type UserInfo } from '../../user/user.ts';
import { allow, noOpinion, type Attributes, type Authorizer, type Decision, type RuleResolver, type RulesResult } from '../interfaces.ts';
import { ruleAllows } from './rule-matching.ts';

/** Subject is an RBAC binding subject. */
export type Subject = NonNullable<RoleBinding['subjects']>[number];

/**
 * RBACListers reads RBAC objects, usually from informer caches. `roleBindings(ns)` must return
 * only that namespace's bindings (an index lookup), so evaluation stays cheap with many bindings.
 */
export interface RBACListers {
  getRole(namespace: string, name: string): Role | undefined;
  getClusterRole(name: string): ClusterRole | undefined;
  listRoleBindings(namespace: string): readonly RoleBinding[];
  listClusterRoleBindings(): readonly ClusterRoleBinding[];
}

/** RuleSource names where a rule came from, for reasons like `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"`. */
interface RuleSource {
  bindingKind: 'ClusterRoleBinding' | 'RoleBinding';
  binding: string;
  namespace: string;
  roleKind: string;
  role: string;
  subject: Subject;
}

function sourceString(s: RuleSource): string {
  const subj = s.subject.kind === 'ServiceAccount' ? `${s.subject.kind} "${s.subject.namespace ?? ''}/${s.subject.name}"` : `${s.subject.kind} "${s.subject.name}"`;
  const binding = s.bindingKind === 'RoleBinding' ? `"${s.binding}/${s.namespace}"` : `"${s.binding}"`;
  return `${s.bindingKind} ${binding} of ${s.roleKind} "${s.role}" to ${subj}`;
}

/** appliesToUser is true when the subject names the user, one of its groups, or its service account. */
export function appliesToUser(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      if (ns === '') return false;
      return user.name === makeServiceAccountUsername(ns, subject.name);
    }
    default:
      return false;
  }
}

/**
 * Visitor receives each rule that applies to a user (or an error); returning false stops the
 * walk (upstream VisitRulesFor's visitor).
 */
/** Lists at least this long are visited through a subject index instead of one by one. */
const INDEX_MIN_BINDINGS = 32;
const bindingIndexes = new WeakMap<readonly object[], { namespace: string; bySubject: Map<string, number[]> }>();

/** subjectKey names who a subject grants to: users and service accounts by user name, groups by group. */
function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  if (s.kind === 'User') return `u:${s.name}`;
  if (s.kind === 'Group') return `g:${s.name}`;
  if (s.kind === 'ServiceAccount') {
    const ns = s.namespace || bindingNamespace;
    return ns === '' ? undefined : `u:${makeServiceAccountUsername(ns, s.name)}`;
  }
  return undefined;
}

/**
 * bindingsFor yields, in list order, the bindings that may apply to `user`. Long lists (1,000
 * RoleBindings in a namespace) are indexed by subject once per list snapshot (listers hand out the
 * same array until something changes), so a request costs a few map lookups instead of a walk
 * over every binding; the decision is the same as visiting them all.
 */
function bindingsFor<B extends { subjects?: Subject[] }>(list: readonly B[], user: UserInfo, namespace: string): readonly B[] {
  if (list.length < INDEX_MIN_BINDINGS) return list;
  let idx = bindingIndexes.get(list);
  if (!idx || idx.namespace !== namespace) {
    const bySubject = new Map<string, number[]>();
    list.forEach((b, i) => {
      for (const s of b.subjects ?? []) {
        const k = subjectKey(s, namespace);
        if (k === undefined) continue;
        const at = bySubject.get(k);
        if (!at) bySubject.set(k, [i]);
        else if (at[at.length - 1] !== i) at.push(i);
      }
    });
    idx = { namespace, bySubject };
    bindingIndexes.set(list, idx);
  }
  const hits: number[] = [...(idx.bySubject.get(`u:${user.name}`) ?? [])];
  for (const g of user.groups) hits.push(...(idx.bySubject.get(`g:${g}`) ?? []));
  if (hits.length === 0) return [];
  return [...new Set(hits)].sort((a, b) => a - b).map((i) => list[i]!);
}

export type RuleVisitor = (source: RuleSource | undefined, rule: PolicyRule | undefined, err: string | undefined) => boolean;

/** RBACRuleResolver walks the rules that apply to a user in a namespace. */
export class RBACRuleResolver implements RuleResolver {
  constructor(private readonly listers: RBACListers) {}

  private roleRules(kind: string, name: string, bindingNamespace: string): { rules?: readonly PolicyRule[]; err?: string } {
    if (kind === 'ClusterRole') {
      const cr = this.listers.getClusterRole(name);
      return cr ? { rules: cr.rules ?? [] } : { err: `clusterrole.rbac.authorization.k8s.io "${name}" not found` };
    }
    if (kind === 'Role') {
      const r = this.listers.getRole(bindingNamespace, name);
      return r ? { rules: r.rules ?? [] } : { err: `role.rbac.authorization.k8s.io "${name}" not found` };
    }
    return { err: `unsupported role reference kind: "${kind}"` };
  }

  /** visitRulesFor calls `visit` for every rule granted to `user` cluster-wide and, if `namespace` is set, in it. */
  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void {
    for (const b of bindingsFor(this.listers.listClusterRoleBindings(), user, '')) {
      const subject = (b.subjects ?? []).find((s) => appliesToUser(user, s, ''));
      if (!subject) continue;
      const { rules, err } = this.roleRules(b.roleRef.kind, b.roleRef.name, '');
      if (err !== undefined) {
        if (!visit(undefined, undefined, err)) return;
        continue;
      }
      const src: RuleSource = { bindingKind: 'ClusterRoleBinding', binding: b.metadata?.name ?? '', namespace: '', roleKind: b.roleRef.kind, role: b.roleRef.name, subject };
      for (const r of rules!) if (!visit(src, r, undefined)) return;
    }
    if (namespace === '') return;
    for (const b of bindingsFor(this.listers.listRoleBindings(namespace), user, namespace)) {
      const subject = (b.subjects ?? []).find((s) => appliesToUser(user, s, namespace));
      if (!subject) continue;
      const { rules, err } = this.roleRules(b.roleRef.kind, b.roleRef.name, namespace);
      if (err !== undefined) {
        if (!visit(undefined, undefined, err)) return;
        continue;
      }
      const src: RuleSource = { bindingKind: 'RoleBinding', binding: b.metadata?.name ?? '', namespace, roleKind: b.roleRef.kind, role: b.roleRef.name, subject };
      for (const r of rules!) if (!visit(src, r, undefined)) return;
    }
  }

  /** rulesFor lists every rule granted to `user` in `namespace` (upstream RulesFor). */
  rulesFor(user: UserInfo, namespace: string): RulesResult {
    const out: RulesResult = { resourceRules: [], nonResourceRules: [], incomplete: false };
    const errs: string[] = [];
    this.visitRulesFor(user, namespace, (_s, rule, err) => {
      if (err) errs.push(err);
      if (rule) {
        if ((rule.nonResourceURLs ?? []).length > 0) out.nonResourceRules.push({ verbs: [...rule.verbs], nonResourceURLs: [...rule.nonResourceURLs!] });
        if ((rule.resources ?? []).length > 0)
          out.resourceRules.push({ verbs: [...rule.verbs], apiGroups: [...(rule.apiGroups ?? [])], resources: [...rule.resources!], resourceNames: [...(rule.resourceNames ?? [])] });
      }
      return true;
    });
    if (errs.length > 0) {
      out.incomplete = true;
      out.evaluationError = errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`;
    }
    return out;
  }

  /** policyRulesFor returns the raw PolicyRules (for escalation checks). */
  policyRulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_s, rule, err) => {
      if (err) errors.push(err);
      if (rule) rules.push(rule);
      return true;
    });
    return { rules, errors };
  }
}

/**
 * newRBACAuthorizer allows a request when some rule bound to the user allows it, with reason
 * `RBAC: allowed by ...`. Otherwise it has no opinion, with `RBAC: ERRORS` as reason when role
 * lookups failed (upstream). RBAC never denies.
 */
export function newRBACAuthorizer(listers: RBACListers): Authorizer & RuleResolver & { resolver: RBACRuleResolver } {
  const resolver = new RBACRuleResolver(listers);
  return {
    resolver,
    rulesFor: (u, ns) => resolver.rulesFor(u, ns),
    authorize(attrs: Attributes): Decision {
      let reason: string | undefined;
      const errors: string[] = [];
      resolver.visitRulesFor(attrs.user, attrs.namespace, (src, rule, err) => {
        if (err) errors.push(err);
        if (rule && src && ruleAllows(attrs, rule)) {
          reason = `RBAC: allowed by ${sourceString(src)}`;
          return false;
        }
        return true;
      });
      if (reason !== undefined) return allow(reason);
      return noOpinion(errors.length ? `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` : '');
    },
  };
}

/** newStaticRBACListers serves fixed arrays (tests, bootstrap, benchmarks), indexing role bindings by namespace. */
export function newStaticRBACListers(objs: { roles?: Role[]; clusterRoles?: ClusterRole[]; roleBindings?: RoleBinding[]; clusterRoleBindings?: ClusterRoleBinding[] }): RBACListers {
  const roles = new Map((objs.roles ?? []).map((r) => [`${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`, r]));
  const clusterRoles = new Map((objs.clusterRoles ?? []).map((r) => [r.metadata?.name ?? '', r]));
  const rbs = new Map<string, RoleBinding[]>();
  for (const b of objs.roleBindings ?? []) {
    const ns = b.metadata?.namespace ?? '';
    rbs.set(ns, [...(rbs.get(ns) ?? []), b]);
  }
  const crbs = objs.clusterRoleBindings ?? [];
  return {
    getRole: (ns, name) => roles.get(`${ns}/${name}`),
    getClusterRole: (name) => clusterRoles.get(name),
    listRoleBindings: (ns) => rbs.get(ns) ?? [],
    listClusterRoleBindings: () => crbs,
  };
}

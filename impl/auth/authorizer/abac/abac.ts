/**
 * The ABAC authorizer: a JSON-lines policy file (`--authorization-policy-file`), one
 * `abac.authorization.kubernetes.io/v1beta1` Policy per line.
 *
 * upstream: pkg/auth/authorizer/abac/abac.go
 */
import { readFileSync } from 'node:fs';
import { allow, isReadOnly, noOpinion, type Attributes, type Authorizer, type Decision } from '../interfaces.ts';
import type { UserInfo } from '../../user/user.ts';

/** PolicySpec is one ABAC rule. */
export interface AbacPolicySpec {
  user?: string;
  group?: string;
  readonly?: boolean;
  apiGroup?: string;
  resource?: string;
  namespace?: string;
  nonResourcePath?: string;
}

/** parseAbacPolicyFile parses JSON lines; blank lines and `#` comments are skipped. */
export function parseAbacPolicyFile(text: string, source = 'policy file'): AbacPolicySpec[] {
  const out: AbacPolicySpec[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) return;
    let doc: { apiVersion?: string; kind?: string; spec?: AbacPolicySpec };
    try {
      doc = JSON.parse(l);
    } catch (err) {
      throw new Error(`error reading policy file ${source}, line ${i + 1}: ${l}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (doc.apiVersion !== 'abac.authorization.kubernetes.io/v1beta1' || doc.kind !== 'Policy' || !doc.spec) {
      throw new Error(`error reading policy file ${source}, line ${i + 1}: unsupported policy (want apiVersion abac.authorization.kubernetes.io/v1beta1, kind Policy)`);
    }
    out.push(doc.spec);
  });
  return out;
}

function subjectMatches(p: AbacPolicySpec, u: UserInfo): boolean {
  let matched = false;
  if (p.user) {
    if (p.user === '*') matched = true;
    else if (p.user === u.name) matched = true;
    else return false;
  }
  if (p.group) {
    if (p.group === '*') matched = true;
    else if (u.groups.includes(p.group)) matched = true;
    else return false;
  }
  return matched;
}

function star(v: string | undefined, x: string): boolean {
  // An absent field is '' (the core group / cluster scope), as Go's zero value.
  return v === '*' || (v ?? '') === x;
}

/** abacMatches is upstream's `matches(policy, attributes)`. */
export function abacMatches(p: AbacPolicySpec, a: Attributes): boolean {
  if (!subjectMatches(p, a.user)) return false;
  if (p.readonly && !isReadOnly(a)) return false;
  if (a.resourceRequest) return star(p.namespace, a.namespace) && star(p.resource, a.resource) && star(p.apiGroup, a.apiGroup);
  const path = p.nonResourcePath ?? '';
  if (path === '*' || path === a.path) return true;
  return path.endsWith('*') && a.path.startsWith(path.slice(0, -1));
}

/** newAbacAuthorizer allows what some policy line allows; otherwise no opinion with `No policy matched.` */
export function newAbacAuthorizer(policies: readonly AbacPolicySpec[]): Authorizer {
  return {
    authorize: (a: Attributes): Decision => (policies.some((p) => abacMatches(p, a)) ? allow('') : noOpinion('No policy matched.')),
  };
}

/** newAbacAuthorizerFromFile reads `--authorization-policy-file`. */
export function newAbacAuthorizerFromFile(path: string): Authorizer {
  return newAbacAuthorizer(parseAbacPolicyFile(readFileSync(path, 'utf8'), path));
}

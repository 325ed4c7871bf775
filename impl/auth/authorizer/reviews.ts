/**
 * Evaluation of the review APIs: SubjectAccessReview, SelfSubjectAccessReview,
 * LocalSubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview and TokenReview. Each
 * takes the request object and returns it with `status` filled, as the REST handlers return it.
 *
 * upstream: pkg/registry/authorization/{subjectaccessreview,selfsubjectaccessreview,
 * localsubjectaccessreview,selfsubjectrulesreview}/rest.go, pkg/registry/authentication/
 * {selfsubjectreview,tokenreview}/storage.go
 */
import type { LocalSubjectAccessReview, SelfSubjectAccessReview, SelfSubjectReview, SelfSubjectRulesReview, SubjectAccessReview, SubjectAccessReviewSpec, TokenReview } from '#generated/k8s/index.ts';
import { badRequest, invalid, required, fieldPath, forbiddenField, type FieldError } from '#impl/apimachinery/index.ts';
import type { Authenticator } from '../authenticator/interfaces.ts';
import type { UserInfo } from '../user/user.ts';
import type { Attributes, Authorizer, RuleResolver } from './interfaces.ts';

type ResourceAttrs = NonNullable<SubjectAccessReviewSpec['resourceAttributes']>;
type NonResourceAttrs = NonNullable<SubjectAccessReviewSpec['nonResourceAttributes']>;

function attributesFrom(user: UserInfo, ra: ResourceAttrs | undefined, nra: NonResourceAttrs | undefined): Attributes {
  if (ra) {
    return { user, verb: ra.verb ?? '', resourceRequest: true, namespace: ra.namespace ?? '', apiGroup: ra.group ?? '', apiVersion: ra.version ?? '', resource: ra.resource ?? '', subresource: ra.subresource ?? '', name: ra.name ?? '', path: '' };
  }
  return { user, verb: nra?.verb ?? '', resourceRequest: false, namespace: '', apiGroup: '', resource: '', subresource: '', name: '', path: nra?.path ?? '' };
}

function validateAttrs(spec: { resourceAttributes?: ResourceAttrs; nonResourceAttributes?: NonResourceAttrs }, kind: string): FieldError[] {
  const errs: FieldError[] = [];
  const p = fieldPath('spec');
  if (spec.resourceAttributes && spec.nonResourceAttributes) errs.push(forbiddenField(p.child('nonResourceAttributes'), 'cannot be specified in combination with resourceAttributes'));
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) errs.push(required(p.child('resourceAttributes'), 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  void kind;
  return errs;
}

async function decide(authz: Authorizer, attrs: Attributes, signal?: AbortSignal): Promise<{ allowed: boolean; denied?: boolean; reason?: string; evaluationError?: string }> {
  const d = await authz.authorize(attrs, signal);
  return {
    allowed: d.decision === 'allow',
    ...(d.decision === 'deny' ? { denied: true } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.error ? { evaluationError: d.error } : {}),
  };
}

/** subjectAccessReview evaluates a SubjectAccessReview for the user in its spec. */
export async function subjectAccessReview(authz: Authorizer, sar: SubjectAccessReview, signal?: AbortSignal): Promise<SubjectAccessReview> {
  const errs = validateAttrs(sar.spec, 'SubjectAccessReview');
  if (!sar.spec.user && (sar.spec.groups ?? []).length === 0) errs.push(required(fieldPath('spec', 'user'), 'at least one of user or group must be specified'));
  if (errs.length) throw invalid({ group: 'authorization.k8s.io', kind: 'SubjectAccessReview' }, '', errs);
  const user: UserInfo = { name: sar.spec.user ?? '', groups: [...(sar.spec.groups ?? [])], ...(sar.spec.uid ? { uid: sar.spec.uid } : {}), ...(sar.spec.extra ? { extra: sar.spec.extra } : {}) };
  const status = await decide(authz, attributesFrom(user, sar.spec.resourceAttributes, sar.spec.nonResourceAttributes), signal);
  return { ...sar, apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', status };
}

/** selfSubjectAccessReview evaluates the request for the requesting user (`kubectl auth can-i`). */
export async function selfSubjectAccessReview(authz: Authorizer, requester: UserInfo, ssar: SelfSubjectAccessReview, signal?: AbortSignal): Promise<SelfSubjectAccessReview> {
  const errs = validateAttrs(ssar.spec, 'SelfSubjectAccessReview');
  if (errs.length) throw invalid({ group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview' }, '', errs);
  const status = await decide(authz, attributesFrom(requester, ssar.spec.resourceAttributes, ssar.spec.nonResourceAttributes), signal);
  return { ...ssar, apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', status };
}

/** localSubjectAccessReview is a SubjectAccessReview limited to the request namespace. */
export async function localSubjectAccessReview(authz: Authorizer, namespace: string, lsar: LocalSubjectAccessReview, signal?: AbortSignal): Promise<LocalSubjectAccessReview> {
  if (lsar.spec.nonResourceAttributes) throw invalid({ group: 'authorization.k8s.io', kind: 'LocalSubjectAccessReview' }, '', [forbiddenField(fieldPath('spec', 'nonResourceAttributes'), 'disallowed on this kind of request')]);
  if (lsar.spec.resourceAttributes && lsar.spec.resourceAttributes.namespace !== namespace) {
    throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
  }
  const out = await subjectAccessReview(authz, { ...lsar, spec: lsar.spec } as SubjectAccessReview, signal);
  return { ...lsar, apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', status: out.status! };
}

/** selfSubjectRulesReview lists the requesting user's rules in `spec.namespace` (`kubectl auth can-i --list`). */
export async function selfSubjectRulesReview(resolver: RuleResolver, requester: UserInfo, ssrr: SelfSubjectRulesReview): Promise<SelfSubjectRulesReview> {
  const ns = ssrr.spec.namespace ?? '';
  const r = await resolver.rulesFor(requester, ns);
  return {
    ...ssrr,
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    status: {
      resourceRules: r.resourceRules.map((x) => ({ verbs: x.verbs, apiGroups: x.apiGroups, resources: x.resources, ...(x.resourceNames.length ? { resourceNames: x.resourceNames } : {}) })),
      nonResourceRules: r.nonResourceRules.map((x) => ({ verbs: x.verbs, nonResourceURLs: x.nonResourceURLs })),
      incomplete: r.incomplete,
      ...(r.evaluationError ? { evaluationError: r.evaluationError } : {}),
    },
  };
}

/** selfSubjectReview returns the requester's identity (`kubectl auth whoami`). */
export function selfSubjectReview(requester: UserInfo, ssr: SelfSubjectReview = {}): SelfSubjectReview {
  return {
    ...ssr,
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: { ...(ssr.metadata ?? {}), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
    status: { userInfo: { username: requester.name, ...(requester.uid ? { uid: requester.uid } : {}), groups: [...requester.groups], ...(requester.extra ? { extra: requester.extra } : {}) } },
  };
}

/**
 * tokenReview authenticates `spec.token` with the token authenticators (a TokenReview never
 * uses client certificates) for `spec.audiences` or the API audiences.
 */
export async function tokenReview(auth: Authenticator, tr: TokenReview, apiAudiences: readonly string[], signal?: AbortSignal): Promise<TokenReview> {
  if (!tr.spec.token) throw invalid({ group: 'authentication.k8s.io', kind: 'TokenReview' }, '', [required(fieldPath('spec', 'token'), '')]);
  const auds = tr.spec.audiences && tr.spec.audiences.length > 0 ? tr.spec.audiences : [...apiAudiences];
  const base = { ...tr, apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview' } as TokenReview;
  try {
    const r = await auth.authenticate({ headers: { authorization: `Bearer ${tr.spec.token}` } }, { audiences: auds, ...(signal ? { signal } : {}) });
    if (!r) return { ...base, status: { user: {} } };
    return {
      ...base,
      status: {
        authenticated: true,
        user: { username: r.user.name, ...(r.user.uid ? { uid: r.user.uid } : {}), groups: [...r.user.groups], ...(r.user.extra ? { extra: r.user.extra } : {}) },
        audiences: r.audiences ?? auds,
      },
    };
  } catch (err) {
    return { ...base, status: { user: {}, error: err instanceof Error ? err.message : String(err) } };
  }
}

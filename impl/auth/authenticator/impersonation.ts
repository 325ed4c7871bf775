/**
 * Impersonation: `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and
 * `Impersonate-Extra-KEY` headers switch the request's user after each value is authorized with
 * the `impersonate` verb.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go (WithImpersonation)
 */
import type { IncomingHttpHeaders } from 'node:http';
import { badRequest, internalError, type StatusError } from '#impl/apimachinery/index.ts';
import { forbiddenError } from '../authorizer/forbidden.ts';
import type { Attributes, Authorizer } from '../authorizer/interfaces.ts';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, makeServiceAccountGroupNames, makeServiceAccountUsername, splitServiceAccountUsername, type UserInfo } from '../user/user.ts';
import { headerValue, headerValues } from './interfaces.ts';

/** Header names (upstream authenticationv1.ImpersonateUserHeader...). */
export const IMPERSONATE_HEADERS = {
  user: 'Impersonate-User',
  uid: 'Impersonate-Uid',
  group: 'Impersonate-Group',
  extraPrefix: 'Impersonate-Extra-',
} as const;

/** ImpersonationRequest is one thing the requester wants to impersonate, with the attributes it is checked with. */
interface ImpersonationRequest {
  kind: 'ServiceAccount' | 'User' | 'Group' | 'UserExtra' | 'UID';
  namespace?: string;
  name: string;
  extraKey?: string;
}

/**
 * buildImpersonationRequests reads the impersonation headers. It returns [] when there are none
 * and throws 400 when groups, extras or uid come without a user (upstream messages).
 */
export function buildImpersonationRequests(headers: IncomingHttpHeaders): ImpersonationRequest[] {
  const reqs: ImpersonationRequest[] = [];
  const user = headerValue(headers, IMPERSONATE_HEADERS.user);
  const hasUser = headers[IMPERSONATE_HEADERS.user.toLowerCase()] !== undefined;
  if (hasUser) {
    const sa = splitServiceAccountUsername(user);
    if (sa) reqs.push({ kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name });
    else reqs.push({ kind: 'User', name: user });
  }
  let hasGroups = false;
  for (const g of headerValues(headers, IMPERSONATE_HEADERS.group)) {
    hasGroups = true;
    reqs.push({ kind: 'Group', name: g });
  }
  let hasExtra = false;
  const prefix = IMPERSONATE_HEADERS.extraPrefix.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (!k.toLowerCase().startsWith(prefix) || v === undefined) continue;
    hasExtra = true;
    const extraKey = unescapeExtraKey(k.slice(prefix.length).toLowerCase());
    for (const val of Array.isArray(v) ? v : [v]) reqs.push({ kind: 'UserExtra', extraKey, name: val });
  }
  let hasUID = false;
  if (headers[IMPERSONATE_HEADERS.uid.toLowerCase()] !== undefined) {
    hasUID = true;
    reqs.push({ kind: 'UID', name: headerValue(headers, IMPERSONATE_HEADERS.uid) });
  }
  if (!hasUser && (hasGroups || hasExtra || hasUID)) {
    throw badRequest(`requested ${describe(reqs)} without impersonating a user`);
  }
  return reqs;
}

function describe(reqs: ImpersonationRequest[]): string {
  return `[${reqs.map((r) => `{${r.kind} ${r.namespace ?? ''} ${r.name}}`).join(' ')}]`;
}

/** unescapeExtraKey undoes the percent-encoding kubectl applies to extra keys (upstream unescapeExtraKey). */
export function unescapeExtraKey(k: string): string {
  try {
    return decodeURIComponent(k);
  } catch {
    return k;
  }
}

function attributesFor(requester: UserInfo, r: ImpersonationRequest): Attributes {
  const base = { user: requester, verb: 'impersonate', resourceRequest: true, path: '', subresource: '', namespace: '', apiGroup: '', name: r.name };
  switch (r.kind) {
    case 'ServiceAccount':
      return { ...base, resource: 'serviceaccounts', namespace: r.namespace ?? '' };
    case 'User':
      return { ...base, resource: 'users' };
    case 'Group':
      return { ...base, resource: 'groups' };
    case 'UserExtra':
      return { ...base, apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: r.extraKey ?? '' };
    case 'UID':
      return { ...base, apiGroup: 'authentication.k8s.io', resource: 'uids' };
  }
}

/**
 * impersonate returns the user a request acts as. Without impersonation headers it returns
 * `requester` unchanged. Otherwise each requested value is authorized with verb `impersonate`
 * (users, groups, serviceaccounts, userextras/KEY, uids); the first refusal is a 403 with
 * upstream's message (`users "bob" is forbidden: User "alice" cannot impersonate resource
 * "users" in API group "" at the cluster scope`). Impersonated service accounts get their fixed
 * groups when no groups were asked for; every non-anonymous user gets `system:authenticated`,
 * anonymous gets `system:unauthenticated`. The caller must then drop the impersonation headers.
 */
export async function impersonate(requester: UserInfo, headers: IncomingHttpHeaders, authorizer: Authorizer, signal?: AbortSignal): Promise<UserInfo> {
  const reqs = buildImpersonationRequests(headers);
  if (reqs.length === 0) return requester;
  let username = '';
  let uid = '';
  const groups: string[] = [];
  const extra: Record<string, string[]> = {};
  let groupsSpecified = false;
  for (const r of reqs) {
    const attrs = attributesFor(requester, r);
    let decision;
    try {
      decision = await authorizer.authorize(attrs, signal);
    } catch (err) {
      throw internalError(err);
    }
    if (decision.decision !== 'allow') throw forbiddenError(attrs, decision.reason) satisfies StatusError;
    switch (r.kind) {
      case 'ServiceAccount':
        username = makeServiceAccountUsername(r.namespace ?? '', r.name);
        break;
      case 'User':
        username = r.name;
        break;
      case 'Group':
        groupsSpecified = true;
        groups.push(r.name);
        break;
      case 'UserExtra':
        (extra[r.extraKey ?? ''] ??= []).push(r.name);
        break;
      case 'UID':
        uid = r.name;
        break;
    }
  }
  const sa = splitServiceAccountUsername(username);
  if (sa && !groupsSpecified) groups.push(...makeServiceAccountGroupNames(sa.namespace));
  if (username !== ANONYMOUS) {
    if (!groups.includes(ALL_AUTHENTICATED)) groups.push(ALL_AUTHENTICATED);
  } else if (!groups.includes(ALL_UNAUTHENTICATED)) groups.push(ALL_UNAUTHENTICATED);
  return { name: username, groups, ...(uid ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}

/** impersonationHeaderNames lists the headers to delete after {@link impersonate} (upstream removes them). */
export function impersonationHeaderNames(headers: IncomingHttpHeaders): string[] {
  const pre = IMPERSONATE_HEADERS.extraPrefix.toLowerCase();
  return Object.keys(headers).filter((k) => {
    const l = k.toLowerCase();
    return l === 'impersonate-user' || l === 'impersonate-group' || l === 'impersonate-uid' || l.startsWith(pre);
  });
}

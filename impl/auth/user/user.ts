/**
 * User identity as the authenticators produce it and the authorizers read it.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/authentication/user/user.go
 */

/**
 * UserInfo is the authenticated user of a request (upstream `user.Info`). It is structurally the
 * same as the apiserver's `RequestContext.user`, so a value from here can be stored there as is.
 */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Well-known user and group names (upstream user.go constants). */
export const SYSTEM_PRIVILEGED_GROUP = 'system:masters';
export const NODES_GROUP = 'system:nodes';
export const MONITORING_GROUP = 'system:monitoring';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ANONYMOUS = 'system:anonymous';
export const APISERVER_USER = 'system:apiserver';
export const KUBE_PROXY = 'system:kube-proxy';
export const KUBE_CONTROLLER_MANAGER = 'system:kube-controller-manager';
export const KUBE_SCHEDULER = 'system:kube-scheduler';

/** SERVICE_ACCOUNT_USERNAME_PREFIX prefixes every service account user name. */
export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
/** SERVICE_ACCOUNT_GROUP_PREFIX prefixes the per-namespace service account group. */
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

/** makeServiceAccountUsername returns `system:serviceaccount:NS:NAME` (upstream serviceaccount.MakeUsername). */
export function makeServiceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${name}`;
}

/** makeServiceAccountGroupNames returns `system:serviceaccounts` and `system:serviceaccounts:NS` (upstream MakeGroupNames). */
export function makeServiceAccountGroupNames(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS_GROUP, `${ALL_SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/**
 * splitServiceAccountUsername returns namespace and name of a `system:serviceaccount:NS:NAME`
 * user, or undefined for any other name (upstream serviceaccount.SplitUsername).
 */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USERNAME_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USERNAME_PREFIX.length).split(':');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  return { namespace: parts[0]!, name: parts[1]! };
}

/** withAuthenticatedGroup adds `system:authenticated` unless present (upstream group.AuthenticatedGroupAdder). */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.name === ANONYMOUS || user.groups.includes(ALL_AUTHENTICATED) || user.groups.includes(ALL_UNAUTHENTICATED)) return user;
  return { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };
}

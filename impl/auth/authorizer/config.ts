/**
 * Builds the apiserver's authorizer from `--authorization-mode`, and the per-request check.
 *
 * upstream: pkg/kubeapiserver/authorizer/config.go (Config.New) and
 * staging/src/k8s.io/apiserver/pkg/endpoints/filters/authorization.go (WithAuthorization)
 */
import { internalError, type StatusError } from '#impl/apimachinery/index.ts';
import type { UserInfo } from '../user/user.ts';
import { alwaysAllowAuthorizer, alwaysDenyAuthorizer, newPrivilegedGroupAuthorizer } from './always.ts';
import { forbiddenError } from './forbidden.ts';
import type { Attributes, Authorizer, RuleResolver } from './interfaces.ts';
import { newUnionAuthorizer, newUnionRuleResolver } from './union.ts';

/** AUTHORIZATION_MODES are the `--authorization-mode` values. */
export const AUTHORIZATION_MODES = ['AlwaysAllow', 'AlwaysDeny', 'ABAC', 'Webhook', 'RBAC', 'Node'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];

/** AuthorizerConfig holds one implementation per enabled mode. */
export interface AuthorizerConfig {
  modes: readonly AuthorizationMode[];
  node?: Authorizer;
  rbac?: Authorizer & RuleResolver;
  abac?: Authorizer;
  webhook?: Authorizer;
}

/**
 * newAuthorizer chains `system:masters` first, then each mode in the order given (upstream puts
 * the privileged-group authorizer in front so cluster admins never depend on RBAC data).
 */
export function newAuthorizer(cfg: AuthorizerConfig): { authorizer: Authorizer; ruleResolver: RuleResolver } {
  const masters = newPrivilegedGroupAuthorizer();
  const authorizers: Authorizer[] = [masters];
  // The privileged group lists no rules (upstream's privilegedGroupAuthorizer is no RuleResolver):
  // an admin's SelfSubjectRulesReview shows what RBAC grants (cluster-admin), each rule once.
  const resolvers: RuleResolver[] = [];
  for (const mode of cfg.modes) {
    switch (mode) {
      case 'AlwaysAllow':
        authorizers.push(alwaysAllowAuthorizer);
        resolvers.push(alwaysAllowAuthorizer);
        break;
      case 'AlwaysDeny':
        authorizers.push(alwaysDenyAuthorizer);
        resolvers.push(alwaysDenyAuthorizer);
        break;
      case 'RBAC':
        if (!cfg.rbac) throw new Error('authorization mode RBAC needs an RBAC authorizer');
        authorizers.push(cfg.rbac);
        resolvers.push(cfg.rbac);
        break;
      case 'Node':
        if (!cfg.node) throw new Error('authorization mode Node needs a Node authorizer');
        authorizers.push(cfg.node);
        break;
      case 'ABAC':
        if (!cfg.abac) throw new Error('authorization mode ABAC needs --authorization-policy-file');
        authorizers.push(cfg.abac);
        break;
      case 'Webhook':
        if (!cfg.webhook) throw new Error('authorization mode Webhook needs --authorization-webhook-config-file');
        authorizers.push(cfg.webhook);
        break;
    }
  }
  return { authorizer: newUnionAuthorizer(authorizers), ruleResolver: newUnionRuleResolver(resolvers) };
}

/** RequestInfoLike is the part of the apiserver's RequestInfo that authorization reads. */
export interface RequestInfoLike {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

/** attributesFromRequestInfo builds Attributes for a request (upstream GetAuthorizerAttributes). */
export function attributesFromRequestInfo(user: UserInfo, info: RequestInfoLike): Attributes {
  return {
    user,
    verb: info.verb,
    resourceRequest: info.isResourceRequest,
    path: info.path,
    namespace: info.isResourceRequest ? info.namespace : '',
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
  };
}

/**
 * authorizeRequest is the WithAuthorization filter's decision: resolves when allowed, throws the
 * 403 Status (upstream message) when not, and a 500 when the authorizers failed without allowing.
 */
export async function authorizeRequest(authz: Authorizer, attrs: Attributes, signal?: AbortSignal): Promise<void> {
  const d = await authz.authorize(attrs, signal);
  if (d.decision === 'allow') return;
  if (d.error) throw internalError(new Error(d.error)) satisfies StatusError;
  throw forbiddenError(attrs, d.reason);
}

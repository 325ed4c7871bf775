/**
 * The authentication.k8s.io and authorization.k8s.io review APIs and the service account
 * TokenRequest subresource, over the apiserver's authenticator/authorizer.
 *
 * upstream: pkg/registry/authentication/{tokenreview,selfsubjectreview}/storage.go,
 * pkg/registry/authorization/{subjectaccessreview,selfsubjectaccessreview,
 * localsubjectaccessreview,selfsubjectrulesreview}/rest.go,
 * pkg/registry/core/serviceaccount/storage/token.go.
 */
import { badRequest, unauthorized } from '#impl/apimachinery/index.ts';
import {
  issueTokenRequest,
  localSubjectAccessReview,
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  subjectAccessReview,
  tokenReview,
  type BoundObjectLookup,
} from '#impl/auth/index.ts';
import type { Interface, StoredObject } from '#impl/storage/interfaces.ts';
import type { AuthWiring } from '../../auth-wiring.ts';
import type { ControlPlane } from '../../controlplane.ts';
import type { KubeObject, RequestContext } from '../rest/strategy.ts';

type ReviewFn = (ctx: RequestContext, body: KubeObject) => Promise<KubeObject>;

function requireUser(ctx: RequestContext) {
  if (!ctx.user) throw unauthorized('Unauthorized');
  return ctx.user;
}

/** withTypeMeta keeps the request's apiVersion/kind on the response like upstream. */
function withTypeMeta(body: KubeObject, out: object): KubeObject {
  return { ...(out as KubeObject), apiVersion: body.apiVersion, kind: body.kind, metadata: (out as KubeObject).metadata ?? body.metadata ?? {} };
}

/**
 * installAuthAPIs replaces the placeholder review handlers of the control plane with the real
 * ones and adds the `serviceaccounts/token` subresource.
 */
export function installAuthAPIs(cp: ControlPlane, auth: AuthWiring, storage?: Interface): void {
  const reviews: Record<string, ReviewFn> = {
    'authentication.k8s.io/tokenreviews': async (ctx, body) => withTypeMeta(body, await tokenReview(auth.authenticator, body as never, auth.apiAudiences, ctx.signal)),
    'authentication.k8s.io/selfsubjectreviews': async (ctx, body) => withTypeMeta(body, selfSubjectReview(requireUser(ctx), body as never)),
    'authorization.k8s.io/subjectaccessreviews': async (ctx, body) => withTypeMeta(body, await subjectAccessReview(auth.authorizer, body as never, ctx.signal)),
    'authorization.k8s.io/selfsubjectaccessreviews': async (ctx, body) => withTypeMeta(body, await selfSubjectAccessReview(auth.authorizer, requireUser(ctx), body as never, ctx.signal)),
    'authorization.k8s.io/localsubjectaccessreviews': async (ctx, body) => withTypeMeta(body, await localSubjectAccessReview(auth.authorizer, ctx.namespace, body as never, ctx.signal)),
    'authorization.k8s.io/selfsubjectrulesreviews': async (ctx, body) => withTypeMeta(body, await selfSubjectRulesReview(auth.ruleResolver, requireUser(ctx), body as never)),
  };
  for (const served of cp.registry.all()) {
    const fn = reviews[`${served.entry.group}/${served.entry.resource}`];
    if (fn) served.create = fn;
  }
  const sa = cp.registry.lookup('', 'v1', 'serviceaccounts');
  const store = sa?.store;
  if (!sa || !store) return;
  const lookup: BoundObjectLookup = async (kind, namespace, name) => {
    const key = kind === 'Pod' ? `/registry/pods/${namespace}/${name}` : kind === 'Secret' ? `/registry/secrets/${namespace}/${name}` : kind === 'Node' ? `/registry/nodes/${name}` : '';
    if (!key || !storage) return undefined;
    const obj = await storage.get<StoredObject & { spec?: { nodeName?: string } }>(key).catch(() => undefined);
    if (!obj) return undefined;
    const out: { uid: string; nodeName?: string; nodeUID?: string } = { uid: String(obj.metadata?.uid ?? '') };
    if (kind === 'Pod' && obj.spec?.nodeName) {
      out.nodeName = obj.spec.nodeName;
      const node = await storage.get<StoredObject>(`/registry/nodes/${obj.spec.nodeName}`).catch(() => undefined);
      if (node) out.nodeUID = String(node.metadata?.uid ?? '');
    }
    return out;
  };
  sa.subresources.set('token', {
    async create(ctx, name, body, opts) {
      if (body.kind && body.kind !== 'TokenRequest') throw badRequest(`expected TokenRequest, got ${body.kind}`);
      const account = await store.get(ctx, name);
      const out = await issueTokenRequest(
        { namespace: ctx.namespace, name, uid: String(account.metadata.uid ?? '') },
        body as never,
        { signingKey: auth.signingKey, issuer: auth.issuer, apiAudiences: auth.apiAudiences, maxExpirationSeconds: auth.maxTokenExpirationSeconds },
        lookup,
      );
      // A dry-run TokenRequest returns no token (upstream).
      if (opts.dryRun) return { ...out, status: { ...(out as { status?: object }).status, token: '' } };
      return { ...out, apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { ...((out as { metadata?: object }).metadata ?? {}), name, namespace: ctx.namespace } };
    },
  });
}

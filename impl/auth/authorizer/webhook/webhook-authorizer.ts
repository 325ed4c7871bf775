/**
 * The Webhook authorizer: POST a SubjectAccessReview v1 to a remote (`--authorization-webhook-config-file`).
 *
 * upstream: staging/src/k8s.io/apiserver/plugin/pkg/authorizer/webhook/webhook.go
 */
import { createHash } from 'node:crypto';
import type { SubjectAccessReview } from '#generated/k8s/index.ts';
import { postJson, type WebhookTarget } from '../../webhook/webhook-client.ts';
import { allow, deny, noOpinion, type Attributes, type Authorizer, type Decision } from '../interfaces.ts';

/** WebhookAuthorizerOptions configures {@link newWebhookAuthorizer}. */
export interface WebhookAuthorizerOptions {
  target: WebhookTarget;
  /** `--authorization-webhook-cache-authorized-ttl` (default 5 min). */
  authorizedTTLms?: number;
  /** `--authorization-webhook-cache-unauthorized-ttl` (default 30 s). */
  unauthorizedTTLms?: number;
  timeoutMs?: number;
  now?: () => number;
}

/** subjectAccessReviewFor turns attributes into the SubjectAccessReview the webhook receives. */
export function subjectAccessReviewFor(a: Attributes): SubjectAccessReview {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: {
      user: a.user.name,
      ...(a.user.uid ? { uid: a.user.uid } : {}),
      groups: [...a.user.groups],
      ...(a.user.extra ? { extra: a.user.extra } : {}),
      ...(a.resourceRequest
        ? { resourceAttributes: { namespace: a.namespace, verb: a.verb, group: a.apiGroup, version: a.apiVersion ?? '', resource: a.resource, subresource: a.subresource, name: a.name } }
        : { nonResourceAttributes: { path: a.path, verb: a.verb } }),
    },
  };
}

/**
 * newWebhookAuthorizer asks the remote. `allowed` -> allow, `denied` -> deny, otherwise no
 * opinion; the answer's reason is passed on. A failed call is no opinion with `error` set (the
 * handler then answers 500, as upstream). Answers are cached by the review's content.
 */
export function newWebhookAuthorizer(opts: WebhookAuthorizerOptions): Authorizer {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { expires: number; d: Decision }>();
  return {
    async authorize(a: Attributes, signal?: AbortSignal): Promise<Decision> {
      const review = subjectAccessReviewFor(a);
      const key = createHash('sha256').update(JSON.stringify(review.spec)).digest('hex');
      const hit = cache.get(key);
      if (hit && hit.expires > now()) return hit.d;
      let resp;
      try {
        resp = await postJson(opts.target, review, { timeoutMs: opts.timeoutMs ?? 30_000, ...(signal ? { signal } : {}) });
      } catch (err) {
        return noOpinion('', err instanceof Error ? err.message : String(err));
      }
      if (resp.statusCode < 200 || resp.statusCode >= 300) return noOpinion('', `webhook authorizer returned status code ${resp.statusCode}`);
      const st = (resp.body as SubjectAccessReview | undefined)?.status;
      const reason = st?.reason ?? '';
      const d = st?.allowed ? allow(reason) : st?.denied ? deny(reason) : noOpinion(reason, st?.evaluationError);
      cache.set(key, { expires: now() + (d.decision === 'allow' ? (opts.authorizedTTLms ?? 300_000) : (opts.unauthorizedTTLms ?? 30_000)), d });
      return d;
    },
  };
}

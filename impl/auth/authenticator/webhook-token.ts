/**
 * Webhook token authentication: POST a TokenReview v1 to a remote and believe its answer.
 *
 * upstream: staging/src/k8s.io/apiserver/plugin/pkg/authenticator/token/webhook/webhook.go and
 * pkg/authentication/token/cache (cached_token_authenticator.go)
 */
import { createHash } from 'node:crypto';
import type { TokenReview } from '#generated/k8s/index.ts';
import { postJson, type WebhookTarget } from '../webhook/webhook-client.ts';
import type { AuthenticateOptions, AuthenticatorResponse, TokenAuthenticator } from './interfaces.ts';

/** WebhookTokenOptions configures {@link newWebhookTokenAuthenticator}. */
export interface WebhookTokenOptions {
  target: WebhookTarget;
  /** `--authentication-token-webhook-cache-ttl` (default 2 min) for successes. */
  cacheTTLms?: number;
  /** TTL for failures (upstream 10 s). */
  failureTTLms?: number;
  /** Request timeout (upstream 30 s). */
  timeoutMs?: number;
  /** Audiences sent when the request gives none (`implicitAuds`). */
  implicitAudiences?: readonly string[];
  now?: () => number;
}

/**
 * newWebhookTokenAuthenticator asks the remote about every token it has not cached. An
 * `authenticated: false` answer is "no opinion" unless `status.error` is set (then an error);
 * a non-201/200 code or a network error is an error (`Post "URL": ...`).
 */
export function newWebhookTokenAuthenticator(opts: WebhookTokenOptions): TokenAuthenticator {
  const ttl = opts.cacheTTLms ?? 120_000;
  const failTTL = opts.failureTTLms ?? 10_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { expires: number; value: AuthenticatorResponse | undefined }>();
  return {
    async authenticateToken(token: string, ao?: AuthenticateOptions): Promise<AuthenticatorResponse | undefined> {
      const auds = ao?.audiences && ao.audiences.length > 0 ? ao.audiences : (opts.implicitAudiences ?? []);
      const key = createHash('sha256').update(token).update('\0').update(auds.join(',')).digest('hex');
      const hit = cache.get(key);
      if (hit && hit.expires > now()) return hit.value;
      const review: TokenReview = {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        metadata: {},
        spec: { token, ...(auds.length > 0 ? { audiences: [...auds] } : {}) },
      };
      const resp = await postJson(opts.target, review, { timeoutMs: opts.timeoutMs ?? 30_000, ...(ao?.signal ? { signal: ao.signal } : {}) });
      if (resp.statusCode < 200 || resp.statusCode >= 300) throw new Error(`Post "${opts.target.url}": an error on the server ("${typeof resp.body === 'string' ? resp.body : JSON.stringify(resp.body)}") has prevented the request from succeeding (status code ${resp.statusCode})`);
      const out = resp.body as TokenReview;
      const st = out?.status;
      if (!st?.authenticated) {
        if (st?.error) throw new Error(st.error);
        cache.set(key, { expires: now() + failTTL, value: undefined });
        return undefined;
      }
      let respAuds: string[] | undefined;
      if (auds.length > 0) {
        const got = st.audiences ?? [];
        respAuds = got.filter((a) => auds.includes(a));
        if (respAuds.length === 0) throw new Error('webhook authenticator did not return an audience matching the requested audiences');
      }
      const u = st.user ?? {};
      const value: AuthenticatorResponse = {
        user: { name: u.username ?? '', ...(u.uid ? { uid: u.uid } : {}), groups: [...(u.groups ?? [])], ...(u.extra ? { extra: { ...u.extra } } : {}) },
        ...(respAuds ? { audiences: respAuds } : {}),
      };
      cache.set(key, { expires: now() + ttl, value });
      return value;
    },
  };
}

/**
 * TokenManager caches service-account tokens requested for pods' projected volumes (upstream:
 * pkg/kubelet/token/token_manager.go). A token is requested with the TokenRequest API
 * (`serviceaccounts/<name>/token`), bound to the pod, and reused until it needs a refresh:
 * when 80% of its TTL has elapsed or it is older than 24 h (upstream requiresRefresh). A failed
 * refresh keeps serving the old token while it is still valid.
 */
import type { TokenRequest } from '#generated/k8s/index.ts';
import type { Clock } from '#impl/apimachinery/util/clock/index.ts';

/** MAX_TTL_MS is the age after which a token is refreshed regardless of its TTL (upstream maxTTL 24 h). */
export const MAX_TTL_MS = 24 * 3600 * 1000;

/** TokenRequester is the API call (the kubelet client's createToken). */
export type TokenRequester = (namespace: string, serviceAccount: string, req: TokenRequest, signal?: AbortSignal) => Promise<TokenRequest>;

/** TokenManagerOptions configure a {@link TokenManager}. */
export interface TokenManagerOptions {
  requestToken: TokenRequester;
  clock: Clock;
}

/** PodTokenRequest names what a projected serviceAccountToken source asks for. */
export interface PodTokenRequest {
  namespace: string;
  serviceAccountName: string;
  podName: string;
  podUID: string;
  audience?: string;
  expirationSeconds: number;
}

interface CachedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

/** requiresRefresh is upstream's rule: 80% of the TTL elapsed, or older than 24 h. */
export function requiresRefresh(tok: { issuedAt: number; expiresAt: number }, now: number): boolean {
  const ttl = tok.expiresAt - tok.issuedAt;
  if (now >= tok.issuedAt + ttl * 0.8) return true;
  return now - tok.issuedAt > MAX_TTL_MS;
}

/** TokenManager: see the module comment. */
export class TokenManager {
  private readonly cache = new Map<string, CachedToken>();
  private readonly o: TokenManagerOptions;

  constructor(o: TokenManagerOptions) {
    this.o = o;
  }

  private static key(r: PodTokenRequest): string {
    return JSON.stringify([r.namespace, r.serviceAccountName, r.audience ?? '', r.expirationSeconds, r.podName, r.podUID]);
  }

  /** getServiceAccountToken returns a valid token, requesting a new one when needed. */
  async getServiceAccountToken(r: PodTokenRequest, signal?: AbortSignal): Promise<string> {
    const key = TokenManager.key(r);
    const now = this.o.clock.now();
    const cached = this.cache.get(key);
    if (cached && !requiresRefresh(cached, now)) return cached.token;
    const req: TokenRequest = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: r.audience ? [r.audience] : [],
        expirationSeconds: r.expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: r.podName, uid: r.podUID },
      },
    };
    try {
      const out = await this.o.requestToken(r.namespace, r.serviceAccountName, req, signal);
      const token = out.status?.token ?? '';
      if (!token) throw new Error('empty token in TokenRequest status');
      const expiresAt = out.status?.expirationTimestamp ? Date.parse(String(out.status.expirationTimestamp)) : now + r.expirationSeconds * 1000;
      this.cache.set(key, { token, issuedAt: now, expiresAt });
      return token;
    } catch (err) {
      // upstream: keep using a token that has not expired yet when the refresh fails.
      if (cached && now < cached.expiresAt) return cached.token;
      throw new Error(`failed to fetch token: ${(err as Error).message}`, { cause: err });
    }
  }

  /** deleteServiceAccountToken forgets every token of a pod (upstream DeleteServiceAccountToken). */
  deleteServiceAccountToken(podUID: string): void {
    for (const k of [...this.cache.keys()]) if ((JSON.parse(k) as string[])[5] === podUID) this.cache.delete(k);
  }
}

/**
 * Bootstrap token Secrets (upstream `k8s.io/cluster-bootstrap/token/api` and `token/util`):
 * `kube-system` Secrets of type `bootstrap.kubernetes.io/token` named `bootstrap-token-<id>`
 * whose base64 data carries `token-id`, `token-secret`, `expiration` and `usage-bootstrap-*`.
 */
import type { KubeObject } from '#impl/client/index.ts';

/** BOOTSTRAP_TOKEN_SECRET_TYPE is the Secret type of bootstrap tokens. */
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
/** BOOTSTRAP_TOKEN_NAMESPACE is where bootstrap token Secrets live. */
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';

/** secretData decodes one base64 data key ('' when absent). */
export function secretData(secret: KubeObject, key: string): string {
  const v = (secret.data as Record<string, string> | undefined)?.[key];
  return v ? Buffer.from(v, 'base64').toString('utf8') : '';
}

/** isBootstrapTokenSecret: a bootstrap token Secret in kube-system. */
export function isBootstrapTokenSecret(secret: KubeObject): boolean {
  return secret.type === BOOTSTRAP_TOKEN_SECRET_TYPE && secret.metadata?.namespace === BOOTSTRAP_TOKEN_NAMESPACE;
}

/** expirationMs returns the token's expiration (undefined when it never expires or cannot be parsed). */
export function expirationMs(secret: KubeObject): number | undefined {
  const raw = secretData(secret, 'expiration');
  if (!raw) return undefined;
  const t = Date.parse(raw);
  return Number.isFinite(t) ? t : undefined;
}

/** isExpired reports whether the token expired at `nowMs` (upstream `IsSecretExpired`). */
export function isExpired(secret: KubeObject, nowMs: number): boolean {
  const exp = expirationMs(secret);
  return exp !== undefined && exp <= nowMs;
}

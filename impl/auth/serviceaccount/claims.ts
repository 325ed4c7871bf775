/**
 * Service account token claims, legacy (Secret-based) and bound (TokenRequest).
 *
 * upstream: pkg/serviceaccount/claims.go and legacy.go
 */
import { makeServiceAccountUsername } from '../user/user.ts';

/** LEGACY_ISSUER is the `iss` of Secret-based tokens. */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

/** Legacy claim names. */
export const LEGACY_CLAIMS = {
  namespace: 'kubernetes.io/serviceaccount/namespace',
  secretName: 'kubernetes.io/serviceaccount/secret.name',
  serviceAccountName: 'kubernetes.io/serviceaccount/service-account.name',
  serviceAccountUID: 'kubernetes.io/serviceaccount/service-account.uid',
} as const;

/** ObjectRef is a `{ name, uid }` reference inside the `kubernetes.io` claim. */
export interface ObjectRef {
  name: string;
  uid: string;
}

/** KubernetesClaim is the private `kubernetes.io` claim of bound tokens. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  /** Unix seconds after which the kubelet should refresh a token whose expiration was extended. */
  warnafter?: number;
}

/** BoundClaims is the payload of a bound token. */
export interface BoundClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti?: string;
  'kubernetes.io': KubernetesClaim;
}

/** LegacyClaims is the payload of a Secret-based token. */
export interface LegacyClaims {
  iss: typeof LEGACY_ISSUER;
  sub: string;
  'kubernetes.io/serviceaccount/namespace': string;
  'kubernetes.io/serviceaccount/secret.name': string;
  'kubernetes.io/serviceaccount/service-account.name': string;
  'kubernetes.io/serviceaccount/service-account.uid': string;
}

/** BoundObject is what a bound token is tied to. */
export interface BoundObject {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

/** boundClaims builds the payload of a bound token (upstream serviceaccount.Claims). */
export function boundClaims(opts: {
  issuer: string;
  namespace: string;
  serviceAccount: ObjectRef;
  audiences: string[];
  issuedAt: number;
  expirationSeconds: number;
  warnAfter?: number;
  boundObject?: BoundObject;
  node?: ObjectRef;
  jti?: string;
}): BoundClaims {
  const k: KubernetesClaim = { namespace: opts.namespace, serviceaccount: { ...opts.serviceAccount } };
  const b = opts.boundObject;
  if (b?.kind === 'Pod') k.pod = { name: b.name, uid: b.uid };
  if (b?.kind === 'Secret') k.secret = { name: b.name, uid: b.uid };
  if (b?.kind === 'Node') k.node = { name: b.name, uid: b.uid };
  if (opts.node && !k.node) k.node = { ...opts.node };
  if (opts.warnAfter !== undefined) k.warnafter = opts.warnAfter;
  return {
    iss: opts.issuer,
    sub: makeServiceAccountUsername(opts.namespace, opts.serviceAccount.name),
    aud: [...opts.audiences],
    exp: opts.issuedAt + opts.expirationSeconds,
    iat: opts.issuedAt,
    nbf: opts.issuedAt,
    ...(opts.jti ? { jti: opts.jti } : {}),
    'kubernetes.io': k,
  };
}

/** legacyClaims builds the payload of a Secret-based token (upstream serviceaccount.LegacyClaims). */
export function legacyClaims(sa: { namespace: string; name: string; uid: string }, secretName: string): LegacyClaims {
  return {
    iss: LEGACY_ISSUER,
    sub: makeServiceAccountUsername(sa.namespace, sa.name),
    [LEGACY_CLAIMS.namespace]: sa.namespace,
    [LEGACY_CLAIMS.secretName]: secretName,
    [LEGACY_CLAIMS.serviceAccountName]: sa.name,
    [LEGACY_CLAIMS.serviceAccountUID]: sa.uid,
  };
}

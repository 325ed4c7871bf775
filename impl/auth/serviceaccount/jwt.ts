/**
 * Service account JWTs: signing (the token generator) and the token authenticator that checks
 * issuer, signature, audiences, time claims and the objects the token is tied to.
 *
 * upstream: pkg/serviceaccount/jwt.go (JWTTokenGenerator, JWTTokenAuthenticator), claims.go
 * (validator.Validate), legacy.go (legacyValidator).
 */
import type * as Jose from 'jose';

let joseModule: Promise<typeof Jose> | undefined;
/** jose is imported on the first token signed or verified: its 46 modules stay off the apiserver start. */
const jose = (): Promise<typeof Jose> => (joseModule ??= import('jose'));
import type { AuthenticateOptions, AuthenticatorResponse, TokenAuthenticator } from '../authenticator/interfaces.ts';
import { ALL_AUTHENTICATED, makeServiceAccountGroupNames, makeServiceAccountUsername } from '../user/user.ts';
import { LEGACY_CLAIMS, LEGACY_ISSUER, type BoundClaims, type LegacyClaims } from './claims.ts';
import type { ServiceAccountKey, SigningKey } from './keys.ts';

/** User extra keys set for bound tokens (upstream serviceaccount.PodNameKey...). */
export const EXTRA_KEYS = {
  podName: 'authentication.kubernetes.io/pod-name',
  podUID: 'authentication.kubernetes.io/pod-uid',
  nodeName: 'authentication.kubernetes.io/node-name',
  nodeUID: 'authentication.kubernetes.io/node-uid',
  credentialID: 'authentication.kubernetes.io/credential-id',
} as const;

/** Upstream error texts. */
export const SA_TOKEN_ERRORS = {
  invalidated: 'service account token has been invalidated',
  expired: 'service account token has expired',
  notYetValid: 'service account token is not valid yet',
  invalidSignature: 'invalid signature',
  missingExp: 'service account token has no expiration',
} as const;

/** signToken signs any claims with the signing key (upstream JWTTokenGenerator.GenerateToken). */
export async function signToken(key: SigningKey, claims: BoundClaims | LegacyClaims | Record<string, unknown>): Promise<string> {
  const { SignJWT } = await jose();
  return new SignJWT({ ...claims } as Record<string, unknown>).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
}

/** ServiceAccountLike is what the validator reads of a ServiceAccount. */
export interface ServiceAccountLike {
  metadata: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string };
}

/** SecretLike is what the legacy validator reads of a Secret. */
export interface SecretLike {
  metadata: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string; annotations?: Record<string, string> };
  type?: string;
}

/** BoundObjectRef is passed to {@link ServiceAccountTokenOptions.validateBoundObject}. */
export interface BoundObjectRef {
  kind: 'Pod' | 'Secret' | 'Node';
  namespace: string;
  name: string;
  uid: string;
}

/** ServiceAccountTokenOptions configures {@link newServiceAccountTokenAuthenticator}. */
export interface ServiceAccountTokenOptions {
  /** Accepted issuers (`--service-account-issuer`, repeatable; the first one signs). */
  issuers: readonly string[];
  /** Verification keys (`--service-account-key-file`, plus the signing key's public half). */
  keys: readonly ServiceAccountKey[];
  /** Audiences assumed when the request context gives none (`--api-audiences`, default: the issuers). */
  implicitAudiences: readonly string[];
  /** Accept legacy Secret-based tokens (iss `kubernetes/serviceaccount`). Default true. */
  allowLegacy?: boolean;
  /**
   * getServiceAccount looks the service account up (undefined = gone). When given, bound and
   * legacy tokens are rejected if it is gone, deleting or has another UID (upstream `lookup`).
   */
  getServiceAccount?: (namespace: string, name: string) => Promise<ServiceAccountLike | undefined>;
  /** getSecret looks a legacy token's Secret up; when given, legacy tokens whose Secret is gone are rejected. */
  getSecret?: (namespace: string, name: string) => Promise<SecretLike | undefined>;
  /**
   * validateBoundObject is the apiserver's hook for bound tokens: resolve to an error text when
   * the Pod/Secret/Node the token is bound to is gone, deleting or has another UID, or to
   * undefined when it is still valid.
   */
  validateBoundObject?: (ref: BoundObjectRef) => Promise<string | undefined>;
  now?: () => Date;
}

function asStringArray(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/** looksLikeJwt is true for three base64url segments (upstream returns no opinion for others). */
function decodePayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const v = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * newServiceAccountTokenAuthenticator validates service account JWTs (legacy and bound). A token
 * that is not a JWT, or whose issuer is not ours, gets no opinion; a token of ours that fails any
 * check is an error. Success yields `system:serviceaccount:NS:NAME` in groups
 * `system:serviceaccounts`, `system:serviceaccounts:NS`, `system:authenticated`, with the pod,
 * node and credential-id extras of bound tokens.
 */
export function newServiceAccountTokenAuthenticator(opts: ServiceAccountTokenOptions): TokenAuthenticator {
  const issuers = new Set(opts.issuers);
  const allowLegacy = opts.allowLegacy ?? true;
  if (allowLegacy) issuers.add(LEGACY_ISSUER);
  const now = opts.now ?? (() => new Date());

  const verify = async (token: string): Promise<void> => {
    const { compactVerify, decodeProtectedHeader, errors: joseErrors } = await jose();
    let header: { alg?: string; kid?: string };
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new Error('malformed token header');
    }
    // 'none' and HMAC algorithms are never accepted: only the configured public keys verify.
    const candidates = opts.keys.filter((k) => k.alg === header.alg && (header.kid === undefined || header.kid === '' || header.kid === k.kid));
    for (const k of candidates) {
      try {
        await compactVerify(token, k.publicKey, { algorithms: [k.alg] });
        return;
      } catch (err) {
        if (!(err instanceof joseErrors.JWSSignatureVerificationFailed) && !(err instanceof joseErrors.JOSEError)) throw err;
      }
    }
    throw new Error(SA_TOKEN_ERRORS.invalidSignature);
  };

  return {
    async authenticateToken(token: string, ao?: AuthenticateOptions): Promise<AuthenticatorResponse | undefined> {
      const payload = decodePayload(token);
      if (!payload) return undefined;
      const iss = typeof payload.iss === 'string' ? payload.iss : '';
      if (!issuers.has(iss)) return undefined;
      await verify(token);

      const reqAuds = ao?.audiences && ao.audiences.length > 0 ? ao.audiences : opts.implicitAudiences;
      let tokenAuds = asStringArray(payload.aud);
      if (tokenAuds.length === 0) tokenAuds = [...opts.implicitAudiences];
      const auds = tokenAuds.filter((a) => reqAuds.includes(a));
      if (auds.length === 0) throw new Error(`token audiences ${JSON.stringify(tokenAuds)} is invalid for the target audiences ${JSON.stringify(reqAuds)}`);

      if (iss === LEGACY_ISSUER) {
        const resp = await validateLegacy(payload, opts);
        return { ...resp, audiences: auds };
      }
      const resp = await validateBound(payload, opts, Math.floor(now().getTime() / 1000));
      return { ...resp, audiences: auds };
    },
  };
}

async function validateLegacy(p: Record<string, unknown>, opts: ServiceAccountTokenOptions): Promise<AuthenticatorResponse> {
  const ns = p[LEGACY_CLAIMS.namespace];
  const name = p[LEGACY_CLAIMS.serviceAccountName];
  const uid = p[LEGACY_CLAIMS.serviceAccountUID];
  const secretName = p[LEGACY_CLAIMS.secretName];
  if (typeof ns !== 'string' || ns === '') throw new Error('namespace claim is missing');
  if (typeof name !== 'string' || name === '') throw new Error('service account name claim is missing');
  if (typeof uid !== 'string' || uid === '') throw new Error('service account uid claim is missing');
  if (typeof secretName !== 'string' || secretName === '') throw new Error('secret name claim is missing');
  if (p.sub !== makeServiceAccountUsername(ns, name)) throw new Error('sub claim is invalid');
  if (opts.getSecret) {
    const secret = await opts.getSecret(ns, secretName);
    if (!secret || secret.metadata.deletionTimestamp) throw new Error(SA_TOKEN_ERRORS.invalidated);
    const annotated = secret.metadata.annotations?.['kubernetes.io/service-account.uid'];
    if (annotated !== undefined && annotated !== uid) throw new Error(`secret references service account uid (${annotated}) which does not match claim (${uid})`);
  }
  await checkServiceAccount(ns, name, uid, opts);
  return { user: { name: makeServiceAccountUsername(ns, name), uid, groups: [...makeServiceAccountGroupNames(ns), ALL_AUTHENTICATED] } };
}

async function checkServiceAccount(ns: string, name: string, uid: string, opts: ServiceAccountTokenOptions): Promise<void> {
  if (!opts.getServiceAccount) return;
  const sa = await opts.getServiceAccount(ns, name);
  if (!sa || sa.metadata.deletionTimestamp) throw new Error(SA_TOKEN_ERRORS.invalidated);
  if (sa.metadata.uid !== uid) throw new Error(`service account UID (${sa.metadata.uid ?? ''}) does not match claim (${uid})`);
}

async function validateBound(p: Record<string, unknown>, opts: ServiceAccountTokenOptions, nowSec: number): Promise<AuthenticatorResponse> {
  const k = p['kubernetes.io'] as BoundClaims['kubernetes.io'] | undefined;
  if (!k || typeof k !== 'object' || typeof k.namespace !== 'string' || !k.serviceaccount?.name) throw new Error('service account token claims could not be retrieved');
  const exp = p.exp;
  if (typeof exp !== 'number') throw new Error(SA_TOKEN_ERRORS.missingExp);
  // upstream allows a small leeway (NotBefore/Expiry checked by jwt.Expected with 0s leeway for exp).
  if (nowSec >= exp) throw new Error(SA_TOKEN_ERRORS.expired);
  if (typeof p.nbf === 'number' && nowSec < p.nbf) throw new Error(SA_TOKEN_ERRORS.notYetValid);
  const ns = k.namespace;
  const sa = k.serviceaccount;
  if (p.sub !== makeServiceAccountUsername(ns, sa.name)) throw new Error('sub claim is invalid');
  await checkServiceAccount(ns, sa.name, sa.uid, opts);
  const extra: Record<string, string[]> = {};
  for (const [kind, ref] of [['Pod', k.pod], ['Secret', k.secret], ['Node', k.node]] as const) {
    if (!ref) continue;
    if (opts.validateBoundObject) {
      const problem = await opts.validateBoundObject({ kind, namespace: kind === 'Node' ? '' : ns, name: ref.name, uid: ref.uid });
      if (problem !== undefined) throw new Error(problem);
    }
  }
  if (k.pod) {
    extra[EXTRA_KEYS.podName] = [k.pod.name];
    extra[EXTRA_KEYS.podUID] = [k.pod.uid];
  }
  if (k.node) {
    extra[EXTRA_KEYS.nodeName] = [k.node.name];
    if (k.node.uid) extra[EXTRA_KEYS.nodeUID] = [k.node.uid];
  }
  if (typeof p.jti === 'string' && p.jti !== '') extra[EXTRA_KEYS.credentialID] = [`JTI=${p.jti}`];
  return {
    user: {
      name: makeServiceAccountUsername(ns, sa.name),
      uid: sa.uid,
      groups: [...makeServiceAccountGroupNames(ns), ALL_AUTHENTICATED],
      ...(Object.keys(extra).length > 0 ? { extra } : {}),
    },
  };
}

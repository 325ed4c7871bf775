/**
 * TokenRequest issuance (`POST .../serviceaccounts/NAME/token`).
 *
 * upstream: pkg/registry/core/serviceaccount/storage/token.go (TokenREST.Create) and
 * pkg/apis/authentication/validation (ValidateTokenRequest).
 */
import { randomUUID } from 'node:crypto';
import type { TokenRequest } from '#generated/k8s/index.ts';
import { badRequest, conflict, fieldPath, invalid, invalidValue, type FieldError } from '#impl/apimachinery/index.ts';
import { boundClaims, type BoundObject } from './claims.ts';
import { signToken } from './jwt.ts';
import type { SigningKey } from './keys.ts';

/** MIN_TOKEN_AGE_SECONDS is the shortest allowed expirationSeconds (10 minutes). */
export const MIN_TOKEN_AGE_SECONDS = 600;
/** MAX_TOKEN_AGE_SECONDS is 2^32 seconds. */
export const MAX_TOKEN_AGE_SECONDS = 2 ** 32;
/** DEFAULT_EXPIRATION_SECONDS is TokenRequestSpec's default. */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
/** WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS is the kubelet's projected-token expiration that triggers extension (3607 s). */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
/** EXTENDED_EXPIRATION_SECONDS is how long an extended token actually lives (1 year). */
export const EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 60 * 60;

/** TokenRequestOptions configures {@link issueTokenRequest}. */
export interface TokenRequestOptions {
  signingKey: SigningKey;
  /** The issuer that signs (`--service-account-issuer`, first value). */
  issuer: string;
  /** `--api-audiences`: the audiences when the request names none. */
  apiAudiences: readonly string[];
  /** `--service-account-max-token-expiration` in seconds; 0 = no cap. */
  maxExpirationSeconds?: number;
  /** `--service-account-extend-token-expiration` (default true). */
  extendExpiration?: boolean;
  now?: () => Date;
  /** jti generator (default randomUUID). */
  newJti?: () => string;
}

/** ServiceAccountRef is the service account a token is requested for. */
export interface ServiceAccountRef {
  namespace: string;
  name: string;
  uid: string;
}

/**
 * BoundObjectLookup resolves the object named in `spec.boundObjectRef` (with the node of a Pod,
 * which upstream also embeds), or undefined when it does not exist.
 */
export type BoundObjectLookup = (kind: string, namespace: string, name: string) => Promise<{ uid: string; nodeName?: string; nodeUID?: string } | undefined>;

/** validateTokenRequest returns field errors like upstream ValidateTokenRequest. */
export function validateTokenRequest(tr: TokenRequest): FieldError[] {
  const errs: FieldError[] = [];
  const p = fieldPath('spec');
  const exp = tr.spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (exp < MIN_TOKEN_AGE_SECONDS) errs.push(invalidValue(p.child('expirationSeconds'), exp, 'may not specify a duration less than 10 minutes'));
  if (exp > MAX_TOKEN_AGE_SECONDS) errs.push(invalidValue(p.child('expirationSeconds'), exp, 'may not specify a duration larger than 2^32 seconds'));
  return errs;
}

/**
 * issueTokenRequest answers a TokenRequest for `sa`: validates it, defaults audiences and
 * expiration, resolves and checks the bound object, signs the token, and returns the
 * TokenRequest with `status.token` and `status.expirationTimestamp` set.
 */
export async function issueTokenRequest(sa: ServiceAccountRef, tr: TokenRequest, opts: TokenRequestOptions, lookup?: BoundObjectLookup): Promise<TokenRequest> {
  const errs = validateTokenRequest(tr);
  if (errs.length > 0) throw invalid({ group: 'authentication.k8s.io', kind: 'TokenRequest' }, sa.name, errs);
  const now = Math.floor((opts.now ?? (() => new Date()))().getTime() / 1000);
  let exp = tr.spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  const audiences = tr.spec.audiences && tr.spec.audiences.length > 0 ? [...tr.spec.audiences] : [...opts.apiAudiences];

  let bound: BoundObject | undefined;
  let node: { name: string; uid: string } | undefined;
  const ref = tr.spec.boundObjectRef;
  if (ref) {
    const kind = ref.kind ?? '';
    if (kind !== 'Pod' && kind !== 'Secret' && kind !== 'Node') {
      throw badRequest(`cannot bind token for serviceaccount "${sa.name}" to object of kind "${kind}": supported kinds are Pod, Secret and Node`);
    }
    const apiVersion = ref.apiVersion ?? 'v1';
    if (apiVersion !== 'v1') throw badRequest(`cannot bind token for serviceaccount "${sa.name}" to object of apiVersion "${apiVersion}"`);
    const found = lookup ? await lookup(kind, kind === 'Node' ? '' : sa.namespace, ref.name ?? '') : undefined;
    if (!found) throw badRequest(`cannot bind token for serviceaccount "${sa.name}": ${kind.toLowerCase()}s "${ref.name ?? ''}" not found`);
    if (ref.uid && ref.uid !== found.uid) {
      throw conflict({ group: '', resource: `${kind.toLowerCase()}s` }, ref.name ?? '', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    bound = { kind, name: ref.name ?? '', uid: found.uid };
    if (kind === 'Pod' && found.nodeName) node = { name: found.nodeName, uid: found.nodeUID ?? '' };
  }

  let warnAfter: number | undefined;
  if ((opts.extendExpiration ?? true) && bound?.kind === 'Pod' && exp === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS) {
    warnAfter = now + exp;
    exp = EXTENDED_EXPIRATION_SECONDS;
  }
  if (opts.maxExpirationSeconds && exp > opts.maxExpirationSeconds && warnAfter === undefined) exp = opts.maxExpirationSeconds;

  const claims = boundClaims({
    issuer: opts.issuer,
    namespace: sa.namespace,
    serviceAccount: { name: sa.name, uid: sa.uid },
    audiences,
    issuedAt: now,
    expirationSeconds: exp,
    ...(warnAfter !== undefined ? { warnAfter } : {}),
    ...(bound ? { boundObject: bound } : {}),
    ...(node ? { node } : {}),
    jti: (opts.newJti ?? randomUUID)(),
  });
  const token = await signToken(opts.signingKey, claims);
  return {
    ...tr,
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { ...tr.spec, audiences, expirationSeconds: tr.spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS },
    status: { token, expirationTimestamp: new Date(claims.exp * 1000).toISOString().replace(/\.\d+Z$/, 'Z') },
  };
}

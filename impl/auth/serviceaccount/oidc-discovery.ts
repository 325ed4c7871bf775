/**
 * Service account issuer discovery: `/.well-known/openid-configuration` and the JWKS document.
 *
 * upstream: pkg/serviceaccount/openidmetadata.go
 */
import type { ServiceAccountKey } from './keys.ts';

/** OPENID_CONFIGURATION_PATH and JWKS_PATH are the paths upstream serves. */
export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

/** OpenIDMetadata is the discovery document (the fields upstream serves). */
export interface OpenIDMetadata {
  issuer: string;
  jwks_uri: string;
  response_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
}

/**
 * openIDConfiguration builds the discovery document. `jwksUri` defaults to the issuer URL's
 * origin + `/openid/v1/jwks` (upstream requires the issuer to be an https URL to serve it).
 */
export function openIDConfiguration(issuer: string, keys: readonly ServiceAccountKey[], jwksUri?: string): OpenIDMetadata {
  let uri = jwksUri;
  if (!uri) {
    const u = new URL(issuer);
    uri = `${u.origin}${JWKS_PATH}`;
  }
  return {
    issuer,
    jwks_uri: uri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...new Set(keys.map((k) => k.alg))].sort(),
  };
}

/** jwks returns the public keys as a JSON Web Key Set with `use: sig`, `kid` and `alg`. */
export function jwks(keys: readonly ServiceAccountKey[]): { keys: Record<string, unknown>[] } {
  return {
    keys: keys.map((k) => ({ use: 'sig', ...(k.publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: k.kid, alg: k.alg })),
  };
}

/** Response headers upstream sets on both documents. */
export const DISCOVERY_HEADERS = {
  openIDConfiguration: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=3600' },
  jwks: { 'Content-Type': 'application/jwk-set+json', 'Cache-Control': 'public, max-age=3600' },
} as const;

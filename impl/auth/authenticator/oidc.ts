/**
 * OpenID Connect token authentication (`--oidc-issuer-url`, `--oidc-client-id`,
 * `--oidc-username-claim`, `--oidc-username-prefix`, `--oidc-groups-claim`,
 * `--oidc-groups-prefix`, `--oidc-required-claim`, `--oidc-signing-algs`, `--oidc-ca-file`).
 *
 * upstream: staging/src/k8s.io/apiserver/plugin/pkg/authenticator/token/oidc/oidc.go
 */
import https from 'node:https';
import type { JSONWebKeySet, JWTPayload } from 'jose';
import type * as Jose from 'jose';

let joseModule: Promise<typeof Jose> | undefined;
/** jose is imported on the first token verified: its 46 modules stay off the apiserver start. */
const jose = (): Promise<typeof Jose> => (joseModule ??= import('jose'));
import type { AuthenticatorResponse, TokenAuthenticator } from './interfaces.ts';

/** OIDCOptions mirrors the `--oidc-*` flags. */
export interface OIDCOptions {
  issuerURL: string;
  clientID: string;
  usernameClaim?: string;
  /** `-` disables prefixing; unset means `ISSUER#` for claims other than `email` (upstream). */
  usernamePrefix?: string;
  groupsClaim?: string;
  groupsPrefix?: string;
  requiredClaims?: Record<string, string>;
  signingAlgs?: string[];
  /** PEM CA for the issuer's discovery and JWKS endpoints. */
  ca?: string | Buffer;
  /** Key source; default: discovery document's `jwks_uri`, fetched over HTTPS and cached. */
  getJWKS?: () => Promise<JSONWebKeySet>;
  /** Refresh interval for fetched keys (default 1 h). */
  jwksTTLms?: number;
  now?: () => number;
}

function getJson(url: string, ca?: string | Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...(ca ? { ca } : {}), timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) return reject(new Error(`oidc: GET ${url}: status ${res.statusCode}`));
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`oidc: GET ${url}: timeout`)));
    req.on('error', reject);
  });
}

/**
 * newOIDCAuthenticator verifies ID tokens from one issuer: tokens of other issuers get no
 * opinion; bad signatures, wrong audience, expiry or missing claims are errors with upstream's
 * `oidc:` prefix.
 */
export function newOIDCAuthenticator(opts: OIDCOptions): TokenAuthenticator {
  const usernameClaim = opts.usernameClaim ?? 'sub';
  const prefix = opts.usernamePrefix === '-' ? '' : (opts.usernamePrefix ?? (usernameClaim === 'email' ? '' : `${opts.issuerURL}#`));
  const ttl = opts.jwksTTLms ?? 3_600_000;
  const now = opts.now ?? Date.now;
  let cached: { at: number; keys: ReturnType<typeof Jose.createLocalJWKSet> } | undefined;
  const fetchJWKS =
    opts.getJWKS ??
    (async () => {
      const disc = (await getJson(`${opts.issuerURL.replace(/\/$/, '')}/.well-known/openid-configuration`, opts.ca)) as { issuer?: string; jwks_uri?: string };
      if (disc.issuer !== opts.issuerURL) throw new Error(`oidc: issuer did not match the issuer returned by provider, expected "${opts.issuerURL}" got "${disc.issuer ?? ''}"`);
      return (await getJson(disc.jwks_uri ?? '', opts.ca)) as JSONWebKeySet;
    });
  const keys = async () => {
    if (!cached || now() - cached.at > ttl) cached = { at: now(), keys: (await jose()).createLocalJWKSet(await fetchJWKS()) };
    return cached.keys;
  };
  return {
    async authenticateToken(token: string): Promise<AuthenticatorResponse | undefined> {
      const parts = token.split('.');
      if (parts.length !== 3) return undefined;
      let unverified: JWTPayload;
      try {
        unverified = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as JWTPayload;
      } catch {
        return undefined;
      }
      if (unverified.iss !== opts.issuerURL) return undefined;
      let payload: JWTPayload;
      try {
        ({ payload } = await (await jose()).jwtVerify(token, await keys(), { issuer: opts.issuerURL, audience: opts.clientID, algorithms: opts.signingAlgs ?? ['RS256'], currentDate: new Date(now()) }));
      } catch (err) {
        throw new Error(`oidc: verify token: ${err instanceof Error ? err.message : String(err)}`);
      }
      const raw = payload[usernameClaim];
      if (typeof raw !== 'string' || raw === '') throw new Error(`oidc: parse username claims "${usernameClaim}": claim not present`);
      if (usernameClaim === 'email' && payload.email_verified !== undefined && payload.email_verified !== true) throw new Error('oidc: email not verified');
      for (const [k, v] of Object.entries(opts.requiredClaims ?? {})) {
        if (payload[k] !== v) throw new Error(`oidc: required claim ${k} not present in ID token`);
      }
      let groups: string[] = [];
      if (opts.groupsClaim) {
        const g = payload[opts.groupsClaim];
        if (typeof g === 'string') groups = [g];
        else if (Array.isArray(g)) groups = g.filter((x): x is string => typeof x === 'string');
        else if (g !== undefined) throw new Error(`oidc: parse groups claim "${opts.groupsClaim}": not a string or string array`);
        groups = groups.map((x) => (opts.groupsPrefix ?? '') + x);
      }
      return { user: { name: prefix + raw, groups } };
    },
  };
}

/**
 * The authenticator contracts: a request (or a bearer token) maps to a user, to "no opinion", or
 * to an error.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/authentication/authenticator/interfaces.go
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { UserInfo } from '../user/user.ts';

/**
 * AuthenticatorRequest is the part of a request the authenticators read. An `IncomingMessage`
 * satisfies it; `socket` is read only by the x509 authenticator (a `TLSSocket`).
 */
export interface AuthenticatorRequest {
  headers: IncomingHttpHeaders;
  /** Path only (no query), for the anonymous path conditions. */
  path?: string;
  socket?: unknown;
}

/** AuthenticateOptions carries the request's context: audiences and cancellation. */
export interface AuthenticateOptions {
  /**
   * Audiences the server accepts for this request (upstream `authenticator.Audiences` in the
   * context, from `--api-audiences`); token authenticators that check audiences intersect with it.
   */
  audiences?: readonly string[];
  signal?: AbortSignal;
}

/** AuthenticatorResponse is a successful authentication (upstream `authenticator.Response`). */
export interface AuthenticatorResponse {
  user: UserInfo;
  /** Audiences the credential was valid for, when the authenticator knows them. */
  audiences?: string[];
}

/**
 * Authenticator authenticates a whole request (upstream `authenticator.Request`). It resolves
 * to a response on success, to `undefined` when it has no opinion (the credential is not its
 * kind), and rejects when the credential is its kind but invalid. It must not modify `req`.
 */
export interface Authenticator {
  authenticate(req: AuthenticatorRequest, opts?: AuthenticateOptions): Promise<AuthenticatorResponse | undefined>;
}

/**
 * TokenAuthenticator authenticates one bearer token (upstream `authenticator.Token`), with the
 * same three outcomes as {@link Authenticator}.
 */
export interface TokenAuthenticator {
  authenticateToken(token: string, opts?: AuthenticateOptions): Promise<AuthenticatorResponse | undefined>;
}

/** headerValue returns a header's first value ('' when absent). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return '';
  return Array.isArray(v) ? (v[0] ?? '') : v;
}

/** headerValues returns all values of a header, splitting none. */
export function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

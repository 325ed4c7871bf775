/**
 * Bearer token extraction: `Authorization: Bearer TOKEN`, and for WebSocket clients the
 * `base64url.bearer.authorization.k8s.io.TOKEN` subprotocol.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/authentication/request/bearertoken/bearertoken.go
 * and request/websocket/protocol.go
 */
import { headerValue, type Authenticator, type AuthenticatorRequest, type AuthenticateOptions, type AuthenticatorResponse, type TokenAuthenticator } from './interfaces.ts';

/** INVALID_BEARER_TOKEN is upstream's error text for a token nobody accepted. */
export const INVALID_BEARER_TOKEN = 'invalid bearer token';

const WS_BEARER_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/**
 * bearerToken returns the bearer token of a request, or undefined. An empty token after
 * `Bearer ` is treated as absent, as upstream does.
 */
export function bearerToken(req: AuthenticatorRequest): string | undefined {
  const auth = headerValue(req.headers, 'authorization').trim();
  if (auth !== '') {
    const parts = auth.split(/\s+/);
    if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined;
    return parts[1] === '' ? undefined : parts[1];
  }
  if (headerValue(req.headers, 'upgrade').toLowerCase() === 'websocket') {
    for (const proto of headerValue(req.headers, 'sec-websocket-protocol').split(',')) {
      const p = proto.trim();
      if (!p.startsWith(WS_BEARER_PREFIX)) continue;
      const t = Buffer.from(p.slice(WS_BEARER_PREFIX.length), 'base64url').toString('utf8');
      return t === '' ? undefined : t;
    }
  }
  return undefined;
}

/**
 * newBearerTokenAuthenticator turns a token authenticator into a request authenticator. A
 * request without a bearer token gets no opinion; a token nobody recognised fails with
 * `invalid bearer token`, as upstream's bearertoken authenticator does.
 */
export function newBearerTokenAuthenticator(auth: TokenAuthenticator): Authenticator {
  return {
    async authenticate(req: AuthenticatorRequest, opts?: AuthenticateOptions): Promise<AuthenticatorResponse | undefined> {
      const token = bearerToken(req);
      if (token === undefined) return undefined;
      const resp = await auth.authenticateToken(token, opts);
      if (!resp) throw new Error(INVALID_BEARER_TOKEN);
      return resp;
    },
  };
}

/**
 * Builds the apiserver's request authenticator from its flags, in upstream order.
 *
 * upstream: pkg/kubeapiserver/authenticator/config.go (Config.New)
 */
import { unauthorized, type StatusError } from '#impl/apimachinery/index.ts';
import { withAuthenticatedGroup, type UserInfo } from '../user/user.ts';
import { newAnonymousAuthenticator } from './anonymous.ts';
import { newBearerTokenAuthenticator } from './bearer-token.ts';
import type { AuthenticateOptions, Authenticator, AuthenticatorRequest, AuthenticatorResponse, TokenAuthenticator } from './interfaces.ts';
import { newUnionAuthenticator, newUnionTokenAuthenticator } from './union.ts';

/** AuthenticatorConfig lists the enabled authenticators; each is optional. */
export interface AuthenticatorConfig {
  /** x509 client certificates (`--client-ca-file`). */
  x509?: Authenticator;
  /** Token authenticators in upstream order: token file, service accounts, bootstrap, OIDC, webhook. */
  tokenFile?: TokenAuthenticator;
  serviceAccounts?: TokenAuthenticator;
  bootstrapTokens?: TokenAuthenticator;
  oidc?: TokenAuthenticator;
  webhook?: TokenAuthenticator;
  /** `--anonymous-auth`: true = any path, a list = only those paths, false/undefined = off. */
  anonymous?: boolean | readonly string[];
}

/**
 * newRequestAuthenticator chains x509 then bearer tokens (file, service account, bootstrap, OIDC,
 * webhook), adds `system:authenticated` to every authenticated user, and falls back to anonymous
 * only when no authenticator failed (upstream union.NewFailOnError(auth, anonymous)).
 */
export function newRequestAuthenticator(cfg: AuthenticatorConfig): Authenticator {
  const reqAuths: Authenticator[] = [];
  if (cfg.x509) reqAuths.push(cfg.x509);
  const tokenAuths = [cfg.tokenFile, cfg.serviceAccounts, cfg.bootstrapTokens, cfg.oidc, cfg.webhook].filter((a): a is TokenAuthenticator => a !== undefined);
  if (tokenAuths.length > 0) reqAuths.push(newBearerTokenAuthenticator(newUnionTokenAuthenticator(tokenAuths)));
  const union = newUnionAuthenticator(reqAuths);
  const grouped: Authenticator = {
    async authenticate(req: AuthenticatorRequest, o?: AuthenticateOptions): Promise<AuthenticatorResponse | undefined> {
      const r = await union.authenticate(req, o);
      return r ? { ...r, user: withAuthenticatedGroup(r.user) } : undefined;
    },
  };
  if (!cfg.anonymous) return grouped;
  const anon = newAnonymousAuthenticator(Array.isArray(cfg.anonymous) ? { paths: cfg.anonymous } : {});
  return newUnionAuthenticator([grouped, anon], { failOnError: true });
}

/**
 * authenticateRequest runs `auth` and returns the user, or throws the 401 Status upstream sends
 * (`Unauthorized`, no detail: the cause is logged, never told to the client). `onError` receives
 * the cause for logging.
 */
export async function authenticateRequest(auth: Authenticator, req: AuthenticatorRequest, opts: AuthenticateOptions & { onError?: (err: unknown) => void } = {}): Promise<UserInfo> {
  let resp: AuthenticatorResponse | undefined;
  try {
    resp = await auth.authenticate(req, opts);
  } catch (err) {
    opts.onError?.(err);
    throw unauthorized('Unauthorized') satisfies StatusError;
  }
  if (!resp) throw unauthorized('Unauthorized');
  return resp.user;
}

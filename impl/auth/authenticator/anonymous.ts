/**
 * The anonymous authenticator: every request is `system:anonymous` in `system:unauthenticated`.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/authentication/request/anonymous/anonymous.go
 */
import { ALL_UNAUTHENTICATED, ANONYMOUS } from '../user/user.ts';
import type { Authenticator, AuthenticatorRequest, AuthenticatorResponse } from './interfaces.ts';

/**
 * HEALTH_PATHS are the paths issue #4 keeps anonymous when `--anonymous-auth=false` (upstream's
 * AnonymousAuthConfig conditions make the same restriction possible).
 */
export const HEALTH_PATHS: readonly string[] = ['/healthz', '/livez', '/readyz', '/version'];

/**
 * newAnonymousAuthenticator authenticates any request as `system:anonymous`. With `paths`
 * (upstream's AnonymousAuthConfig conditions), only those paths are anonymous and others get no
 * opinion. Put it last, behind a fail-on-error union, so a bad credential is never anonymous.
 */
export function newAnonymousAuthenticator(opts: { paths?: readonly string[] } = {}): Authenticator {
  const paths = opts.paths ? new Set(opts.paths) : undefined;
  return {
    async authenticate(req: AuthenticatorRequest): Promise<AuthenticatorResponse | undefined> {
      if (paths && !paths.has(req.path ?? '')) return undefined;
      return { user: { name: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] } };
    },
  };
}

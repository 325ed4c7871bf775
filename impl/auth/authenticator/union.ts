/**
 * Union authenticators: try each in order, first success wins.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/authentication/request/union/union.go
 */
import type { AuthenticateOptions, Authenticator, AuthenticatorRequest, AuthenticatorResponse, TokenAuthenticator } from './interfaces.ts';

/** AuthenticationError aggregates the errors of several authenticators (upstream utilerrors.Aggregate). */
export class AuthenticationError extends Error {
  readonly errors: readonly unknown[];
  constructor(errors: readonly unknown[]) {
    const msgs = errors.map((e) => (e instanceof Error ? e.message : String(e)));
    super(msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`);
    this.name = 'AuthenticationError';
    this.errors = errors;
  }
}

/**
 * newUnionAuthenticator tries `authenticators` in order. The first success wins; errors are
 * collected and only thrown when nobody succeeded (upstream union.New). With `failOnError`, the
 * first error stops the chain (upstream union.NewFailOnError).
 */
export function newUnionAuthenticator(authenticators: readonly Authenticator[], opts: { failOnError?: boolean } = {}): Authenticator {
  return {
    async authenticate(req: AuthenticatorRequest, o?: AuthenticateOptions): Promise<AuthenticatorResponse | undefined> {
      const errors: unknown[] = [];
      for (const a of authenticators) {
        try {
          const resp = await a.authenticate(req, o);
          if (resp) return resp;
        } catch (err) {
          if (opts.failOnError) throw err;
          errors.push(err);
        }
      }
      if (errors.length > 0) throw new AuthenticationError(errors);
      return undefined;
    },
  };
}

/** newUnionTokenAuthenticator is {@link newUnionAuthenticator} for token authenticators (upstream token/union). */
export function newUnionTokenAuthenticator(authenticators: readonly TokenAuthenticator[]): TokenAuthenticator {
  return {
    async authenticateToken(token: string, o?: AuthenticateOptions): Promise<AuthenticatorResponse | undefined> {
      const errors: unknown[] = [];
      for (const a of authenticators) {
        try {
          const resp = await a.authenticateToken(token, o);
          if (resp) return resp;
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length > 0) throw new AuthenticationError(errors);
      return undefined;
    },
  };
}

/**
 * Bootstrap token authentication: `TOKEN_ID.TOKEN_SECRET` checked against the
 * `bootstrap.kubernetes.io/token` Secret `bootstrap-token-TOKEN_ID` in kube-system.
 *
 * upstream: plugin/pkg/auth/authenticator/token/bootstrap/bootstrap.go and
 * staging/src/k8s.io/cluster-bootstrap/token/api/types.go
 */
import { timingSafeEqual } from 'node:crypto';
import type { AuthenticatorResponse, TokenAuthenticator } from './interfaces.ts';

/** Bootstrap token constants (cluster-bootstrap/token/api). */
export const BOOTSTRAP = {
  secretType: 'bootstrap.kubernetes.io/token',
  secretPrefix: 'bootstrap-token-',
  namespace: 'kube-system',
  userPrefix: 'system:bootstrap:',
  defaultGroup: 'system:bootstrappers',
  groupPattern: /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/,
  tokenPattern: /^([a-z0-9]{6})\.([a-z0-9]{16})$/,
} as const;

/** BootstrapSecret is what the authenticator reads of a Secret (`data` base64, `stringData` ignored). */
export interface BootstrapSecret {
  metadata: { name?: string; namespace?: string; deletionTimestamp?: string };
  type?: string;
  data?: Record<string, string>;
}

/** BootstrapTokenOptions configures {@link newBootstrapTokenAuthenticator}. */
export interface BootstrapTokenOptions {
  /** getSecret reads a kube-system Secret by name (undefined when absent), usually from a lister. */
  getSecret: (name: string) => Promise<BootstrapSecret | undefined> | BootstrapSecret | undefined;
  now?: () => Date;
  /** Called with the reason a token was ignored (upstream logs at V(3)). */
  log?: (msg: string) => void;
}

function field(s: BootstrapSecret, key: string): string {
  const v = s.data?.[key];
  return v === undefined ? '' : Buffer.from(v, 'base64').toString('utf8');
}

/**
 * newBootstrapTokenAuthenticator authenticates bootstrap tokens as `system:bootstrap:TOKEN_ID` in
 * `system:bootstrappers` plus the Secret's `auth-extra-groups`. Like upstream, every failure
 * (unknown, expired, wrong secret, not for authentication) is "no opinion", never an error.
 */
export function newBootstrapTokenAuthenticator(opts: BootstrapTokenOptions): TokenAuthenticator {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? (() => {});
  return {
    async authenticateToken(token: string): Promise<AuthenticatorResponse | undefined> {
      const m = BOOTSTRAP.tokenPattern.exec(token);
      if (!m) return undefined;
      const [, id, secret] = m as unknown as [string, string, string];
      const name = BOOTSTRAP.secretPrefix + id;
      const s = await opts.getSecret(name);
      if (!s) {
        log(`No secret of name ${name} to match bootstrap bearer token`);
        return undefined;
      }
      if (s.metadata.deletionTimestamp) {
        log(`Secret ${name} is being deleted`);
        return undefined;
      }
      if (s.type !== BOOTSTRAP.secretType) {
        log(`Secret ${name} has invalid type ${s.type ?? ''}, expected ${BOOTSTRAP.secretType}`);
        return undefined;
      }
      const ts = field(s, 'token-secret');
      if (ts.length !== secret.length || !timingSafeEqual(Buffer.from(ts), Buffer.from(secret))) {
        log(`Bootstrap secret ${name} does not match`);
        return undefined;
      }
      if (field(s, 'token-id') !== id) {
        log(`Token ID ${id} does not match secret`);
        return undefined;
      }
      const exp = field(s, 'expiration');
      if (exp !== '') {
        const t = Date.parse(exp);
        if (Number.isNaN(t) || t < now().getTime()) {
          log(`Bootstrap token ${id} has expired`);
          return undefined;
        }
      }
      if (field(s, 'usage-bootstrap-authentication') !== 'true') {
        log(`Bootstrap secret ${name} not marked usage-bootstrap-authentication=true`);
        return undefined;
      }
      const extra = field(s, 'auth-extra-groups');
      const groups: string[] = [BOOTSTRAP.defaultGroup];
      if (extra !== '') {
        for (const g of extra.split(',')) {
          if (!BOOTSTRAP.groupPattern.test(g)) {
            log(`${name}: invalid auth-extra-groups ${g}`);
            return undefined;
          }
          if (!groups.includes(g)) groups.push(g);
        }
      }
      return { user: { name: BOOTSTRAP.userPrefix + id, groups } };
    },
  };
}

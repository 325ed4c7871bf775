/**
 * Per-controller credentials (upstream `k8s.io/controller-manager/pkg/clientbuilder`
 * `DynamicControllerClientBuilder`, used with `--use-service-account-credentials`): each
 * controller talks to the apiserver as `system:serviceaccount:kube-system:<name>`, so RBAC
 * grants it exactly its bootstrap `system:controller:<name>` role. The builder, running with
 * the controller-manager's own credentials, creates the ServiceAccount in `kube-system` when it
 * is missing, asks for a bound token through the TokenRequest API, and refreshes the token in
 * place before it expires (at 80 % of its lifetime, as upstream), so clients handed out keep
 * working without being rebuilt. Failures are retried with back-off until the signal aborts.
 */
import { isAlreadyExists, isNotFound, RestClient, type RestConfig } from '#impl/client/index.ts';
import { noopLogger, type Logger } from '#impl/client/tools/cache/index.ts';
import { realClock, sleepUntilAborted, type Clock } from '#impl/client/util/workqueue/index.ts';
import { errMessage } from './worker-loop.ts';

/** CONTROLLER_SA_NAMESPACE is where controller service accounts live (upstream `metav1.NamespaceSystem`). */
export const CONTROLLER_SA_NAMESPACE = 'kube-system';
/** DEFAULT_TOKEN_EXPIRATION_SECONDS is the requested token lifetime (upstream `defaultExpirationSeconds`, 1 h). */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

/** ControllerClientBuilderOptions configure {@link ControllerClientBuilder}. */
export interface ControllerClientBuilderOptions {
  /** The controller-manager's own client (creates accounts and tokens). */
  root: RestClient;
  /** Connection settings the controller clients copy (server, CA), without the client certificate. */
  config: RestConfig;
  expirationSeconds?: number;
  clock?: Clock;
  logger?: Logger;
  /** Aborting stops refreshing and retrying. */
  signal: AbortSignal;
}

interface TokenRequestStatus {
  status?: { token?: string; expirationTimestamp?: string };
}

/** ControllerClientBuilder hands out one refreshed-token client per controller service account. */
export class ControllerClientBuilder {
  private readonly clients = new Map<string, RestClient>();
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: ControllerClientBuilderOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
  }

  /** clientFor returns the client of service account `name`, creating account and token first. */
  async clientFor(name: string): Promise<RestClient> {
    const existing = this.clients.get(name);
    if (existing) return existing;
    const first = await this.retry(name, () => this.requestToken(name));
    const { cert: _cert, key: _key, username: _u, password: _p, ...conn } = this.opts.config;
    const client = new RestClient({ ...conn, token: first.token, userAgent: `kube-controller-manager/kubets/${name}` });
    this.clients.set(name, client);
    void this.refreshLoop(name, client, first.expiresAtMs);
    return client;
  }

  /** close closes every client handed out. */
  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private async retry<T>(name: string, fn: () => Promise<T>): Promise<T> {
    let delay = 500;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (this.opts.signal.aborted) throw err;
        this.logger.warn({ serviceAccount: name, err: errMessage(err) }, 'failed to get controller service account token; retrying');
        if (!(await sleepUntilAborted(this.clock, delay, this.opts.signal))) throw err;
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  private async refreshLoop(name: string, client: RestClient, expiresAtMs: number): Promise<void> {
    let expires = expiresAtMs;
    for (;;) {
      const now = this.clock.now();
      // upstream refreshes once 80 % of the lifetime has passed.
      const lifetime = Math.max(0, expires - now);
      if (!(await sleepUntilAborted(this.clock, Math.max(1000, lifetime * 0.8), this.opts.signal))) return;
      try {
        const next = await this.retry(name, () => this.requestToken(name));
        client.config.token = next.token;
        expires = next.expiresAtMs;
        this.logger.debug?.({ serviceAccount: name }, 'refreshed controller service account token');
      } catch {
        return; // aborted
      }
    }
  }

  /** requestToken ensures the account exists and returns a fresh bound token (TokenRequest). */
  private async requestToken(name: string): Promise<{ token: string; expiresAtMs: number }> {
    const root = this.opts.root;
    const path = `/api/v1/namespaces/${CONTROLLER_SA_NAMESPACE}/serviceaccounts/${name}`;
    try {
      await root.request({ path, signal: this.opts.signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await root
        .request({ method: 'POST', path: `/api/v1/namespaces/${CONTROLLER_SA_NAMESPACE}/serviceaccounts`, body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: CONTROLLER_SA_NAMESPACE } }, signal: this.opts.signal })
        .catch((e: unknown) => {
          if (!isAlreadyExists(e)) throw e;
        });
    }
    const expirationSeconds = this.opts.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
    const res = await root.request<TokenRequestStatus>({
      method: 'POST',
      path: `${path}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } },
      signal: this.opts.signal,
    });
    const token = res?.status?.token;
    if (!token) throw new Error(`TokenRequest for ${CONTROLLER_SA_NAMESPACE}/${name} returned no token`);
    const exp = Date.parse(res.status?.expirationTimestamp ?? '');
    return { token, expiresAtMs: Number.isFinite(exp) ? exp : this.clock.now() + expirationSeconds * 1000 };
  }
}

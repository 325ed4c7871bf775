/**
 * TokensController fills and cleans up legacy ServiceAccount token Secrets (upstream
 * `pkg/controller/serviceaccount/tokens_controller.go`, run with
 * `--service-account-private-key-file`): a Secret of type `kubernetes.io/service-account-token`
 * naming an existing ServiceAccount (`kubernetes.io/service-account.name`, and `.uid` when set)
 * gets `token` (a non-expiring legacy JWT signed with the key), `ca.crt` and `namespace`; one
 * whose ServiceAccount is gone (or was replaced) is deleted, and deleting a ServiceAccount
 * deletes its token Secrets. The queue holds Secret keys.
 */
import { legacyClaims } from '#impl/auth/serviceaccount/claims.ts';
import { signToken } from '#impl/auth/serviceaccount/jwt.ts';
import { signingKeyFromPem, type SigningKey } from '#impl/auth/serviceaccount/keys.ts';
import { isConflict, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { RESOURCES, resourceFor, type ClientLike } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { objectKey, unwrapTombstone } from '../controller-utils.ts';
import { runWorkers, type ReconcileResult } from '../worker-loop.ts';

/** TOKENS_CONTROLLER_NAME is the upstream controller name. */
export const TOKENS_CONTROLLER_NAME = 'serviceaccount-token-controller';
/** SERVICE_ACCOUNT_TOKEN_TYPE is the legacy token Secret type. */
export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
/** ANNOTATIONS name the ServiceAccount a token Secret belongs to. */
export const SA_ANNOTATIONS = { name: 'kubernetes.io/service-account.name', uid: 'kubernetes.io/service-account.uid' } as const;

/** TokensControllerOptions configure {@link TokensController}. */
export interface TokensControllerOptions {
  client: ClientLike;
  secretInformer: GenericInformer;
  serviceAccountInformer: GenericInformer;
  /** PEM private key the tokens are signed with (`--service-account-private-key-file`). */
  signingKeyPem: string;
  /** PEM bundle stored as `ca.crt` (`--root-ca-file`). */
  rootCA?: string;
  clock?: Clock;
  logger?: Logger;
}

/** TokensController implements the serviceaccount-token controller. */
export class TokensController implements Controller {
  readonly name = TOKENS_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly key: SigningKey;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: TokensControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.key = signingKeyFromPem(opts.signingKeyPem);
    this.queue = new RateLimitingQueue<string>({ name: 'token_secrets', clock: this.clock });
    const onSecret = (s: KubeObject): void => {
      if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE) this.queue.add(objectKey(s));
    };
    opts.secretInformer.informer().addEventHandler({ onAdd: onSecret, onUpdate: (_o, s) => onSecret(s) });
    // A ServiceAccount going (or coming back) decides its Secrets' fate.
    const onSA = (o: KubeObject | { key: string; obj: unknown }): void => {
      const sa = unwrapTombstone(o as never);
      for (const s of opts.secretInformer.lister().byNamespace(sa.metadata?.namespace ?? '').list()) {
        if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE && s.metadata?.annotations?.[SA_ANNOTATIONS.name] === sa.metadata?.name) this.queue.add(objectKey(s));
      }
    };
    opts.serviceAccountInformer.informer().addEventHandler({ onAdd: onSA, onDelete: onSA });
  }

  /** reconcile is upstream `syncSecret`. */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const secret = this.opts.secretInformer.lister().byNamespace(ns).get(name);
    if (!secret || secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE || secret.metadata?.deletionTimestamp) return;
    const anns = secret.metadata?.annotations ?? {};
    const saName = anns[SA_ANNOTATIONS.name] ?? '';
    const sa = this.opts.serviceAccountInformer.lister().byNamespace(ns).get(saName);
    const api = resourceFor(this.opts.client, RESOURCES.secrets, ns);
    try {
      if (!sa || (anns[SA_ANNOTATIONS.uid] && anns[SA_ANNOTATIONS.uid] !== sa.metadata?.uid)) {
        // upstream deletes a token whose ServiceAccount no longer exists.
        await api.delete(name, { preconditions: { uid: secret.metadata?.uid } });
        return;
      }
      const data = { ...((secret.data ?? {}) as Record<string, string>) };
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      let changed = false;
      if (!data.token) {
        data.token = b64(await signToken(this.key, legacyClaims({ namespace: ns, name: saName, uid: sa.metadata!.uid! }, name)));
        changed = true;
      }
      if (this.opts.rootCA && !data['ca.crt']) {
        data['ca.crt'] = b64(this.opts.rootCA);
        changed = true;
      }
      if (!data.namespace) {
        data.namespace = b64(ns);
        changed = true;
      }
      const uidMissing = !anns[SA_ANNOTATIONS.uid];
      if (!changed && !uidMissing) return;
      const next = structuredClone(secret);
      next.data = data;
      next.metadata = { ...next.metadata, annotations: { ...anns, [SA_ANNOTATIONS.uid]: sa.metadata!.uid! } };
      await api.update(next);
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) return { requeueAfter: 100 };
      throw err;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [() => this.opts.secretInformer.informer().hasSynced(), () => this.opts.serviceAccountInformer.informer().hasSynced()];
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

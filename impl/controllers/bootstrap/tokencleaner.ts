/**
 * TokenCleaner deletes expired bootstrap token Secrets (upstream
 * `pkg/controller/bootstrap/tokencleaner.go`, disabled by default as upstream). The queue holds
 * Secret keys; a token not yet expired is looked at again when it expires.
 */
import { isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { RESOURCES, resourceFor, type ClientLike } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { objectKey } from '../controller-utils.ts';
import { runWorkers, type ReconcileResult } from '../worker-loop.ts';
import { expirationMs, isBootstrapTokenSecret } from './bootstrap-token.ts';

/** TOKEN_CLEANER_NAME is the upstream controller name. */
export const TOKEN_CLEANER_NAME = 'token-cleaner-controller';

/** TokenCleanerOptions configure {@link TokenCleaner}. */
export interface TokenCleanerOptions {
  client: ClientLike;
  secretInformer: GenericInformer;
  clock?: Clock;
  logger?: Logger;
}

/** TokenCleaner implements the token cleaner. */
export class TokenCleaner implements Controller {
  readonly name = TOKEN_CLEANER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: TokenCleanerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = new RateLimitingQueue<string>({ name: 'token_cleaner', clock: this.clock });
    const enqueue = (s: KubeObject): void => {
      if (isBootstrapTokenSecret(s)) this.queue.add(objectKey(s));
    };
    opts.secretInformer.informer().addEventHandler({ onAdd: enqueue, onUpdate: (_o, s) => enqueue(s) });
  }

  /** reconcile is upstream `syncFunc`/`evalSecret`. */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const secret = this.opts.secretInformer.lister().byNamespace(ns).get(name);
    if (!secret || !isBootstrapTokenSecret(secret) || secret.metadata?.deletionTimestamp) return;
    const exp = expirationMs(secret);
    if (exp === undefined) return;
    const left = exp - this.clock.now();
    if (left > 0) return { requeueAfter: left };
    this.logger.info({ secret: key }, 'deleting expired bootstrap token secret');
    try {
      await resourceFor(this.opts.client, RESOURCES.secrets, ns).delete(name, { preconditions: { uid: secret.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (!(await waitForNamedCacheSync(this.name, signal, [() => this.opts.secretInformer.informer().hasSynced()], { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

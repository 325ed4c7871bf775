/**
 * The worker side of every controller (STYLE.md item 12, sample-controller's
 * `runWorker`/`processNextWorkItem`): take a key, `reconcile(key)`, then `done(key)` always,
 * `forget(key)` after success (plus `addAfter` when the result asks for a requeue), and
 * `addRateLimited(key)` after an error. Workers survive every error.
 */
import { ApiError } from '#impl/client/api-error.ts';
import type { Logger } from '#impl/client/tools/cache/index.ts';
import type { RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';

/** ReconcileResult lets a successful reconcile ask to be run again later (upstream `AddAfter`). */
export interface ReconcileResult {
  /** Requeue the key after this many ms. */
  requeueAfter?: number;
}

/** ReconcileFunc syncs one key; it throws to be retried with back-off. */
export type ReconcileFunc = (key: string) => Promise<ReconcileResult | void>;

/** RunWorkersOptions configure {@link runWorkers}. */
export interface RunWorkersOptions {
  /** Controller name for logs. */
  name: string;
  queue: RateLimitingInterface<string>;
  reconcile: ReconcileFunc;
  /** Number of concurrent workers (`--concurrent-*-syncs`). */
  workers: number;
  /** Aborting shuts the queue down; `runWorkers` resolves once every worker returned. */
  signal: AbortSignal;
  logger?: Logger;
  /** Give up retrying a key after this many requeues (upstream `maxRetries`, default never). */
  maxRetries?: number;
}

/**
 * processNextWorkItem handles one key; it resolves false once the queue has shut down.
 * Exported for tests that drive a controller step by step.
 */
export async function processNextWorkItem(opts: Omit<RunWorkersOptions, 'workers' | 'signal'>): Promise<boolean> {
  const { queue, reconcile, logger, name } = opts;
  const got = await queue.get();
  if (got.shutdown) return false;
  const key = got.item;
  try {
    const res = await reconcile(key);
    queue.forget(key);
    if (res && res.requeueAfter !== undefined) queue.addAfter(key, res.requeueAfter);
  } catch (err) {
    if (opts.maxRetries !== undefined && queue.numRequeues(key) >= opts.maxRetries) {
      logger?.error({ controller: name, key, err: logMessage(err) }, 'dropping key out of the queue');
      queue.forget(key);
    } else {
      logger?.warn({ controller: name, key, err: logMessage(err) }, 'error syncing; requeuing');
      queue.addRateLimited(key);
    }
  } finally {
    queue.done(key);
  }
  return true;
}

/** runWorkers runs `workers` loops of {@link processNextWorkItem} until the signal aborts. */
export async function runWorkers(opts: RunWorkersOptions): Promise<void> {
  const onAbort = (): void => opts.queue.shutDown();
  if (opts.signal.aborted) onAbort();
  else opts.signal.addEventListener('abort', onAbort, { once: true });
  const worker = async (): Promise<void> => {
    while (await processNextWorkItem(opts)) {
      /* next */
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.workers) }, worker));
}

/**
 * logMessage renders an error for logs: API errors carry the failed request and code
 * (`POST /api/v1/...: 403 Forbidden: ...`), everything else is {@link errMessage}.
 */
export function logMessage(err: unknown): string {
  return err instanceof ApiError ? err.describe() : errMessage(err);
}

/** errMessage renders an unknown error for conditions and events (an API error is its Status message, as upstream). */
export function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

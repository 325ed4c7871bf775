/**
 * waitForCacheSync polls the given {@link InformerSynced} functions every 100 ms until all
 * report true (resolves `true`) or `signal` aborts (resolves `false`) (client-go
 * `WaitForCacheSync`). Controllers call it before starting workers.
 */
import { realClock, sleepUntilAborted, type Clock } from '#impl/apimachinery/util/clock/index.ts';
import type { Logger } from './logger.ts';
import type { InformerSynced } from './shared-informer.ts';

/** SYNCED_POLL_PERIOD_MS is how often the synced functions are polled (upstream 100 ms). */
export const SYNCED_POLL_PERIOD_MS = 100;

/** waitForCacheSync resolves true once every `synced()` is true, false if `signal` aborted first. */
export async function waitForCacheSync(signal: AbortSignal, synced: readonly InformerSynced[], clock: Clock = realClock): Promise<boolean> {
  for (;;) {
    if (synced.every((s) => s())) return true;
    if (!(await sleepUntilAborted(clock, SYNCED_POLL_PERIOD_MS, signal))) return false;
  }
}

/**
 * waitForNamedCacheSync is {@link waitForCacheSync} that logs the start and the outcome under
 * a controller name (client-go `WaitForNamedCacheSync`).
 */
export async function waitForNamedCacheSync(controllerName: string, signal: AbortSignal, synced: readonly InformerSynced[], opts: { logger?: Logger; clock?: Clock } = {}): Promise<boolean> {
  opts.logger?.info({ controller: controllerName }, 'Waiting for caches to sync');
  const ok = await waitForCacheSync(signal, synced, opts.clock);
  if (ok) opts.logger?.info({ controller: controllerName }, 'Caches are synced');
  else opts.logger?.error({ controller: controllerName }, 'unable to sync caches');
  return ok;
}

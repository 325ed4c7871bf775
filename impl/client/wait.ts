/**
 * waitFor polls a condition until it yields a value, like apimachinery's
 * `wait.PollUntilContextTimeout`, honouring an AbortSignal.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** WaitOptions bounds a {@link waitFor} loop. */
export interface WaitOptions {
  /** Give up after this long (ms); default 30000. */
  timeoutMs?: number;
  /** Time between attempts (ms); default 250. */
  intervalMs?: number;
  /** Stops waiting early. */
  signal?: AbortSignal;
  /** What is being waited for; used in the timeout error. */
  message?: string;
  /** Describes the last observed state for the timeout error. */
  describe?: () => string;
  /** When true, errors thrown by the condition are remembered and retried, not thrown. */
  ignoreErrors?: boolean;
}

/** WaitTimeoutError is thrown by {@link waitFor} when the condition was never met. */
export class WaitTimeoutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WaitTimeoutError';
  }
}

/**
 * waitFor calls `condition` until it returns something other than `undefined`, `null` or
 * `false`, and returns that. It throws {@link WaitTimeoutError} after `timeoutMs`, and the
 * signal's reason (plus what was awaited) when aborted. Errors from the condition propagate unless `ignoreErrors`.
 */
export async function waitFor<T>(
  condition: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  const describeWait = (): string => {
    const state = opts.describe ? `; last state: ${opts.describe()}` : '';
    const errText = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
    return `waiting for ${opts.message ?? 'condition'}${state}${errText}`;
  };
  for (;;) {
    if (opts.signal?.aborted) {
      const reason: unknown = opts.signal.reason;
      const why = reason instanceof Error ? reason.message : 'aborted';
      throw new Error(`${why} while ${describeWait()}`, { cause: reason });
    }
    try {
      const v = await condition();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (err) {
      if (!opts.ignoreErrors) throw err;
      lastError = err;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new WaitTimeoutError(`timed out after ${timeoutMs}ms ${describeWait()}`, { cause: lastError });
    }
    try {
      await sleep(Math.min(intervalMs, left), undefined, { signal: opts.signal });
    } catch {
      // aborted: the loop head rethrows the signal's reason
    }
  }
}

/**
 * Clock is the injected time source of every component (storage compaction and TTLs, watch-cache
 * bookmarks, workqueues, reflectors, leader election, the kubelet's loops), so tests run on a
 * {@link FakeClock}.
 *
 * upstream: k8s.io/utils/clock (Clock, RealClock) and k8s.io/apimachinery/pkg/util/wait (Jitter).
 */
export interface Clock {
  /** now is the current time in ms since the epoch. */
  now(): number;
  /**
   * setTimeout runs `fn` once after `ms`. A `background` timer does not keep the process
   * alive (periodic housekeeping); other timers do.
   */
  setTimeout(fn: () => void, ms: number, opts?: { background?: boolean }): TimerHandle;
  /** clearTimeout cancels a pending timer; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** TimerHandle identifies a pending {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** realClock is the wall clock. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms, opts) {
    const t = setTimeout(fn, Math.max(0, ms));
    if (opts?.background) t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * sleep resolves after `ms` on `clock`, or rejects with the signal's reason when `signal`
 * aborts first (the TS form of `select { case <-time.After(d): case <-ctx.Done(): }`).
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(abortReason(signal!));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * sleepUntilAborted is {@link sleep} that resolves `false` when the signal aborts instead of
 * rejecting, and `true` when the time elapsed: handy in `while (await ...)` loops.
 */
export async function sleepUntilAborted(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  try {
    await sleep(clock, ms, signal);
    return true;
  } catch {
    return false;
  }
}

/** abortReason turns a signal's reason into an Error. */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new Error(r === undefined ? 'aborted' : String(r));
}

/**
 * jitter returns `ms` plus a random extra of up to `maxFactor * ms` (apimachinery
 * `wait.Jitter`); a non-positive factor means 1.
 */
export function jitter(ms: number, maxFactor: number, random: () => number = Math.random): number {
  const f = maxFactor <= 0 ? 1 : maxFactor;
  return ms + random() * f * ms;
}

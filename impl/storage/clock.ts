/**
 * Clock is the time source the storage layer uses for compaction, TTLs and bookmarks, injected
 * so tests run on a fake clock (like k8s.io/utils/clock).
 */
export interface Clock {
  now(): number;
  /**
   * Runs `fn` once after `ms`. A `background` timer (periodic housekeeping such as compaction or
   * bookmarks) does not keep the process alive; other timers do, since someone awaits them.
   */
  setTimeout(fn: () => void, ms: number, opts?: { background?: boolean }): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** TimerHandle identifies a pending `Clock.setTimeout`. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** realClock is the wall clock. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms, opts) {
    const t = setTimeout(fn, ms);
    if (opts?.background) t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

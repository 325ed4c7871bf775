/**
 * Backoff is a per-key exponential back-off (upstream: k8s.io/client-go/util/flowcontrol/backoff.go),
 * used for CrashLoopBackOff (10 s doubling to 5 min) and ImagePullBackOff. Entries that have
 * not been touched for twice the maximum are reset, as upstream's `GC` does.
 */
import type { Clock } from '#impl/apimachinery/util/clock/index.ts';

interface Entry {
  backoff: number;
  lastUpdate: number;
}

/** BackoffOptions configure a {@link Backoff}. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  clock: Clock;
}

/** Backoff: see the module comment. */
export class Backoff {
  private readonly entries = new Map<string, Entry>();
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly clock: Clock;

  constructor(opts: BackoffOptions) {
    this.initialMs = opts.initialMs;
    this.maxMs = opts.maxMs;
    this.clock = opts.clock;
  }

  /** get returns the current back-off duration of `key` (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.backoff ?? 0;
  }

  /**
   * next records a failure of `key` at `eventTime` (default now): the first failure starts at
   * the initial duration, later ones double it up to the maximum.
   */
  next(key: string, eventTime = this.clock.now()): void {
    const e = this.entries.get(key);
    if (!e || this.hasExpired(eventTime, e.lastUpdate)) {
      this.entries.set(key, { backoff: this.initialMs, lastUpdate: eventTime });
      return;
    }
    e.backoff = Math.min(e.backoff * 2, this.maxMs);
    e.lastUpdate = eventTime;
  }

  /**
   * isInBackOffSince reports whether `key` is still backing off counted from `eventTime`
   * (upstream IsInBackOffSince: now - eventTime < current back-off).
   */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    if (this.hasExpired(eventTime, e.lastUpdate)) return false;
    return this.clock.now() - eventTime < e.backoff;
  }

  /**
   * isInBackOffSinceUpdate reports whether `key` is still backing off counted from its last
   * failure (upstream IsInBackOffSinceUpdate, used for image pulls).
   */
  isInBackOffSinceUpdate(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    const now = this.clock.now();
    if (this.hasExpired(now, e.lastUpdate)) return false;
    return now - e.lastUpdate < e.backoff;
  }

  /** reset forgets `key`. */
  reset(key: string): void {
    this.entries.delete(key);
  }

  /** gc drops entries idle for more than twice the maximum. */
  gc(): void {
    const now = this.clock.now();
    for (const [k, e] of this.entries) if (now - e.lastUpdate > 2 * this.maxMs) this.entries.delete(k);
  }

  private hasExpired(eventTime: number, lastUpdate: number): boolean {
    return eventTime - lastUpdate > 2 * this.maxMs;
  }
}

/**
 * Rate limiters for {@link RateLimitingQueue}, after client-go
 * `util/workqueue/default_rate_limiters.go`. Delays are in milliseconds.
 */
import { realClock, type Clock } from '#impl/apimachinery/util/clock/index.ts';

/**
 * RateLimiter decides how long an item waits before it is retried. `when` records a failure
 * and returns the delay; `forget` clears the item's history (call it after a success);
 * `numRequeues` is how many failures are on record.
 */
export interface RateLimiter<T> {
  when(item: T): number;
  forget(item: T): void;
  numRequeues(item: T): number;
}

/**
 * ItemExponentialFailureRateLimiter waits `baseDelay * 2^failures`, capped at `maxDelay`, per
 * item (client-go `NewItemExponentialFailureRateLimiter`).
 */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();
  constructor(private readonly baseDelayMs: number, private readonly maxDelayMs: number) {}

  when(item: T): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    const backoff = this.baseDelayMs * 2 ** exp;
    return Number.isFinite(backoff) && backoff < this.maxDelayMs ? backoff : this.maxDelayMs;
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }

  forget(item: T): void {
    this.failures.delete(item);
  }
}

/**
 * BucketRateLimiter is an overall token bucket (golang.org/x/time/rate `Limiter.Reserve`):
 * `qps` tokens per second, up to `burst` saved; `when` reserves one token and returns how long
 * until it is available. It keeps no per-item state.
 */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private tokens: number;
  private last: number;
  private readonly clock: Clock;
  constructor(private readonly qps: number, private readonly burst: number, clock: Clock = realClock) {
    this.clock = clock;
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_item: T): number {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = Math.max(this.last, now);
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.qps);
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    return (-this.tokens / this.qps) * 1000;
  }

  numRequeues(_item: T): number {
    return 0;
  }

  forget(_item: T): void {}
}

/**
 * ItemFastSlowRateLimiter retries fast (`fastDelay`) for the first `maxFastAttempts` failures of
 * an item, then slow (`slowDelay`) (client-go `NewItemFastSlowRateLimiter`).
 */
export class ItemFastSlowRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();
  constructor(private readonly fastDelayMs: number, private readonly slowDelayMs: number, private readonly maxFastAttempts: number) {}

  when(item: T): number {
    const n = (this.failures.get(item) ?? 0) + 1;
    this.failures.set(item, n);
    return n <= this.maxFastAttempts ? this.fastDelayMs : this.slowDelayMs;
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }

  forget(item: T): void {
    this.failures.delete(item);
  }
}

/**
 * MaxOfRateLimiter asks every limiter and waits for the longest delay; `numRequeues` is the
 * largest count (client-go `NewMaxOfRateLimiter`).
 */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: readonly RateLimiter<T>[];
  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }

  when(item: T): number {
    let ret = 0;
    for (const l of this.limiters) ret = Math.max(ret, l.when(item));
    return ret;
  }

  numRequeues(item: T): number {
    let ret = 0;
    for (const l of this.limiters) ret = Math.max(ret, l.numRequeues(item));
    return ret;
  }

  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }
}

/** WithMaxWaitRateLimiter caps another limiter's delay at `maxDelay` (client-go `NewWithMaxWaitRateLimiter`). */
export class WithMaxWaitRateLimiter<T> implements RateLimiter<T> {
  constructor(private readonly limiter: RateLimiter<T>, private readonly maxDelayMs: number) {}
  when(item: T): number {
    return Math.min(this.limiter.when(item), this.maxDelayMs);
  }
  numRequeues(item: T): number {
    return this.limiter.numRequeues(item);
  }
  forget(item: T): void {
    this.limiter.forget(item);
  }
}

/**
 * defaultControllerRateLimiter is the limiter controllers use (client-go
 * `DefaultTypedControllerRateLimiter`): the max of a per-item exponential backoff from 5 ms to
 * 1000 s and an overall bucket of 10 qps with a burst of 100.
 */
export function defaultControllerRateLimiter<T>(clock: Clock = realClock): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialFailureRateLimiter<T>(5, 1000 * 1000),
    new BucketRateLimiter<T>(10, 100, clock),
  );
}

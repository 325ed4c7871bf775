/**
 * RateLimitingQueue adds per-item rate-limited re-adds to {@link DelayingQueue} (client-go
 * `util/workqueue/rate_limiting_queue.go`).
 */
import { defaultControllerRateLimiter, type RateLimiter } from './default-rate-limiters.ts';
import { DelayingQueue, type DelayingInterface, type DelayingQueueConfig } from './delaying-queue.ts';

/**
 * RateLimitingInterface is a {@link DelayingInterface} whose re-adds wait as the rate limiter
 * says. The worker's contract (STYLE.md item 12): always `done(item)`; after a success
 * `forget(item)`; after an error `addRateLimited(item)`.
 */
export interface RateLimitingInterface<T> extends DelayingInterface<T> {
  /** addRateLimited adds `item` after the rate limiter's delay for it. */
  addRateLimited(item: T): void;
  /** forget clears the item's failure history; it does not remove it from the queue. */
  forget(item: T): void;
  /** numRequeues is how many times the item has been rate-limited since the last forget. */
  numRequeues(item: T): number;
}

/** RateLimitingQueueConfig configures a {@link RateLimitingQueue}. */
export interface RateLimitingQueueConfig<T> extends DelayingQueueConfig {
  /** Default {@link defaultControllerRateLimiter} on the queue's clock. */
  rateLimiter?: RateLimiter<T>;
}

/** RateLimitingQueue implements {@link RateLimitingInterface}. */
export class RateLimitingQueue<T> extends DelayingQueue<T> implements RateLimitingInterface<T> {
  /** The limiter deciding re-add delays. */
  readonly rateLimiter: RateLimiter<T>;

  constructor(config: RateLimitingQueueConfig<T> = {}) {
    super(config);
    this.rateLimiter = config.rateLimiter ?? defaultControllerRateLimiter<T>(this.clock);
  }

  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }
}

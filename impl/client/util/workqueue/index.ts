/**
 * Work queues for controllers, after client-go `util/workqueue`: {@link Queue} (dedup FIFO),
 * {@link DelayingQueue} (`addAfter`), {@link RateLimitingQueue} (`addRateLimited`), the
 * rate limiters, Prometheus metrics with upstream names, and the injectable clock.
 */
export * from '#impl/apimachinery/util/clock/index.ts';
export * from './queue.ts';
export * from './delaying-queue.ts';
export * from './default-rate-limiters.ts';
export * from './rate-limiting-queue.ts';
export * from './metrics.ts';
export * from './parallelizer.ts';

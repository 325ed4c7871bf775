/**
 * Queue is the de-duplicating work queue at the bottom of the workqueue stack (client-go
 * `util/workqueue/queue.go`). Delaying and rate-limiting queues build on it.
 */
import { realClock, type Clock } from '#impl/apimachinery/util/clock/index.ts';
import { globalMetricsProvider, QueueMetrics, type MetricsProvider } from './metrics.ts';

/** GetResult is what {@link QueueInterface.get} resolves to: an item, or `shutdown: true`. */
export type GetResult<T> = { item: T; shutdown: false } | { item: undefined; shutdown: true };

/**
 * QueueInterface is the contract every work queue keeps (client-go `TypedInterface`):
 *
 * - **Fair:** items are handed out in the order they were first added.
 * - **Stingy:** an item added several times before a worker takes it is handed out once
 *   (latest-wins coalescing: queue keys, not objects, and re-read the object when working).
 * - **Never twice at once:** an item is handed to at most one worker at a time. Adding an item
 *   while it is being processed marks it dirty; it is queued again when the worker calls
 *   `done`, so the newer state is always processed after the current run ends.
 * - **Shutdown:** after `shutDown`, `add` is ignored, queued items are still handed out, and
 *   `get` resolves `{ shutdown: true }` once the queue is empty.
 *
 * Every `get` that returns an item must be paired with exactly one `done(item)`.
 */
export interface QueueInterface<T> {
  /** add marks `item` as needing processing. */
  add(item: T): void;
  /** len is the number of items waiting (not counting the ones being processed). */
  len(): number;
  /** get waits until an item is available (or the queue shuts down) and hands it out. */
  get(): Promise<GetResult<T>>;
  /** done marks the end of processing `item`; a re-add during processing re-queues it now. */
  done(item: T): void;
  /** shutDown stops accepting items; waiting `get` calls resolve with `shutdown: true`. */
  shutDown(): void;
  /** shutDownWithDrain is shutDown that resolves once every in-flight item is `done`. */
  shutDownWithDrain(): Promise<void>;
  /** shuttingDown reports whether shutDown was called. */
  shuttingDown(): boolean;
}

/** QueueConfig configures a {@link Queue} (client-go `TypedQueueConfig`). */
export interface QueueConfig {
  /** Name for metrics; queues without a name record no metrics. */
  name?: string;
  /** Metrics provider; default the one set with `setProvider`. */
  metricsProvider?: MetricsProvider;
  /** Clock for metrics and delays; default the wall clock. */
  clock?: Clock;
}

/** Queue implements {@link QueueInterface} with a FIFO plus dirty and processing sets. */
export class Queue<T> implements QueueInterface<T> {
  /** The clock this queue (and the layers above it) use. */
  protected readonly clock: Clock;
  /** Metrics for this queue. */
  protected readonly metrics: QueueMetrics<T>;
  /**
   * Items in the order they are handed out. Invariant: every element of `queue` is in
   * `dirty` and not in `processing`.
   */
  private queue: T[] = [];
  private head = 0;
  /** Items that need processing (queued, or re-added while in flight). */
  private readonly dirty = new Set<T>();
  /** Items a worker holds right now. An item here may also be in `dirty`, but not in `queue`. */
  private readonly processing = new Set<T>();
  /** Pending `get` calls, oldest first; only non-empty while `queue` is empty. */
  private readonly waiters: Array<(r: GetResult<T>) => void> = [];
  private drainWaiters: Array<() => void> = [];
  private isShuttingDown = false;
  private drain = false;

  constructor(config: QueueConfig = {}) {
    this.clock = config.clock ?? realClock;
    this.metrics = new QueueMetrics<T>({ name: config.name ?? '', provider: config.metricsProvider ?? globalMetricsProvider(), clock: this.clock });
  }

  add(item: T): void {
    if (this.isShuttingDown) return;
    if (this.dirty.has(item)) return;
    this.metrics.add(item);
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.push(item);
  }

  len(): number {
    return this.queue.length - this.head;
  }

  get(): Promise<GetResult<T>> {
    if (this.len() > 0) return Promise.resolve(this.take());
    if (this.isShuttingDown) return Promise.resolve({ item: undefined, shutdown: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(item: T): void {
    this.metrics.done(item);
    this.processing.delete(item);
    if (this.dirty.has(item)) this.push(item);
    else if (this.processing.size === 0) this.notifyDrained();
  }

  shutDown(): void {
    this.drain = false;
    this.setShuttingDown();
  }

  shutDownWithDrain(): Promise<void> {
    this.drain = true;
    this.setShuttingDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.isShuttingDown;
  }

  /** shouldDrain reports whether shutdown waits for in-flight items (for tests and wrappers). */
  shouldDrain(): boolean {
    return this.drain;
  }

  private setShuttingDown(): void {
    if (!this.isShuttingDown) this.metrics.stop();
    this.isShuttingDown = true;
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w({ item: undefined, shutdown: true });
    if (!this.drain) this.notifyDrained();
  }

  private notifyDrained(): void {
    const ws = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of ws) w();
  }

  private push(item: T): void {
    this.queue.push(item);
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.take());
  }

  private take(): GetResult<T> {
    const item = this.queue[this.head] as T;
    this.queue[this.head] = undefined as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.metrics.get(item);
    this.processing.add(item);
    this.dirty.delete(item);
    return { item, shutdown: false };
  }
}

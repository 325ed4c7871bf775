/**
 * DelayingQueue adds `addAfter` to {@link Queue} (client-go `util/workqueue/delaying_queue.go`).
 */
import type { TimerHandle } from '#impl/apimachinery/util/clock/index.ts';
import { Queue, type QueueConfig, type QueueInterface } from './queue.ts';

/**
 * DelayingInterface is a {@link QueueInterface} that can add an item later. An item waiting to
 * be added is kept once: adding it again with an earlier ready time moves it forward, a later
 * one is ignored. A non-positive delay adds at once. Items still waiting at shutdown are dropped.
 */
export interface DelayingInterface<T> extends QueueInterface<T> {
  /** addAfter adds `item` once `delayMs` has passed on the queue's clock. */
  addAfter(item: T, delayMs: number): void;
}

/** DelayingQueueConfig configures a {@link DelayingQueue}. */
export type DelayingQueueConfig = QueueConfig;

interface Waiting<T> {
  item: T;
  readyAt: number;
  /** Insertion order, so items ready at the same time keep their order. */
  seq: number;
}

/** DelayingQueue implements {@link DelayingInterface} with a min-heap of waiting items and one timer. */
export class DelayingQueue<T> extends Queue<T> implements DelayingInterface<T> {
  /** Min-heap on (readyAt, seq). */
  private readonly heap: Array<Waiting<T>> = [];
  /** Each waiting item's heap entry, so a re-add can move it forward. */
  private readonly waiting = new Map<T, Waiting<T>>();
  private seq = 0;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;

  constructor(config: DelayingQueueConfig = {}) {
    super(config);
  }

  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown()) return;
    this.metrics.retry();
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const existing = this.waiting.get(item);
    if (existing) {
      if (readyAt < existing.readyAt) {
        existing.readyAt = readyAt;
        this.heapify();
      }
    } else {
      const entry = { item, readyAt, seq: this.seq++ };
      this.waiting.set(item, entry);
      this.heapPush(entry);
    }
    this.arm();
  }

  override shutDown(): void {
    this.stopTimer();
    super.shutDown();
  }

  override shutDownWithDrain(): Promise<void> {
    this.stopTimer();
    return super.shutDownWithDrain();
  }

  /** waitingLen is the number of items waiting for their ready time. */
  waitingLen(): number {
    return this.heap.length;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private arm(): void {
    const first = this.heap[0];
    if (!first || this.shuttingDown()) return;
    if (this.timer !== undefined && this.timerAt <= first.readyAt) return;
    this.stopTimer();
    this.timerAt = first.readyAt;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.fireReady();
    }, first.readyAt - this.clock.now());
  }

  private fireReady(): void {
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0]!.readyAt <= now) {
      const entry = this.heapPop()!;
      this.waiting.delete(entry.item);
      this.add(entry.item);
    }
    this.arm();
  }

  private less(a: Waiting<T>, b: Waiting<T>): boolean {
    return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
  }

  private heapPush(e: Waiting<T>): void {
    this.heap.push(e);
    this.up(this.heap.length - 1);
  }

  private heapPop(): Waiting<T> | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (this.heap.length > 0 && last) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private heapify(): void {
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

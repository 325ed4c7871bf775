/**
 * WatchChannel is the queue behind every `Watcher`: producers push events synchronously, one
 * consumer pulls them with `for await`. It plays the role of the Go result channel in upstream's
 * etcd3 watcher and cacheWatcher.
 */
import type { StoredObject, WatchEvent, Watcher } from './interfaces.ts';

/** WatchChannelOptions configures a `WatchChannel`. */
export interface WatchChannelOptions {
  /** Aborting stops the channel like `stop()`. */
  signal?: AbortSignal;
  /** Called once when the channel closes for any reason (stop, abort, end, failure drained). */
  onClose?: () => void;
  /** Called when the consumer finds the queue empty, to let a producer refill it lazily. */
  onDrain?: () => void;
}

/**
 * WatchChannel delivers pushed events in order, then ends (`end()`) or throws (`fail()`) once the
 * queued events are drained. `stop()` (consumer side) drops queued events and ends at once.
 */
export class WatchChannel<T extends StoredObject = StoredObject> implements Watcher<T> {
  private items: WatchEvent<T>[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<WatchEvent<T>>) => void) | undefined;
  private waiterReject: ((err: unknown) => void) | undefined;
  private ending = false;
  private failure: unknown = undefined;
  private closed = false;
  private iterated = false;
  private readonly abortListener: (() => void) | undefined;

  constructor(private readonly opts: WatchChannelOptions = {}) {
    if (opts.signal) {
      if (opts.signal.aborted) {
        this.stop();
      } else {
        this.abortListener = () => this.stop();
        opts.signal.addEventListener('abort', this.abortListener, { once: true });
      }
    }
  }

  /** length counts queued, undelivered events. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** isOpen tells whether producers may still push. */
  get isOpen(): boolean {
    return !this.closed && !this.ending && this.failure === undefined;
  }

  /** push queues one event; returns false when the channel no longer accepts events. */
  push(event: WatchEvent<T>): boolean {
    if (!this.isOpen) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.waiterReject = undefined;
      w({ value: event, done: false });
      return true;
    }
    this.items.push(event);
    return true;
  }

  /** end finishes the stream after the queued events. */
  end(): void {
    if (!this.isOpen) return;
    this.ending = true;
    this.settleIfDrained();
  }

  /** fail makes the iterator throw `err` after the queued events. */
  fail(err: unknown): void {
    if (!this.isOpen) return;
    this.failure = err ?? new Error('watch failed');
    this.settleIfDrained();
  }

  /** stop ends the stream now, dropping queued events. Idempotent. */
  stop(): void {
    if (this.closed) return;
    this.items = [];
    this.head = 0;
    this.failure = undefined;
    this.ending = true;
    this.close();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.waiterReject = undefined;
      w({ value: undefined, done: true });
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.abortListener) this.opts.signal?.removeEventListener('abort', this.abortListener);
    this.opts.onClose?.();
  }

  private settleIfDrained(): void {
    if (this.length > 0 || !this.waiter) return;
    const w = this.waiter;
    const rej = this.waiterReject!;
    this.waiter = this.waiterReject = undefined;
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      this.ending = true;
      this.close();
      rej(err);
    } else {
      this.close();
      w({ value: undefined, done: true });
    }
  }

  private next(): Promise<IteratorResult<WatchEvent<T>>> {
    if (this.length > 0) {
      const value = this.items[this.head]!;
      this.items[this.head++] = undefined as unknown as WatchEvent<T>;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      this.ending = true;
      this.close();
      return Promise.reject(err);
    }
    if (this.ending) {
      this.close();
      return Promise.resolve({ value: undefined, done: true });
    }
    const p = new Promise<IteratorResult<WatchEvent<T>>>((resolve, reject) => {
      this.waiter = resolve;
      this.waiterReject = reject;
    });
    this.opts.onDrain?.();
    return p;
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    if (this.iterated) throw new Error('a Watcher can be iterated only once');
    this.iterated = true;
    return {
      next: () => this.next(),
      return: () => {
        this.stop();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

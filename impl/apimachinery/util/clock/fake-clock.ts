import type { Clock, TimerHandle } from './clock.ts';

interface FakeTimer {
  at: number;
  fn: () => void;
  seq: number;
}

/**
 * FakeClock is a manually advanced {@link Clock} for tests (k8s.io/utils/clock/testing
 * `FakeClock`). `step` fires due timers synchronously; `advance` also lets promise chains
 * that the timers start run to completion between timers, which is what async loops
 * (reflector backoff, leader election) need.
 */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Set<FakeTimer>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { at: this.time + Math.max(0, ms), fn, seq: this.seq++ };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as FakeTimer);
  }

  /** step advances time by `ms`, firing due timers in order (including ones they schedule). */
  step(ms: number): void {
    const until = this.time + ms;
    for (let next = this.nextDue(until); next; next = this.nextDue(until)) {
      this.timers.delete(next);
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = until;
  }

  /**
   * advance is {@link step} for async code: before and after each due timer it waits for
   * pending promise callbacks and I/O callbacks to settle.
   */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    await flush();
    for (let next = this.nextDue(until); next; next = this.nextDue(until)) {
      this.timers.delete(next);
      this.time = Math.max(this.time, next.at);
      next.fn();
      await flush();
    }
    this.time = until;
    await flush();
  }

  /** pending counts scheduled timers. */
  get pending(): number {
    return this.timers.size;
  }

  /** nextTimerAt is when the earliest timer fires, or undefined. */
  nextTimerAt(): number | undefined {
    let at: number | undefined;
    for (const t of this.timers) if (at === undefined || t.at < at) at = t.at;
    return at;
  }

  private nextDue(until: number): FakeTimer | undefined {
    let next: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.at <= until && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
    }
    return next;
  }
}

/** flush lets queued promise reactions and immediates run (a few rounds). */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

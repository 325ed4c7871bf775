/**
 * WatchRecorder consumes a watch stream in the background and lets a case wait for the next
 * expected event, the way the e2e `expectEvent` / `expectNoEvent` helpers read a
 * `watch.Interface`. Events are matched in order: an expected event must be the next one of
 * its object, so a dropped or reordered event is reported as such.
 */
import type { KubeObject, WatchEvent, WatchHandle } from '#impl/client/index.ts';
import { fail } from './expect.ts';

const describe = (e: WatchEvent<KubeObject>): string =>
  `${e.type} ${e.object?.metadata?.name ?? '?'}@${e.object?.metadata?.resourceVersion ?? '?'}`;

/** WatchRecorder buffers events from a {@link WatchHandle}. */
export class WatchRecorder {
  readonly name: string;
  private readonly handle: WatchHandle<KubeObject>;
  /** Every event received so far. */
  readonly events: WatchEvent<KubeObject>[] = [];
  private consumed = 0;
  private ended = false;
  private error: unknown;
  private wake: (() => void) | undefined;

  constructor(name: string, handle: WatchHandle<KubeObject>) {
    this.name = name;
    this.handle = handle;
    void this.pump();
  }

  private async pump(): Promise<void> {
    try {
      for await (const ev of this.handle) {
        this.events.push(ev);
        this.wake?.();
      }
    } catch (err) {
      this.error = err;
    } finally {
      this.ended = true;
      this.wake?.();
    }
  }

  private async nextEvent(deadline: number): Promise<WatchEvent<KubeObject> | undefined> {
    for (;;) {
      if (this.consumed < this.events.length) return this.events[this.consumed++];
      if (this.ended) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /**
   * expectEvent waits for the next event and fails unless it has `type`, is about `name` and
   * (when given) carries `resourceVersion` and satisfies `check`. Returns the event.
   */
  async expectEvent(
    type: WatchEvent['type'],
    want: { name: string; resourceVersion?: string; check?: (o: KubeObject) => string | undefined },
    timeoutMs = 30_000,
  ): Promise<WatchEvent<KubeObject>> {
    const ev = await this.nextEvent(Date.now() + timeoutMs);
    const expected = `${type} ${want.name}${want.resourceVersion ? `@${want.resourceVersion}` : ''}`;
    if (!ev) {
      const why = this.error instanceof Error ? ` (watch failed: ${this.error.message})` : this.ended ? ' (watch stream ended)' : '';
      fail(`watch ${this.name}: expected event ${expected} within ${timeoutMs / 1000}s but none arrived${why}; the watch dropped the event. Events seen: [${this.events.map(describe).join(', ')}]`);
    }
    const rv = ev.object?.metadata?.resourceVersion;
    if (ev.type !== type || ev.object?.metadata?.name !== want.name || (want.resourceVersion && rv !== want.resourceVersion)) {
      fail(`watch ${this.name}: expected event ${expected}, got ${describe(ev)}; an event was dropped or reordered. Events seen: [${this.events.map(describe).join(', ')}]`);
    }
    const problem = want.check?.(ev.object);
    if (problem) fail(`watch ${this.name}: event ${describe(ev)}: ${problem}`);
    return ev;
  }

  /** expectNoEvent fails if any event arrives within `waitMs`. */
  async expectNoEvent(waitMs: number, what: string): Promise<void> {
    const ev = await this.nextEvent(Date.now() + waitMs);
    if (ev) fail(`watch ${this.name}: expected no event (${what}), got ${describe(ev)}`);
  }

  /** waitForEvent skips events until one matches `pred` (for watches that see unrelated changes). */
  async waitForEvent(pred: (e: WatchEvent<KubeObject>) => boolean, what: string, timeoutMs = 30_000): Promise<WatchEvent<KubeObject>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ev = await this.nextEvent(deadline);
      if (!ev) {
        const why = this.error instanceof Error ? ` (watch failed: ${this.error.message})` : '';
        fail(`watch ${this.name}: no ${what} event within ${timeoutMs / 1000}s${why}. Events seen: [${this.events.map(describe).join(', ')}]`);
      }
      if (pred(ev)) return ev;
    }
  }

  /** stop closes the stream. */
  stop(): void {
    this.handle.stop();
  }
}

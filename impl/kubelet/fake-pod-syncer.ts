/**
 * FakePodSyncer records what the pod workers call and lets tests script the answers (upstream:
 * pkg/kubelet/pod_workers_test.go fakePodSyncer). `hold(method)` makes the next calls of a method
 * wait until `release(method)` (or their AbortSignal), to test serialization and aborts.
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { RuntimePod } from './container/runtime.ts';
import type { PodSyncer, SyncPodResult, SyncPodType } from './pod-workers.ts';

type Method = 'syncPod' | 'syncTerminatingPod' | 'syncTerminatingRuntimePod' | 'syncTerminatedPod';

/** FakePodSyncer: see the module comment. */
export class FakePodSyncer implements PodSyncer {
  /** calls lists `method uid [detail]` in call order. */
  readonly calls: string[] = [];
  /** aborted lists `method uid` of calls that saw their signal abort. */
  readonly aborted: string[] = [];
  /** terminal: UIDs whose syncPod reports isTerminal. */
  readonly terminal = new Set<string>();
  /** failures: method -> number of next calls that fail. */
  readonly failures = new Map<Method, number>();
  /** concurrent tracks the maximum number of calls in flight per UID. */
  readonly maxInFlight = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly holds = new Map<Method, { promise: Promise<void>; release: () => void }>();

  /** hold makes calls of `method` wait until {@link release}. */
  hold(method: Method): void {
    let release = (): void => {};
    const promise = new Promise<void>((r) => (release = r));
    this.holds.set(method, { promise, release });
  }

  /** release lets held calls of `method` continue. */
  release(method: Method): void {
    this.holds.get(method)?.release();
    this.holds.delete(method);
  }

  private async call(method: Method, uid: string, detail: string, signal: AbortSignal): Promise<void> {
    this.calls.push(`${method} ${uid}${detail ? ` ${detail}` : ''}`);
    const n = (this.inFlight.get(uid) ?? 0) + 1;
    this.inFlight.set(uid, n);
    this.maxInFlight.set(uid, Math.max(n, this.maxInFlight.get(uid) ?? 0));
    try {
      const held = this.holds.get(method);
      if (held) {
        await Promise.race([
          held.promise,
          new Promise<void>((_, reject) => {
            if (signal.aborted) reject(signal.reason);
            signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          }),
        ]).catch((err: unknown) => {
          this.aborted.push(`${method} ${uid}`);
          throw err;
        });
      }
      const f = this.failures.get(method) ?? 0;
      if (f > 0) {
        this.failures.set(method, f - 1);
        throw new Error(`${method} failed`);
      }
    } finally {
      this.inFlight.set(uid, (this.inFlight.get(uid) ?? 1) - 1);
    }
  }

  async syncPod(signal: AbortSignal, updateType: SyncPodType, pod: Pod): Promise<SyncPodResult> {
    const uid = pod.metadata?.uid ?? '';
    await this.call('syncPod', uid, updateType, signal);
    return { isTerminal: this.terminal.has(uid) };
  }
  async syncTerminatingPod(signal: AbortSignal, pod: Pod, gracePeriodSeconds: number): Promise<void> {
    await this.call('syncTerminatingPod', pod.metadata?.uid ?? '', `grace=${gracePeriodSeconds}`, signal);
  }
  async syncTerminatingRuntimePod(signal: AbortSignal, runningPod: RuntimePod): Promise<void> {
    await this.call('syncTerminatingRuntimePod', runningPod.uid, '', signal);
  }
  async syncTerminatedPod(signal: AbortSignal, pod: Pod): Promise<void> {
    await this.call('syncTerminatedPod', pod.metadata?.uid ?? '', '', signal);
  }
}

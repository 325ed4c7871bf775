/**
 * GenericPLEG relists the runtime every period (1 s upstream) through ListPodSandbox and
 * ListContainers and turns differences into pod lifecycle events (upstream:
 * pkg/kubelet/pleg/generic.go). Events carry the pod UID; the sync loop turns them into pod
 * worker updates. `healthy()` reports whether the last relist was recent (upstream 3 min
 * threshold), which feeds the node's Ready condition.
 */
import type { Clock } from '#impl/apimachinery/util/clock/index.ts';
import type { ContainerState, RuntimePod } from '../container/runtime.ts';

/** POD_LIFECYCLE_EVENT_TYPES are the upstream event types. */
export const POD_LIFECYCLE_EVENT_TYPES = ['ContainerStarted', 'ContainerDied', 'ContainerRemoved', 'PodSync', 'ContainerChanged'] as const;
/** PodLifecycleEventType is one of {@link POD_LIFECYCLE_EVENT_TYPES}. */
export type PodLifecycleEventType = (typeof POD_LIFECYCLE_EVENT_TYPES)[number];

/** PodLifecycleEvent is one change in the runtime. `data` is the container (or sandbox) id. */
export interface PodLifecycleEvent {
  id: string;
  type: PodLifecycleEventType;
  data: string;
}

/** GenericPLEGOptions configure a {@link GenericPLEG}. */
export interface GenericPLEGOptions {
  relist: (signal: AbortSignal) => Promise<RuntimePod[]>;
  clock: Clock;
  relistPeriodMs?: number;
  /** relistThresholdMs: older than this and the PLEG is unhealthy (upstream 3 min). */
  relistThresholdMs?: number;
  onError?: (err: unknown) => void;
}

type PlegState = ContainerState | 'non-existent';

/** computeEvents maps one container's old and new state to events (upstream generateEvents). */
export function computeEvents(podID: string, cid: string, oldState: PlegState, newState: PlegState): PodLifecycleEvent[] {
  if (newState === oldState) return [];
  switch (newState) {
    case 'running':
      return [{ id: podID, type: 'ContainerStarted', data: cid }];
    case 'exited':
      return [{ id: podID, type: 'ContainerDied', data: cid }];
    case 'unknown':
      return [{ id: podID, type: 'ContainerChanged', data: cid }];
    case 'non-existent':
      return oldState === 'exited'
        ? [{ id: podID, type: 'ContainerRemoved', data: cid }]
        : [{ id: podID, type: 'ContainerDied', data: cid }, { id: podID, type: 'ContainerRemoved', data: cid }];
    default:
      return [{ id: podID, type: 'ContainerChanged', data: cid }];
  }
}

/** GenericPLEG: see the module comment. */
export class GenericPLEG {
  private readonly o: GenericPLEGOptions;
  private readonly period: number;
  private readonly threshold: number;
  private old = new Map<string, Map<string, PlegState>>();
  private pods: RuntimePod[] = [];
  private lastRelist = 0;
  private listeners: ((e: PodLifecycleEvent) => void)[] = [];

  constructor(opts: GenericPLEGOptions) {
    this.o = opts;
    this.period = opts.relistPeriodMs ?? 1000;
    this.threshold = opts.relistThresholdMs ?? 3 * 60_000;
  }

  /** watch registers an event listener (upstream Watch channel). */
  watch(fn: (e: PodLifecycleEvent) => void): void {
    this.listeners.push(fn);
  }

  /** runtimePods returns the pods seen by the last relist. */
  runtimePods(): RuntimePod[] {
    return this.pods;
  }

  /** healthy reports whether the last successful relist is within the threshold. */
  healthy(): boolean {
    return this.lastRelist > 0 && this.o.clock.now() - this.lastRelist <= this.threshold;
  }

  /** relist lists the runtime once and emits events for every change. */
  async relist(signal: AbortSignal): Promise<void> {
    const pods = await this.o.relist(signal);
    this.lastRelist = this.o.clock.now();
    const next = new Map<string, Map<string, PlegState>>();
    for (const p of pods) {
      const m = new Map<string, PlegState>();
      for (const c of p.containers) m.set(c.id, c.state);
      // Sandboxes count as containers for events, as upstream does.
      for (const s of p.sandboxes) m.set(s.id, s.ready ? 'running' : 'exited');
      next.set(p.uid, m);
    }
    const events: PodLifecycleEvent[] = [];
    for (const uid of new Set([...this.old.keys(), ...next.keys()])) {
      const o = this.old.get(uid) ?? new Map<string, PlegState>();
      const n = next.get(uid) ?? new Map<string, PlegState>();
      for (const cid of new Set([...o.keys(), ...n.keys()])) {
        events.push(...computeEvents(uid, cid, o.get(cid) ?? 'non-existent', n.get(cid) ?? 'non-existent'));
      }
    }
    this.old = next;
    this.pods = pods;
    for (const e of events) for (const l of this.listeners) l(e);
  }

  /** run relists every period until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.relist(signal);
      } catch (err) {
        if (!signal.aborted) this.o.onError?.(err);
      }
      await new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const t = this.o.clock.setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, this.period);
        const onAbort = (): void => {
          this.o.clock.clearTimeout(t);
          resolve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}

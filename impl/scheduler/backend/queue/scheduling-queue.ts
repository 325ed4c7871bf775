/**
 * PriorityQueue is the scheduling queue (upstream `backend/queue/scheduling_queue.go`). It has
 * three parts:
 *
 * - **activeQ**: a heap ordered by the profile's QueueSort plugin (PrioritySort: priority, then
 *   queue time). `pop` takes the head.
 * - **backoffQ**: pods that failed and wait out their backoff (initial 1 s, doubling per attempt,
 *   capped at 10 s), ordered by backoff expiry; flushed to activeQ every second.
 * - **unschedulablePods**: pods rejected by plugins, and pods gated by PreEnqueue plugins
 *   (scheduling gates). A cluster event moves a pod back only when one of the plugins that
 *   rejected it registered for that event; pods that stay longer than 5 minutes are flushed.
 *
 * Pods that are being scheduled are "in flight"; events that arrive meanwhile are recorded so a
 * pod that then fails is requeued at once if one of those events could have helped it.
 */
import type { Pod } from '#generated/k8s/index.ts';
import { realClock, type Clock, type TimerHandle } from '#impl/client/util/workqueue/index.ts';
import { EVENTS, QueueingHint, eventMatches, type ClusterEvent, type ClusterEventWithHint } from '../../framework/events.ts';
import type { Status } from '../../framework/interface.ts';
import { newQueuedPodInfo, podUID, PodInfo, type QueuedPodInfo } from '../../framework/types.ts';
import { Heap } from '../heap/heap.ts';

/** QueueName labels the sub-queues in metrics (`scheduler_pending_pods{queue}`). */
export type QueueName = 'active' | 'backoff' | 'unschedulable' | 'gated';

/** SchedulingQueueOptions configure a {@link PriorityQueue}. */
export interface SchedulingQueueOptions {
  /** lessFn orders activeQ (the QueueSort plugin). */
  lessFn: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  /** preEnqueue runs the PreEnqueue plugins of the pod's profile; a status rejects (gates) it. */
  preEnqueue?: (pod: Pod) => Status | undefined;
  /** eventsToRegister maps plugin names to their registered events (undefined: every event). */
  eventsToRegister?: Map<string, ClusterEventWithHint[] | undefined>;
  clock?: Clock;
  /** podInitialBackoffMs, default 1000. */
  podInitialBackoffMs?: number;
  /** podMaxBackoffMs, default 10000. */
  podMaxBackoffMs?: number;
  /** podMaxInUnschedulablePodsDurationMs, default 5 minutes. */
  podMaxInUnschedulablePodsDurationMs?: number;
  /** onIncoming is told of each pod entering a sub-queue (`scheduler_queue_incoming_pods_total`). */
  onIncoming?: (queue: QueueName, event: string) => void;
}

interface InFlightEvent {
  event: ClusterEvent;
  oldObj: unknown;
  newObj: unknown;
}

/** PriorityQueue implements the scheduling queue. */
export class PriorityQueue {
  private readonly clock: Clock;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxInUnschedulable: number;
  private readonly preEnqueue: SchedulingQueueOptions['preEnqueue'];
  private readonly events: Map<string, ClusterEventWithHint[] | undefined>;
  private readonly onIncoming: SchedulingQueueOptions['onIncoming'];
  private readonly activeQ: Heap<QueuedPodInfo>;
  private readonly backoffQ: Heap<QueuedPodInfo>;
  /** unschedulablePods holds rejected and gated pods by uid. */
  private readonly unschedulablePods = new Map<string, QueuedPodInfo>();
  /** inFlight maps uid -> index of the first event in inFlightEvents it has not seen. */
  private readonly inFlight = new Map<string, { pod: Pod; eventIndex: number }>();
  private inFlightEvents: InFlightEvent[] = [];
  private inFlightEventsBase = 0;
  private waiters: Array<() => void> = [];
  private closed = false;
  private cycle = 0;
  private timers: TimerHandle[] = [];
  /** nominated maps node name -> pods nominated there by preemption (upstream `nominator`). */
  private readonly nominatedPods = new Map<string, PodInfo[]>();
  private readonly nominatedPodToNode = new Map<string, string>();

  constructor(o: SchedulingQueueOptions) {
    this.clock = o.clock ?? realClock;
    this.initialBackoff = o.podInitialBackoffMs ?? 1000;
    this.maxBackoff = o.podMaxBackoffMs ?? 10_000;
    this.maxInUnschedulable = o.podMaxInUnschedulablePodsDurationMs ?? 5 * 60_000;
    this.preEnqueue = o.preEnqueue;
    this.events = o.eventsToRegister ?? new Map();
    this.onIncoming = o.onIncoming;
    const key = (q: QueuedPodInfo): string => podUID(q.podInfo.pod);
    this.activeQ = new Heap(key, o.lessFn);
    this.backoffQ = new Heap(key, (a, b) => this.backoffTime(a) < this.backoffTime(b));
  }

  /** run starts the periodic flushes (backoffQ every 1 s, unschedulablePods every 30 s) until the signal aborts. */
  run(signal?: AbortSignal): void {
    const every = (ms: number, fn: () => void): void => {
      const tick = (): void => {
        if (this.closed || signal?.aborted) return;
        fn();
        this.timers.push(this.clock.setTimeout(tick, ms, { background: true }));
      };
      this.timers.push(this.clock.setTimeout(tick, ms, { background: true }));
    };
    every(1000, () => this.flushBackoffQCompleted());
    every(30_000, () => this.flushUnschedulablePodsLeftover());
    signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** close wakes every waiting `pop` with undefined and stops the flushes. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers = [];
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** schedulingCycle returns the number of pods popped so far. */
  schedulingCycle(): number {
    return this.cycle;
  }

  /** add puts a new unscheduled pod in activeQ, or in unschedulablePods when a PreEnqueue plugin gates it. */
  add(pod: Pod, event: ClusterEvent = EVENTS.PodAdd): void {
    if (pod.status?.nominatedNodeName) this.addNominatedPod(pod, pod.status.nominatedNodeName);
    const qpi = newQueuedPodInfo(pod, this.clock.now());
    this.moveToActiveQ(qpi, event.label ?? 'PodAdd');
  }

  /** activate moves the given pods to activeQ if they wait in backoffQ or unschedulablePods. */
  activate(pods: Pod[]): void {
    for (const pod of pods) {
      const uid = podUID(pod);
      const qpi = this.unschedulablePods.get(uid) ?? this.backoffQ.get(uid);
      if (!qpi) continue;
      this.unschedulablePods.delete(uid);
      this.backoffQ.delete(uid);
      this.moveToActiveQ(qpi, EVENTS.ForceActivate.label);
    }
  }

  /** runPreEnqueue runs the PreEnqueue plugins and records the gating plugin. */
  private runPreEnqueue(qpi: QueuedPodInfo): boolean {
    const s = this.preEnqueue?.(qpi.podInfo.pod);
    if (s && !s.isSuccess()) {
      qpi.gated = true;
      qpi.gatingPlugin = s.plugin;
      qpi.unschedulablePlugins = new Set(s.plugin ? [s.plugin] : []);
      return false;
    }
    qpi.gated = false;
    qpi.gatingPlugin = undefined;
    return true;
  }

  private moveToActiveQ(qpi: QueuedPodInfo, event: string): boolean {
    const uid = podUID(qpi.podInfo.pod);
    if (!this.runPreEnqueue(qpi)) {
      this.unschedulablePods.set(uid, qpi);
      this.onIncoming?.('gated', event);
      return false;
    }
    if (this.activeQ.has(uid)) {
      this.activeQ.addOrUpdate(qpi);
      return false;
    }
    this.unschedulablePods.delete(uid);
    this.backoffQ.delete(uid);
    this.activeQ.addOrUpdate(qpi);
    this.onIncoming?.('active', event);
    this.wake();
    return true;
  }

  private wake(): void {
    const w = this.waiters.shift();
    if (w) w();
  }

  /**
   * pop waits for and returns the head of activeQ, marking it in flight; undefined when the queue
   * is closed or the signal aborts.
   */
  async pop(signal?: AbortSignal): Promise<QueuedPodInfo | undefined> {
    while (this.activeQ.len === 0) {
      if (this.closed || signal?.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
    return this.popNow();
  }

  /** popNow returns the head of activeQ without waiting (undefined when empty). */
  popNow(): QueuedPodInfo | undefined {
    const qpi = this.activeQ.pop();
    if (!qpi) return undefined;
    this.cycle++;
    qpi.attempts++;
    qpi.initialAttemptTimestamp ??= this.clock.now();
    this.inFlight.set(podUID(qpi.podInfo.pod), { pod: qpi.podInfo.pod, eventIndex: this.inFlightEventsBase + this.inFlightEvents.length });
    return qpi;
  }

  /** done marks a pod's scheduling attempt finished (after binding or requeueing). */
  done(uid: string): void {
    if (!this.inFlight.delete(uid)) return;
    if (this.inFlight.size === 0) {
      this.inFlightEventsBase += this.inFlightEvents.length;
      this.inFlightEvents = [];
      return;
    }
    let min = Infinity;
    for (const v of this.inFlight.values()) min = Math.min(min, v.eventIndex);
    const drop = min - this.inFlightEventsBase;
    if (drop > 0) {
      this.inFlightEvents = this.inFlightEvents.slice(drop);
      this.inFlightEventsBase = min;
    }
  }

  /** backoffDuration is initial * 2^(attempts-1), capped at the max. */
  backoffDuration(qpi: QueuedPodInfo): number {
    let d = this.initialBackoff;
    for (let i = 1; i < qpi.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoff) return this.maxBackoff;
    }
    return Math.min(d, this.maxBackoff);
  }

  private backoffTime(qpi: QueuedPodInfo): number {
    return qpi.timestamp + this.backoffDuration(qpi);
  }

  /** isPodBackingOff reports whether the pod's backoff has not expired. */
  isPodBackingOff(qpi: QueuedPodInfo): boolean {
    if (qpi.gated || qpi.attempts === 0) return false;
    return this.backoffTime(qpi) > this.clock.now();
  }

  /**
   * addUnschedulableIfNotPresent requeues a pod whose attempt failed: to backoffQ if an event
   * received while it was in flight may help it (or it failed with an error), else to
   * unschedulablePods.
   */
  addUnschedulableIfNotPresent(qpi: QueuedPodInfo): void {
    const uid = podUID(qpi.podInfo.pod);
    if (this.unschedulablePods.has(uid) || this.activeQ.has(uid) || this.backoffQ.has(uid)) {
      this.done(uid);
      return;
    }
    qpi.timestamp = this.clock.now();
    const inFlight = this.inFlight.get(uid);
    let requeue = qpi.unschedulablePlugins.size === 0 && qpi.pendingPlugins.size === 0;
    if (!requeue && inFlight) {
      const from = inFlight.eventIndex - this.inFlightEventsBase;
      for (let i = Math.max(0, from); i < this.inFlightEvents.length; i++) {
        const e = this.inFlightEvents[i]!;
        if (this.isPodWorthRequeuing(qpi, e.event, e.oldObj, e.newObj)) {
          requeue = true;
          break;
        }
      }
    }
    this.done(uid);
    if (requeue) {
      this.backoffQ.addOrUpdate(qpi);
      this.onIncoming?.('backoff', EVENTS.ScheduleAttemptFailure.label);
    } else {
      this.unschedulablePods.set(uid, qpi);
      this.onIncoming?.('unschedulable', EVENTS.ScheduleAttemptFailure.label);
    }
  }

  /**
   * isPodWorthRequeuing reports whether an event may make the pod schedulable: some plugin that
   * rejected it registered a matching event (and its queueing hint, if any, says Queue).
   */
  isPodWorthRequeuing(qpi: QueuedPodInfo, event: ClusterEvent, oldObj: unknown, newObj: unknown): boolean {
    const rejectors = new Set([...qpi.unschedulablePlugins, ...qpi.pendingPlugins]);
    if (rejectors.size === 0) return true;
    if (event.resource === '*' && event.actionType === EVENTS.UnschedulableTimeout.actionType) return true;
    for (const plugin of rejectors) {
      const regs = this.events.get(plugin);
      if (regs === undefined) return true;
      for (const r of regs) {
        if (!eventMatches(r.event, event)) continue;
        if (!r.queueingHintFn) return true;
        try {
          if (r.queueingHintFn(qpi.podInfo.pod, oldObj, newObj) === QueueingHint.Queue) return true;
        } catch {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * moveAllToActiveOrBackoffQueue moves the unschedulable pods this event may help to activeQ
   * (or backoffQ while they back off), and records the event for in-flight pods.
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, oldObj?: unknown, newObj?: unknown, preCheck?: (pod: Pod) => boolean): void {
    if (this.inFlight.size > 0) this.inFlightEvents.push({ event, oldObj, newObj });
    if (this.unschedulablePods.size === 0) return;
    const label = event.label ?? 'Unknown';
    for (const [uid, qpi] of [...this.unschedulablePods]) {
      if (preCheck && !preCheck(qpi.podInfo.pod)) continue;
      if (qpi.gated) {
        // A gated pod only leaves when its PreEnqueue plugins pass (checked on its own update).
        continue;
      }
      if (!this.isPodWorthRequeuing(qpi, event, oldObj, newObj)) continue;
      this.requeue(uid, qpi, label);
    }
  }

  private requeue(uid: string, qpi: QueuedPodInfo, label: string): void {
    this.unschedulablePods.delete(uid);
    if (this.isPodBackingOff(qpi)) {
      this.backoffQ.addOrUpdate(qpi);
      this.onIncoming?.('backoff', label);
    } else {
      this.moveToActiveQ(qpi, label);
    }
  }

  /** update applies a new version of an unscheduled pod; `event` describes what changed. */
  update(oldPod: Pod | undefined, newPod: Pod, event?: ClusterEvent): void {
    const uid = podUID(newPod);
    if ((oldPod?.status?.nominatedNodeName ?? '') !== (newPod.status?.nominatedNodeName ?? '') || this.nominatedPodToNode.has(uid)) {
      this.addNominatedPod(newPod, newPod.status?.nominatedNodeName ?? this.nominatedPodToNode.get(uid));
    }
    const inActive = this.activeQ.get(uid);
    if (inActive) {
      inActive.podInfo = new PodInfo(newPod);
      this.activeQ.addOrUpdate(inActive);
      return;
    }
    const inBackoff = this.backoffQ.get(uid);
    if (inBackoff) {
      inBackoff.podInfo = new PodInfo(newPod);
      this.backoffQ.addOrUpdate(inBackoff);
      return;
    }
    const inUnsched = this.unschedulablePods.get(uid);
    if (inUnsched) {
      inUnsched.podInfo = new PodInfo(newPod);
      if (inUnsched.gated) {
        if (this.runPreEnqueue(inUnsched)) this.requeue(uid, inUnsched, event?.label ?? 'PodUpdate');
        return;
      }
      if (event && this.isPodWorthRequeuing(inUnsched, event, oldPod, newPod)) this.requeue(uid, inUnsched, event.label ?? 'PodUpdate');
      return;
    }
    if (this.inFlight.has(uid)) {
      if (event) this.inFlightEvents.push({ event, oldObj: oldPod, newObj: newPod });
      return;
    }
    this.add(newPod);
  }

  /** delete removes a pod from every sub-queue. */
  delete(pod: Pod): void {
    const uid = podUID(pod);
    this.deleteNominatedPodIfExists(pod);
    this.activeQ.delete(uid);
    this.backoffQ.delete(uid);
    this.unschedulablePods.delete(uid);
  }

  /** flushBackoffQCompleted moves pods whose backoff expired to activeQ. */
  flushBackoffQCompleted(): void {
    for (;;) {
      const head = this.backoffQ.peek();
      if (!head || this.backoffTime(head) > this.clock.now()) return;
      this.backoffQ.pop();
      this.moveToActiveQ(head, EVENTS.BackoffComplete.label);
    }
  }

  /** flushUnschedulablePodsLeftover moves pods that stayed too long in unschedulablePods. */
  flushUnschedulablePodsLeftover(): void {
    const now = this.clock.now();
    for (const [uid, qpi] of [...this.unschedulablePods]) {
      if (qpi.gated) continue;
      if (now - qpi.timestamp > this.maxInUnschedulable) this.requeue(uid, qpi, EVENTS.UnschedulableTimeout.label);
    }
  }

  /**
   * addNominatedPod records that a pod is nominated to a node (from preemption, or from its
   * `status.nominatedNodeName`); an empty node name removes the nomination.
   */
  addNominatedPod(pod: Pod, nodeName: string | undefined): void {
    this.deleteNominatedPodIfExists(pod);
    if (!nodeName) return;
    const uid = podUID(pod);
    this.nominatedPodToNode.set(uid, nodeName);
    const list = this.nominatedPods.get(nodeName) ?? [];
    list.push(new PodInfo(pod));
    this.nominatedPods.set(nodeName, list);
  }

  /** deleteNominatedPodIfExists forgets a pod's nomination (it was bound or deleted). */
  deleteNominatedPodIfExists(pod: Pod): void {
    const uid = podUID(pod);
    const node = this.nominatedPodToNode.get(uid);
    if (node === undefined) return;
    this.nominatedPodToNode.delete(uid);
    const list = (this.nominatedPods.get(node) ?? []).filter((pi) => podUID(pi.pod) !== uid);
    if (list.length) this.nominatedPods.set(node, list);
    else this.nominatedPods.delete(node);
  }

  /** nominatedPodsForNode returns the pods nominated to a node. */
  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.nominatedPods.get(nodeName) ?? [];
  }

  /** pendingPods counts pods per sub-queue (for `scheduler_pending_pods`). */
  pendingPods(): Record<QueueName, number> {
    let gated = 0;
    for (const q of this.unschedulablePods.values()) if (q.gated) gated++;
    return { active: this.activeQ.len, backoff: this.backoffQ.len, unschedulable: this.unschedulablePods.size - gated, gated };
  }

  /**
   * unschedulablePodsByPlugin counts the pods waiting in unschedulablePods per rejecting (or
   * gating) plugin and profile, for `scheduler_unschedulable_pods{plugin,profile}`: a pod counts
   * once for each plugin that rejected it.
   */
  unschedulablePodsByPlugin(): Array<{ plugin: string; profile: string; count: number }> {
    const counts = new Map<string, number>();
    for (const q of this.unschedulablePods.values()) {
      const profile = q.podInfo.pod.spec?.schedulerName ?? 'default-scheduler';
      const plugins = q.gated ? (q.gatingPlugin ? [q.gatingPlugin] : []) : new Set([...q.unschedulablePlugins, ...q.pendingPlugins]);
      for (const plugin of plugins) {
        const k = `${plugin}\0${profile}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    }
    return [...counts].map(([k, count]) => {
      const [plugin, profile] = k.split('\0') as [string, string];
      return { plugin, profile, count };
    });
  }

  /** podInfo returns where a pod is queued, for tests and debugging. */
  whereIs(pod: Pod): QueueName | 'inFlight' | undefined {
    const uid = podUID(pod);
    if (this.activeQ.has(uid)) return 'active';
    if (this.backoffQ.has(uid)) return 'backoff';
    const u = this.unschedulablePods.get(uid);
    if (u) return u.gated ? 'gated' : 'unschedulable';
    if (this.inFlight.has(uid)) return 'inFlight';
    return undefined;
  }
}

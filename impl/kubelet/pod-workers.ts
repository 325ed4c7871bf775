/**
 * PodWorkers drive every pod on this node through its lifecycle, one serialized worker per pod
 * UID (upstream: pkg/kubelet/pod_workers.go).
 *
 * Lifecycle (the phase is derived from timestamps, never stored twice):
 *
 * ```
 *            updatePod(create|update|sync)                 syncPod -> isTerminal, or
 *   (new) ──────────────────────────────▶ sync ──────────▶ deletionTimestamp, or updatePod(kill)
 *                                          │  ▲ retry after error / resync
 *                                          ▼  │
 *                                      terminating  (terminatingAt set) ── syncTerminatingPod(gracePeriod)
 *                                          │                               or syncTerminatingRuntimePod
 *                                          ▼                               for orphans without an API pod
 *                                      terminated   (terminatedAt set) ── syncTerminatedPod (volumes, cgroups)
 *                                          │
 *                                          ▼
 *                                       finished    (no more work; forgotten by syncKnownPods once
 *                                                    the pod is gone from the pod manager)
 * ```
 *
 * Guarantees:
 * - At most one sync function runs per UID at a time; different UIDs run concurrently.
 * - Latest wins: an update that arrives while a sync runs replaces any pending update; the
 *   worker picks it up when the current call returns. Nothing is queued twice.
 * - Each active call gets its own AbortController. A transition to terminating aborts a running
 *   `syncPod`; a shorter grace period aborts a running `syncTerminatingPod` so it restarts with
 *   the new one.
 * - Phases only move forward: sync -> terminating -> terminated -> finished.
 * - A failed call is retried after `backOffPeriodMs`; a successful `syncPod` is re-run after
 *   `resyncIntervalMs` (or earlier when an update arrives, e.g. from the PLEG).
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { Clock, TimerHandle } from '#impl/apimachinery/util/clock/index.ts';
import type { RuntimePod } from './container/runtime.ts';

/** SYNC_POD_TYPES are the kinds of update (upstream `kubetypes.SyncPodType`). */
export const SYNC_POD_TYPES = ['create', 'update', 'sync', 'kill'] as const;
/** SyncPodType is one of {@link SYNC_POD_TYPES}. */
export type SyncPodType = (typeof SYNC_POD_TYPES)[number];

/** PodWorkerState is the phase of a pod worker, derived from its timestamps. */
export type PodWorkerState = 'sync' | 'terminating' | 'terminated';

/** KillPodOptions tune a kill update (upstream `KillPodOptions`). */
export interface KillPodOptions {
  /** podTerminationGracePeriodSecondsOverride replaces the pod's grace period (e.g. eviction). */
  podTerminationGracePeriodSecondsOverride?: number;
}

/** UpdatePodOptions is one update for a pod worker (upstream `UpdatePodOptions`). */
export interface UpdatePodOptions {
  updateType: SyncPodType;
  /** pod is the API pod; absent only for runtime-only (orphaned) pods. */
  pod?: Pod;
  /** runningPod is the runtime's view, for pods the API no longer knows. */
  runningPod?: RuntimePod;
  killPodOptions?: KillPodOptions;
}

/** SyncPodResult is what `syncPod` reports: whether the pod reached a terminal phase. */
export interface SyncPodResult {
  isTerminal: boolean;
}

/**
 * PodSyncer is what the workers call; the Kubelet implements it and tests inject fakes
 * (upstream `podSyncer`). Each method must be safe to call again after a failure or an abort.
 */
export interface PodSyncer {
  /** syncPod makes the runtime match the pod's spec and reports whether the pod is terminal. */
  syncPod(signal: AbortSignal, updateType: SyncPodType, pod: Pod): Promise<SyncPodResult>;
  /** syncTerminatingPod stops every container of the pod with the given grace period (seconds). */
  syncTerminatingPod(signal: AbortSignal, pod: Pod, gracePeriodSeconds: number): Promise<void>;
  /** syncTerminatingRuntimePod stops a pod known only to the runtime (no API object). */
  syncTerminatingRuntimePod(signal: AbortSignal, runningPod: RuntimePod): Promise<void>;
  /** syncTerminatedPod cleans up after all containers stopped (volumes, cgroups, final status). */
  syncTerminatedPod(signal: AbortSignal, pod: Pod): Promise<void>;
}

/** PodSyncStatus is the worker's record of one pod UID (upstream `podSyncStatus`). */
export interface PodSyncStatus {
  uid: string;
  fullname: string;
  pod?: Pod;
  runningPod?: RuntimePod;
  syncedAt?: number;
  startedAt?: number;
  terminatingAt?: number;
  terminatedAt?: number;
  /** gracePeriod (seconds) in effect once terminating. */
  gracePeriod?: number;
  /** deleted: the API pod has a deletionTimestamp or is gone. */
  deleted: boolean;
  finished: boolean;
  working: boolean;
  pendingUpdate?: UpdatePodOptions;
  activeUpdate?: UpdatePodOptions;
  abort?: AbortController;
  retryTimer?: TimerHandle;
  lastError?: unknown;
}

/** PodWorkersOptions configure {@link PodWorkers}. */
export interface PodWorkersOptions {
  syncer: PodSyncer;
  clock: Clock;
  /** backOffPeriodMs: retry delay after a failed call (upstream 10 s). */
  backOffPeriodMs?: number;
  /** resyncIntervalMs: periodic re-sync of a running pod (upstream 1 min). */
  resyncIntervalMs?: number;
  /** onError hears every failed call (for logs/events). */
  onError?: (uid: string, phase: PodWorkerState, err: unknown) => void;
}

/** DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS is the API default of terminationGracePeriodSeconds. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

/** workerState derives the phase of a status from its timestamps. */
export function workerState(s: Pick<PodSyncStatus, 'terminatingAt' | 'terminatedAt'>): PodWorkerState {
  if (s.terminatedAt !== undefined) return 'terminated';
  if (s.terminatingAt !== undefined) return 'terminating';
  return 'sync';
}

/** isTerminalPhase reports Succeeded or Failed. */
export function isTerminalPhase(pod: Pod | undefined): boolean {
  const p = pod?.status?.phase;
  return p === 'Succeeded' || p === 'Failed';
}

/**
 * calculateEffectiveGracePeriod picks the grace period (seconds) of a terminating pod (upstream
 * calculateEffectiveGracePeriod): the override, else the deletion grace period, else the spec's;
 * never longer than one already in effect, and at least 1 (a kill always gets a moment).
 */
export function calculateEffectiveGracePeriod(status: PodSyncStatus, pod: Pod | undefined, opts: KillPodOptions | undefined): number {
  let grace = pod?.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (pod?.metadata?.deletionGracePeriodSeconds !== undefined && pod.metadata.deletionGracePeriodSeconds !== null) {
    grace = pod.metadata.deletionGracePeriodSeconds;
  }
  if (opts?.podTerminationGracePeriodSecondsOverride !== undefined) grace = opts.podTerminationGracePeriodSecondsOverride;
  if (status.gracePeriod !== undefined && status.gracePeriod < grace) grace = status.gracePeriod;
  return Math.max(grace, 1);
}

/** PodWorkers: see the module comment. */
export class PodWorkers {
  private readonly statuses = new Map<string, PodSyncStatus>();
  private readonly syncer: PodSyncer;
  private readonly clock: Clock;
  private readonly backOffPeriodMs: number;
  private readonly resyncIntervalMs: number;
  private readonly onError: PodWorkersOptions['onError'];
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(opts: PodWorkersOptions) {
    this.syncer = opts.syncer;
    this.clock = opts.clock;
    this.backOffPeriodMs = opts.backOffPeriodMs ?? 10_000;
    this.resyncIntervalMs = opts.resyncIntervalMs ?? 60_000;
    this.onError = opts.onError;
  }

  /**
   * updatePod records an update for a pod and makes sure its worker runs. Updates for a
   * finished pod are ignored; a terminating pod only accepts a shorter grace period.
   */
  updatePod(options: UpdatePodOptions): void {
    if (this.stopped) return;
    const uid = options.pod?.metadata?.uid ?? options.runningPod?.uid;
    if (!uid) throw new Error('updatePod: neither pod nor runningPod has a uid');
    const now = this.clock.now();
    let status = this.statuses.get(uid);
    if (!status) {
      const name = options.pod?.metadata?.name ?? options.runningPod?.name ?? '';
      const ns = options.pod?.metadata?.namespace ?? options.runningPod?.namespace ?? '';
      status = { uid, fullname: `${name}_${ns}`, deleted: false, finished: false, working: false };
      this.statuses.set(uid, status);
      // A pod the API already reports terminal (e.g. after a kubelet restart) only needs its
      // containers confirmed stopped: start it in terminating.
      if (isTerminalPhase(options.pod)) status.terminatingAt = now;
      // A runtime-only pod has no spec to sync: it is an orphan to be stopped.
      if (!options.pod && options.runningPod) status.terminatingAt = now;
    }
    if (status.finished) return;
    if (options.pod) status.pod = options.pod;
    if (options.runningPod) status.runningPod = options.runningPod;

    const wasTerminating = status.terminatingAt !== undefined;
    if (options.pod?.metadata?.deletionTimestamp) status.deleted = true;
    if (status.terminatingAt === undefined && (options.updateType === 'kill' || status.deleted)) {
      status.terminatingAt = now;
    }
    if (status.terminatingAt !== undefined && status.terminatedAt === undefined) {
      const grace = calculateEffectiveGracePeriod(status, status.pod, options.killPodOptions);
      const shortened = status.gracePeriod !== undefined && grace < status.gracePeriod;
      status.gracePeriod = grace;
      // Abort a running sync when the pod starts terminating, or a running termination that
      // now has a shorter grace period (upstream: cancelFn in UpdatePod).
      if (status.working && status.abort && (!wasTerminating || shortened)) status.abort.abort(new Error('pod update: terminating'));
    }
    status.pendingUpdate = options;
    this.clearRetry(status);
    this.kick(status);
  }

  /** isPodKnownTerminated reports whether the pod's containers are known stopped. */
  isPodKnownTerminated(uid: string): boolean {
    return this.statuses.get(uid)?.terminatedAt !== undefined;
  }

  /** isPodTerminationRequested reports whether the pod is terminating or beyond. */
  isPodTerminationRequested(uid: string): boolean {
    return this.statuses.get(uid)?.terminatingAt !== undefined;
  }

  /**
   * couldHaveRunningContainers is false only once termination finished; an unknown UID counts
   * as "could" (the runtime might still hold it) unless `unknownIsStopped`.
   */
  couldHaveRunningContainers(uid: string, unknownIsStopped = false): boolean {
    const s = this.statuses.get(uid);
    if (!s) return !unknownIsStopped;
    return s.terminatedAt === undefined;
  }

  /** isFinished reports whether the worker of `uid` has nothing left to do. */
  isFinished(uid: string): boolean {
    return this.statuses.get(uid)?.finished ?? false;
  }

  /** state returns the phase of `uid`, or undefined when unknown. */
  state(uid: string): PodWorkerState | undefined {
    const s = this.statuses.get(uid);
    return s ? workerState(s) : undefined;
  }

  /** knownUIDs lists every UID with a worker record. */
  knownUIDs(): string[] {
    return [...this.statuses.keys()];
  }

  /** getStatus returns a snapshot of the worker record of `uid` (tests, debugging). */
  getStatus(uid: string): Readonly<PodSyncStatus> | undefined {
    return this.statuses.get(uid);
  }

  /**
   * syncKnownPods reconciles workers with the desired pods (upstream SyncKnownPods): workers of
   * pods no longer desired are told to terminate; finished workers of such pods are forgotten.
   */
  syncKnownPods(desiredUIDs: ReadonlySet<string>): void {
    for (const [uid, s] of this.statuses) {
      if (desiredUIDs.has(uid)) continue;
      if (s.finished) {
        if (!s.working) this.statuses.delete(uid);
        continue;
      }
      if (s.terminatingAt === undefined) {
        s.deleted = true;
        this.updatePod({ updateType: 'kill', pod: s.pod, runningPod: s.runningPod });
      }
    }
  }

  /** waitIdle resolves once no worker is running (tests and shutdown). */
  async waitIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** stop aborts running calls, cancels retries and ignores further updates. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.statuses.values()) {
      this.clearRetry(s);
      s.pendingUpdate = undefined;
      s.abort?.abort(new Error('pod workers stopped'));
    }
    await this.waitIdle();
  }

  private kick(status: PodSyncStatus): void {
    if (status.working || this.stopped) return;
    status.working = true;
    const p = this.runWorker(status).finally(() => {
      status.working = false;
      this.running.delete(p);
    });
    this.running.add(p);
  }

  private clearRetry(status: PodSyncStatus): void {
    if (status.retryTimer !== undefined) this.clock.clearTimeout(status.retryTimer);
    status.retryTimer = undefined;
  }

  private requeue(status: PodSyncStatus, delayMs: number): void {
    this.clearRetry(status);
    if (this.stopped || status.finished) return;
    status.retryTimer = this.clock.setTimeout(
      () => {
        status.retryTimer = undefined;
        if (status.finished || status.pendingUpdate || this.stopped) return;
        status.pendingUpdate = { updateType: 'sync', pod: status.pod, runningPod: status.runningPod };
        this.kick(status);
      },
      delayMs,
      { background: true },
    );
  }

  /** runWorker is the serialized loop of one UID (upstream podWorkerLoop). */
  private async runWorker(status: PodSyncStatus): Promise<void> {
    while (status.pendingUpdate && !this.stopped) {
      const update = status.pendingUpdate;
      status.pendingUpdate = undefined;
      status.activeUpdate = update;
      const phase = workerState(status);
      const ctrl = new AbortController();
      status.abort = ctrl;
      try {
        if (phase === 'sync') {
          if (!status.pod) throw new Error('sync without a pod');
          status.startedAt ??= this.clock.now();
          const res = await this.syncer.syncPod(ctrl.signal, update.updateType, status.pod);
          status.syncedAt = this.clock.now();
          if (res.isTerminal && status.terminatingAt === undefined) {
            status.terminatingAt = this.clock.now();
            status.gracePeriod = calculateEffectiveGracePeriod(status, status.pod, undefined);
          }
        } else if (phase === 'terminating') {
          const grace = status.gracePeriod ?? calculateEffectiveGracePeriod(status, status.pod, update.killPodOptions);
          if (status.pod) await this.syncer.syncTerminatingPod(ctrl.signal, status.pod, grace);
          else if (status.runningPod) await this.syncer.syncTerminatingRuntimePod(ctrl.signal, status.runningPod);
          if (ctrl.signal.aborted) throw ctrl.signal.reason;
          status.terminatedAt = this.clock.now();
        } else {
          if (status.pod) await this.syncer.syncTerminatedPod(ctrl.signal, status.pod);
          status.finished = true;
        }
        status.lastError = undefined;
        // Continue into the next phase right away; a running pod is re-synced periodically.
        const next = workerState(status);
        if (!status.finished && !status.pendingUpdate) {
          if (next !== phase) status.pendingUpdate = { updateType: 'sync', pod: status.pod, runningPod: status.runningPod };
          else this.requeue(status, this.resyncIntervalMs);
        }
      } catch (err) {
        status.lastError = err;
        if (ctrl.signal.aborted && status.pendingUpdate) continue; // superseded by a newer update
        if (ctrl.signal.aborted && workerState(status) !== phase) {
          status.pendingUpdate ??= { updateType: 'sync', pod: status.pod, runningPod: status.runningPod };
          continue;
        }
        if (!this.stopped) this.onError?.(status.uid, phase, err);
        if (!status.pendingUpdate) this.requeue(status, this.backOffPeriodMs);
      } finally {
        status.abort = undefined;
        status.activeUpdate = undefined;
      }
    }
  }
}

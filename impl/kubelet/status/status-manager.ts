/**
 * StatusManager writes the kubelet's pod statuses to `pods/{name}/status` and finishes the
 * deletion of terminated pods (upstream: pkg/kubelet/status/status_manager.go).
 *
 * Contract:
 * - `setPodStatus` caches the newest status; a write happens only when it differs from what the
 *   API holds. Writes are serialized per pod (up to `concurrency` pods at once), the newest status wins, and a failed write
 *   (Conflict, network) is retried on the next pass (immediately queued, plus every `syncPeriodMs`).
 * - Each write starts from the kubelet's cached copy of the pod (`cachedPod`), or reads the pod
 *   when there is none or the copy was stale (Conflict), and skips it when the UID changed (a
 *   recreated pod) or the pod is gone.
 * - A pod with a deletionTimestamp whose resources are reclaimed
 *   (`podResourcesAreReclaimed`) is deleted with gracePeriodSeconds=0 and a UID
 *   precondition, as upstream's `canBeDeleted` + `syncPod` do.
 */
import type { Pod, PodStatus } from '#generated/k8s/index.ts';
import { isConflict, isNotFound } from '#impl/client/index.ts';
import type { Clock, TimerHandle } from '#impl/apimachinery/util/clock/index.ts';
import type { KubeletClient } from '../kubelet-client.ts';

/**
 * PodDeletionSafetyProvider tells the status manager when a pod may be deleted (upstream
 * PodDeletionSafetyProvider): its containers are stopped and its resources (containers,
 * volumes, cgroups) reclaimed.
 */
export interface PodDeletionSafetyProvider {
  podResourcesAreReclaimed(uid: string): boolean;
}

/** StatusManagerOptions configure a {@link StatusManager}. */
export interface StatusManagerOptions {
  client: KubeletClient;
  clock: Clock;
  deletionSafety: PodDeletionSafetyProvider;
  /**
   * cachedPod returns the kubelet's copy of a pod (from its watch), used for the write instead
   * of a GET; a stale copy fails with Conflict and the write falls back to a fresh GET.
   */
  cachedPod?: (uid: string) => Pod | undefined;
  /** concurrency: pods written at once (default 8; each pod's writes stay serialized). */
  concurrency?: number;
  /** syncPeriodMs: retry/reconcile period (upstream 10 s). */
  syncPeriodMs?: number;
  onError?: (pod: string, err: unknown) => void;
  onDeleted?: (pod: Pod) => void;
}

interface Entry {
  namespace: string;
  name: string;
  status: PodStatus;
  /** sentVersion === version when the API holds this status. */
  version: number;
  sentVersion: number;
  deletionRequested: boolean;
  /** isStatic: the status belongs to a static pod and goes to its mirror pod (upstream translation). */
  isStatic: boolean;
}

/** normalizeStatus drops fields whose presence does not matter for comparison. */
export function normalizeStatus(s: PodStatus | undefined): string {
  return JSON.stringify(s ?? {}, (_k, v: unknown) => (v === null ? undefined : v));
}

/** KUBELET_CONDITIONS are the pod condition types the kubelet owns (upstream PodConditionByKubelet). */
const KUBELET_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized', 'ContainersReady', 'PodReadyToStartContainers', 'PodResizePending', 'PodResizeInProgress']);

/**
 * mergePodStatus is upstream's mergePodStatus: the kubelet's status with the conditions others
 * own taken from the API's current status (a scheduler's DisruptionTarget, readiness gates),
 * and the kubelet's own DisruptionTarget (an eviction) replacing or added to them.
 */
export function mergePodStatus(api: PodStatus | undefined, next: PodStatus): PodStatus {
  const conditions = (api?.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type));
  for (const c of next.conditions ?? []) {
    if (KUBELET_CONDITIONS.has(c.type)) conditions.push(c);
    else if (c.type === 'DisruptionTarget') {
      const i = conditions.findIndex((x) => x.type === c.type);
      if (i >= 0) conditions[i] = c;
      else conditions.push(c);
    }
  }
  return { ...next, conditions };
}

/** StatusManager: see the module comment. */
export class StatusManager {
  private readonly o: StatusManagerOptions;
  private readonly entries = new Map<string, Entry>();
  /** staleCache: pods whose cached copy just caused a Conflict (the next write GETs first). */
  private readonly staleCache = new Set<string>();
  private readonly dirty = new Set<string>();
  private running: Promise<void> | undefined;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private signal: AbortSignal | undefined;

  constructor(opts: StatusManagerOptions) {
    this.o = opts;
  }

  /** start begins the periodic reconcile until the signal aborts. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    const tick = (): void => {
      if (signal.aborted) return;
      for (const uid of this.entries.keys()) this.dirty.add(uid);
      this.kick();
      this.timer = this.o.clock.setTimeout(tick, this.o.syncPeriodMs ?? 10_000, { background: true });
    };
    this.timer = this.o.clock.setTimeout(tick, this.o.syncPeriodMs ?? 10_000, { background: true });
    signal.addEventListener('abort', () => {
      this.stopped = true;
      if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    }, { once: true });
  }

  /** getPodStatus returns the cached status of a pod. */
  getPodStatus(uid: string): PodStatus | undefined {
    return this.entries.get(uid)?.status;
  }

  /** setPodStatus caches a new status and queues a write if it changed. */
  setPodStatus(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata?.uid ?? '';
    const e = this.entries.get(uid);
    if (e && normalizeStatus(e.status) === normalizeStatus(status)) {
      if (pod.metadata?.deletionTimestamp) this.queue(uid);
      return;
    }
    this.entries.set(uid, {
      namespace: pod.metadata?.namespace ?? '',
      name: pod.metadata?.name ?? '',
      status,
      version: (e?.version ?? 0) + 1,
      sentVersion: e?.sentVersion ?? 0,
      deletionRequested: e?.deletionRequested ?? false,
      isStatic: pod.metadata?.annotations?.['kubernetes.io/config.source'] === 'file',
    });
    this.queue(uid);
  }

  /** terminatePod queues a pass for a pod whose termination finished (it may now be deleted). */
  terminatePod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    if (!this.entries.has(uid)) {
      this.entries.set(uid, { namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', status: pod.status ?? {}, version: 0, sentVersion: 0, deletionRequested: false, isStatic: pod.metadata?.annotations?.['kubernetes.io/config.source'] === 'file' });
    }
    this.queue(uid);
  }

  /** removeOrphanedStatuses forgets statuses of pods the kubelet no longer knows. */
  removeOrphanedStatuses(known: ReadonlySet<string>): void {
    for (const uid of this.entries.keys()) if (!known.has(uid)) this.entries.delete(uid);
  }

  /** flush waits until the queue is empty (tests). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private queue(uid: string): void {
    this.dirty.add(uid);
    this.kick();
  }

  /**
   * kick runs the write loop: up to `concurrency` pods at once, each pod never twice at the same
   * time (a pod marked dirty while in flight is picked up again after its write).
   */
  private kick(): void {
    if (this.running || this.stopped) return;
    const inFlight = new Set<string>();
    const worker = async (): Promise<void> => {
      for (;;) {
        if (this.stopped) return;
        const uid = [...this.dirty].find((u) => !inFlight.has(u));
        if (uid === undefined) return;
        this.dirty.delete(uid);
        inFlight.add(uid);
        await this.syncPod(uid).catch((err: unknown) => {
          const e = this.entries.get(uid);
          if (!this.stopped) this.o.onError?.(`${e?.namespace}/${e?.name}`, err);
        });
        inFlight.delete(uid);
      }
    };
    this.running = (async () => {
      while (this.dirty.size > 0 && !this.stopped) {
        await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? 8, this.dirty.size) }, () => worker()));
      }
    })().finally(() => {
      this.running = undefined;
    });
  }

  /** syncPod reconciles one pod's status and deletion with the API (upstream syncPod). */
  private async syncPod(uid: string): Promise<void> {
    const e = this.entries.get(uid);
    if (!e) return;
    const signal = this.signal;
    let pod: Pod;
    const cached = e.isStatic || this.staleCache.delete(uid) ? undefined : this.o.cachedPod?.(uid);
    try {
      pod = cached?.metadata?.resourceVersion && cached.metadata.uid === uid ? cached : await this.o.client.getPod(e.namespace, e.name, signal);
    } catch (err) {
      if (isNotFound(err)) {
        // A static pod's mirror may not exist yet: keep the status for the periodic pass.
        if (!e.isStatic) this.entries.delete(uid);
        return;
      }
      throw err;
    }
    const matches = pod.metadata?.uid === uid || (e.isStatic && pod.metadata?.annotations?.['kubernetes.io/config.mirror'] === uid);
    if (!matches) {
      if (!e.isStatic) this.entries.delete(uid);
      return;
    }
    const merged = mergePodStatus(pod.status, e.status);
    if (e.version > 0 && normalizeStatus(pod.status) !== normalizeStatus(merged)) {
      const version = e.version;
      try {
        pod = await this.o.client.updatePodStatus({ ...pod, status: merged }, signal);
        e.sentVersion = version;
      } catch (err) {
        if (isNotFound(err)) {
          this.entries.delete(uid);
          return;
        }
        if (isConflict(err) && pod === cached) {
          // The cached copy was stale: read the pod and write once more.
          this.dirty.add(uid);
          this.staleCache.add(uid);
          return;
        }
        if (isConflict(err)) {
          this.dirty.add(uid);
          return;
        }
        throw err;
      }
    } else {
      e.sentVersion = e.version;
    }
    // Mirror pods are deleted by the kubelet's mirror pod handling, never here.
    if (!e.isStatic && pod.metadata?.deletionTimestamp && this.o.deletionSafety.podResourcesAreReclaimed(uid) && !e.deletionRequested) {
      try {
        await this.o.client.deletePod(e.namespace, e.name, { gracePeriodSeconds: 0, uid }, signal);
        e.deletionRequested = true;
        this.o.onDeleted?.(pod);
      } catch (err) {
        if (isNotFound(err) || isConflict(err)) {
          this.entries.delete(uid);
          return;
        }
        throw err;
      }
    }
  }
}

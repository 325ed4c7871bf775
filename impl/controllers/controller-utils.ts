/**
 * Shared helpers of the workload controllers (upstream `pkg/controller/controller_utils.go`):
 * {@link ControllerExpectations} so a burst of informer events does not over-create or
 * over-delete, pod predicates (active, ready, available), pod creation from a template with a
 * controllerRef, `slowStartBatch`, and the pod deletion ranking.
 */
import type { KubeObject } from '#impl/client/index.ts';
import type { Clock } from '#impl/client/util/workqueue/index.ts';

/** EXPECTATIONS_TIMEOUT_MS is how long expectations are trusted (upstream `ExpectationsTimeout`, 5 min). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  timestamp: number;
  /** Pod keys expected to be deleted (upstream UIDTrackingControllerExpectations). */
  deleteKeys: Set<string>;
}

/**
 * ControllerExpectations counts the creations and deletions a controller has asked for and
 * not yet seen in its informer. A controller syncs only when its expectations are satisfied
 * (all observed) or expired, so it never acts on a cache that lags behind its own writes.
 */
export class ControllerExpectations {
  private readonly items = new Map<string, Expectation>();
  constructor(private readonly clock: Clock) {}

  /** satisfiedExpectations: no record, all observed, or expired. */
  satisfiedExpectations(key: string): boolean {
    const e = this.items.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now() - e.timestamp > EXPECTATIONS_TIMEOUT_MS;
  }

  /** expectCreations records `n` expected creations (replacing earlier expectations). */
  expectCreations(key: string, n: number): void {
    this.items.set(key, { add: n, del: 0, timestamp: this.clock.now(), deleteKeys: new Set() });
  }

  /** expectDeletions records the pods expected to be deleted. */
  expectDeletions(key: string, podKeys: string[]): void {
    this.items.set(key, { add: 0, del: podKeys.length, timestamp: this.clock.now(), deleteKeys: new Set(podKeys) });
  }

  /** creationObserved lowers the expected creations by one. */
  creationObserved(key: string): void {
    const e = this.items.get(key);
    if (e) e.add--;
  }

  /** deletionObserved lowers the expected deletions when `podKey` was expected. */
  deletionObserved(key: string, podKey: string): void {
    const e = this.items.get(key);
    if (e && e.deleteKeys.delete(podKey)) e.del--;
  }

  /** deleteExpectations forgets a controller's expectations. */
  deleteExpectations(key: string): void {
    this.items.delete(key);
  }

  /** get returns the raw counts (tests). */
  get(key: string): { add: number; del: number } | undefined {
    const e = this.items.get(key);
    return e && { add: e.add, del: e.del };
  }
}

/** podKey is `namespace/name`. */
export function podKey(pod: KubeObject): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/** isPodActive: not Succeeded, not Failed, not being deleted (upstream `IsPodActive`). */
export function isPodActive(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/** filterActivePods keeps the active pods. */
export function filterActivePods(pods: readonly KubeObject[]): KubeObject[] {
  return pods.filter(isPodActive);
}

function readyCondition(pod: KubeObject): { status?: string; lastTransitionTime?: string } | undefined {
  return ((pod.status?.conditions ?? []) as Array<{ type: string; status?: string; lastTransitionTime?: string }>).find((c) => c.type === 'Ready');
}

/** isPodReady: the Ready condition is True. */
export function isPodReady(pod: KubeObject): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** isPodAvailable: ready for at least `minReadySeconds` (upstream `podutil.IsPodAvailable`). */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, nowMs: number): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** ControllerGVK names the controller kind for controllerRefs. */
export interface ControllerGVK {
  group: string;
  version: string;
  kind: string;
}

/** newControllerRef builds the controller owner reference to `owner` (blockOwnerDeletion true). */
export function newControllerRef(owner: KubeObject, gvk: ControllerGVK): Record<string, unknown> {
  return {
    apiVersion: gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version,
    kind: gvk.kind,
    name: owner.metadata?.name,
    uid: owner.metadata?.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** getControllerOf returns the owner reference with `controller: true`, if any. */
export function getControllerOf(obj: KubeObject): { apiVersion: string; kind: string; name: string; uid: string } | undefined {
  return ((obj.metadata?.ownerReferences ?? []) as Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>).find((r) => r.controller === true);
}

/**
 * getPodFromTemplate builds a pod from a template (upstream `GetPodFromTemplate`): template
 * labels, annotations and finalizers, `generateName` `<controller name>-`, the controllerRef.
 */
export function getPodFromTemplate(template: KubeObject | undefined, parent: KubeObject, controllerRef: Record<string, unknown>): KubeObject {
  const t = template ?? {};
  const metadata: Record<string, unknown> = {
    generateName: `${parent.metadata?.name ?? ''}-`,
    labels: { ...(t.metadata?.labels ?? {}) },
    annotations: { ...(t.metadata?.annotations ?? {}) },
    ownerReferences: [controllerRef],
  };
  if (t.metadata?.finalizers?.length) metadata.finalizers = [...t.metadata.finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(t.spec ?? {}) };
}

/**
 * slowStartBatch calls `fn` `count` times in batches of 1, 2, 4, ... (upstream `slowStartBatch`),
 * each batch in parallel, stopping after the first batch with a failure. It returns the number
 * of successes and the first error.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** POD_DELETION_COST_ANNOTATION is the annotation that lowers (or raises) a pod's deletion priority. */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

function deletionCost(pod: KubeObject): number {
  const v = Number(pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION] ?? 0);
  return Number.isFinite(v) ? v : 0;
}

function restarts(pod: KubeObject): number {
  return ((pod.status?.containerStatuses ?? []) as Array<{ restartCount?: number }>).reduce((s, c) => s + (c.restartCount ?? 0), 0);
}

/**
 * rankPodsForDeletion orders pods so the ones to delete first come first (upstream
 * `ActivePodsWithRanks.Less`): unscheduled before scheduled; Pending, Unknown, then Running;
 * not ready before ready; lower pod-deletion-cost first; more pods sharing the node first;
 * ready for less time first; more restarts first; newer first.
 */
export function rankPodsForDeletion(pods: readonly KubeObject[], relatedPods: readonly KubeObject[] = pods): KubeObject[] {
  const onNode = new Map<string, number>();
  for (const p of relatedPods) {
    const n = p.spec?.nodeName;
    if (n && isPodActive(p)) onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const rank = (p: KubeObject): number => (p.spec?.nodeName ? onNode.get(p.spec.nodeName) ?? 0 : 0);
  return [...pods].sort((a, b) => {
    const sa = a.spec?.nodeName ? 1 : 0;
    const sb = b.spec?.nodeName ? 1 : 0;
    if (sa !== sb) return sa - sb;
    const pa = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
    const pb = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
    if (pa !== pb) return pa - pb;
    const ra = isPodReady(a) ? 1 : 0;
    const rb = isPodReady(b) ? 1 : 0;
    if (ra !== rb) return ra - rb;
    const ca = deletionCost(a);
    const cb = deletionCost(b);
    if (ca !== cb) return ca - cb;
    const ka = rank(a);
    const kb = rank(b);
    if (ka !== kb) return kb - ka;
    if (ra === 1 && rb === 1) {
      const ta = Date.parse(readyCondition(a)?.lastTransitionTime ?? '') || 0;
      const tb = Date.parse(readyCondition(b)?.lastTransitionTime ?? '') || 0;
      if (ta !== tb) return tb - ta;
    }
    const xa = restarts(a);
    const xb = restarts(b);
    if (xa !== xb) return xb - xa;
    const ga = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
    const gb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
    return gb - ga;
  });
}

/** objectKey is `namespace/name` (client-go `MetaNamespaceKeyFunc` for namespaced objects). */
export function objectKey(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/** unwrapTombstone returns the object inside a `DeletedFinalStateUnknown`, or the object itself. */
export function unwrapTombstone(obj: KubeObject | { key: string; obj: unknown }): KubeObject {
  return obj && typeof obj === 'object' && 'key' in obj && 'obj' in obj && !('metadata' in obj) ? (obj.obj as KubeObject) : (obj as KubeObject);
}

/** rfc3339 renders ms as a Kubernetes `Time` (seconds precision, UTC). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Toleration and Taint are the fields the taint checks read. */
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}
export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

/** findToleration returns the toleration that tolerates `taint` (upstream `v1helper.TolerationsTolerateTaint`). */
export function findToleration(tols: readonly Toleration[], taint: Taint): Toleration | undefined {
  return tols.find((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

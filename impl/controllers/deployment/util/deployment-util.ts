/**
 * Pure Deployment helpers (upstream `pkg/controller/deployment/util/deployment_util.go`):
 * revisions and annotations, the pod-template-hash, finding the new and old ReplicaSets,
 * replica counts, fenceposts (maxSurge/maxUnavailable), conditions, and the completeness,
 * progress and timeout predicates.
 */
import { getScaledValueFromIntOrPercent, type IntOrString } from '#impl/apimachinery/index.ts';
import type { KubeObject } from '#impl/client/index.ts';

/** Annotation keys (upstream `deploymentutil`). */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY is the label carrying the template hash. */
export const DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY = 'pod-template-hash';

/** Condition reasons (upstream `deploymentutil` constants). */
export const REASONS = {
  foundNewRS: 'FoundNewReplicaSet',
  newRSCreated: 'NewReplicaSetCreated',
  failedRSCreate: 'ReplicaSetCreateError',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/** DeploymentCondition is one status condition. */
export interface DeploymentCondition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** replicasOf is `spec.replicas` (default 1). */
export function replicasOf(obj: KubeObject | undefined): number {
  if (!obj) return 0;
  const r = obj.spec?.replicas;
  return r === undefined || r === null ? 1 : Number(r);
}

/**
 * revisionOf reads the revision annotation (0 when absent or invalid). Revisions are int64
 * upstream and clients may set any of them (the conformance test uses 3546343826724305832),
 * so they are bigints here.
 */
export function revisionOf(obj: KubeObject | undefined): bigint {
  const raw = String(obj?.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
  return /^\d{1,19}$/.test(raw) ? BigInt(raw) : 0n;
}

/** maxRevision is the highest revision among `rss`. */
export function maxRevision(rss: readonly KubeObject[]): bigint {
  return rss.reduce((m, rs) => (revisionOf(rs) > m ? revisionOf(rs) : m), 0n);
}

/** compareRevisions orders two objects by revision (for sorting). */
export function compareRevisions(a: KubeObject, b: KubeObject): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

/** isEmpty: null, undefined, {} and [] compare equal to an absent field (Go's semantic equality of zero values). */
function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as object).every(isEmpty);
  return false;
}

/** canonical renders a value with sorted keys, leaving out empty fields. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => !isEmpty((v as Record<string, unknown>)[k]))
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * computeHash hashes a pod template and the collision count (upstream `controller.ComputeHash`:
 * FNV-32a, then `rand.SafeEncodeString` of the decimal value).
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  let h = 0x811c9dc5;
  const feed = (s: string): void => {
    for (const b of Buffer.from(s, 'utf8')) {
      h ^= b;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  };
  feed(canonical(template));
  if (collisionCount !== undefined && collisionCount !== null) {
    const buf = Buffer.alloc(4);
    buf.writeUInt32LE(collisionCount >>> 0);
    for (const b of buf) {
      h ^= b;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return [...String(h >>> 0)].map((c) => SAFE_ALPHANUMS[c.charCodeAt(0) % SAFE_ALPHANUMS.length]).join('');
}

/** equalIgnoreHash compares two pod templates ignoring the pod-template-hash label (upstream `EqualIgnoreHash`). */
export function equalIgnoreHash(a: KubeObject | undefined, b: KubeObject | undefined): boolean {
  const strip = (t: KubeObject | undefined): unknown => {
    const c = structuredClone(t ?? {});
    c.metadata ??= {};
    if (c.metadata.labels) {
      delete c.metadata.labels[DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY];
      if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
    }
    if (c.metadata && Object.keys(c.metadata).length === 0) delete c.metadata;
    return canonical(c);
  };
  return strip(a) === strip(b);
}

/** byCreation sorts oldest first, ties by name (upstream `ReplicaSetsByCreationTimestamp`). */
export function byCreation(a: KubeObject, b: KubeObject): number {
  const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}

/** findNewReplicaSet returns the oldest ReplicaSet whose template equals the Deployment's. */
export function findNewReplicaSet(d: KubeObject, rss: readonly KubeObject[]): KubeObject | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** findOldReplicaSets returns every ReplicaSet but the new one. */
export function findOldReplicaSets(d: KubeObject, rss: readonly KubeObject[]): KubeObject[] {
  const n = findNewReplicaSet(d, rss);
  return rss.filter((rs) => rs.metadata?.uid !== n?.metadata?.uid);
}

/** filterActiveReplicaSets keeps those with spec.replicas > 0. */
export function filterActiveReplicaSets(rss: ReadonlyArray<KubeObject | undefined>): KubeObject[] {
  return rss.filter((rs): rs is KubeObject => !!rs && replicasOf(rs) > 0);
}

/** roundToInt rounds half away from zero, like Go's math.Round (upstream integer.RoundToInt32). */
function roundToInt(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * getReplicaSetFraction is upstream's: how many replicas `rs` gains (or loses) when the
 * Deployment scales, in proportion to its share of the size recorded in its max-replicas
 * annotation (the Deployment's status.replicas when the annotation is missing).
 */
export function getReplicaSetFraction(rs: KubeObject, d: KubeObject): number {
  if (replicasOf(d) === 0) return -replicasOf(rs);
  const deploymentReplicas = replicasOf(d) + maxSurge(d);
  const raw = rs.metadata?.annotations?.[MAX_REPLICAS_ANNOTATION];
  const parsed = raw === undefined ? NaN : Number.parseInt(raw, 10);
  const annotated = Number.isFinite(parsed) ? parsed : Number(d.status?.replicas ?? 0);
  if (annotated === 0) return 0;
  return roundToInt((replicasOf(rs) * deploymentReplicas) / annotated) - replicasOf(rs);
}

/**
 * getProportion is upstream's: the number of replicas to add to (or remove from) `rs` during
 * a proportional scale, bounded by what is still left of `toAdd` after `added`.
 */
export function getProportion(rs: KubeObject | undefined, d: KubeObject, toAdd: number, added: number): number {
  if (!rs || replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = getReplicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** bySizeNewer sorts larger ReplicaSets first, newer first on ties (upstream ReplicaSetsBySizeNewer). */
export function bySizeNewer(a: KubeObject, b: KubeObject): number {
  return replicasOf(b) - replicasOf(a) || byCreation(b, a);
}

/** bySizeOlder sorts larger ReplicaSets first, older first on ties (upstream ReplicaSetsBySizeOlder). */
export function bySizeOlder(a: KubeObject, b: KubeObject): number {
  return replicasOf(b) - replicasOf(a) || byCreation(a, b);
}

/** sumSpecReplicas is the total of spec.replicas. */
export function sumSpecReplicas(rss: ReadonlyArray<KubeObject | undefined>): number {
  return rss.reduce((s, rs) => s + (rs ? replicasOf(rs) : 0), 0);
}

/** sumStatus totals a status field. */
export function sumStatus(rss: ReadonlyArray<KubeObject | undefined>, field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  return rss.reduce((s, rs) => s + Number(rs?.status?.[field] ?? 0), 0);
}

/** isRollingUpdate: the strategy is RollingUpdate (the default). */
export function isRollingUpdate(d: KubeObject): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** resolveFenceposts turns maxSurge/maxUnavailable into counts; both 0 means unavailable 1. */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = getScaledValueFromIntOrPercent(maxSurge ?? '25%', desired, true);
  let unavailable = getScaledValueFromIntOrPercent(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** maxSurge of a Deployment (0 for Recreate). */
export function maxSurge(d: KubeObject): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicasOf(d)).surge;
}

/** maxUnavailable of a Deployment (0 for Recreate or 0 replicas; at most replicas). */
export function maxUnavailable(d: KubeObject): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return Math.min(resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicas).unavailable, replicas);
}

/** newRSNewReplicas is how many replicas the new ReplicaSet may have now (upstream `NewRSNewReplicas`). */
export function newRSNewReplicas(d: KubeObject, allRSs: ReadonlyArray<KubeObject | undefined>, newRS: KubeObject): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d)) return replicas;
  const current = sumSpecReplicas(allRSs);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const up = Math.min(maxTotal - current, replicas - replicasOf(newRS));
  return replicasOf(newRS) + up;
}

/** setNewReplicaSetAnnotations copies the Deployment's annotations and sets the revision; it reports a change. */
export function setNewReplicaSetAnnotations(d: KubeObject, rs: KubeObject, newRevision: bigint, exists: boolean): boolean {
  rs.metadata ??= {};
  rs.metadata.annotations ??= {};
  const a = rs.metadata.annotations as Record<string, string>;
  let changed = false;
  for (const [k, v] of Object.entries((d.metadata?.annotations ?? {}) as Record<string, string>)) {
    if (ANNOTATIONS_TO_SKIP.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const old = a[REVISION_ANNOTATION];
  const oldNum = revisionOf(rs);
  if (!old || oldNum < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (old && exists) {
      const hist = a[REVISION_HISTORY_ANNOTATION];
      a[REVISION_HISTORY_ANNOTATION] = hist ? `${hist},${old}` : old;
    }
  }
  if (!exists) {
    a[DESIRED_REPLICAS_ANNOTATION] = String(replicasOf(d));
    a[MAX_REPLICAS_ANNOTATION] = String(replicasOf(d) + maxSurge(d));
  }
  return changed;
}

/** replicasAnnotationsNeedUpdate / setReplicasAnnotations keep desired- and max-replicas current. */
export function setReplicasAnnotations(rs: KubeObject, desired: number, max: number): boolean {
  rs.metadata ??= {};
  rs.metadata.annotations ??= {};
  const a = rs.metadata.annotations as Record<string, string>;
  if (a[DESIRED_REPLICAS_ANNOTATION] === String(desired) && a[MAX_REPLICAS_ANNOTATION] === String(max)) return false;
  a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
  a[MAX_REPLICAS_ANNOTATION] = String(max);
  return true;
}

/** getCondition finds a condition by type. */
export function getCondition(status: { conditions?: DeploymentCondition[] } | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** setCondition sets a condition, keeping lastTransitionTime when the status did not change (upstream `SetDeploymentCondition`). */
export function setCondition(status: { conditions?: DeploymentCondition[] }, c: DeploymentCondition): void {
  const cur = getCondition(status, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status) c.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), c];
}

/** removeCondition drops a condition type. */
export function removeCondition(status: { conditions?: DeploymentCondition[] }, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

/** hasProgressDeadline: progressDeadlineSeconds is set and not MaxInt32. */
export function hasProgressDeadline(d: KubeObject): boolean {
  const p = d.spec?.progressDeadlineSeconds;
  return p !== undefined && p !== null && p !== 2147483647;
}

/** DeploymentStatus is what the controller computes. */
export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  collisionCount?: number;
  conditions?: DeploymentCondition[];
}

/** deploymentComplete: every replica updated and available, and the generation observed. */
export function deploymentComplete(d: KubeObject, s: DeploymentStatus): boolean {
  const r = replicasOf(d);
  return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** deploymentProgressing: the new status shows progress over the stored one. */
export function deploymentProgressing(d: KubeObject, s: DeploymentStatus): boolean {
  const old = (d.status ?? {}) as DeploymentStatus;
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** deploymentTimedOut: the Progressing condition has not been updated for progressDeadlineSeconds. */
export function deploymentTimedOut(d: KubeObject, s: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === REASONS.newRSAvailable) return false;
  if (c.reason === REASONS.timedOut) return true;
  const from = Date.parse(c.lastUpdateTime ?? '') || 0;
  return from + Number(d.spec.progressDeadlineSeconds) * 1000 < nowMs;
}

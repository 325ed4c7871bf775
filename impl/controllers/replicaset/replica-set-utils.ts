/**
 * ReplicaSet status helpers (upstream `pkg/controller/replicaset/replica_set_utils.go`):
 * `calculateStatus` from the claimed pods and `updateReplicaSetStatus` through the status
 * subresource, skipped when nothing changed.
 */
import { labels } from '#impl/apimachinery/index.ts';
import type { KubeObject } from '#impl/client/index.ts';
import type { ResourceApi } from '../controller-client.ts';
import { isPodAvailable, isPodReady } from '../controller-utils.ts';

/** ReplicaSetCondition is a `ReplicaFailure` condition. */
export interface ReplicaSetCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** ReplicaSetStatus is the status the controller writes. */
export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

/** REPLICA_FAILURE is the condition type set when pods cannot be created or deleted. */
export const REPLICA_FAILURE = 'ReplicaFailure';

/**
 * calculateStatus counts the claimed pods (upstream `calculateStatus`); `manageReplicasErr`
 * with the sign of the replica diff sets or clears the ReplicaFailure condition.
 */
export function calculateStatus(rs: KubeObject, filteredPods: readonly KubeObject[], manageReplicasErr: unknown, nowMs: number): ReplicaSetStatus {
  const templateLabels = labels.selectorFromSet(rs.spec?.template?.metadata?.labels ?? {});
  const minReadySeconds = Number(rs.spec?.minReadySeconds ?? 0);
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const pod of filteredPods) {
    if (templateLabels.matches(pod.metadata?.labels ?? {})) fully++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, nowMs)) available++;
    }
  }
  const conditions: ReplicaSetCondition[] = ((rs.status?.conditions ?? []) as ReplicaSetCondition[]).map((c) => ({ ...c }));
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageReplicasErr && !failure) {
    const diff = filteredPods.length - Number(rs.spec?.replicas ?? 1);
    conditions.push({
      type: REPLICA_FAILURE,
      status: 'True',
      lastTransitionTime: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      reason: diff < 0 ? 'FailedCreate' : 'FailedDelete',
      message: manageReplicasErr instanceof Error ? manageReplicasErr.message : String(manageReplicasErr),
    });
  } else if (!manageReplicasErr && failure) {
    conditions.splice(conditions.indexOf(failure), 1);
  }
  const status: ReplicaSetStatus = {
    replicas: filteredPods.length,
    fullyLabeledReplicas: fully,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.status?.observedGeneration,
  };
  if (conditions.length) status.conditions = conditions;
  return status;
}

function sameStatus(rs: KubeObject, s: ReplicaSetStatus): boolean {
  const cur = (rs.status ?? {}) as ReplicaSetStatus;
  return (
    (cur.replicas ?? 0) === s.replicas &&
    (cur.fullyLabeledReplicas ?? 0) === (s.fullyLabeledReplicas ?? 0) &&
    (cur.readyReplicas ?? 0) === (s.readyReplicas ?? 0) &&
    (cur.availableReplicas ?? 0) === (s.availableReplicas ?? 0) &&
    rs.metadata?.generation === cur.observedGeneration &&
    JSON.stringify(cur.conditions ?? []) === JSON.stringify(s.conditions ?? [])
  );
}

/**
 * updateReplicaSetStatus writes `status` (with observedGeneration = generation) unless it is
 * already current; on a failed write it re-reads and retries once (upstream `updateReplicaSetStatus`).
 */
export async function updateReplicaSetStatus(api: ResourceApi, rs: KubeObject, status: ReplicaSetStatus): Promise<KubeObject> {
  if (sameStatus(rs, status)) return rs;
  let cur = rs;
  for (let attempt = 0; ; attempt++) {
    const next = structuredClone(cur);
    next.status = { ...status, observedGeneration: cur.metadata?.generation };
    if (!next.status.conditions) delete next.status.conditions;
    try {
      return await api.update(next, { subresource: 'status' });
    } catch (err) {
      if (attempt >= 1) throw err;
      cur = await api.get(rs.metadata!.name!);
    }
  }
}

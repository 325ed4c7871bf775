/**
 * Quota usage evaluation for the ResourceQuota controller (upstream `pkg/quota/v1/evaluator/core`
 * and `pkg/quota/v1/generic`): which resource a quota's `hard` name is measured on, whether an
 * object matches a quota's scopes, and the usage one object contributes. The per-object usage
 * itself ({@link usageOf}) is shared with the ResourceQuota admission plugin, so admission and
 * the controller always agree on what an object costs.
 */
import type { Pod, ResourceQuota } from '#generated/k8s/index.ts';
import { parseQuantity, type Quantity } from '#impl/apimachinery/index.ts';
import { LEGACY_COUNT_NAMES, usageOf } from '#impl/admission/plugins/resourcequota/admission.ts';
import type { KubeObject } from '#impl/client/index.ts';

/** GroupResource names a resource without version ('' group for core). */
export interface GroupResource {
  group: string;
  resource: string;
}

/** QUOTA_SCOPES are the upstream `ResourceQuotaScope` values this controller evaluates. */
export const QUOTA_SCOPES = {
  Terminating: 'Terminating',
  NotTerminating: 'NotTerminating',
  BestEffort: 'BestEffort',
  NotBestEffort: 'NotBestEffort',
  PriorityClass: 'PriorityClass',
  CrossNamespacePodAffinity: 'CrossNamespacePodAffinity',
} as const;


const POD_COMPUTE_PREFIXES = ['requests.', 'limits.', 'hugepages-'];
const POD_COMPUTE_NAMES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/**
 * resourceForQuotaName returns the resource a `hard` name is measured on (upstream: the
 * evaluator whose `MatchingResources` contains it), or undefined for names nothing measures.
 * `count/<resource>.<group>` is any resource's object count.
 */
export function resourceForQuotaName(name: string): GroupResource | undefined {
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
  }
  if (LEGACY_COUNT_NAMES[name]) return { group: '', resource: LEGACY_COUNT_NAMES[name]! };
  if (name === 'services.nodeports' || name === 'services.loadbalancers') return { group: '', resource: 'services' };
  if (name === 'requests.storage' || name.includes('.storageclass.storage.k8s.io/')) return { group: '', resource: 'persistentvolumeclaims' };
  if (POD_COMPUTE_NAMES.has(name) || POD_COMPUTE_PREFIXES.some((p) => name.startsWith(p))) return { group: '', resource: 'pods' };
  return undefined;
}

/** quotaScopes returns the quota's scopes and scope-selector requirements together. */
function scopeRequirements(quota: ResourceQuota): Array<{ scopeName: string; operator: string; values?: string[] }> {
  const reqs: Array<{ scopeName: string; operator: string; values?: string[] }> = (quota.spec?.scopes ?? []).map((s) => ({ scopeName: s, operator: 'Exists' }));
  for (const r of quota.spec?.scopeSelector?.matchExpressions ?? []) reqs.push({ scopeName: r.scopeName, operator: r.operator, values: r.values });
  return reqs;
}

/** isBestEffort is true when no container asks for or limits cpu or memory (upstream `qos.GetPodQOS` BestEffort). */
export function isBestEffort(pod: Pod): boolean {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return all.every((c) => {
    for (const field of ['requests', 'limits'] as const) {
      for (const [k, v] of Object.entries(c.resources?.[field] ?? {})) {
        if ((k === 'cpu' || k === 'memory') && !parseQuantity(String(v)).isZero()) return false;
      }
    }
    return true;
  });
}

function hasCrossNamespaceAffinity(pod: Pod): boolean {
  const aff = pod.spec?.affinity;
  const terms = [
    ...(aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
    ...(aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
  ];
  return terms.some((t) => (t?.namespaces?.length ?? 0) > 0 || t?.namespaceSelector !== undefined);
}

/** podMatchesScope evaluates one scope requirement on a pod (upstream `podMatchesScopeFunc`). */
export function podMatchesScope(pod: Pod, req: { scopeName: string; operator: string; values?: string[] }): boolean {
  switch (req.scopeName) {
    case QUOTA_SCOPES.Terminating:
      return pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds !== null && pod.spec.activeDeadlineSeconds >= 0;
    case QUOTA_SCOPES.NotTerminating:
      return !(pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds !== null && pod.spec.activeDeadlineSeconds >= 0);
    case QUOTA_SCOPES.BestEffort:
      return isBestEffort(pod);
    case QUOTA_SCOPES.NotBestEffort:
      return !isBestEffort(pod);
    case QUOTA_SCOPES.CrossNamespacePodAffinity:
      return hasCrossNamespaceAffinity(pod);
    case QUOTA_SCOPES.PriorityClass: {
      const cls = pod.spec?.priorityClassName ?? '';
      // upstream: Exists is "has a class"; the others are a label selector over {PriorityClass: cls}.
      if (req.operator === 'Exists') return cls !== '';
      if (req.operator === 'DoesNotExist') return false;
      if (req.operator === 'In') return (req.values ?? []).includes(cls);
      if (req.operator === 'NotIn') return !(req.values ?? []).includes(cls);
      return false;
    }
    default:
      return false;
  }
}

/**
 * quotaMatches reports whether `obj` of `gr` is counted by `quota` (upstream evaluator
 * `Matches`): a quota without scopes counts everything; scopes only select pods, and a scoped
 * quota counts no other resource.
 */
export function quotaMatches(quota: ResourceQuota, gr: GroupResource, obj: KubeObject): boolean {
  const reqs = scopeRequirements(quota);
  if (reqs.length === 0) return true;
  if (gr.group !== '' || gr.resource !== 'pods') return false;
  return reqs.every((r) => podMatchesScope(obj as Pod, r));
}

/**
 * isPodCounted is upstream `QuotaV1Pod`: terminal pods and pods past their deletion grace
 * period no longer use quota.
 */
export function isPodCounted(pod: Pod, nowMs: number): boolean {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  const m = pod.metadata;
  if (m?.deletionTimestamp && m.deletionGracePeriodSeconds !== undefined && m.deletionGracePeriodSeconds !== null) {
    if (nowMs > Date.parse(m.deletionTimestamp) + m.deletionGracePeriodSeconds * 1000) return false;
  }
  return true;
}

/** objectUsage is the usage one object of `gr` contributes (object counts, pod compute, service ports, PVC storage). */
export function objectUsage(gr: GroupResource, obj: KubeObject, nowMs: number): Map<string, Quantity> {
  if (gr.group === '' && gr.resource === 'pods' && !isPodCounted(obj as Pod, nowMs)) return new Map();
  return usageOf(gr.group, gr.resource, obj as never);
}

/**
 * calculateUsage sums the usage of `objects` (all of resource `gr`, one namespace) for the
 * `names` of `quota.spec.hard` measured on `gr`; every name gets a value, zero included.
 */
export function calculateUsage(quota: ResourceQuota, gr: GroupResource, names: readonly string[], objects: readonly KubeObject[], nowMs: number): Map<string, Quantity> {
  const out = new Map<string, Quantity>(names.map((n) => [n, parseQuantity('0')]));
  for (const obj of objects) {
    if (!quotaMatches(quota, gr, obj)) continue;
    const u = objectUsage(gr, obj, nowMs);
    for (const n of names) {
      const q = u.get(n);
      if (q) out.set(n, out.get(n)!.add(q));
    }
  }
  return out;
}

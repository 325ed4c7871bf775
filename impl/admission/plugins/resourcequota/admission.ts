/**
 * ResourceQuota: reject creates that would push a namespace's usage over any ResourceQuota's
 * hard limits, and record the new usage in the quota's status.
 *
 * upstream: plugin/pkg/admission/resourcequota/admission.go and controller.go (checkRequest),
 * pkg/quota/v1/evaluator/core/pods.go (podUsageHelper), generic object count evaluators
 */
import type { Pod, ResourceQuota } from '#generated/k8s/index.ts';
import { parseQuantity, type Quantity } from '#impl/apimachinery/index.ts';
import { admissionForbidden, handlesOps, type AdmissionAttributes, type AdmissionObject, type ValidatingPlugin } from '../../interfaces.ts';

export const RESOURCE_QUOTA_NAME = 'ResourceQuota';

type Usage = Map<string, Quantity>;

/** Legacy object-count names for core resources (upstream quota names without `count/`), to their resource. */
export const LEGACY_COUNT_NAMES: Readonly<Record<string, string>> = {
  pods: 'pods',
  services: 'services',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
  secrets: 'secrets',
  configmaps: 'configmaps',
  persistentvolumeclaims: 'persistentvolumeclaims',
};

/** isTerminalPod: Succeeded/Failed pods do not count (upstream QuotaV1Pod). */
function isTerminalPod(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function add(u: Usage, k: string, q: Quantity): void {
  const cur = u.get(k);
  u.set(k, cur ? cur.add(q) : q);
}

/** podComputeUsage sums requests and limits like upstream PodUsageFunc (max of init containers vs sum of containers, plus overhead). */
export function podComputeUsage(pod: Pod): Usage {
  const requests: Usage = new Map();
  const limits: Usage = new Map();
  for (const c of pod.spec?.containers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.requests ?? {})) add(requests, k, parseQuantity(String(v)));
    for (const [k, v] of Object.entries(c.resources?.limits ?? {})) add(limits, k, parseQuantity(String(v)));
  }
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [field, target] of [['requests', requests], ['limits', limits]] as const) {
      for (const [k, v] of Object.entries(c.resources?.[field] ?? {})) {
        const q = parseQuantity(String(v));
        const cur = target.get(k);
        if (!cur || q.cmp(cur) > 0) target.set(k, q);
      }
    }
  }
  for (const [k, v] of Object.entries(pod.spec?.overhead ?? {})) {
    const q = parseQuantity(String(v));
    add(requests, k, q);
    if (limits.has(k)) add(limits, k, q);
  }
  const out: Usage = new Map();
  for (const [k, v] of requests) {
    out.set(`requests.${k}`, v);
    if (k === 'cpu' || k === 'memory' || k === 'ephemeral-storage') out.set(k, v);
  }
  for (const [k, v] of limits) out.set(`limits.${k}`, v);
  return out;
}

/** usageOf returns the quota usage one new object adds (object counts, pod compute, PVC storage, service types). */
export function usageOf(group: string, resource: string, obj: AdmissionObject | undefined): Usage {
  const u: Usage = new Map();
  const one = parseQuantity('1');
  if (group === '' && resource === 'pods' && obj && isTerminalPod(obj as Pod)) return u;
  u.set(group === '' ? `count/${resource}` : `count/${resource}.${group}`, one);
  if (group === '' && LEGACY_COUNT_NAMES[resource]) u.set(LEGACY_COUNT_NAMES[resource]!, one);
  if (group === '' && resource === 'pods' && obj) for (const [k, v] of podComputeUsage(obj as Pod)) u.set(k, v);
  if (group === '' && resource === 'persistentvolumeclaims' && obj) {
    const storage = obj.spec?.resources?.requests?.storage;
    if (storage !== undefined) {
      u.set('requests.storage', parseQuantity(String(storage)));
      const cls = obj.spec?.storageClassName;
      if (cls) {
        u.set(`${cls}.storageclass.storage.k8s.io/requests.storage`, parseQuantity(String(storage)));
        u.set(`${cls}.storageclass.storage.k8s.io/persistentvolumeclaims`, one);
      }
    }
  }
  if (group === '' && resource === 'services' && obj) {
    if (obj.spec?.type === 'NodePort' || obj.spec?.type === 'LoadBalancer') u.set('services.nodeports', parseQuantity(String((obj.spec?.ports ?? []).length)));
    if (obj.spec?.type === 'LoadBalancer') u.set('services.loadbalancers', one);
  }
  return u;
}

/** COMPUTE_RESOURCES must be set on every container when a quota limits them (upstream "must specify"). */
const REQUIRED_IF_TRACKED = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'cpu', 'memory'];

function missingComputeResources(pod: Pod, hard: Record<string, unknown>): string[] {
  const missing: string[] = [];
  for (const name of REQUIRED_IF_TRACKED) {
    if (hard[name] === undefined) continue;
    const [field, res] = name.includes('.') ? (name.split('.') as ['requests' | 'limits', string]) : (['requests', name] as const);
    const bad = (pod.spec?.containers ?? []).filter((c) => c.resources?.[field]?.[res] === undefined).map((c) => c.name);
    if (bad.length && !missing.some((m) => m.startsWith(`${name} `))) missing.push(`${name} for: ${bad.join(',')}`);
  }
  return missing;
}

const fmt = (names: string[], u: Map<string, Quantity> | Record<string, unknown>) =>
  names.map((n) => `${n}=${u instanceof Map ? (u.get(n)?.toString() ?? '0') : String((u as Record<string, unknown>)[n] ?? '0')}`).join(',');

/** ResourceQuotaOptions gives the plugin its quota lookup and status writer. */
export interface ResourceQuotaOptions {
  listResourceQuotas(namespace: string): readonly ResourceQuota[] | Promise<readonly ResourceQuota[]>;
  /**
   * updateQuotaStatus stores the new `status.used` (with the quota's resourceVersion as
   * precondition); throw a Conflict to make the plugin re-read and retry. Skipped on dry run.
   */
  updateQuotaStatus?(quota: ResourceQuota, used: Record<string, string>): Promise<void>;
  /** Attempts on conflict (default 3). */
  retries?: number;
}

/**
 * newResourceQuota builds the plugin. It checks CREATE of any resource against every quota in
 * the namespace, in the upstream message format
 * `exceeded quota: NAME, requested: pods=1, used: pods=2, limited: pods=2`.
 */
export function newResourceQuota(opts: ResourceQuotaOptions) {
  return {
    name: RESOURCE_QUOTA_NAME,
    handles: handlesOps('CREATE'),
    async validate(a: AdmissionAttributes): Promise<void> {
      if (a.namespace === '' || a.subresource !== '') return;
      for (let attempt = 0; ; attempt++) {
        try {
          await checkOnce(a, opts);
          return;
        } catch (err) {
          const conflict = (err as { reason?: string }).reason === 'Conflict';
          if (!conflict || attempt + 1 >= (opts.retries ?? 3)) throw err;
        }
      }
    },
  } satisfies ValidatingPlugin;
}

async function checkOnce(a: AdmissionAttributes, opts: ResourceQuotaOptions): Promise<void> {
  const quotas = await opts.listResourceQuotas(a.namespace);
  if (quotas.length === 0) return;
  const delta = usageOf(a.resource.group, a.resource.resource, a.object);
  if (delta.size === 0) return;
  const updates: Array<{ quota: ResourceQuota; used: Record<string, string> }> = [];
  for (const quota of [...quotas].sort((x, y) => (x.metadata?.name ?? '').localeCompare(y.metadata?.name ?? ''))) {
    const hard = (quota.spec?.hard ?? {}) as Record<string, string>;
    const tracked = Object.keys(hard).filter((k) => delta.has(k));
    if (a.resource.group === '' && a.resource.resource === 'pods' && a.object) {
      const missing = missingComputeResources(a.object as Pod, hard);
      if (missing.length) throw admissionForbidden(a, `failed quota: ${quota.metadata?.name ?? ''}: must specify ${missing.join('; ')}`);
    }
    if (tracked.length === 0) continue;
    const usedRaw = (quota.status?.used ?? undefined) as Record<string, string> | undefined;
    for (const k of tracked) {
      if (usedRaw?.[k] === undefined) throw admissionForbidden(a, `status unknown for quota: ${quota.metadata?.name ?? ''}, resource: ${k}`);
    }
    const exceeded: string[] = [];
    const newUsed: Record<string, string> = { ...(usedRaw ?? {}) };
    for (const k of tracked.sort()) {
      const next = parseQuantity(String(usedRaw![k])).add(delta.get(k)!);
      if (next.cmp(parseQuantity(String(hard[k]))) > 0) exceeded.push(k);
      newUsed[k] = next.toString();
    }
    if (exceeded.length) {
      throw admissionForbidden(a, `exceeded quota: ${quota.metadata?.name ?? ''}, requested: ${fmt(exceeded, delta)}, used: ${fmt(exceeded, usedRaw!)}, limited: ${fmt(exceeded, hard)}`);
    }
    updates.push({ quota, used: newUsed });
  }
  if (a.dryRun || !opts.updateQuotaStatus) return;
  for (const u of updates) await opts.updateQuotaStatus(u.quota, u.used);
}

/**
 * getPodQOS computes a pod's QoS class (upstream: pkg/apis/core/v1/helper/qos/qos.go
 * ComputePodQOS): Guaranteed when every container sets cpu and memory limits equal to its
 * requests, BestEffort when no container requests or limits anything, Burstable otherwise.
 * `status.qosClass` is preferred when the API server already set it.
 */
import type { Container, Pod } from '#generated/k8s/index.ts';
import { parseQuantity } from '#impl/apimachinery/resource/quantity.ts';

/** PodQOSClass is the closed set of QoS classes. */
export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const SUPPORTED = ['cpu', 'memory'] as const;

function quantities(m: Record<string, unknown> | undefined): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const r of SUPPORTED) {
    const v = m?.[r];
    if (v === undefined || v === null) continue;
    const q = parseQuantity(String(v));
    if (q.sign() > 0) out.set(r, q.scaledValue(-3));
  }
  return out;
}

/** getPodQOS returns the QoS class of `pod`. */
export function getPodQOS(pod: Pod): PodQOSClass {
  const q = pod.status?.qosClass;
  if (q === 'Guaranteed' || q === 'Burstable' || q === 'BestEffort') return q;
  return computePodQOS(pod);
}

/** computePodQOS computes the QoS class from the containers' resources, ignoring status. */
export function computePodQOS(pod: Pod): PodQOSClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let isGuaranteed = true;
  const all: Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of all) {
    const req = quantities(c.resources?.requests as Record<string, unknown> | undefined);
    const lim = quantities(c.resources?.limits as Record<string, unknown> | undefined);
    for (const [k, v] of req) requests.set(k, (requests.get(k) ?? 0n) + v);
    for (const [k, v] of lim) limits.set(k, (limits.get(k) ?? 0n) + v);
    if (lim.size !== SUPPORTED.length) isGuaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (isGuaranteed) {
    for (const [k, v] of requests) if (limits.get(k) !== v) isGuaranteed = false;
  }
  return isGuaranteed && limits.size === SUPPORTED.length ? 'Guaranteed' : 'Burstable';
}

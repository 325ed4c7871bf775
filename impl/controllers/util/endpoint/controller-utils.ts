/**
 * Helpers shared by the endpoints and endpointslice controllers (upstream
 * `pkg/controller/util/endpoint/controller_utils.go` and `pkg/api/v1/pod.FindPort`): which
 * Services select a pod, whether a pod should be an endpoint, and a Service port's target
 * port on a given pod (named ports resolved against the pod's containers).
 */
import { labels } from '#impl/apimachinery/index.ts';
import type { KubeObject } from '#impl/client/index.ts';
import type { GenericInformer } from '#impl/client/tools/cache/index.ts';

/** ServicePort is the part of a Service port the controllers read. */
export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  appProtocol?: string;
}

/** managedSelector returns the Service's selector when the controllers manage its endpoints. */
export function managedSelector(svc: KubeObject): Record<string, string> | undefined {
  if (svc.spec?.type === 'ExternalName') return undefined;
  const sel = svc.spec?.selector as Record<string, string> | undefined;
  return sel && Object.keys(sel).length > 0 ? sel : undefined;
}

/** servicesForPod returns the `namespace/name` keys of the Services selecting `pod`. */
export function servicesForPod(services: GenericInformer, pod: KubeObject): string[] {
  const ns = pod.metadata?.namespace ?? '';
  const out: string[] = [];
  for (const svc of services.lister().byNamespace(ns).list()) {
    const sel = managedSelector(svc);
    if (sel && labels.selectorFromSet(sel).matches(pod.metadata?.labels ?? {})) out.push(`${ns}/${svc.metadata?.name}`);
  }
  return out;
}

/** shouldPodBeInEndpoints: has an IP and is not terminal (upstream `ShouldPodBeInEndpoints`, includeTerminating). */
export function shouldPodBeInEndpoints(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  return !!pod.status?.podIP;
}

/** findPort resolves a Service port's targetPort on a pod (upstream `podutil.FindPort`); undefined when a named port is missing. */
export function findPort(pod: KubeObject, sp: ServicePort): number | undefined {
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  for (const c of (pod.spec?.containers ?? []) as Array<{ ports?: Array<{ name?: string; containerPort: number; protocol?: string }> }>) {
    for (const p of c.ports ?? []) if (p.name === tp && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort;
  }
  return undefined;
}

/** podIsReady: the Ready condition is True. */
export function podIsReady(pod: KubeObject): boolean {
  return ((pod.status?.conditions ?? []) as Array<{ type: string; status: string }>).some((c) => c.type === 'Ready' && c.status === 'True');
}

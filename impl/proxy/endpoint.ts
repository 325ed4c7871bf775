/**
 * Endpoint is what the proxy keeps of one backend of one service port (upstream
 * `pkg/proxy/endpoint.go` `BaseEndpointInfo` and `endpointslicecache.go`):
 * {@link endpointsFromSlices} merges every EndpointSlice of a Service into per-port endpoint
 * lists, and {@link categorizeEndpoints} picks the ones a traffic policy uses
 * (upstream `pkg/proxy/topology.go`).
 */
import type { EndpointSlice } from '#generated/k8s/index.ts';
import { isIPv4, servicePortNameOf, type ServicePortInfo } from './service-port.ts';

/** SERVICE_NAME_LABEL links an EndpointSlice to its Service (`discovery.k8s.io/v1` `LabelServiceName`). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Endpoint is one `ip:port` backend with its conditions. */
export interface Endpoint {
  ip: string;
  port: number;
  /** ready: `conditions.ready` (unset means ready). */
  ready: boolean;
  /** serving: `conditions.serving` (unset means the value of ready). */
  serving: boolean;
  terminating: boolean;
  /** isLocal: the endpoint runs on this proxy's node. */
  isLocal: boolean;
}

/** endpointString formats `ip:port` (upstream `Endpoint.String()`). */
export function endpointString(ep: Pick<Endpoint, 'ip' | 'port'>): string {
  return `${ep.ip}:${ep.port}`;
}

/** endpointsKey keys {@link endpointsFromSlices}: the service port name and protocol (upstream `ServicePortName` has both). */
export function endpointsKey(servicePortName: string, protocol: string): string {
  return `${servicePortName}|${protocol}`;
}

/**
 * endpointsFromSlices returns the endpoints of every service port named in the slices, keyed
 * by {@link endpointsKey} (`ns/name:portName|TCP`). Only IPv4 slices count; an endpoint listed twice (two slices during
 * a move) keeps its first occurrence, as upstream's cache does.
 */
export function endpointsFromSlices(slices: readonly EndpointSlice[], nodeName: string): Map<string, Endpoint[]> {
  const out = new Map<string, Endpoint[]>();
  const seen = new Set<string>();
  const sorted = [...slices].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const slice of sorted) {
    if (slice.addressType !== 'IPv4') continue;
    const svcName = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svcName) continue;
    const ns = slice.metadata?.namespace ?? 'default';
    for (const port of slice.ports ?? []) {
      if (port.port === undefined || port.port === null) continue;
      const key = endpointsKey(servicePortNameOf(ns, svcName, port.name ?? ''), port.protocol ?? 'TCP');
      const list = out.get(key) ?? [];
      out.set(key, list);
      for (const e of slice.endpoints ?? []) {
        const ip = e.addresses?.[0];
        if (!isIPv4(ip)) continue;
        const id = `${key}|${ip}:${port.port}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const ready = e.conditions?.ready ?? true;
        list.push({
          ip,
          port: port.port,
          ready,
          serving: e.conditions?.serving ?? ready,
          terminating: e.conditions?.terminating ?? false,
          isLocal: !!nodeName && e.nodeName === nodeName,
        });
      }
    }
  }
  for (const list of out.values()) list.sort((a, b) => compareEndpoints(a, b));
  return out;
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  const ai = a.ip.split('.').map(Number);
  const bi = b.ip.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (ai[i] !== bi[i]) return ai[i] - bi[i];
  return a.port - b.port;
}

/** CategorizedEndpoints are the endpoint sets a service port's rules use. */
export interface CategorizedEndpoints {
  /** clusterEndpoints serve `Cluster` traffic policies (undefined when no policy is Cluster). */
  clusterEndpoints: Endpoint[] | undefined;
  /** localEndpoints serve `Local` traffic policies (undefined when no policy is Local). */
  localEndpoints: Endpoint[] | undefined;
  /** allReachableEndpoints is the union, for conntrack cleanup. */
  allReachableEndpoints: Endpoint[];
  /** hasAnyEndpoints: some endpoint exists at all, even unusable (upstream, for the REJECT vs DROP choice). */
  hasAnyEndpoints: boolean;
}

/**
 * categorizeEndpoints picks the usable endpoints (upstream `CategorizeEndpoints`): ready ones,
 * or when there are none, the serving-and-terminating ones (ProxyTerminatingEndpoints), once for
 * the whole cluster and once for this node when a traffic policy is Local.
 */
export function categorizeEndpoints(endpoints: readonly Endpoint[], svc: Pick<ServicePortInfo, 'internalPolicyLocal' | 'externalPolicyLocal' | 'nodePort' | 'externalIPs' | 'loadBalancerIPs'>): CategorizedEndpoints {
  const pick = (eps: readonly Endpoint[]): Endpoint[] => {
    const ready = eps.filter((e) => e.ready);
    return ready.length > 0 ? ready : eps.filter((e) => e.serving && e.terminating);
  };
  const hasExternal = svc.nodePort > 0 || svc.externalIPs.length > 0 || svc.loadBalancerIPs.length > 0;
  const needCluster = !svc.internalPolicyLocal || (hasExternal && !svc.externalPolicyLocal);
  const needLocal = svc.internalPolicyLocal || (hasExternal && svc.externalPolicyLocal);
  const clusterEndpoints = needCluster ? pick(endpoints) : undefined;
  const localEndpoints = needLocal ? pick(endpoints.filter((e) => e.isLocal)) : undefined;
  const all = new Map<string, Endpoint>();
  for (const e of [...(clusterEndpoints ?? []), ...(localEndpoints ?? [])]) all.set(endpointString(e), e);
  return { clusterEndpoints, localEndpoints, allReachableEndpoints: [...all.values()], hasAnyEndpoints: endpoints.length > 0 };
}

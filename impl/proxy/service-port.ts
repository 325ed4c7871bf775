/**
 * ServicePortInfo is what the proxy keeps of one port of one Service (upstream
 * `pkg/proxy/serviceport.go` and `service.go` `newBaseServiceInfo`): the fields the rule
 * writers need, IPv4 only (this node's family). {@link servicePortsFromService} builds them.
 */
import type { Service } from '#generated/k8s/index.ts';

/** PROTOCOLS are the L4 protocols the proxy programs (upstream `v1.Protocol`). */
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
/** Protocol is one of {@link PROTOCOLS}. */
export type Protocol = (typeof PROTOCOLS)[number];

/** DEFAULT_AFFINITY_TIMEOUT_SECONDS is the ClientIP affinity timeout when none is set (upstream 10800, 3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

/** ServicePortInfo describes one service port, keyed by its `namespace/name:port` name. */
export interface ServicePortInfo {
  /** servicePortName is upstream's `ServicePortName.String()`: `ns/name:portName` (`ns/name` for an unnamed port). */
  servicePortName: string;
  namespace: string;
  name: string;
  /** portName is `spec.ports[].name` ('' for the single unnamed port). */
  portName: string;
  protocol: Protocol;
  port: number;
  /** clusterIPs are the IPv4 cluster IPs (empty for headless services). */
  clusterIPs: string[];
  /** nodePort is the allocated node port, 0 when none. */
  nodePort: number;
  externalIPs: string[];
  /** loadBalancerIPs are the IPv4 `status.loadBalancer.ingress[].ip` values. */
  loadBalancerIPs: string[];
  /** stickyMaxAgeSeconds is the ClientIP affinity timeout, 0 when affinity is None. */
  stickyMaxAgeSeconds: number;
  /** externalPolicyLocal: `externalTrafficPolicy: Local` on a service with external addresses. */
  externalPolicyLocal: boolean;
  /** internalPolicyLocal: `internalTrafficPolicy: Local`. */
  internalPolicyLocal: boolean;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** isIPv4 reports whether `s` is a dotted-quad IPv4 address. */
export function isIPv4(s: string | undefined): s is string {
  const m = s ? IPV4.exec(s) : null;
  return !!m && m.slice(1).every((o) => Number(o) <= 255);
}

/** servicePortNameOf formats upstream's `ServicePortName.String()`. */
export function servicePortNameOf(namespace: string, name: string, portName: string): string {
  return portName ? `${namespace}/${name}:${portName}` : `${namespace}/${name}`;
}

/**
 * servicePortsFromService returns one {@link ServicePortInfo} per port of `svc`, or none when the
 * proxy must ignore it (upstream `shouldSkipService`: ExternalName services and services
 * without a cluster IP, i.e. headless ones).
 */
export function servicePortsFromService(svc: Service): ServicePortInfo[] {
  const spec = svc.spec ?? {};
  const namespace = svc.metadata?.namespace ?? 'default';
  const name = svc.metadata?.name ?? '';
  if (spec.type === 'ExternalName') return [];
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter(isIPv4);
  if (clusterIPs.length === 0) return [];
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.externalIPs?.length ?? 0) > 0;
  const sticky = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS) : 0;
  const lbIPs = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(isIPv4);
  const out: ServicePortInfo[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = (p.protocol ?? 'TCP') as Protocol;
    if (!PROTOCOLS.includes(protocol)) continue;
    out.push({
      servicePortName: servicePortNameOf(namespace, name, p.name ?? ''),
      namespace,
      name,
      portName: p.name ?? '',
      protocol,
      port: p.port,
      clusterIPs,
      nodePort: spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? (p.nodePort ?? 0) : 0,
      externalIPs: (spec.externalIPs ?? []).filter(isIPv4),
      loadBalancerIPs: spec.type === 'LoadBalancer' ? lbIPs : [],
      stickyMaxAgeSeconds: sticky,
      externalPolicyLocal: external && spec.externalTrafficPolicy === 'Local',
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
    });
  }
  return out;
}

/**
 * Cluster DNS (the role CoreDNS plays in a kubeadm cluster): Services, endpoints and pods of the
 * cluster domain over UDP and TCP, other names forwarded upstream.
 */
export { startClusterDns, type ClusterDns, type ClusterDnsOptions } from './dns.ts';
export { KubernetesZone, DNS_SCHEMA_VERSION, DEFAULT_TTL, type ClusterState, type ZoneAnswer } from './kubernetes/kubernetes.ts';
export { startDnsServer, type DnsServer, type DnsServerOptions } from './server.ts';
export { resolvConfNameservers } from './forward.ts';
export { ensureDnsIdentity, ensureDnsService, DNS_USER, DNS_SERVICE_ACCOUNT, type DnsAddonOptions } from './addon.ts';

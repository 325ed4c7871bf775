/**
 * The cluster DNS addon objects, as kubeadm's CoreDNS addon creates them, for a DNS server that
 * runs on the node rather than in pods: the `kube-system/kube-dns` Service (ports `dns` 53/UDP,
 * `dns-tcp` 53/TCP; no selector) whose EndpointSlice points at the server's host address and
 * port, so kube-proxy carries the Service's cluster IP to it; the `system:coredns` ClusterRole
 * and its binding to the `kube-system/coredns` ServiceAccount (the server's identity).
 *
 * The cluster IP is allocated, not kubeadm's fixed tenth address: several kubets clusters on one
 * machine share the service CIDR, and a fixed address would make their proxies' rules collide.
 * All objects are server-side applied, so a restart on the same data keeps the cluster IP and
 * moves the endpoint to the new port.
 */
import type { RestClient } from '#impl/client/index.ts';

/** DNS_SERVICE_ACCOUNT is the identity the DNS server runs as. */
export const DNS_SERVICE_ACCOUNT = { namespace: 'kube-system', name: 'coredns' } as const;
/** DNS_USER is {@link DNS_SERVICE_ACCOUNT}'s user name (for a client certificate). */
export const DNS_USER = `system:serviceaccount:${DNS_SERVICE_ACCOUNT.namespace}:${DNS_SERVICE_ACCOUNT.name}`;

const FIELD_MANAGER = 'kubets-dns-addon';
const SLICE_NAME = 'kube-dns-node';

/** DnsAddonOptions say where the DNS server listens, as pods reach it. */
export interface DnsAddonOptions {
  /** The node address pods reach the server on (the pod bridge's gateway). */
  address: string;
  /** The server's UDP and TCP port. */
  port: number;
}

type Apply = (group: string, version: string, resource: string, namespace: string | undefined, obj: Record<string, unknown>) => Promise<Record<string, unknown>>;

const applier =
  (client: RestClient): Apply =>
  (group, version, resource, namespace, obj) => {
    const r = client.resource(group, version, resource);
    const name = String((obj['metadata'] as { name: string }).name);
    return (namespace ? r.namespace(namespace) : r).patch(name, obj, { type: 'apply', fieldManager: FIELD_MANAGER, force: true }) as Promise<Record<string, unknown>>;
  };

/** ensureDnsIdentity applies the DNS server's ServiceAccount, ClusterRole and binding (before it starts). */
export async function ensureDnsIdentity(client: RestClient): Promise<void> {
  const apply = applier(client);
  await apply('', 'v1', 'serviceaccounts', DNS_SERVICE_ACCOUNT.namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DNS_SERVICE_ACCOUNT.name, namespace: DNS_SERVICE_ACCOUNT.namespace } });
  await apply('rbac.authorization.k8s.io', 'v1', 'clusterroles', undefined, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'system:coredns' },
    rules: [
      { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ],
  });
  await apply('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', undefined, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'system:coredns' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
    subjects: [{ kind: 'ServiceAccount', name: DNS_SERVICE_ACCOUNT.name, namespace: DNS_SERVICE_ACCOUNT.namespace }],
  });
}

/** ensureDnsService applies the kube-dns Service and its EndpointSlice, and returns the cluster IP. */
export async function ensureDnsService(client: RestClient, o: DnsAddonOptions): Promise<string> {
  const apply = applier(client);
  const svc = await apply('', 'v1', 'services', 'kube-system', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
    spec: {
      type: 'ClusterIP',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  });
  await apply('discovery.k8s.io', 'v1', 'endpointslices', 'kube-system', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: SLICE_NAME, namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'kubets-dns-addon' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [o.address], conditions: { ready: true, serving: true, terminating: false } }],
    ports: [
      { name: 'dns', port: o.port, protocol: 'UDP' },
      { name: 'dns-tcp', port: o.port, protocol: 'TCP' },
    ],
  });
  const ip = (svc['spec'] as { clusterIP?: string } | undefined)?.clusterIP;
  if (!ip || ip === 'None') throw new Error('kube-dns Service has no cluster IP');
  return ip;
}

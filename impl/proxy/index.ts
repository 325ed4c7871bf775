/**
 * kube-proxy for kubets (upstream `pkg/proxy` and `cmd/kube-proxy`), iptables mode: Services
 * and EndpointSlices become nat/filter rules owned by one tagged instance. See
 * `iptables/proxier.ts` for the rule set and the multi-cluster caveat (two clusters running at
 * once with the same ClusterIP or node port conflict: the first matching jump wins).
 */
export * from './service-port.ts';
export * from './endpoint.ts';
export * from './iptables/chain-names.ts';
export * from './iptables/proxier.ts';
export * from './conntrack/cleanup.ts';
export * from './util/iptables/iptables.ts';
export * from './server.ts';

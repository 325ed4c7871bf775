/**
 * Leader election metrics (client-go `tools/leaderelection/metrics.go` with the
 * component-base Prometheus adapter): `leader_election_master_status{name}` is 1 while this
 * process leads the named lock and 0 otherwise; `leader_election_slowpath_total{name}` counts
 * renewals that could not take the optimistic fast path.
 */
import { Counter, Gauge, register as defaultRegistry, type Registry } from 'prom-client';

/** LeaderMetrics receives leadership changes. */
export interface LeaderMetrics {
  leaderOn(name: string): void;
  leaderOff(name: string): void;
  slowpathExercised(name: string): void;
}

/** noopLeaderMetrics records nothing (the default). */
export const noopLeaderMetrics: LeaderMetrics = { leaderOn() {}, leaderOff() {}, slowpathExercised() {} };

const perRegistry = new WeakMap<Registry, LeaderMetrics>();

/** prometheusLeaderMetrics registers the upstream metrics in `registry` once and returns the adapter. */
export function prometheusLeaderMetrics(registry: Registry = defaultRegistry): LeaderMetrics {
  const existing = perRegistry.get(registry);
  if (existing) return existing;
  const status = new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. \'name\' is the string used to identify the lease. Please make sure to group by name.', labelNames: ['name'], registers: [registry] });
  const slowpath = new Counter({ name: 'leader_election_slowpath_total', help: 'Total number of slow path exercised in renewing leader leases. \'name\' is the string used to identify the lease. Please make sure to group by name.', labelNames: ['name'], registers: [registry] });
  const m: LeaderMetrics = {
    leaderOn: (name) => status.labels(name).set(1),
    leaderOff: (name) => status.labels(name).set(0),
    slowpathExercised: (name) => slowpath.labels(name).inc(),
  };
  perRegistry.set(registry, m);
  return m;
}

/**
 * Leader election on Leases, after client-go `tools/leaderelection`: {@link LeaderElector}
 * (acquire, renew, release on cancel, callbacks) over a {@link ResourceLock}, with
 * {@link LeaseLock} for `coordination.k8s.io/v1` Leases and an in-memory fake client.
 */
export * from './leader-election.ts';
export * from './metrics.ts';
export * from './resourcelock/interface.ts';
export * from './resourcelock/lease-lock.ts';
export * from './resourcelock/fake-lease-client.ts';

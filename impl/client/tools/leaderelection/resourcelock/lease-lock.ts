/**
 * LeaseLock is a {@link ResourceLock} on a `coordination.k8s.io/v1` Lease (client-go
 * `resourcelock/leaselock.go`): the record lives in the Lease's spec.
 */
import type { Lease, LeaseSpec } from '#generated/k8s/index.ts';
import type { ResourceClient } from '../../../resource-client.ts';
import { LEADER_ELECTION_REASON, type EventRecorderLike, type LeaderElectionRecord, type ResourceLock } from './interface.ts';

/** LeaseClient is the part of a Lease resource client the lock uses. */
export type LeaseClient = Pick<ResourceClient<Lease>, 'get' | 'create' | 'update'>;

/** LeaseLockOptions configure a {@link LeaseLock}. */
export interface LeaseLockOptions {
  /** Lease namespace, e.g. `kube-system`. */
  namespace: string;
  /** Lease name, e.g. `kube-scheduler`. */
  name: string;
  /** The leases client, e.g. `rest.resource('coordination.k8s.io', 'v1', 'leases')` (any namespace binding is replaced). */
  client: LeaseClient & { namespace?(ns: string): LeaseClient };
  /** This candidate's identity (unique per process: upstream uses `hostname_uuid`). */
  identity: string;
  /** Records `became leader` / `stopped leading` events on the Lease, if given. */
  eventRecorder?: EventRecorderLike;
}

/** formatMicroTime renders ms as a `MicroTime` (RFC 3339 with 6 fractional digits, UTC). */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** parseMicroTime reads a `MicroTime` or `Time`; absent or invalid gives 0. */
export function parseMicroTime(s: string | undefined): number {
  if (!s) return 0;
  const t = Date.parse(s);
  return Number.isNaN(t) ? 0 : t;
}

/** leaseSpecToLeaderElectionRecord converts a Lease spec (client-go `LeaseSpecToLeaderElectionRecord`). */
export function leaseSpecToLeaderElectionRecord(spec: LeaseSpec | undefined): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: parseMicroTime(spec?.acquireTime),
    renewTime: parseMicroTime(spec?.renewTime),
    leaderTransitions: spec?.leaseTransitions ?? 0,
  };
}

/** leaderElectionRecordToLeaseSpec converts a record to a Lease spec (client-go `LeaderElectionRecordToLeaseSpec`). */
export function leaderElectionRecordToLeaseSpec(r: LeaderElectionRecord): LeaseSpec {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: formatMicroTime(r.acquireTime),
    renewTime: formatMicroTime(r.renewTime),
    leaseTransitions: r.leaderTransitions,
  };
}

/** LeaseLock implements {@link ResourceLock} on a Lease. */
export class LeaseLock implements ResourceLock {
  private lease: Lease | undefined;
  private readonly client: LeaseClient;

  constructor(private readonly opts: LeaseLockOptions) {
    this.client = opts.client.namespace ? opts.client.namespace(opts.namespace) : opts.client;
  }

  async get(signal?: AbortSignal): Promise<{ record: LeaderElectionRecord; raw: string }> {
    this.lease = await this.client.get(this.opts.name, { signal });
    const record = leaseSpecToLeaderElectionRecord(this.lease.spec);
    return { record, raw: JSON.stringify(record) };
  }

  async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    this.lease = await this.client.create(
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.opts.name, namespace: this.opts.namespace }, spec: leaderElectionRecordToLeaseSpec(record) },
      { signal },
    );
  }

  async update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    if (!this.lease) throw new Error('lease not initialized, call get or create first');
    const next: Lease = { ...this.lease, spec: leaderElectionRecordToLeaseSpec(record) };
    this.lease = await this.client.update(next, { signal });
  }

  recordEvent(message: string): void {
    if (!this.opts.eventRecorder) return;
    const subject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...(this.lease?.metadata ?? { name: this.opts.name, namespace: this.opts.namespace }) } };
    this.opts.eventRecorder.event(subject, 'Normal', LEADER_ELECTION_REASON, `${this.opts.identity} ${message}`);
  }

  identity(): string {
    return this.opts.identity;
  }

  describe(): string {
    return `${this.opts.namespace}/${this.opts.name}`;
  }
}

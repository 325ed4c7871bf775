/**
 * The resource lock contract leader election runs on (client-go
 * `tools/leaderelection/resourcelock/interface.go`).
 */

/** LEADER_ELECTION_REASON is the event reason for leadership changes (upstream "LeaderElection"). */
export const LEADER_ELECTION_REASON = 'LeaderElection';

/**
 * LeaderElectionRecord is what a lock stores (client-go `LeaderElectionRecord`). Times are
 * ms since the epoch; the lock converts them to the wire format (MicroTime on a Lease).
 */
export interface LeaderElectionRecord {
  /** Who holds the lock; '' when released. */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  /** How many times the lock changed holders. */
  leaderTransitions: number;
}

/** EventRecorderLike is the part of the event recorder a lock needs. */
export interface EventRecorderLike {
  event(obj: { apiVersion?: string; kind?: string; metadata?: Record<string, unknown> }, eventType: 'Normal' | 'Warning', reason: string, message: string): void;
}

/**
 * ResourceLock is an object in the apiserver that leader candidates compete for.
 * `get` throws a NotFound ApiError when the lock does not exist; `update` must use
 * optimistic concurrency (the resourceVersion from the last `get`/`create`/`update`) so two
 * candidates can never both win the same round; it throws before any `get` or `create`.
 */
export interface ResourceLock {
  /** get reads the record; `raw` is a canonical serialisation used to detect changes. */
  get(signal?: AbortSignal): Promise<{ record: LeaderElectionRecord; raw: string }>;
  /** create creates the lock holding `record`. */
  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /** update writes `record` over the lock last read. */
  update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /** recordEvent records a leadership event (`became leader`, `stopped leading`) on the lock. */
  recordEvent(message: string): void;
  /** identity is this candidate's identity. */
  identity(): string;
  /** describe names the lock, e.g. `kube-system/kube-scheduler`. */
  describe(): string;
}

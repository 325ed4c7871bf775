/**
 * LeaderElector implements leader election on a {@link ResourceLock} (client-go
 * `tools/leaderelection/leaderelection.go`), with upstream semantics:
 *
 * - A candidate **acquires** the lock when it does not exist, is released (no holder), or
 *   its holder has not renewed it for `leaseDurationSeconds` as measured on *this*
 *   candidate's clock from when it last saw the record change (so clock skew between
 *   candidates does not matter). It retries every `retryPeriod` (jittered by 1.2).
 * - The leader **renews** every `retryPeriod`. If it cannot renew within `renewDeadline`, it
 *   stops leading: the signal given to `onStartedLeading` aborts and `onStoppedLeading` runs.
 * - Writes use optimistic concurrency, so two candidates never win the same round.
 * - With `releaseOnCancel`, stopping a leader clears the holder (leaseDurationSeconds 1), so a
 *   successor takes over at once instead of waiting for the lease to expire.
 *
 * Leader election is not fencing: between a failed renew and the callback's reaction, two
 * processes may briefly both act as leader; callers stop work promptly on the signal.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { isNotFound } from '../../api-error.ts';
import { jitter, realClock, sleepUntilAborted, type Clock } from '#impl/apimachinery/util/clock/index.ts';
import { noopLogger, type Logger } from '../cache/logger.ts';
import { noopLeaderMetrics, type LeaderMetrics } from './metrics.ts';
import type { LeaderElectionRecord, ResourceLock } from './resourcelock/interface.ts';

/** JITTER_FACTOR is the retry jitter (upstream `JitterFactor = 1.2`). */
export const JITTER_FACTOR = 1.2;

/** LeaderCallbacks are invoked on leadership changes (client-go `LeaderCallbacks`). */
export interface LeaderCallbacks {
  /** onStartedLeading runs when leadership is acquired; `signal` aborts when it is lost or the elector stops. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** onStoppedLeading runs when `run` ends (upstream calls it even if leadership was never acquired). */
  onStoppedLeading(): void;
  /** onNewLeader runs when the observed leader changes (including to this candidate). */
  onNewLeader?(identity: string): void;
}

/** LeaderElectionConfig configures a {@link LeaderElector}. Durations are in ms. */
export interface LeaderElectionConfig {
  lock: ResourceLock;
  /** How long non-leaders wait before force-acquiring (default 15 s, upstream leaseDuration). */
  leaseDuration?: number;
  /** How long the leader keeps retrying to renew before giving up (default 10 s). */
  renewDeadline?: number;
  /** Time between attempts (default 2 s). */
  retryPeriod?: number;
  callbacks: LeaderCallbacks;
  /** Release the lock when `run`'s signal aborts (default false, as upstream). */
  releaseOnCancel?: boolean;
  /** Name for logs and health checks, e.g. `kube-scheduler`. */
  name?: string;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
  /** Leadership metrics; default none (see `prometheusLeaderMetrics`). */
  metrics?: LeaderMetrics;
}

/** DEFAULT_LEADER_ELECTION durations, ms (upstream component-base defaults). */
export const DEFAULT_LEADER_ELECTION = { leaseDuration: 15_000, renewDeadline: 10_000, retryPeriod: 2_000 } as const;

/** defaultIdentity is `hostname_uuid`, what upstream components use as their identity. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

/** LeaderElector runs one candidate. Create with {@link newLeaderElector}. */
export class LeaderElector {
  private readonly lock: ResourceLock;
  private readonly leaseDuration: number;
  private readonly renewDeadline: number;
  private readonly retryPeriod: number;
  private readonly callbacks: LeaderCallbacks;
  private readonly releaseOnCancel: boolean;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly metrics: LeaderMetrics;
  readonly name: string;
  private observedRecord: LeaderElectionRecord | undefined;
  private observedRawRecord = '';
  private observedTime = 0;
  private reportedLeader = '';

  constructor(config: LeaderElectionConfig) {
    this.lock = config.lock;
    this.leaseDuration = config.leaseDuration ?? DEFAULT_LEADER_ELECTION.leaseDuration;
    this.renewDeadline = config.renewDeadline ?? DEFAULT_LEADER_ELECTION.renewDeadline;
    this.retryPeriod = config.retryPeriod ?? DEFAULT_LEADER_ELECTION.retryPeriod;
    this.callbacks = config.callbacks;
    this.releaseOnCancel = config.releaseOnCancel ?? false;
    this.clock = config.clock ?? realClock;
    this.logger = config.logger ?? noopLogger;
    this.random = config.random ?? Math.random;
    this.metrics = config.metrics ?? noopLeaderMetrics;
    this.name = config.name ?? config.lock.describe();
  }

  /** getLeader returns the identity of the last observed leader ('' if none). */
  getLeader(): string {
    return this.observedRecord?.holderIdentity ?? '';
  }

  /** isLeader reports whether the last observed record names this candidate. */
  isLeader(): boolean {
    return this.observedRecord !== undefined && this.observedRecord.holderIdentity === this.lock.identity();
  }

  /**
   * check is the health check (client-go `HealthzAdaptor`): it throws when this candidate
   * believes it leads but has not renewed for longer than the lease plus `maxTolerableExpiredLease`.
   */
  check(maxTolerableExpiredLease: number): void {
    if (!this.isLeader()) return;
    if (this.clock.now() > this.observedTime + this.leaseDuration + maxTolerableExpiredLease) {
      throw new Error(`failed election to renew leadership on lease ${this.name}`);
    }
  }

  /**
   * run campaigns until `signal` aborts: it acquires the lock, calls `onStartedLeading`, renews
   * until renewal fails or the signal aborts, optionally releases, and finally calls
   * `onStoppedLeading`. It resolves when done and never rejects.
   */
  async run(signal: AbortSignal): Promise<void> {
    try {
      if (!(await this.acquire(signal))) return;
      const leading = new AbortController();
      const leaderSignal = AbortSignal.any([signal, leading.signal]);
      try {
        void Promise.resolve()
          .then(() => this.callbacks.onStartedLeading(leaderSignal))
          .catch((err: unknown) => this.logger.error({ lock: this.name, err: String(err) }, 'onStartedLeading failed'));
        await this.renew(leaderSignal);
      } finally {
        leading.abort(new Error(`leader election lost: ${this.name}`));
      }
      if (this.releaseOnCancel) await this.release();
      else this.metrics.leaderOff(this.name);
    } finally {
      try {
        this.callbacks.onStoppedLeading();
      } catch (err) {
        this.logger.error({ lock: this.name, err: String(err) }, 'onStoppedLeading failed');
      }
    }
  }

  /** acquire loops until the lock is acquired (true) or the signal aborts (false). */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.logger.info({ lock: this.name }, 'attempting to acquire leader lease');
    for (;;) {
      if (signal.aborted) return false;
      const ok = await this.tryAcquireOrRenew(signal);
      this.maybeReportTransition();
      if (ok) {
        this.lock.recordEvent('became leader');
        this.metrics.leaderOn(this.name);
        this.logger.info({ lock: this.name }, 'successfully acquired lease');
        return true;
      }
      if (!(await sleepUntilAborted(this.clock, jitter(this.retryPeriod, JITTER_FACTOR, this.random), signal))) return false;
    }
  }

  /** renew keeps the lease until a renewal misses `renewDeadline` or the signal aborts. */
  private async renew(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const deadline = new AbortController();
      const timer = this.clock.setTimeout(() => deadline.abort(new Error('renew deadline exceeded')), this.renewDeadline);
      const attemptSignal = AbortSignal.any([signal, deadline.signal]);
      let ok = false;
      try {
        for (;;) {
          ok = await this.tryAcquireOrRenew(attemptSignal);
          if (ok || attemptSignal.aborted) break;
          if (!(await sleepUntilAborted(this.clock, this.retryPeriod, attemptSignal))) break;
        }
      } finally {
        this.clock.clearTimeout(timer);
      }
      this.maybeReportTransition();
      if (signal.aborted) return;
      if (!ok) {
        this.metrics.leaderOff(this.name);
        this.logger.error({ lock: this.name }, 'failed to renew lease: timed out waiting for the condition');
        this.lock.recordEvent('stopped leading');
        return;
      }
      if (!(await sleepUntilAborted(this.clock, this.retryPeriod, signal))) return;
    }
  }

  /** release clears the holder if this candidate leads (client-go `release`). */
  private async release(): Promise<boolean> {
    if (!this.isLeader()) return true;
    const now = this.clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: '',
      leaderTransitions: this.observedRecord!.leaderTransitions,
      leaseDurationSeconds: 1,
      renewTime: now,
      acquireTime: now,
    };
    try {
      await this.lock.update(record);
    } catch (first) {
      // A renewal cut short by the stop may still have reached the server, so the cached Lease is
      // stale (409): read it again and release it if it is still ours.
      try {
        const { record: current } = await this.lock.get();
        if (current.holderIdentity !== this.lock.identity()) {
          this.metrics.leaderOff(this.name);
          return true;
        }
        await this.lock.update({ ...record, leaderTransitions: current.leaderTransitions });
      } catch (err) {
        this.logger.error({ lock: this.name, err: String(err), first: String(first) }, 'Failed to release lock');
        return false;
      }
    }
    this.setObservedRecord(record);
    this.metrics.leaderOff(this.name);
    return true;
  }

  /** tryAcquireOrRenew makes one attempt (client-go `tryAcquireOrRenew`). */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: this.lock.identity(),
      leaseDurationSeconds: Math.floor(this.leaseDuration / 1000),
      renewTime: now,
      acquireTime: now,
      leaderTransitions: 0,
    };

    // 1. Fast path: the leader updates optimistically from the record it observed last.
    if (this.isLeader() && this.observedTime + this.leaseDuration > now) {
      const old = this.observedRecord!;
      const next = { ...record, acquireTime: old.acquireTime, leaderTransitions: old.leaderTransitions };
      try {
        await this.lock.update(next, signal);
        this.setObservedRecord(next);
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        this.logger.warn({ lock: this.name, err: String(err) }, 'Failed to update lock optimistically, falling back to slow path');
      }
    }
    if (this.isLeader()) this.metrics.slowpathExercised(this.name);

    // 2. Obtain or create the record.
    let old: LeaderElectionRecord;
    let raw: string;
    try {
      ({ record: old, raw } = await this.lock.get(signal));
    } catch (err) {
      if (!isNotFound(err)) {
        this.logger.error({ lock: this.name, err: String(err) }, 'error retrieving resource lock');
        return false;
      }
      try {
        await this.lock.create(record, signal);
      } catch (createErr) {
        this.logger.error({ lock: this.name, err: String(createErr) }, 'error initially creating leader election record');
        return false;
      }
      this.setObservedRecord(record);
      return true;
    }

    // 3. Record obtained: check the identity and the time.
    if (raw !== this.observedRawRecord) {
      this.setObservedRecord(old);
      this.observedRawRecord = raw;
    }
    const hasExpired = this.observedTime + old.leaseDurationSeconds * 1000 < now;
    if (old.holderIdentity !== '' && !hasExpired && !this.isLeader()) return false;

    // 4. Try to take or keep it.
    const next = this.isLeader()
      ? { ...record, acquireTime: old.acquireTime, leaderTransitions: old.leaderTransitions }
      : { ...record, leaderTransitions: old.leaderTransitions + 1 };
    try {
      await this.lock.update(next, signal);
    } catch (err) {
      this.logger.error({ lock: this.name, err: String(err) }, 'Failed to update lock');
      return false;
    }
    this.setObservedRecord(next);
    return true;
  }

  private setObservedRecord(record: LeaderElectionRecord): void {
    this.observedRecord = record;
    this.observedTime = this.clock.now();
  }

  private maybeReportTransition(): void {
    const holder = this.observedRecord?.holderIdentity ?? '';
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (this.callbacks.onNewLeader) {
      const cb = this.callbacks.onNewLeader;
      queueMicrotask(() => {
        try {
          cb(holder);
        } catch (err) {
          this.logger.error({ lock: this.name, err: String(err) }, 'onNewLeader failed');
        }
      });
    }
  }
}

/**
 * newLeaderElector validates the config like upstream (`NewLeaderElector`) and returns an
 * elector: leaseDuration > renewDeadline > 1.2 * retryPeriod, all at least 1 ms, both main
 * callbacks set, and a non-empty identity.
 */
export function newLeaderElector(config: LeaderElectionConfig): LeaderElector {
  const leaseDuration = config.leaseDuration ?? DEFAULT_LEADER_ELECTION.leaseDuration;
  const renewDeadline = config.renewDeadline ?? DEFAULT_LEADER_ELECTION.renewDeadline;
  const retryPeriod = config.retryPeriod ?? DEFAULT_LEADER_ELECTION.retryPeriod;
  if (leaseDuration <= renewDeadline) throw new Error('leaseDuration must be greater than renewDeadline');
  if (renewDeadline <= JITTER_FACTOR * retryPeriod) throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
  if (leaseDuration < 1) throw new Error('leaseDuration must be greater than zero');
  if (renewDeadline < 1) throw new Error('renewDeadline must be greater than zero');
  if (retryPeriod < 1) throw new Error('retryPeriod must be greater than zero');
  if (!config.callbacks?.onStartedLeading) throw new Error('OnStartedLeading callback must not be nil');
  if (!config.callbacks?.onStoppedLeading) throw new Error('OnStoppedLeading callback must not be nil');
  if (!config.lock) throw new Error('Lock must not be nil.');
  if (config.lock.identity() === '') throw new Error('Lock identity is empty');
  return new LeaderElector(config);
}

/** runOrDie is `newLeaderElector(config).run(signal)` (client-go `RunOrDie`; config errors throw). */
export async function runOrDie(signal: AbortSignal, config: LeaderElectionConfig): Promise<void> {
  await newLeaderElector(config).run(signal);
}

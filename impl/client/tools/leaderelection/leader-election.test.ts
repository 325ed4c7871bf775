import test from 'ava';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
import { newLeaderElector, type LeaderElectionConfig, type LeaderElector } from './leader-election.ts';
import { FakeLeaseClient } from './resourcelock/fake-lease-client.ts';
import { LeaseLock, formatMicroTime, parseMicroTime } from './resourcelock/lease-lock.ts';

interface Candidate {
  id: string;
  elector: LeaderElector;
  log: string[];
  ctrl: AbortController;
  done: Promise<void>;
  leaderSignal?: AbortSignal;
}

function candidate(id: string, client: FakeLeaseClient, clock: FakeClock, extra: Partial<LeaderElectionConfig> = {}): Candidate {
  const log: string[] = [];
  const c: Partial<Candidate> = { id, log, ctrl: new AbortController() };
  c.elector = newLeaderElector({
    lock: new LeaseLock({ namespace: 'kube-system', name: 'kube-scheduler', client, identity: id }),
    clock,
    random: () => 0,
    callbacks: {
      onStartedLeading: (signal) => {
        c.leaderSignal = signal;
        log.push('started');
      },
      onStoppedLeading: () => log.push('stopped'),
      onNewLeader: (leader) => log.push(`leader=${leader}`),
    },
    ...extra,
  });
  c.done = c.elector.run(c.ctrl!.signal);
  return c as Candidate;
}

const lease = (client: FakeLeaseClient) => client.leases.get('kube-scheduler')?.spec;

const invalid: Array<{ name: string; config: Partial<LeaderElectionConfig>; message: string }> = [
  { name: 'leaseDuration not above renewDeadline', config: { leaseDuration: 10_000, renewDeadline: 10_000 }, message: 'leaseDuration must be greater than renewDeadline' },
  { name: 'renewDeadline not above 1.2 x retryPeriod', config: { renewDeadline: 2_400, retryPeriod: 2_000 }, message: 'renewDeadline must be greater than retryPeriod*JitterFactor' },
  { name: 'missing identity', config: { lock: new LeaseLock({ namespace: 'a', name: 'b', client: new FakeLeaseClient(), identity: '' }) }, message: 'Lock identity is empty' },
];
for (const tc of invalid) {
  test(`newLeaderElector rejects ${tc.name}`, (t) => {
    const base: LeaderElectionConfig = {
      lock: new LeaseLock({ namespace: 'a', name: 'b', client: new FakeLeaseClient(), identity: 'me' }),
      callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => {} },
    };
    t.throws(() => newLeaderElector({ ...base, ...tc.config }), { message: tc.message });
  });
}

test('MicroTime round-trips with six fractional digits', (t) => {
  const ms = Date.UTC(2026, 10, 27, 2, 39, 15, 123);
  t.is(formatMicroTime(ms), '2026-11-27T02:39:15.123000Z');
  t.is(parseMicroTime('2026-11-27T02:39:15.123456Z'), ms);
});

test('a lone candidate creates the Lease, leads, and renews every retryPeriod', async (t) => {
  const clock = new FakeClock();
  const client = new FakeLeaseClient();
  const a = candidate('a', client, clock);
  await clock.advance(0);
  t.deepEqual(a.log, ['leader=a', 'started']);
  const first = lease(client)!;
  t.like(first, { holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
  t.is(first.acquireTime, first.renewTime);
  t.true(a.elector.isLeader());
  await clock.advance(2_000);
  const renewed = lease(client)!;
  t.is(renewed.acquireTime, first.acquireTime);
  t.is(parseMicroTime(renewed.renewTime) - parseMicroTime(first.renewTime), 2_000);
  a.ctrl.abort();
  await a.done;
  t.deepEqual(a.log, ['leader=a', 'started', 'stopped']);
  t.true(a.leaderSignal!.aborted);
  t.is(lease(client)!.holderIdentity, 'a', 'not released without releaseOnCancel');
});

const handover: Array<{ name: string; releaseOnCancel: boolean; wantTakeoverWithinMs: number }> = [
  { name: 'a successor takes over after the lease expires when the leader just stops', releaseOnCancel: false, wantTakeoverWithinMs: 15_000 + 2_000 },
  { name: 'a successor takes over within a retry period when the leader releases', releaseOnCancel: true, wantTakeoverWithinMs: 2_000 },
];
for (const tc of handover) {
  test(tc.name, async (t) => {
    const clock = new FakeClock();
    const client = new FakeLeaseClient();
    const a = candidate('a', client, clock, { releaseOnCancel: tc.releaseOnCancel });
    await clock.advance(0);
    const b = candidate('b', client, clock);
    await clock.advance(10_000);
    t.deepEqual(b.log, ['leader=a'], 'b follows while a renews');
    a.ctrl.abort();
    await a.done;
    if (tc.releaseOnCancel) t.is(lease(client)!.holderIdentity, '');
    let waited = 0;
    while (!b.log.includes('started') && waited < 60_000) {
      await clock.advance(500);
      waited += 500;
    }
    t.true(b.log.includes('started'));
    t.true(waited <= tc.wantTakeoverWithinMs, `took ${waited} ms`);
    t.like(lease(client), { holderIdentity: 'b', leaseTransitions: 1 });
    b.ctrl.abort();
    await b.done;
  });
}

test('a leader that cannot renew within renewDeadline stops leading', async (t) => {
  const clock = new FakeClock();
  const client = new FakeLeaseClient();
  const a = candidate('a', client, clock);
  await clock.advance(0);
  t.true(a.log.includes('started'));
  client.failNext(1000);
  await clock.advance(2_000 + 10_000 + 2_000);
  t.true(a.leaderSignal!.aborted);
  await a.done;
  t.is(a.log.at(-1), 'stopped');
  t.notThrows(() => a.elector.check(0), 'the lease has not expired yet');
  clock.step(5_000);
  t.throws(() => a.elector.check(0), { message: /failed election to renew leadership/ });
});

test('two candidates never lead at once', async (t) => {
  const clock = new FakeClock();
  const client = new FakeLeaseClient();
  const a = candidate('a', client, clock);
  const b = candidate('b', client, clock);
  await clock.advance(30_000);
  const leaders = [a, b].filter((c) => c.log.includes('started'));
  t.is(leaders.length, 1);
  t.is(lease(client)!.holderIdentity, leaders[0]!.id);
  a.ctrl.abort();
  b.ctrl.abort();
  await Promise.all([a.done, b.done]);
});

test('leader_election_master_status follows leadership', async (t) => {
  const { Registry } = await import('prom-client');
  const { prometheusLeaderMetrics } = await import('./metrics.ts');
  const registry = new Registry();
  const clock = new FakeClock();
  const client = new FakeLeaseClient();
  const a = candidate('a', client, clock, { metrics: prometheusLeaderMetrics(registry), name: 'kube-scheduler', releaseOnCancel: true });
  await clock.advance(0);
  t.regex(await registry.metrics(), /leader_election_master_status\{name="kube-scheduler"\} 1/);
  a.ctrl.abort();
  await a.done;
  t.regex(await registry.metrics(), /leader_election_master_status\{name="kube-scheduler"\} 0/);
});

import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { FakeRecorder } from '#impl/client/tools/record/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { CronJobController } from './cronjob-controller.ts';
import { jobNameFor, mostRecentScheduleTime, parseSchedule } from './utils.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const NOW = T0 + 90_000; // 00:01:30
const cronJob = (spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { namespace: 'ns', name: 'cj', uid: 'cj-uid', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { schedule: '*/1 * * * *', jobTemplate: { metadata: { labels: { a: 'b' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } } }, ...spec },
  status,
});
const ownedJob = (name: string, o: { done?: 'Complete' | 'Failed'; start?: string } = {}): KubeObject => ({
  metadata: { namespace: 'ns', name, uid: `uid-${name}`, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: 'cj-uid', controller: true }] },
  spec: {},
  status: { startTime: o.start ?? '2026-01-01T00:00:00Z', conditions: o.done ? [{ type: o.done, status: 'True', lastTransitionTime: '2026-01-01T00:00:30Z' }] : [] },
});

interface Case {
  name: string;
  cj: KubeObject;
  jobs?: KubeObject[];
  wantCreated?: string[];
  wantDeleted?: number;
  wantEvent?: string;
  wantRequeueMs?: number;
}

const JOB_0001 = jobNameFor('cj', T0 + 60_000);
const cases: Case[] = [
  { name: 'starts the most recent missed time and requeues for the next', cj: cronJob(), wantCreated: [JOB_0001], wantRequeueMs: 30_100 },
  { name: 'Forbid: an active Job blocks the next one', cj: cronJob({ concurrencyPolicy: 'Forbid' }, { active: [{ name: 'old', uid: 'uid-old' }] }), jobs: [ownedJob('old')], wantCreated: [] },
  { name: 'Replace: the active Job is deleted first', cj: cronJob({ concurrencyPolicy: 'Replace' }, { active: [{ name: 'old', uid: 'uid-old' }] }), jobs: [ownedJob('old')], wantCreated: [JOB_0001], wantDeleted: 1 },
  { name: 'Allow: runs concurrently', cj: cronJob({}, { active: [{ name: 'old', uid: 'uid-old' }] }), jobs: [ownedJob('old')], wantCreated: [JOB_0001] },
  { name: 'a start time older than startingDeadlineSeconds is skipped', cj: cronJob({ startingDeadlineSeconds: 10 }, { lastScheduleTime: '2026-01-01T00:00:00Z' }), wantCreated: [], wantRequeueMs: 30_100 },
  { name: 'suspended: nothing starts', cj: cronJob({ suspend: true }), wantCreated: [] },
  { name: 'invalid schedule: UnparseableSchedule event', cj: cronJob({ schedule: 'not a schedule' }), wantCreated: [], wantEvent: 'Warning UnparseableSchedule' },
  { name: 'already started for that time: no duplicate', cj: cronJob(), jobs: [ownedJob(JOB_0001)], wantCreated: [] },
  {
    name: 'history limits: oldest finished Jobs beyond the limits are deleted',
    cj: cronJob({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1, suspend: true }),
    jobs: [ownedJob('s1', { done: 'Complete', start: '2026-01-01T00:00:01Z' }), ownedJob('s2', { done: 'Complete', start: '2026-01-01T00:00:02Z' }), ownedJob('f1', { done: 'Failed' })],
    wantCreated: [],
    wantDeleted: 1,
  },
];

for (const c of cases) {
  test(`cronjob reconcile: ${c.name}`, async (t) => {
    const client = new FakeClient();
    client.seed('cronjobs', c.cj);
    for (const j of c.jobs ?? []) client.seed('jobs', j);
    const recorder = new FakeRecorder();
    const ctrl = new CronJobController({
      client,
      cronJobInformer: new FakeInformer([client.stored('cronjobs', 'ns', 'cj')!]),
      jobInformer: new FakeInformer((c.jobs ?? []).map((j) => client.stored('jobs', 'ns', j.metadata!.name!)!)),
      recorder,
      clock: new FakeClock(NOW),
    });
    const res = await ctrl.reconcile('ns/cj');
    if (c.wantCreated) t.deepEqual(client.writes().filter((a) => a.startsWith('create jobs')).map((a) => a.split('/')[1]), c.wantCreated);
    t.is(client.writes().filter((a) => a.startsWith('delete jobs')).length, c.wantDeleted ?? 0);
    if (c.wantEvent) t.true(recorder.events.some((e) => e.startsWith(c.wantEvent!)), recorder.events.join('\n'));
    if (c.wantRequeueMs) t.deepEqual(res, { requeueAfter: c.wantRequeueMs });
    if (c.wantCreated?.length) {
      const job = client.stored('jobs', 'ns', c.wantCreated[0]!)!;
      t.is(job.metadata?.ownerReferences?.[0]?.uid, 'cj-uid');
      t.is(job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T00:01:00Z');
      const cj = client.stored('cronjobs', 'ns', 'cj')!;
      t.is(cj.status?.lastScheduleTime, '2026-01-01T00:01:00Z');
      t.true((cj.status?.active ?? []).some((a: { name: string }) => a.name === c.wantCreated![0]));
    }
  });
}

test('cron utils: most recent schedule time, missed count, time zones', (t) => {
  const every = parseSchedule('*/1 * * * *');
  t.deepEqual(mostRecentScheduleTime(every, T0, T0 + 30_000), { missed: 0 });
  t.deepEqual(mostRecentScheduleTime(every, T0, T0 + 185_000), { time: T0 + 180_000, missed: 3 });
  t.deepEqual(mostRecentScheduleTime(every, T0, T0 + 185_000, 70), { time: T0 + 180_000, missed: 2 });
  t.deepEqual(mostRecentScheduleTime(every, T0, T0 + 195_000, 10), { missed: 0 });
  t.is(parseSchedule('0 9 * * *', 'Asia/Tokyo').next(T0 - 1000), Date.parse('2026-01-01T00:00:00Z'));
  t.is(parseSchedule('CRON_TZ=UTC 0 9 * * *').next(T0), Date.parse('2026-01-01T09:00:00Z'));
  t.throws(() => parseSchedule('61 * * * *'));
});

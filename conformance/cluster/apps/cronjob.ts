/**
 * CronJob scheduling: upstream test/e2e/apps/cronjob.go (concurrency policies and suspend).
 * The CronJob API operations case lives in `api-objects.ts`.
 *
 * Timing deviation: upstream's "nothing more happens" checks wait the whole cronJobTimeout
 * (5 minutes) for an event that must not come; here the window is 130 s, which still spans at
 * least two schedule times of the `every minute` schedule, so that the [Slow] cases fit the
 * suite's doubled per-case timeout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject, ResourceClient } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, fail } from '../framework/expect.ts';

/** CRONJOB_TIMEOUT_MS is upstream cronJobTimeout. */
const CRONJOB_TIMEOUT_MS = 5 * 60_000;
/** QUIET_WINDOW_MS is how long the cases watch for jobs that must not be scheduled. */
const QUIET_WINDOW_MS = 130_000;

const cronJobs = (ctx: CaseContext): ResourceClient => ctx.api('batch', 'v1', 'cronjobs', true);
const jobs = (ctx: CaseContext): ResourceClient => ctx.api('batch', 'v1', 'jobs', true);

/** newTestCronJob is upstream's: an every-minute CronJob of one busybox pod (restart OnFailure). */
function newTestCronJob(ctx: CaseContext, name: string, concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace', command: string[]): KubeObject {
  return {
    metadata: { name },
    spec: {
      schedule: '*/1 * * * ?',
      concurrencyPolicy,
      jobTemplate: {
        spec: {
          parallelism: 1,
          completions: 1,
          backoffLimit: 1,
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              terminationGracePeriodSeconds: 1,
              volumes: [{ name: 'data', emptyDir: {} }],
              containers: [{ name: 'c', image: ctx.images.busybox, command, volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
            },
          },
        },
      },
    },
  };
}

const SLEEP = ['sleep', '300'];

const isFinished = (j: KubeObject): boolean => (j.status?.conditions ?? []).some((c: KubeObject) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
const activeJobsOf = (list: KubeObject[]): KubeObject[] => list.filter((j) => !isFinished(j));
const alive = (list: KubeObject[]): KubeObject[] => list.filter((j) => !j.metadata?.deletionTimestamp);

/** waitForActiveJobs is upstream's: the CronJob lists at least `n` active jobs. */
async function waitForActiveJobs(ctx: CaseContext, name: string, n: number): Promise<void> {
  let last: KubeObject | undefined;
  await ctx.waitFor(async () => {
    last = await cronJobs(ctx).get(name);
    return (last.status?.active ?? []).length >= n;
  }, { timeoutMs: CRONJOB_TIMEOUT_MS, intervalMs: 1000, message: `CronJob ${name} to have ${n} active job(s)`, describe: () => JSON.stringify(last?.status ?? {}) });
}

/** expectQuiet fails when `bad()` reports something during the quiet window. */
async function expectQuiet(ctx: CaseContext, what: string, bad: () => Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + QUIET_WINDOW_MS;
  while (Date.now() < deadline) {
    const problem = await bad();
    if (problem) fail(`${what}: ${problem}`);
    await sleep(2000, undefined, { signal: ctx.signal });
  }
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'AP-05',
    codename: '[sig-apps] CronJob should schedule multiple jobs concurrently [Conformance]',
    timeoutMs: 6 * 60_000,
    async run(ctx) {
      ctx.step('Creating a cronjob');
      await cronJobs(ctx).create(newTestCronJob(ctx, 'concurrent', 'Allow', SLEEP));
      ctx.step('Ensuring more than one job is running at a time');
      await waitForActiveJobs(ctx, 'concurrent', 2);
      ctx.step('Ensuring at least two running jobs exists by listing jobs explicitly');
      const active = activeJobsOf((await jobs(ctx).list()).items);
      if (active.length < 2) fail(`expected at least 2 active jobs, got ${active.length}`);
      ctx.step('Removing cronjob');
      await cronJobs(ctx).delete('concurrent');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-04',
    codename: '[sig-apps] CronJob should replace jobs when ReplaceConcurrent [Conformance]',
    timeoutMs: 6 * 60_000,
    async run(ctx) {
      ctx.step('Creating a ReplaceConcurrent cronjob');
      await cronJobs(ctx).create(newTestCronJob(ctx, 'replace', 'Replace', SLEEP));
      ctx.step('Ensuring a job is scheduled');
      await waitForActiveJobs(ctx, 'replace', 1);
      ctx.step('Ensuring exactly one is scheduled');
      expectEqual(((await cronJobs(ctx).get('replace')).status?.active ?? []).length, 1, 'number of active jobs of CronJob replace');
      ctx.step('Ensuring exactly one running job exists by listing jobs explicitly');
      const list = alive((await jobs(ctx).list()).items);
      const active = activeJobsOf(list);
      expectEqual(active.length, 1, 'number of active jobs in the namespace');
      const previous = active[0]!.metadata!.name!;
      ctx.step('Ensuring the job is replaced with a new one');
      await ctx.waitFor(async () => {
        const now = alive((await jobs(ctx).list()).items);
        if (now.length > 1) fail(`more than one job is running (Replace must delete the running job first): ${now.map((j) => j.metadata?.name).join(', ')}`);
        return now.length === 1 && now[0]!.metadata?.name !== previous;
      }, { timeoutMs: CRONJOB_TIMEOUT_MS, intervalMs: 1000, message: `job ${previous} to be replaced by a new one` });
      ctx.step('Removing cronjob');
      await cronJobs(ctx).delete('replace');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-02',
    codename: '[sig-apps] CronJob should not schedule jobs when suspended [Conformance] [Slow]',
    // The quiet window alone is 130 s: more than twice a short --timeout.
    timeoutMs: QUIET_WINDOW_MS + 3 * 60_000,
    async run(ctx) {
      ctx.step('Creating a suspended cronjob');
      const cj = newTestCronJob(ctx, 'suspended', 'Allow', SLEEP);
      cj.spec.suspend = true;
      await cronJobs(ctx).create(cj);
      ctx.step('Ensuring no jobs are scheduled');
      await expectQuiet(ctx, 'suspended CronJob', async () => {
        const c = await cronJobs(ctx).get('suspended');
        const n = (await jobs(ctx).list()).items.length;
        return (c.status?.active ?? []).length || n ? `a job was scheduled (${n} job(s), status ${JSON.stringify(c.status ?? {})})` : undefined;
      });
      ctx.step('Ensuring no job exists by listing jobs explicitly');
      expectEqual((await jobs(ctx).list()).items.length, 0, 'number of jobs of a suspended CronJob');
      ctx.step('Removing cronjob');
      await cronJobs(ctx).delete('suspended');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-03',
    codename: '[sig-apps] CronJob should not schedule new jobs when ForbidConcurrent [Conformance] [Slow]',
    // The quiet window alone is 130 s: more than twice a short --timeout.
    timeoutMs: QUIET_WINDOW_MS + 3 * 60_000,
    async run(ctx) {
      ctx.step('Creating a ForbidConcurrent cronjob');
      await cronJobs(ctx).create(newTestCronJob(ctx, 'forbid', 'Forbid', SLEEP));
      ctx.step('Ensuring a job is scheduled');
      await waitForActiveJobs(ctx, 'forbid', 1);
      ctx.step('Ensuring exactly one is scheduled');
      expectEqual(((await cronJobs(ctx).get('forbid')).status?.active ?? []).length, 1, 'number of active jobs of CronJob forbid');
      ctx.step('Ensuring exactly one running job exists by listing jobs explicitly');
      expectEqual(activeJobsOf((await jobs(ctx).list()).items).length, 1, 'number of active jobs in the namespace');
      ctx.step('Ensuring no more jobs are scheduled');
      await expectQuiet(ctx, 'ForbidConcurrent CronJob', async () => {
        const c = await cronJobs(ctx).get('forbid');
        const n = (c.status?.active ?? []).length;
        return n >= 2 ? `a second job was scheduled while the first runs (status ${JSON.stringify(c.status)})` : undefined;
      });
      ctx.step('Removing cronjob');
      await cronJobs(ctx).delete('forbid');
    },
  }),
];

/**
 * Jobs: upstream apps/job.go ("should apply changes to a job status", "should create pods for
 * an Indexed job with completion indexes and specified hostname", "should allow to use the pod
 * failure policy on exit code to fail the job early"). Pods come from upstream
 * e2ejob.NewTestJob: label `job=<name>`, a busybox container `c` with an emptyDir at /data.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, fail } from '../framework/expect.ts';
import { POD_START_TIMEOUT_MS } from '../framework/pods.ts';

/** newTestJob is e2ejob.NewTestJob for the behaviours used here. */
function newTestJob(ctx: CaseContext, behavior: 'notTerminate' | 'succeed' | 'failOddSucceedEven', name: string, restartPolicy: string, parallelism: number, completions: number, backoffLimit: number): KubeObject {
  const command = {
    notTerminate: ['sleep', '1000000'],
    succeed: ['/bin/sh', '-c', 'exit 0'],
    failOddSucceedEven: ['sh', '-c', 'if [ $(expr ${JOB_COMPLETION_INDEX} % 2) -ne 0 ]; then exit 1; else exit 0; fi'],
  }[behavior];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      parallelism,
      completions,
      backoffLimit,
      manualSelector: false,
      template: {
        metadata: { labels: { job: name } },
        spec: {
          restartPolicy,
          volumes: [{ name: 'data', emptyDir: {} }],
          containers: [{ name: 'c', image: ctx.images.busybox, command, volumeMounts: [{ mountPath: '/data', name: 'data' }], securityContext: {} }],
        },
      },
    },
  };
}

/** waitForJobPodsRunning waits for exactly `n` Running pods labelled job=<name>. */
async function waitForJobPodsRunning(ctx: CaseContext, name: string, n: number): Promise<void> {
  let running = 0;
  await ctx.waitFor(async () => {
    running = (await ctx.core('pods').list({ labelSelector: `job=${name}` })).items.filter((p) => p.status?.phase === 'Running').length;
    return running === n;
  }, { timeoutMs: POD_START_TIMEOUT_MS, intervalMs: 1000, message: `${n} running pods of job ${name}`, describe: () => `${running} running` });
}

const findCondition = (j: KubeObject, type: string): KubeObject | undefined => (j.status?.conditions ?? []).find((c: KubeObject) => c.type === type);
/** rfc3339Now is metav1.Now().Rfc3339Copy(): second precision. */
const rfc3339Now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const sameTime = (a: string | undefined, b: string): boolean => a !== undefined && Date.parse(a) === Date.parse(b);

export const cases = [
  defineCase(import.meta.url, {
    id: 'AP-30',
    codename: '[sig-apps] Job should apply changes to a job status [Conformance]',
    async run(ctx) {
      const jobs = ctx.api('batch', 'v1', 'jobs', true);
      const parallelism = 2;
      ctx.step('Creating a job');
      const job = await jobs.create(newTestJob(ctx, 'notTerminate', 'suspend-false-to-true', 'Never', parallelism, 4, 6));
      const name = String(job.metadata?.name);

      ctx.step('Ensure pods equal to parallelism count is attached to the job');
      await waitForJobPodsRunning(ctx, name, parallelism);

      const customConditionType = 'CustomConditionType';
      ctx.step('patching /status');
      const now1 = rfc3339Now();
      const patched = await jobs.patch(name, { metadata: { annotations: { patchedstatus: 'true' } }, status: { conditions: [{ type: customConditionType, status: 'True', lastTransitionTime: now1 }] } }, { type: 'merge', subresource: 'status' });
      const c1 = findCondition(patched, customConditionType);
      if (!c1) fail(`patched object does not have the required condition ${customConditionType}: ${JSON.stringify(patched.status?.conditions)}`);
      if (!sameTime(c1.lastTransitionTime, now1)) fail(`patched object should have the applied condition with LastTransitionTime ${now1}, got ${c1.lastTransitionTime} instead`);
      expectEqual(patched.metadata?.annotations?.patchedstatus, 'true', 'patched object should have the applied annotation patchedstatus');

      ctx.step('updating /status');
      const now2 = rfc3339Now();
      let updated: KubeObject | undefined;
      for (let i = 0; !updated; i++) {
        const toUpdate = await jobs.get(name);
        const c = findCondition(toUpdate, customConditionType);
        if (!c) fail(`patched object does not have the required condition ${customConditionType}`);
        c.lastTransitionTime = now2;
        try {
          updated = await jobs.update(toUpdate, { subresource: 'status' });
        } catch (e) {
          if (i < 5 && (e as { code?: number }).code === 409) continue;
          throw e;
        }
      }
      const c2 = findCondition(updated, customConditionType);
      if (!c2) fail(`updated object does not have the required condition ${customConditionType}`);
      if (!sameTime(c2.lastTransitionTime, now2)) fail(`updated object should have the applied condition with LastTransitionTime ${now2}, got ${c2.lastTransitionTime} instead`);

      ctx.step('get /status');
      const gotten = await jobs.get(name, { subresource: 'status' });
      expectEqual(gotten.metadata?.uid, job.metadata?.uid, 'uid read through /status');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-31',
    codename: '[sig-apps] Job should create pods for an Indexed job with completion indexes and specified hostname [Conformance]',
    async run(ctx) {
      const jobs = ctx.api('batch', 'v1', 'jobs', true);
      const completions = 4;
      ctx.step('Creating Indexed job');
      const spec = newTestJob(ctx, 'succeed', 'indexed-job', 'Never', 2, completions, 6);
      spec.spec.completionMode = 'Indexed';
      const job = await jobs.create(spec);
      const name = String(job.metadata?.name);

      ctx.step('Ensuring job reaches completions');
      let last: KubeObject | undefined;
      await ctx.waitFor(async () => {
        last = await jobs.get(name);
        return last.status?.succeeded === completions;
      }, { timeoutMs: 180_000, intervalMs: 1000, message: `job ${name} to reach ${completions} completions`, describe: () => JSON.stringify(last?.status) });

      ctx.step('Ensuring pods with index for job exist');
      const pods = (await ctx.core('pods').list({ labelSelector: `job=${name}` })).items;
      const succeeded = new Set<number>();
      for (const pod of pods) {
        const ann = pod.metadata?.annotations;
        if (pod.status?.phase === 'Succeeded' && ann) {
          const ix = Number.parseInt(ann['batch.kubernetes.io/job-completion-index'], 10);
          if (Number.isNaN(ix)) fail(`pod ${pod.metadata?.name} has no valid job-completion-index annotation: ${JSON.stringify(ann)}`);
          succeeded.add(ix);
          const expectedName = `${name}-${ix}`;
          expectEqual(pod.spec?.hostname, expectedName, `hostname of completed pod ${pod.metadata?.name}`);
        }
      }
      expectEqual([...succeeded].sort((a, b) => a - b), [0, 1, 2, 3], 'completed indexes');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-29',
    codename: '[sig-apps] Job should allow to use the pod failure policy on exit code to fail the job early [Conformance]',
    async run(ctx) {
      const jobs = ctx.api('batch', 'v1', 'jobs', true);
      ctx.step('Creating a job');
      const spec = newTestJob(ctx, 'failOddSucceedEven', 'pod-failure-policy-on-exit-code', 'Never', 2, 4, 6);
      spec.spec.completionMode = 'Indexed';
      spec.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] };
      const job = await jobs.create(spec);
      const name = String(job.metadata?.name);

      ctx.step('Awaiting for the job to fail as there are failed pods');
      let last: KubeObject | undefined;
      await ctx.waitFor(async () => {
        last = await jobs.get(name);
        return (last.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Failed' && c.status === 'True');
      }, { timeoutMs: 180_000, intervalMs: 1000, message: `job ${name} to fail (pod failure policy FailJob on exit code 1)`, describe: () => JSON.stringify(last?.status) });
    },
  }),
];

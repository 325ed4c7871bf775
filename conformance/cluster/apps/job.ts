/**
 * Jobs: upstream apps/job.go ("should apply changes to a job status", "should create pods for
 * an Indexed job with completion indexes and specified hostname", "should allow to use the pod
 * failure policy on exit code to fail the job early", "should adopt matching orphans and release
 * non-matching pods", "should allow to use a pod failure policy to ignore failure matching on
 * DisruptionTarget condition"). Pods come from upstream e2ejob.NewTestJob: label `job=<name>`, a
 * busybox container `c` with an emptyDir at /data (a hostPath under /tmp for the
 * once-per-index behaviour, as upstream NewTestJobOnNode).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, fail } from '../framework/expect.ts';
import { POD_START_TIMEOUT_MS } from '../framework/pods.ts';

const controllerOf = (o: KubeObject): KubeObject | undefined => (o.metadata?.ownerReferences ?? []).find((r: KubeObject) => r.controller);

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
  defineCase(import.meta.url, {
    id: 'AP-27',
    codename: '[sig-apps] Job should adopt matching orphans and release non-matching pods [Conformance]',
    async run(ctx) {
      const jobs = ctx.api('batch', 'v1', 'jobs', true);
      ctx.step('Creating a job');
      const job = await jobs.create(newTestJob(ctx, 'notTerminate', 'adopt-release', 'Never', 2, 4, 6));
      const name = 'adopt-release';
      ctx.step('Ensuring active pods == parallelism');
      await waitForJobPodsRunning(ctx, name, 2);

      ctx.step("Orphaning one of the Job's Pods");
      const pods = (await ctx.core('pods').list({ labelSelector: `job=${name}` })).items;
      expectEqual(pods.length, 2, `number of pods of job ${name}`);
      const podName = pods[0]!.metadata!.name!;
      const updatePod = (mutate: (p: KubeObject) => void): Promise<KubeObject> =>
        ctx.waitFor(async () => {
          const p = await ctx.core('pods').get(podName);
          mutate(p);
          try {
            return await ctx.core('pods').update(p);
          } catch (err) {
            if ((err as { code?: number }).code === 409) return undefined;
            throw err;
          }
        }, { timeoutMs: 60_000, intervalMs: 200, message: `an update of pod ${podName} without a conflict` });
      await updatePod((p) => {
        delete p.metadata!.ownerReferences;
      });

      ctx.step('Checking that the Job readopts the Pod');
      await ctx.waitFor(async () => {
        const ref = controllerOf(await ctx.core('pods').get(podName));
        if (!ref) return false;
        if (ref.kind !== 'Job' || ref.name !== name || ref.uid !== job.metadata?.uid) fail(`pod has wrong controllerRef: got ${JSON.stringify(ref)}, want Job ${name} (${job.metadata?.uid})`);
        return true;
      }, { timeoutMs: 15 * 60_000, intervalMs: 1000, message: `pod ${podName} to be readopted by job ${name}` });

      ctx.step("Removing the labels from the Job's Pod");
      await updatePod((p) => {
        delete p.metadata!.labels;
      });
      ctx.step('Checking that the Job releases the Pod');
      await ctx.waitFor(async () => !controllerOf(await ctx.core('pods').get(podName)), { timeoutMs: 15 * 60_000, intervalMs: 1000, message: `pod ${podName} to be released by job ${name}` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-28',
    codename: '[sig-apps] Job should allow to use a pod failure policy to ignore failure matching on DisruptionTarget condition [Conformance]',
    async run(ctx) {
      // backoffLimit = numPods-1 tolerates random failures, yet the Job would fail if the evictions counted.
      const numPods = 3;
      const jobs = ctx.api('batch', 'v1', 'jobs', true);
      ctx.step('Looking for a node to schedule job pods');
      const node = (await ctx.api('', 'v1', 'nodes').list()).items.find((n) => !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t: KubeObject) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'));
      if (!node) fail('no ready schedulable node');

      ctx.step('Creating a job');
      const name = 'evicted-pod-ignore-on-disruption-condition';
      const spec = newTestJob(ctx, 'notTerminate', name, 'Never', numPods, numPods, numPods - 1);
      // upstream notTerminateOncePerIndex: a marker file per index on a hostPath of the node; the
      // first pod of an index creates it and runs until evicted, the next one sees it and succeeds.
      const podSpec = spec.spec.template.spec;
      podSpec.volumes = [{ name: 'data', hostPath: { path: `/tmp/job-${ctx.uid}`, type: 'DirectoryOrCreate' } }];
      podSpec.nodeSelector = { 'kubernetes.io/hostname': node.metadata?.labels?.['kubernetes.io/hostname'] ?? node.metadata!.name };
      podSpec.terminationGracePeriodSeconds = 1;
      podSpec.containers[0].command = ['/bin/sh', '-c', 'if [[ -r /data/foo-$JOB_COMPLETION_INDEX ]]; then exit 0; else touch /data/foo-$JOB_COMPLETION_INDEX; sleep 1000000; fi'];
      podSpec.containers[0].readinessProbe = { exec: { command: ['/bin/sh', '-c', 'cat /data/foo-$JOB_COMPLETION_INDEX'] }, periodSeconds: 1 };
      spec.spec.completionMode = 'Indexed';
      spec.spec.podFailurePolicy = { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] };
      await jobs.create(spec);

      ctx.step('Waiting for all the pods to be ready');
      let last: KubeObject | undefined;
      await ctx.waitFor(async () => {
        last = await jobs.get(name);
        return last.status?.ready === numPods;
      }, { timeoutMs: 180_000, intervalMs: 1000, message: `job ${name} to have ${numPods} ready pods`, describe: () => JSON.stringify(last?.status) });

      ctx.step('Fetch all running pods');
      const pods = (await ctx.core('pods').list({ labelSelector: `job=${name}` })).items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
      expectEqual(pods.length, numPods, 'number of running pods (parallelism)');

      ctx.step('Evict all the Pods');
      await Promise.all(pods.map(async (pod) => {
        const podName = pod.metadata!.name!;
        ctx.step(`Evicting the running pod: ${podName}`);
        await ctx.core('pods').create({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: podName, namespace: ctx.ns } }, { subresource: 'eviction', name: podName });
        ctx.step(`Awaiting for the pod: ${podName} to be deleted`);
        await ctx.waitFor(async () => ctx.core('pods').get(podName).then(() => false, (e) => (e as { code?: number }).code === 404), { timeoutMs: 5 * 60_000, intervalMs: 1000, message: `evicted pod ${podName} to be deleted` });
      }));

      ctx.step('Ensuring job reaches completions');
      await ctx.waitFor(async () => {
        last = await jobs.get(name);
        return (last.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Complete' && c.status === 'True') && last.status?.succeeded === numPods;
      }, { timeoutMs: 180_000, intervalMs: 1000, message: `job ${name} to complete with ${numPods} succeeded pods (evictions ignored by the pod failure policy)`, describe: () => JSON.stringify(last?.status) });
    },
  }),
];

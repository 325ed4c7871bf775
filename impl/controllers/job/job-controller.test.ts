import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { formatIndexes, parseIndexes } from './indexed-job-utils.ts';
import { JOB_TRACKING_FINALIZER, JobController } from './job-controller.ts';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const job = (spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { namespace: 'ns', name: 'j', uid: 'job-uid' },
  spec: { parallelism: 2, completions: 3, backoffLimit: 6, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } }, template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } }, ...spec },
  status,
});
const pod = (name: string, phase: string, o: { index?: number; finished?: string } = {}): KubeObject => ({
  metadata: {
    namespace: 'ns',
    name,
    uid: `uid-${name}`,
    labels: { 'batch.kubernetes.io/controller-uid': 'job-uid' },
    annotations: o.index === undefined ? {} : { 'batch.kubernetes.io/job-completion-index': String(o.index) },
    finalizers: [JOB_TRACKING_FINALIZER],
    ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'job-uid', controller: true }],
  },
  spec: {},
  status: { phase, containerStatuses: o.finished ? [{ state: { terminated: { finishedAt: o.finished } } }] : [] },
});

interface Case {
  name: string;
  job: KubeObject;
  pods?: KubeObject[];
  wantCreates: number;
  wantDeletes?: number;
  wantStatus?: Record<string, unknown>;
  wantCondition?: { type: string; reason: string };
  wantRequeue?: boolean;
  wantIndexes?: string[];
}

const cases: Case[] = [
  { name: 'starts parallelism pods', job: job(), wantCreates: 2, wantStatus: { active: 2 } },
  { name: 'never more than the remaining completions', job: job({ parallelism: 5 }, { succeeded: 2 }), wantCreates: 1 },
  {
    name: 'succeeded pods are counted and released, then the Job completes',
    job: job(),
    pods: [pod('a', 'Succeeded'), pod('b', 'Succeeded'), pod('c', 'Succeeded')],
    wantCreates: 0,
    wantStatus: { succeeded: 3 },
    wantCondition: { type: 'Complete', reason: 'CompletionsReached' },
  },
  {
    name: 'failures beyond backoffLimit fail the Job and delete active pods',
    job: job({ backoffLimit: 1 }),
    pods: [pod('a', 'Failed'), pod('b', 'Failed'), pod('c', 'Running')],
    wantCreates: 0,
    wantDeletes: 1,
    wantStatus: { failed: 2 },
    wantCondition: { type: 'Failed', reason: 'BackoffLimitExceeded' },
  },
  {
    name: 'a recent failure delays the replacement (back-off)',
    job: job({ parallelism: 1 }),
    pods: [pod('a', 'Failed', { finished: '2026-01-01T00:59:59Z' })],
    wantCreates: 0,
    wantStatus: { failed: 1 },
    wantRequeue: true,
  },
  {
    name: 'activeDeadlineSeconds exceeded',
    job: job({ activeDeadlineSeconds: 10 }, { startTime: '2026-01-01T00:00:00Z' }),
    pods: [pod('a', 'Running')],
    wantCreates: 0,
    wantDeletes: 1,
    wantCondition: { type: 'Failed', reason: 'DeadlineExceeded' },
  },
  {
    name: 'suspended: active pods are deleted',
    job: job({ suspend: true }),
    pods: [pod('a', 'Running')],
    wantCreates: 0,
    wantDeletes: 1,
    wantCondition: { type: 'Suspended', reason: 'JobSuspended' },
  },
  {
    name: 'Indexed: missing indexes get pods, completed ones are recorded',
    job: job({ completionMode: 'Indexed', parallelism: 3 }),
    pods: [pod('a', 'Succeeded', { index: 1 })],
    wantCreates: 2,
    wantStatus: { completedIndexes: '1', succeeded: 1 },
    wantIndexes: ['0', '2'],
  },
  {
    name: 'with a pod failure policy, a terminating pod is neither counted nor replaced until it fails',
    job: job({ parallelism: 1, podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] } }),
    pods: [{ ...pod('a', 'Running'), metadata: { ...pod('a', 'Running').metadata, deletionTimestamp: '2026-01-01T00:59:00Z' } }],
    wantCreates: 0,
    wantStatus: { failed: undefined },
  },
  {
    name: 'without a pod failure policy, a terminating pod counts as failed and is replaced',
    job: job({ parallelism: 1 }),
    pods: [{ ...pod('a', 'Running'), metadata: { ...pod('a', 'Running').metadata, deletionTimestamp: '2026-01-01T00:59:00Z' } }],
    wantCreates: 1,
    wantStatus: { failed: 1 },
  },
  {
    name: 'an evicted pod (DisruptionTarget) that failed is ignored by an Ignore rule and its index is recreated',
    job: job({ completionMode: 'Indexed', parallelism: 1, completions: 1, podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] } }),
    pods: [{ ...pod('a', 'Failed', { index: 0 }), status: { phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] } }],
    wantCreates: 1,
    wantStatus: { failed: undefined },
    wantIndexes: ['0'],
  },
];

for (const c of cases) {
  test(`job reconcile: ${c.name}`, async (t) => {
    const client = new FakeClient();
    client.seed('jobs', c.job);
    for (const p of c.pods ?? []) client.seed('pods', p);
    const ctrl = new JobController({
      client,
      jobInformer: new FakeInformer([client.stored('jobs', 'ns', 'j')!]),
      podInformer: new FakeInformer((c.pods ?? []).map((p) => client.stored('pods', 'ns', p.metadata!.name!)!)),
      clock: new FakeClock(NOW),
    });
    const res = await ctrl.reconcile('ns/j');
    const creates = client.writes().filter((a) => a.startsWith('create pods'));
    t.is(creates.length, c.wantCreates);
    t.is(client.writes().filter((a) => a.startsWith('delete pods')).length, c.wantDeletes ?? 0);
    const j = client.stored('jobs', 'ns', 'j')!;
    for (const [k, v] of Object.entries(c.wantStatus ?? {})) t.is(j.status?.[k], v, k);
    if (c.wantCondition) t.is(j.status?.conditions?.find((x: { type: string }) => x.type === c.wantCondition!.type)?.reason, c.wantCondition.reason);
    if (c.wantRequeue) t.true((res as { requeueAfter?: number } | undefined)?.requeueAfter !== undefined);
    for (const p of c.pods ?? []) {
      const stored = client.stored('pods', 'ns', p.metadata!.name!);
      if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') t.false((stored?.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER), 'finalizer released');
    }
    const created = client.all('pods', 'ns').filter((p) => p.metadata?.generateName);
    t.true(created.every((p) => (p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)));
    if (c.wantIndexes) t.deepEqual(created.map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).sort(), c.wantIndexes);
  });
}

test('indexed job utils: completedIndexes format', (t) => {
  t.is(formatIndexes([0, 1, 2, 4, 6, 7]), '0-2,4,6,7');
  t.deepEqual([...parseIndexes('0-2,4')], [0, 1, 2, 4]);
});

test('an orphan pod matching a Job selector is adopted; a released pod loses the tracking finalizer', async (t) => {
  const client = new FakeClient();
  const j = job();
  client.seed('jobs', j);
  const orphan = pod('o', 'Running');
  delete orphan.metadata!.ownerReferences;
  client.seed('pods', orphan);
  const jobInformer = new FakeInformer([client.stored('jobs', 'ns', 'j')!]);
  const podInformer = new FakeInformer([client.stored('pods', 'ns', 'o')!]);
  const ctrl = new JobController({ client, jobInformer, podInformer, clock: new FakeClock(NOW) });
  await ctrl.reconcile('ns/j');
  const adopted = client.stored('pods', 'ns', 'o')!;
  t.is(adopted.metadata?.ownerReferences?.find((r: KubeObject) => r.controller)?.uid, 'job-uid');

  // Released (no owner, labels gone): the orphan key drops the finalizer.
  const released = structuredClone(adopted);
  delete released.metadata!.ownerReferences;
  released.metadata!.labels = {};
  client.seed('pods', released);
  const ctrl2 = new JobController({ client, jobInformer, podInformer: new FakeInformer([client.stored('pods', 'ns', 'o')!]), clock: new FakeClock(NOW) });
  await ctrl2.reconcile('orphan-pod:ns/o');
  t.false((client.stored('pods', 'ns', 'o')?.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER));
});

/**
 * JobController runs pods to completion (upstream `pkg/controller/job/job_controller.go`).
 * `reconcile(namespace/name)` (upstream `syncJob`):
 *
 * - finished Jobs (Complete or Failed) are left alone;
 * - pods are claimed by selector and controllerRef; pods the controller creates carry the
 *   `batch.kubernetes.io/job-tracking` finalizer, and terminated pods are counted through
 *   `status.uncountedTerminatedPods` (record the uid, remove the finalizer, then move it to
 *   `succeeded`/`failed`), so counts survive pod deletion;
 * - failure: a failed pod matching a FailJob rule of `podFailurePolicy` -> Failed/PodFailurePolicy
 *   (Ignore rules keep a failure out of the count); more failed pods than `backoffLimit` ->
 *   FailureTarget + Failed/BackoffLimitExceeded;
 *   past `activeDeadlineSeconds` -> DeadlineExceeded; active pods are deleted;
 * - success: `completions` succeeded pods (or, without completions, one success and no active
 *   pods) -> SuccessCriteriaMet + Complete and completionTime;
 * - otherwise keep `min(parallelism, remaining)` pods active (Indexed: one pod per missing
 *   index), recreating failed ones after an exponential back-off (10 s doubling, max 6 min);
 * - `suspend` deletes active pods and sets Suspended.
 */
import { labels } from '#impl/apimachinery/index.ts';
import { isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike, type GVR } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { claimPods } from '../controller-ref-manager.ts';
import { ControllerExpectations, getControllerOf, getPodFromTemplate, isPodReady, newControllerRef, objectKey, podKey, rfc3339, unwrapTombstone, type ControllerGVK } from '../controller-utils.ts';
import { noopRecorder, type EventRecorder } from '#impl/client/tools/record/index.ts';
import { errMessage, runWorkers, type ReconcileResult } from '../worker-loop.ts';
import { formatIndexes, getCompletionIndex, JOB_COMPLETION_INDEX_ANNOTATION, parseIndexes } from './indexed-job-utils.ts';
import { matchPodFailurePolicy } from './pod-failure-policy.ts';

/** JOB_CONTROLLER_NAME is the upstream controller name. */
export const JOB_CONTROLLER_NAME = 'job-controller';
/** JOB_TRACKING_FINALIZER keeps terminated pods until the Job has counted them. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** DEFAULT_JOB_BACKOFF_MS / MAX_JOB_BACKOFF_MS are the pod re-creation back-off bounds. */
export const DEFAULT_JOB_BACKOFF_MS = 10_000;
export const MAX_JOB_BACKOFF_MS = 360_000;

const ORPHAN_POD_KEY_PREFIX = 'orphan-pod:';
const JOB_GVK: ControllerGVK = { group: 'batch', version: 'v1', kind: 'Job' };
const JOBS: GVR = { group: 'batch', version: 'v1', resource: 'jobs' };
const PODS: GVR = { group: '', version: 'v1', resource: 'pods' };

/** JobControllerOptions configure {@link JobController}. */
export interface JobControllerOptions {
  client: ClientLike;
  jobInformer: GenericInformer;
  podInformer: GenericInformer;
  recorder?: EventRecorder;
  clock?: Clock;
  logger?: Logger;
}

interface JobCondition {
  type: string;
  status: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** isJobFinished: a Complete or Failed condition is True. */
export function isJobFinished(job: KubeObject): boolean {
  return ((job.status?.conditions ?? []) as JobCondition[]).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function finishedAt(pod: KubeObject): number {
  let t = 0;
  for (const cs of (pod.status?.containerStatuses ?? []) as Array<{ state?: { terminated?: { finishedAt?: string } } }>) {
    t = Math.max(t, Date.parse(cs.state?.terminated?.finishedAt ?? '') || 0);
  }
  if (!t) t = Date.parse(pod.metadata?.deletionTimestamp ?? pod.metadata?.creationTimestamp ?? '') || 0;
  return t;
}

/**
 * onlyReplaceFailedPods is upstream's: with podReplacementPolicy Failed (the default when a
 * pod failure policy is set) a deleted pod counts, and is replaced, only once it is Failed.
 */
export function onlyReplaceFailedPods(job: KubeObject): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;
}

/** JobController implements the job controller. */
export class JobController implements Controller {
  readonly name = JOB_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  readonly expectations: ControllerExpectations;
  private readonly client: ClientLike;
  private readonly jobInformer: GenericInformer;
  private readonly podInformer: GenericInformer;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(opts: JobControllerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.recorder = opts.recorder ?? noopRecorder;
    this.queue = new RateLimitingQueue<string>({ name: 'job', clock: this.clock });
    this.expectations = new ControllerExpectations(this.clock);
    this.jobInformer = opts.jobInformer;
    this.podInformer = opts.podInformer;
    this.jobInformer.informer().addEventHandler({
      onAdd: (j) => this.queue.add(objectKey(j)),
      onUpdate: (_o, j) => this.queue.add(objectKey(j)),
      onDelete: (j) => {
        this.expectations.deleteExpectations(objectKey(unwrapTombstone(j)));
        this.queue.add(objectKey(unwrapTombstone(j)));
      },
    });
    this.podInformer.informer().addEventHandler({
      onAdd: (pod) => this.podEvent(pod, 'add'),
      onUpdate: (_o, pod) => this.podEvent(pod, 'update'),
      onDelete: (pod) => this.podEvent(unwrapTombstone(pod), 'delete'),
    });
  }

  /** matchingJobs lists the Jobs of the pod's namespace whose selector matches its labels (upstream getPodJobs). */
  private matchingJobs(pod: KubeObject): KubeObject[] {
    const podLabels = pod.metadata?.labels ?? {};
    if (Object.keys(podLabels).length === 0) return [];
    return this.jobInformer.lister().byNamespace(pod.metadata?.namespace ?? '').list().filter((j) => {
      try {
        const sel = labels.labelSelectorAsSelector(j.spec?.selector);
        return !sel.empty() && sel.matches(podLabels);
      } catch {
        return false;
      }
    });
  }

  private podEvent(pod: KubeObject, type: 'add' | 'update' | 'delete'): void {
    const ref = getControllerOf(pod);
    if (!ref) {
      // An orphan: wake the Jobs that may adopt it; with none, it must not keep the tracking
      // finalizer (upstream addPod/updatePod and enqueueOrphanPod).
      if (type === 'delete' || pod.metadata?.deletionTimestamp && type === 'add') return;
      const jobs = this.matchingJobs(pod);
      for (const j of jobs) this.queue.add(objectKey(j));
      if (jobs.length === 0 && (pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) this.queue.add(`${ORPHAN_POD_KEY_PREFIX}${podKey(pod)}`);
      return;
    }
    if (ref.kind !== 'Job') return;
    const job = this.jobInformer.lister().byNamespace(pod.metadata?.namespace ?? '').get(ref.name);
    if (!job || job.metadata?.uid !== ref.uid) {
      // A pod whose Job is gone must not keep the tracking finalizer (upstream orphan pod handling).
      if (type !== 'delete' && (pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) this.queue.add(`${ORPHAN_POD_KEY_PREFIX}${podKey(pod)}`);
      return;
    }
    const key = objectKey(job);
    if (type === 'add') this.expectations.creationObserved(key);
    if (type === 'delete' || (type === 'update' && pod.metadata?.deletionTimestamp)) this.expectations.deletionObserved(key, podKey(pod));
    this.queue.add(key);
  }

  private now(): string {
    return rfc3339(this.clock.now());
  }

  private setCondition(status: Record<string, unknown>, type: string, cstatus: string, reason: string, message: string): void {
    const conds = ((status.conditions ?? []) as JobCondition[]).map((c) => ({ ...c }));
    const cur = conds.find((c) => c.type === type);
    const now = this.now();
    if (cur) {
      if (cur.status !== cstatus) cur.lastTransitionTime = now;
      cur.status = cstatus;
      cur.reason = reason;
      cur.message = message;
      cur.lastProbeTime = now;
    } else conds.push({ type, status: cstatus, lastProbeTime: now, lastTransitionTime: now, reason, message });
    status.conditions = conds;
  }

  /** reconcile syncs one Job (upstream `syncJob`), or releases an orphaned pod (`orphan-pod:` keys). */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith(ORPHAN_POD_KEY_PREFIX)) return this.releaseOrphanPod(key.slice(ORPHAN_POD_KEY_PREFIX.length));
    const [namespace = '', name = ''] = key.split('/');
    const cached = this.jobInformer.lister().byNamespace(namespace).get(name);
    if (!cached) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const job = structuredClone(cached);
    const jobsApi = resourceFor(this.client, JOBS, namespace);
    const podsApi = resourceFor(this.client, PODS, namespace);
    if (isJobFinished(cached)) {
      // Nothing left to count: release every pod still holding the tracking finalizer.
      const owned = this.podInformer.lister().byNamespace(namespace).list().filter((p) => getControllerOf(p)?.uid === job.metadata?.uid);
      await this.removeTrackingFinalizers(podsApi, owned);
      return;
    }
    const selector = labels.labelSelectorAsSelector(job.spec?.selector);
    const allPods = await claimPods(this.podInformer.lister().byNamespace(namespace).list(), {
      controller: job,
      gvk: JOB_GVK,
      selector,
      pods: podsApi,
      getController: () => jobsApi.get(name),
    });
    const status: Record<string, unknown> = structuredClone(job.status ?? {});
    const before = JSON.stringify(status);

    // Count terminated pods: uncounted first, then drop their finalizers, then add to the counters.
    const uncounted = (status.uncountedTerminatedPods ?? {}) as { succeeded?: string[]; failed?: string[] };
    const uncSucceeded = new Set(uncounted.succeeded ?? []);
    const uncFailed = new Set(uncounted.failed ?? []);
    const tracked = allPods.filter((p) => (p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER));
    const releaseOnly: KubeObject[] = [];
    for (const p of tracked) {
      const uid = p.metadata!.uid!;
      if (p.status?.phase === 'Succeeded') uncSucceeded.add(uid);
      else if (p.status?.phase === 'Failed') {
        // A failure the pod failure policy ignores does not count against backoffLimit.
        if (matchPodFailurePolicy(job, p).action === 'Ignore') releaseOnly.push(p);
        else uncFailed.add(uid);
      }
      else if (p.metadata?.deletionTimestamp && !onlyReplaceFailedPods(job)) {
        // Deleted before finishing: a failure, unless the Job is suspended. With a pod failure
        // policy (or podReplacementPolicy Failed) the pod is judged once it reaches a terminal
        // phase, so that its conditions (DisruptionTarget) and exit codes can be matched.
        if (job.spec?.suspend) releaseOnly.push(p);
        else uncFailed.add(uid);
      }
    }
    await this.removeTrackingFinalizers(podsApi, releaseOnly);
    if (uncSucceeded.size + uncFailed.size > 0) {
      status.uncountedTerminatedPods = { succeeded: [...uncSucceeded], failed: [...uncFailed] };
      if (JSON.stringify(status) !== before) await this.writeStatus(jobsApi, job, status);
      await this.removeTrackingFinalizers(podsApi, tracked.filter((x) => uncSucceeded.has(x.metadata!.uid!) || uncFailed.has(x.metadata!.uid!)));
      status.succeeded = Number(status.succeeded ?? 0) + uncSucceeded.size;
      status.failed = Number(status.failed ?? 0) + uncFailed.size;
      if (job.spec?.completionMode === 'Indexed') {
        const done = parseIndexes(status.completedIndexes as string | undefined);
        for (const p of allPods) if (uncSucceeded.has(p.metadata!.uid!)) {
          const i = getCompletionIndex(p);
          if (i !== undefined && i < Number(job.spec?.completions ?? 0)) done.add(i);
        }
        status.completedIndexes = formatIndexes(done);
        status.succeeded = done.size;
      }
      status.uncountedTerminatedPods = {};
    }

    const active = allPods.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const terminating = onlyReplaceFailedPods(job) ? allPods.filter((p) => p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') : [];
    const succeeded = Number(status.succeeded ?? 0);
    const failed = Number(status.failed ?? 0);
    const completions = job.spec?.completions === undefined || job.spec?.completions === null ? undefined : Number(job.spec.completions);
    const backoffLimit = Number(job.spec?.backoffLimit ?? 6);
    if (!status.startTime && !job.spec?.suspend) status.startTime = this.now();

    let failure: { reason: string; message: string } | undefined;
    const failJob = allPods.filter((p) => p.status?.phase === 'Failed').map((p) => matchPodFailurePolicy(job, p)).find((v) => v.action === 'FailJob');
    if (failJob) failure = { reason: 'PodFailurePolicy', message: failJob.message ?? 'Job failed by the pod failure policy' };
    else if (failed > backoffLimit) failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    else if (job.spec?.activeDeadlineSeconds !== undefined && status.startTime && Date.parse(String(status.startTime)) + Number(job.spec.activeDeadlineSeconds) * 1000 <= this.clock.now()) {
      failure = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    }
    const complete = completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0;

    let result: ReconcileResult | undefined;
    let manageErr: unknown;
    status.active = active.length;
    if (failure) {
      await this.deletePods(podsApi, active, key);
      this.setCondition(status, 'FailureTarget', 'True', failure.reason, failure.message);
      this.setCondition(status, 'Failed', 'True', failure.reason, failure.message);
      this.recorder.event(job, 'Warning', failure.reason, failure.message);
    } else if (complete) {
      if (completions !== undefined) await this.deletePods(podsApi, active, key);
      this.setCondition(status, 'SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods');
      this.setCondition(status, 'Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods');
      status.completionTime = this.now();
      this.recorder.event(job, 'Normal', 'Completed', 'Job completed');
    } else if (job.spec?.suspend) {
      await this.deletePods(podsApi, active, key);
      if (((status.conditions ?? []) as JobCondition[]).find((c) => c.type === 'Suspended')?.status !== 'True') {
        this.setCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended');
        this.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
      }
      delete status.startTime;
    } else {
      if (((status.conditions ?? []) as JobCondition[]).find((c) => c.type === 'Suspended')?.status === 'True') {
        this.setCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed');
        this.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
      }
      if (this.expectations.satisfiedExpectations(key)) {
        try {
          result = await this.manageJob(job, active, allPods, status, key, podsApi, terminating);
        } catch (err) {
          manageErr = err;
        }
      }
      if (job.spec?.activeDeadlineSeconds !== undefined && status.startTime) {
        const left = Date.parse(String(status.startTime)) + Number(job.spec.activeDeadlineSeconds) * 1000 - this.clock.now();
        result = { requeueAfter: Math.max(0, Math.min(result?.requeueAfter ?? Infinity, left)) };
      }
    }
    const stillActive = failure || complete || job.spec?.suspend ? 0 : Number(status.active ?? 0);
    status.active = stillActive;
    status.ready = failure || complete ? 0 : active.filter(isPodReady).length;
    if (status.active === 0) delete status.active;
    if (JSON.stringify(status) !== before) await this.writeStatus(jobsApi, job, status);
    if (manageErr) throw manageErr;
    return result;
  }

  private async releaseOrphanPod(podKeyStr: string): Promise<void> {
    const [namespace = '', name = ''] = podKeyStr.split('/');
    const pod = this.podInformer.lister().byNamespace(namespace).get(name);
    if (!pod) return;
    const ref = getControllerOf(pod);
    const job = ref ? this.jobInformer.lister().byNamespace(namespace).get(ref.name) : undefined;
    if (job && job.metadata?.uid === ref?.uid) return;
    // An orphan that a Job may still adopt keeps its finalizer (upstream syncOrphanPod).
    if (!ref && this.matchingJobs(pod).length > 0) return;
    await this.removeTrackingFinalizers(resourceFor(this.client, PODS, namespace), [pod]);
  }

  private async removeTrackingFinalizers(podsApi: ReturnType<typeof resourceFor>, pods: KubeObject[]): Promise<void> {
    for (const p of pods) {
      if (!(p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) continue;
      const fins = (p.metadata?.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
      try {
        await podsApi.patch(p.metadata!.name!, { metadata: { finalizers: fins.length ? fins : null, uid: p.metadata?.uid } }, { type: 'merge' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private async writeStatus(api: ReturnType<typeof resourceFor>, job: KubeObject, status: Record<string, unknown>): Promise<void> {
    const next = structuredClone(job);
    next.status = status;
    const out = await api.update(next, { subresource: 'status' });
    job.metadata = out.metadata;
  }

  private async deletePods(podsApi: ReturnType<typeof resourceFor>, pods: KubeObject[], key: string): Promise<void> {
    if (pods.length === 0) return;
    this.expectations.expectDeletions(key, pods.map(podKey));
    await Promise.all(
      pods.map((p) =>
        podsApi.delete(p.metadata!.name!).catch((err: unknown) => {
          this.expectations.deletionObserved(key, podKey(p));
          if (!isNotFound(err)) throw err;
        }),
      ),
    );
  }

  /** manageJob creates or deletes pods to reach the wanted parallelism (upstream `manageJob`). */
  private async manageJob(job: KubeObject, active: KubeObject[], allPods: KubeObject[], status: Record<string, unknown>, key: string, podsApi: ReturnType<typeof resourceFor>, terminating: KubeObject[] = []): Promise<ReconcileResult | undefined> {
    const parallelism = Number(job.spec?.parallelism ?? 1);
    const completions = job.spec?.completions === undefined || job.spec?.completions === null ? undefined : Number(job.spec.completions);
    const succeeded = Number(status.succeeded ?? 0);
    const indexed = job.spec?.completionMode === 'Indexed';
    let wantActive: number;
    if (completions === undefined) wantActive = succeeded > 0 ? 0 : parallelism;
    else wantActive = Math.max(0, Math.min(parallelism, completions - succeeded));
    if (active.length > wantActive) {
      const victims = [...active].sort((a, b) => (a.spec?.nodeName ? 1 : 0) - (b.spec?.nodeName ? 1 : 0) || (isPodReady(a) ? 1 : 0) - (isPodReady(b) ? 1 : 0)).slice(0, active.length - wantActive);
      await this.deletePods(podsApi, victims, key);
      return undefined;
    }
    // Terminating pods are replaced only once they failed (onlyReplaceFailedPods).
    let diff = wantActive - active.length - terminating.length;
    if (diff <= 0) return undefined;
    // Exponential back-off after failures, from the most recent failure.
    const failedPods = allPods.filter((p) => p.status?.phase === 'Failed');
    const failures = Number(status.failed ?? 0);
    if (failures > 0 && failedPods.length > 0) {
      const delay = Math.min(DEFAULT_JOB_BACKOFF_MS * 2 ** (failures - 1), MAX_JOB_BACKOFF_MS);
      const last = Math.max(...failedPods.map(finishedAt));
      const wait = last + delay - this.clock.now();
      if (wait > 0) return { requeueAfter: wait };
    }
    let indexes: number[] = [];
    if (indexed) {
      const done = parseIndexes(status.completedIndexes as string | undefined);
      const running = new Set([...active, ...terminating].map(getCompletionIndex).filter((i): i is number => i !== undefined));
      for (let i = 0; i < (completions ?? 0) && indexes.length < diff; i++) if (!done.has(i) && !running.has(i)) indexes.push(i);
      diff = indexes.length;
    }
    if (diff <= 0) return undefined;
    this.expectations.expectCreations(key, diff);
    const ref = newControllerRef(job, JOB_GVK);
    const errors: string[] = [];
    let created = 0;
    await Promise.all(
      Array.from({ length: diff }, async (_v, n) => {
        const pod = getPodFromTemplate(job.spec?.template, job, ref);
        pod.metadata!.finalizers = [...(pod.metadata!.finalizers ?? []), JOB_TRACKING_FINALIZER];
        if (indexed) {
          const i = indexes[n]!;
          pod.metadata!.generateName = `${job.metadata?.name}-${i}-`;
          pod.metadata!.annotations = { ...pod.metadata!.annotations, [JOB_COMPLETION_INDEX_ANNOTATION]: String(i) };
          pod.metadata!.labels = { ...pod.metadata!.labels, [JOB_COMPLETION_INDEX_ANNOTATION]: String(i) };
          pod.spec.hostname ??= `${job.metadata?.name}-${i}`;
          for (const c of pod.spec.containers ?? []) {
            c.env = [...(c.env ?? []).filter((e: { name: string }) => e.name !== 'JOB_COMPLETION_INDEX'), { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } }];
          }
        }
        try {
          const p = await podsApi.create(pod);
          created++;
          this.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${p.metadata?.name}`);
        } catch (err) {
          this.expectations.creationObserved(key);
          this.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${errMessage(err)}`);
          errors.push(errMessage(err));
        }
      }),
    );
    status.active = active.length + created;
    if (errors.length) throw new Error(errors.join('; '));
    return undefined;
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [() => this.jobInformer.informer().hasSynced(), () => this.podInformer.informer().hasSynced()];
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

/**
 * CronJobController creates Jobs on a cron schedule (upstream
 * `pkg/controller/cronjob/cronjob_controllerv2.go`). `reconcile(namespace/name)`:
 * reconcile `status.active` with the Jobs it owns (finished ones leave and set
 * lastSuccessfulTime), delete finished Jobs beyond the history limits, and, unless suspended
 * or deleted, start the most recent missed schedule time: too late past
 * startingDeadlineSeconds -> MissSchedule; Forbid with active Jobs -> wait; Replace -> delete
 * the active Jobs first. Jobs are named `<cronjob>-<minutes since epoch>`, so a restart never
 * starts one twice. The key is requeued for the next schedule time.
 */
import { isAlreadyExists, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { DeletedFinalStateUnknown, noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike, type GVR } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { getControllerOf, newControllerRef, rfc3339 } from '../controller-utils.ts';
import { noopRecorder, type EventRecorder } from '#impl/client/tools/record/index.ts';
import { isJobFinished } from '../job/job-controller.ts';
import { errMessage, runWorkers, type ReconcileResult } from '../worker-loop.ts';
import { jobNameFor, mostRecentScheduleTime, parseSchedule, MAX_MISSED } from './utils.ts';

/** CRONJOB_CONTROLLER_NAME is the upstream controller name. */
export const CRONJOB_CONTROLLER_NAME = 'cronjob-controller';
/** SCHEDULED_TIMESTAMP_ANNOTATION records when a Job was scheduled. */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

const JOBS: GVR = { group: 'batch', version: 'v1', resource: 'jobs' };
const CRONJOBS: GVR = { group: 'batch', version: 'v1', resource: 'cronjobs' };

/** CronJobControllerOptions configure {@link CronJobController}. */
export interface CronJobControllerOptions {
  client: ClientLike;
  cronJobInformer: GenericInformer;
  jobInformer: GenericInformer;
  recorder?: EventRecorder;
  clock?: Clock;
  logger?: Logger;
}

function jobCondition(job: KubeObject, type: string): { lastTransitionTime?: string } | undefined {
  return ((job.status?.conditions ?? []) as Array<{ type: string; status: string; lastTransitionTime?: string }>).find((c) => c.type === type && c.status === 'True');
}

/** CronJobController implements the cronjob controller. */
export class CronJobController implements Controller {
  readonly name = CRONJOB_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: CronJobControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.recorder = opts.recorder ?? noopRecorder;
    this.queue = new RateLimitingQueue<string>({ name: 'cronjob', clock: this.clock });
    const key = (o: KubeObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;
    opts.cronJobInformer.informer().addEventHandler({ onAdd: (c) => this.queue.add(key(c)), onUpdate: (_o, c) => this.queue.add(key(c)) });
    const jobChanged = (obj: KubeObject | DeletedFinalStateUnknown): void => {
      const job = obj instanceof DeletedFinalStateUnknown ? (obj.obj as KubeObject) : obj;
      const ref = getControllerOf(job);
      if (ref?.kind === 'CronJob') this.queue.add(`${job.metadata?.namespace}/${ref.name}`);
    };
    opts.jobInformer.informer().addEventHandler({ onAdd: jobChanged, onUpdate: (_o, j) => jobChanged(j), onDelete: jobChanged });
  }

  /** reconcile syncs one CronJob. */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace = '', name = ''] = key.split('/');
    const cached = this.opts.cronJobInformer.lister().byNamespace(namespace).get(name);
    if (!cached) return;
    const cj = structuredClone(cached);
    const now = this.clock.now();
    const jobsApi = resourceFor(this.opts.client, JOBS, namespace);
    const cjApi = resourceFor(this.opts.client, CRONJOBS, namespace);
    const owned = this.opts.jobInformer.lister().byNamespace(namespace).list().filter((j) => getControllerOf(j)?.uid === cj.metadata?.uid);
    const status: Record<string, unknown> = structuredClone(cj.status ?? {});
    const before = JSON.stringify(status);

    // status.active follows the owned, unfinished Jobs.
    const byUid = new Map(owned.map((j) => [j.metadata?.uid, j]));
    let active = ((status.active ?? []) as Array<{ uid?: string; name?: string }>).filter((ref) => {
      const j = byUid.get(ref.uid);
      if (!j) return false;
      if (isJobFinished(j)) {
        this.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata?.name}, condition: ${jobCondition(j, 'Complete') ? 'Complete' : 'Failed'}`);
        return false;
      }
      return true;
    });
    for (const j of owned) {
      if (!isJobFinished(j) && !active.some((a) => a.uid === j.metadata?.uid)) active.push(this.jobRef(j));
      const done = jobCondition(j, 'Complete');
      const t = Date.parse(j.status?.completionTime ?? done?.lastTransitionTime ?? '');
      if (done && !Number.isNaN(t) && (!status.lastSuccessfulTime || t > Date.parse(String(status.lastSuccessfulTime)))) status.lastSuccessfulTime = rfc3339(t);
    }
    await this.cleanupFinishedJobs(cj, owned, jobsApi);

    let requeueAfter: number | undefined;
    if (!cj.metadata?.deletionTimestamp && !cj.spec?.suspend) {
      let sched;
      try {
        sched = parseSchedule(String(cj.spec?.schedule ?? ''), cj.spec?.timeZone);
      } catch (err) {
        this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${errMessage(err)}`);
        sched = undefined;
      }
      if (sched) {
        const earliest = Date.parse(String(status.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? '')) || now;
        const sds = cj.spec?.startingDeadlineSeconds as number | undefined;
        const { time, missed } = mostRecentScheduleTime(sched, earliest, now, sds);
        if (missed > MAX_MISSED) this.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
        if (time !== undefined) {
          const jobName = jobNameFor(name, time);
          const tooLate = sds !== undefined && sds !== null && time + sds * 1000 < now;
          const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
          if (tooLate) {
            this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc3339(time)}`);
          } else if (owned.some((j) => j.metadata?.name === jobName) || active.some((a) => a.name === jobName)) {
            // Already started for this time.
          } else if (policy === 'Forbid' && active.length > 0) {
            this.logger.debug({ cronjob: key }, 'not starting job because prior execution is still running and concurrency policy is Forbid');
          } else {
            if (policy === 'Replace') {
              for (const a of active) {
                await jobsApi.delete(a.name!, { propagationPolicy: 'Background' }).catch((err: unknown) => {
                  if (!isNotFound(err)) throw err;
                });
                this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${a.name}`);
              }
              active = [];
            }
            const job = await this.createJob(cj, jobName, time, jobsApi);
            if (job) active.push(this.jobRef(job));
            status.lastScheduleTime = rfc3339(time);
          }
        }
        requeueAfter = Math.max(100, sched.next(now) - now + 100);
      }
    }
    status.active = active;
    if (active.length === 0) delete status.active;
    if (JSON.stringify(status) !== before) {
      const next = structuredClone(cj);
      next.status = status;
      try {
        await cjApi.update(next, { subresource: 'status' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return requeueAfter !== undefined ? { requeueAfter } : undefined;
  }

  private jobRef(j: KubeObject): { kind: string; apiVersion: string; namespace?: string; name?: string; uid?: string; resourceVersion?: string } {
    return { kind: 'Job', apiVersion: 'batch/v1', namespace: j.metadata?.namespace, name: j.metadata?.name, uid: j.metadata?.uid, resourceVersion: j.metadata?.resourceVersion };
  }

  private async createJob(cj: KubeObject, jobName: string, scheduled: number, jobsApi: ReturnType<typeof resourceFor>): Promise<KubeObject | undefined> {
    const tmpl = cj.spec?.jobTemplate ?? {};
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: jobName,
        labels: { ...(tmpl.metadata?.labels ?? {}) },
        annotations: { ...(tmpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(scheduled) },
        ownerReferences: [newControllerRef(cj, { group: 'batch', version: 'v1', kind: 'CronJob' })],
      },
      spec: structuredClone(tmpl.spec ?? {}),
    };
    try {
      const created = await jobsApi.create(job);
      this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`);
      return created;
    } catch (err) {
      if (isAlreadyExists(err)) {
        const existing = await jobsApi.get(jobName);
        return getControllerOf(existing)?.uid === cj.metadata?.uid ? existing : undefined;
      }
      this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${errMessage(err)}`);
      throw err;
    }
  }

  /** cleanupFinishedJobs keeps successfulJobsHistoryLimit (3) and failedJobsHistoryLimit (1) finished Jobs. */
  private async cleanupFinishedJobs(cj: KubeObject, owned: KubeObject[], jobsApi: ReturnType<typeof resourceFor>): Promise<void> {
    const start = (j: KubeObject): number => Date.parse(j.status?.startTime ?? j.metadata?.creationTimestamp ?? '') || 0;
    const prune = async (jobs: KubeObject[], limit: number): Promise<void> => {
      const sorted = [...jobs].sort((a, b) => start(a) - start(b));
      for (const j of sorted.slice(0, Math.max(0, sorted.length - limit))) {
        if (j.metadata?.deletionTimestamp) continue;
        await jobsApi.delete(j.metadata!.name!, { propagationPolicy: 'Background' }).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
        this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata?.name}`);
      }
    };
    await prune(owned.filter((j) => jobCondition(j, 'Complete')), Number(cj.spec?.successfulJobsHistoryLimit ?? 3));
    await prune(owned.filter((j) => jobCondition(j, 'Failed')), Number(cj.spec?.failedJobsHistoryLimit ?? 1));
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [() => this.opts.cronJobInformer.informer().hasSynced(), () => this.opts.jobInformer.informer().hasSynced()];
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

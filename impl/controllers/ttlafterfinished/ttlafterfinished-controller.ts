/**
 * TTLAfterFinishedController deletes finished Jobs `ttlSecondsAfterFinished` after they
 * finished (upstream `pkg/controller/ttlafterfinished/ttlafterfinished_controller.go`), with
 * foreground propagation so their pods go first, and a uid precondition.
 */
import { isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { runWorkers, type ReconcileResult } from '../worker-loop.ts';

/** TTL_AFTER_FINISHED_CONTROLLER_NAME is the upstream controller name. */
export const TTL_AFTER_FINISHED_CONTROLLER_NAME = 'ttl-after-finished-controller';

/** TTLAfterFinishedControllerOptions configure {@link TTLAfterFinishedController}. */
export interface TTLAfterFinishedControllerOptions {
  client: ClientLike;
  jobInformer: GenericInformer;
  clock?: Clock;
  logger?: Logger;
}

/** finishTime returns when a Job finished (its Complete/Failed condition), or undefined. */
export function finishTime(job: KubeObject): number | undefined {
  const c = ((job.status?.conditions ?? []) as Array<{ type: string; status: string; lastTransitionTime?: string }>).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c) return undefined;
  const t = Date.parse(c.lastTransitionTime ?? job.status?.completionTime ?? '');
  return Number.isNaN(t) ? undefined : t;
}

/** TTLAfterFinishedController implements the ttl-after-finished controller. */
export class TTLAfterFinishedController implements Controller {
  readonly name = TTL_AFTER_FINISHED_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: TTLAfterFinishedControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = new RateLimitingQueue<string>({ name: 'ttl_jobs_to_delete', clock: this.clock });
    const enqueue = (j: KubeObject): void => {
      if (j.spec?.ttlSecondsAfterFinished !== undefined && j.spec?.ttlSecondsAfterFinished !== null && !j.metadata?.deletionTimestamp) this.queue.add(`${j.metadata?.namespace}/${j.metadata?.name}`);
    };
    opts.jobInformer.informer().addEventHandler({ onAdd: enqueue, onUpdate: (_o, j) => enqueue(j) });
  }

  /** reconcile deletes the Job once its TTL has passed, or asks to be called back then. */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace = '', name = ''] = key.split('/');
    const job = this.opts.jobInformer.lister().byNamespace(namespace).get(name);
    if (!job || job.metadata?.deletionTimestamp) return;
    const ttl = job.spec?.ttlSecondsAfterFinished;
    const finished = finishTime(job);
    if (ttl === undefined || ttl === null || finished === undefined) return;
    const left = finished + Number(ttl) * 1000 - this.clock.now();
    if (left > 0) return { requeueAfter: left };
    try {
      await resourceFor(this.opts.client, { group: 'batch', version: 'v1', resource: 'jobs' }, namespace).delete(name, { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (!(await waitForNamedCacheSync(this.name, signal, [() => this.opts.jobInformer.informer().hasSynced()], { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

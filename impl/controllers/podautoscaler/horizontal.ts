/**
 * HorizontalController is a minimal horizontal-pod-autoscaler (upstream
 * `pkg/controller/podautoscaler/horizontal.go`) for a cluster without a resource metrics API:
 * every sync period (15 s, `--horizontal-pod-autoscaler-sync-period`) it reads the target's
 * `scale` subresource (AbleToScale True/SucceededGetScale, or False/FailedGetScale), enforces
 * `minReplicas`/`maxReplicas` on it (upstream does so before it looks at metrics: a rescale
 * with reason "Current number of replicas below Spec.MinReplicas" and a SuccessfulRescale
 * event), and otherwise reports that no metric could be read: ScalingActive
 * False/FailedGetResourceMetric plus the FailedGetResourceMetric and
 * FailedComputeMetricsReplicas events, with `status.currentReplicas` from the scale.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { isNotFound } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { noopRecorder, type EventRecorder } from '#impl/client/tools/record/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceTable } from '#generated/k8s/resource-table.ts';
import { resourceFor, type ClientLike } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { errMessage, runWorkers, type ReconcileResult } from '../worker-loop.ts';

/** HPA_CONTROLLER_NAME is the upstream controller name. */
export const HPA_CONTROLLER_NAME = 'horizontal-pod-autoscaler-controller';
/** DEFAULT_SYNC_PERIOD_MS is upstream `--horizontal-pod-autoscaler-sync-period` (15 s). */
export const DEFAULT_SYNC_PERIOD_MS = 15_000;

const HPAS = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' };

type Condition = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string };
type Metric = { type?: string; resource?: { name?: string; target?: { type?: string } }; containerResource?: { name?: string; container?: string }; pods?: { metric?: { name?: string } }; object?: { metric?: { name?: string } }; external?: { metric?: { name?: string } } };

/**
 * metricError is the error upstream reports for a metric it cannot read without a metrics API
 * (`replicaCalc.GetResourceReplicas` and friends wrapping the metrics client's answer).
 */
export function metricError(m: Metric): { reason: string; message: string } {
  switch (m.type) {
    case 'Pods':
      return { reason: 'FailedGetPodsMetric', message: `unable to get metric ${m.pods?.metric?.name ?? ''}: no metrics returned from custom metrics API` };
    case 'Object':
      return { reason: 'FailedGetObjectMetric', message: `unable to get metric ${m.object?.metric?.name ?? ''}: no metrics returned from custom metrics API` };
    case 'External':
      return { reason: 'FailedGetExternalMetric', message: `unable to get external metric ${m.external?.metric?.name ?? ''}: no metrics returned from external metrics API` };
    case 'ContainerResource': {
      const name = m.containerResource?.name ?? 'cpu';
      return { reason: 'FailedGetContainerResourceMetric', message: `failed to get ${name} utilization: unable to get metrics for resource ${name}: no metrics returned from resource metrics API` };
    }
    default: {
      const name = m.resource?.name ?? 'cpu';
      const what = m.resource?.target?.type === 'Utilization' || m.resource?.target?.type === undefined ? 'utilization' : 'usage';
      return { reason: 'FailedGetResourceMetric', message: `failed to get ${name} ${what}: unable to get metrics for resource ${name}: no metrics returned from resource metrics API` };
    }
  }
}

/** DEFAULT_METRICS is what autoscaling/v2 defaulting gives an HPA without metrics (80 % CPU). */
export const DEFAULT_METRICS: Metric[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }];

/** HorizontalControllerOptions configure {@link HorizontalController}. */
export interface HorizontalControllerOptions {
  client: ClientLike;
  hpaInformer: GenericInformer;
  recorder?: EventRecorder;
  syncPeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** HorizontalController implements the horizontal-pod-autoscaler controller (without metrics). */
export class HorizontalController implements Controller {
  readonly name = HPA_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly recorder: EventRecorder;

  constructor(private readonly opts: HorizontalControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.recorder = opts.recorder ?? noopRecorder;
    this.queue = new RateLimitingQueue<string>({ name: 'horizontalpodautoscaler', clock: this.clock });
    const enqueue = (h: KubeObject): void => this.queue.add(`${h.metadata?.namespace}/${h.metadata?.name}`);
    // Status writes (our own) do not requeue; spec changes do, and every key comes back after the sync period.
    opts.hpaInformer.informer().addEventHandler({ onAdd: enqueue, onUpdate: (o, h) => { if (o.metadata?.generation !== h.metadata?.generation) enqueue(h); } });
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private setCondition(conditions: Condition[], type: string, status: string, reason: string, message: string): void {
    const i = conditions.findIndex((c) => c.type === type);
    const old = i >= 0 ? conditions[i] : undefined;
    const next: Condition = { type, status, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : this.now(), reason, message };
    if (i >= 0) conditions[i] = next;
    else conditions.push(next);
  }

  /** reconcile is upstream `reconcileAutoscaler` without metrics; it asks to run again after the sync period. */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace = '', name = ''] = key.split('/');
    const cached = this.opts.hpaInformer.lister().byNamespace(namespace).get(name);
    if (!cached || cached.metadata?.deletionTimestamp) return;
    const hpa = structuredClone(cached);
    const spec = hpa.spec ?? {};
    const status = (hpa.status ?? {}) as Record<string, unknown> & { conditions?: Condition[] };
    const conditions: Condition[] = [...(status.conditions ?? [])];
    const ref = spec.scaleTargetRef ?? {};
    const [group, version] = String(ref.apiVersion ?? '').includes('/') ? String(ref.apiVersion).split('/') : ['', String(ref.apiVersion ?? '')];
    const entry = resourceTable.find((e) => e.group === group && e.version === version && e.kind === ref.kind && e.subresources.some((s) => s.name === 'scale'));
    const requeue = { requeueAfter: this.opts.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS };
    const reference = `${ref.kind}/${ref.name}`;

    let scale: KubeObject | undefined;
    try {
      if (!entry) throw new Error(`unable to determine resource for scale target reference: no matches for kind "${ref.kind}" in group "${group}"`);
      scale = await resourceFor(this.opts.client, { group, version, resource: entry.resource }, namespace).get(String(ref.name ?? ''), { subresource: 'scale' });
    } catch (err) {
      const message = `the HPA controller was unable to get the target's current scale: ${errMessage(err)}`;
      this.setCondition(conditions, 'AbleToScale', 'False', 'FailedGetScale', message);
      this.recorder.event(hpa, 'Warning', 'FailedGetScale', errMessage(err));
      await this.writeStatus(cached, { ...status, conditions });
      return requeue;
    }
    this.setCondition(conditions, 'AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const currentReplicas = Number(scale.status?.replicas ?? 0);
    const specReplicas = Number(scale.spec?.replicas ?? 0);
    const minReplicas = spec.minReplicas ?? 1;
    const maxReplicas = Number(spec.maxReplicas ?? 0);
    const next: Record<string, unknown> = { ...status, currentReplicas, desiredReplicas: status.desiredReplicas ?? 0 };

    let desired: number | undefined;
    let rescaleReason = '';
    if (specReplicas === 0 && minReplicas !== 0) {
      this.setCondition(conditions, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
      next.desiredReplicas = 0;
    } else if (currentReplicas > maxReplicas) {
      desired = maxReplicas;
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    } else if (currentReplicas < minReplicas) {
      desired = minReplicas;
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    } else {
      // No metrics API: every metric fails (upstream computeReplicasForMetrics).
      const metrics: Metric[] = spec.metrics?.length ? spec.metrics : DEFAULT_METRICS;
      const errs = metrics.map(metricError);
      const first = errs[0]!;
      this.setCondition(conditions, 'ScalingActive', 'False', first.reason, `the HPA was unable to compute the replica count: ${first.message}`);
      for (const e of errs) this.recorder.event(hpa, 'Warning', e.reason, e.message);
      const metricKind = metrics[0]?.type === 'Resource' || metrics[0]?.type === undefined ? `${metrics[0]?.resource?.name ?? 'cpu'} resource metric value` : 'metric value';
      this.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (${errs.length} invalid out of ${metrics.length}), first error is: failed to get ${metricKind}: ${first.message}`);
    }

    if (desired !== undefined && desired !== currentReplicas) {
      try {
        await resourceFor(this.opts.client, { group, version, resource: entry!.resource }, namespace).update({ ...scale, spec: { ...scale.spec, replicas: desired } }, { subresource: 'scale', name: String(ref.name) });
        this.setCondition(conditions, 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
        this.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
        this.logger.info({ hpa: key, reference, from: currentReplicas, to: desired }, 'successful rescale');
        next.lastScaleTime = this.now();
        next.desiredReplicas = desired;
      } catch (err) {
        this.setCondition(conditions, 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${errMessage(err)}`);
        this.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${errMessage(err)}`);
        await this.writeStatus(cached, { ...next, conditions });
        throw err;
      }
    } else if (desired !== undefined) {
      next.desiredReplicas = desired;
    }
    await this.writeStatus(cached, { ...next, conditions });
    return requeue;
  }

  /** writeStatus updates `/status` only when it changed (upstream updateStatusIfNeeded). */
  private async writeStatus(cached: KubeObject, status: Record<string, unknown>): Promise<void> {
    if (JSON.stringify(cached.status ?? {}) === JSON.stringify(status)) return;
    try {
      await resourceFor(this.opts.client, HPAS, cached.metadata?.namespace).update({ ...structuredClone(cached), status }, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (!(await waitForNamedCacheSync(this.name, signal, [() => this.opts.hpaInformer.informer().hasSynced()], { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

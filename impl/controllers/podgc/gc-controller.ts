/**
 * PodGCController removes pods nobody else will (upstream `pkg/controller/podgc/gc_controller.go`),
 * every `gcCheckPeriod` (20 s):
 *
 * - terminated pods (Succeeded/Failed) beyond `--terminated-pod-gc-threshold` (default 12500),
 *   oldest first;
 * - orphaned pods bound to nodes that no longer exist (after a quarantine of one check, so a
 *   node being re-created is not raced);
 * - unscheduled pods that are terminating (no kubelet will ever finish them).
 * Pods are force-deleted (grace period 0).
 */
import { isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { realClock, sleepUntilAborted, type Clock } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { errMessage } from '../worker-loop.ts';

/** POD_GC_CONTROLLER_NAME is the upstream controller name. */
export const POD_GC_CONTROLLER_NAME = 'pod-garbage-collector-controller';
/** GC_CHECK_PERIOD_MS is how often pods are checked (upstream 20 s). */
export const GC_CHECK_PERIOD_MS = 20_000;

/** PodGCControllerOptions configure {@link PodGCController}. */
export interface PodGCControllerOptions {
  client: ClientLike;
  podInformer: GenericInformer;
  nodeInformer: GenericInformer;
  /** `--terminated-pod-gc-threshold` (0 disables terminated-pod collection). */
  terminatedPodThreshold?: number;
  gcCheckPeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** PodGCController implements the pod garbage collector. */
export class PodGCController implements Controller {
  readonly name = POD_GC_CONTROLLER_NAME;
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** Nodes seen missing on the previous pass (quarantine before deleting their pods). */
  private suspectNodes = new Set<string>();

  constructor(private readonly opts: PodGCControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
  }

  private async forceDelete(pod: KubeObject): Promise<void> {
    try {
      await resourceFor(this.opts.client, { group: '', version: 'v1', resource: 'pods' }, pod.metadata?.namespace ?? '').delete(pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) this.logger.warn({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, err: errMessage(err) }, 'failed to delete pod');
    }
  }

  /** gc runs one pass; it returns the names of the pods it deleted. */
  async gc(): Promise<string[]> {
    const pods = this.opts.podInformer.lister().list();
    const nodes = new Set(this.opts.nodeInformer.lister().list().map((n) => n.metadata?.name));
    const deleted: KubeObject[] = [];
    const threshold = this.opts.terminatedPodThreshold ?? 12500;
    if (threshold > 0) {
      const terminated = pods.filter((p) => (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') && !p.metadata?.deletionTimestamp);
      const excess = terminated.length - threshold;
      if (excess > 0) {
        const oldest = [...terminated].sort((a, b) => (Date.parse(a.metadata?.creationTimestamp ?? '') || 0) - (Date.parse(b.metadata?.creationTimestamp ?? '') || 0));
        deleted.push(...oldest.slice(0, excess));
      }
    }
    const missing = new Set<string>();
    for (const p of pods) {
      const node = p.spec?.nodeName;
      if (node && !nodes.has(node)) {
        missing.add(node);
        if (this.suspectNodes.has(node)) deleted.push(p);
      } else if (!node && p.metadata?.deletionTimestamp) {
        deleted.push(p);
      }
    }
    this.suspectNodes = missing;
    const unique = [...new Set(deleted)];
    await Promise.all(unique.map((p) => this.forceDelete(p)));
    return unique.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
  }

  async run(signal: AbortSignal): Promise<void> {
    const synced = [() => this.opts.podInformer.informer().hasSynced(), () => this.opts.nodeInformer.informer().hasSynced()];
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    while (!signal.aborted) {
      await this.gc().catch((err: unknown) => this.logger.warn({ err: errMessage(err) }, 'pod gc pass failed'));
      if (!(await sleepUntilAborted(this.clock, this.opts.gcCheckPeriodMs ?? GC_CHECK_PERIOD_MS, signal))) return;
    }
  }
}

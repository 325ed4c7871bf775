/**
 * ClusterRoleAggregationController keeps every ClusterRole that has an `aggregationRule` equal
 * to the union of the rules of the ClusterRoles its selectors match (upstream
 * `pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go`). Any ClusterRole
 * change queues every aggregated ClusterRole (the queue holds names); the union itself is
 * `aggregateClusterRole`, shared with the apiserver's bootstrap reconciliation. Aggregated roles
 * that feed others (view -> edit -> admin) converge through the update events.
 */
import type { ClusterRole } from '#generated/k8s/index.ts';
import { aggregateClusterRole } from '#impl/auth/authorizer/rbac/aggregation.ts';
import { isConflict, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { runWorkers, type ReconcileResult } from '../worker-loop.ts';

/** CLUSTERROLE_AGGREGATION_CONTROLLER_NAME is the upstream controller name. */
export const CLUSTERROLE_AGGREGATION_CONTROLLER_NAME = 'clusterrole-aggregation-controller';

/** ClusterRoleAggregationControllerOptions configure {@link ClusterRoleAggregationController}. */
export interface ClusterRoleAggregationControllerOptions {
  client: ClientLike;
  clusterRoleInformer: GenericInformer;
  clock?: Clock;
  logger?: Logger;
}

/** ClusterRoleAggregationController implements the clusterrole-aggregation controller. */
export class ClusterRoleAggregationController implements Controller {
  readonly name = CLUSTERROLE_AGGREGATION_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: ClusterRoleAggregationControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = new RateLimitingQueue<string>({ name: 'ClusterRoleAggregator', clock: this.clock });
    const enqueueAll = (): void => {
      // upstream enqueue(): every change may affect any aggregated role.
      for (const cr of opts.clusterRoleInformer.lister().list() as ClusterRole[]) if (cr.aggregationRule) this.queue.add(cr.metadata!.name!);
    };
    opts.clusterRoleInformer.informer().addEventHandler({ onAdd: enqueueAll, onUpdate: enqueueAll, onDelete: enqueueAll });
  }

  /** reconcile is upstream `syncClusterRole`. */
  async reconcile(name: string): Promise<ReconcileResult | void> {
    const all = this.opts.clusterRoleInformer.lister().list() as ClusterRole[];
    const target = all.find((r) => r.metadata?.name === name);
    if (!target) return;
    const rules = aggregateClusterRole(target, all);
    if (rules === undefined || JSON.stringify(rules) === JSON.stringify(target.rules ?? [])) return;
    const next = { ...structuredClone(target), rules } as KubeObject;
    try {
      await resourceFor(this.opts.client, { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' }).update(next);
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) return { requeueAfter: 100 };
      throw err;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (!(await waitForNamedCacheSync(this.name, signal, [() => this.opts.clusterRoleInformer.informer().hasSynced()], { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

/**
 * ServiceAccountsController makes sure every active namespace has the `default`
 * ServiceAccount, and re-creates it when it is deleted (upstream
 * `pkg/controller/serviceaccount/serviceaccounts_controller.go`). The queue holds namespace names.
 */
import { isAlreadyExists, isForbidden, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { DeletedFinalStateUnknown, noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { RESOURCES, resourceFor, type ClientLike } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { runWorkers } from '../worker-loop.ts';

/** SERVICEACCOUNT_CONTROLLER_NAME is the upstream controller name. */
export const SERVICEACCOUNT_CONTROLLER_NAME = 'serviceaccount-controller';

/** DEFAULT_SERVICE_ACCOUNTS are the accounts ensured in every namespace (upstream `DefaultServiceAccountsControllerOptions`). */
export const DEFAULT_SERVICE_ACCOUNTS: readonly KubeObject[] = [{ metadata: { name: 'default' } }];

/** ServiceAccountsControllerOptions configure {@link ServiceAccountsController}. */
export interface ServiceAccountsControllerOptions {
  client: ClientLike;
  serviceAccountInformer: GenericInformer;
  namespaceInformer: GenericInformer;
  serviceAccounts?: readonly KubeObject[];
  clock?: Clock;
  logger?: Logger;
  queue?: RateLimitingInterface<string>;
}

/** ServiceAccountsController implements the serviceaccount controller. */
export class ServiceAccountsController implements Controller {
  readonly name = SERVICEACCOUNT_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly client: ClientLike;
  private readonly saInformer: GenericInformer;
  private readonly nsInformer: GenericInformer;
  private readonly accounts: readonly KubeObject[];
  private readonly logger: Logger;
  private readonly clock: Clock;

  constructor(opts: ServiceAccountsControllerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = opts.queue ?? new RateLimitingQueue<string>({ name: 'serviceaccount', clock: this.clock });
    this.saInformer = opts.serviceAccountInformer;
    this.nsInformer = opts.namespaceInformer;
    this.accounts = opts.serviceAccounts ?? DEFAULT_SERVICE_ACCOUNTS;
    this.saInformer.informer().addEventHandler({
      onDelete: (obj) => {
        const sa = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        if (sa.metadata?.namespace) this.queue.add(sa.metadata.namespace);
      },
    });
    this.nsInformer.informer().addEventHandler({
      onAdd: (ns) => ns.metadata?.name && this.queue.add(ns.metadata.name),
      onUpdate: (_o, ns) => ns.metadata?.name && this.queue.add(ns.metadata.name),
    });
  }

  /** reconcile ensures the accounts of one namespace. */
  async reconcile(namespace: string): Promise<void> {
    const ns = this.nsInformer.lister().get(namespace);
    if (!ns) return;
    if ((ns.status?.phase ?? 'Active') !== 'Active') return;
    const errors: string[] = [];
    for (const want of this.accounts) {
      const name = want.metadata?.name ?? '';
      if (this.saInformer.lister().byNamespace(namespace).get(name)) continue;
      const sa = structuredClone(want);
      sa.apiVersion = 'v1';
      sa.kind = 'ServiceAccount';
      sa.metadata = { ...sa.metadata, namespace };
      try {
        await resourceFor(this.client, RESOURCES.serviceaccounts, namespace).create(sa);
      } catch (err) {
        // The namespace may be terminating (Forbidden) or gone; the account may already exist.
        if (isAlreadyExists(err) || isNotFound(err) || isForbidden(err)) continue;
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [() => this.saInformer.informer().hasSynced(), () => this.nsInformer.informer().hasSynced()];
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

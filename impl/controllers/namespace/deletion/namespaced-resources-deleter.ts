/**
 * NamespacedResourcesDeleter empties a terminating namespace (upstream
 * `pkg/controller/namespace/deletion/namespaced_resources_deleter.go`):
 *
 * 1. read the namespace; nothing to do unless it has a deletionTimestamp and still carries
 *    the finalizer token (`kubernetes`) in `spec.finalizers`;
 * 2. make sure its phase is Terminating;
 * 3. discover every namespaced resource with the `delete` verb (CRDs included), delete pods
 *    first (OrderedNamespaceDeletion), then everything else with `deletecollection` (or list +
 *    delete), background propagation;
 * 4. list again: what remains is counted per resource and per finalizer into the five
 *    namespace conditions; pods being terminated and objects held by finalizers give an
 *    estimate (seconds) and {@link ResourcesRemainingError}, anything else an error;
 * 5. when nothing remains, remove the token through `namespaces/{name}/finalize`; the
 *    apiserver then deletes the namespace once `spec.finalizers` and `metadata.finalizers` are empty.
 */
import { isConflict, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { realClock, type Clock } from '#impl/client/util/workqueue/index.ts';
import { RESOURCES, resourceFor, type ClientLike } from '../../controller-client.ts';
import { discoveryFailedMessage, supportsAllVerbs, type APIResourceInfo, type DiscoveryInterface } from '#impl/client/discovery/index.ts';
import { errMessage } from '../../worker-loop.ts';
import { NamespaceConditionUpdater, type ContentTotals } from './status-condition-utils.ts';

/** FINALIZER_KUBERNETES is the namespace finalizer token the namespace controller owns. */
export const FINALIZER_KUBERNETES = 'kubernetes';

/** FINALIZER_ESTIMATE_SECONDS is the wait when content is held by finalizers (upstream `finalizerEstimateSeconds`). */
export const FINALIZER_ESTIMATE_SECONDS = 15;

/** ResourcesRemainingError says content is still going away; retry after about `estimate` seconds. */
export class ResourcesRemainingError extends Error {
  constructor(readonly estimate: number) {
    super(`some content remains in the namespace, estimate ${estimate} seconds before it is removed`);
    this.name = 'ResourcesRemainingError';
  }
}

/** NamespacedResourcesDeleterOptions configure {@link NamespacedResourcesDeleter}. */
export interface NamespacedResourcesDeleterOptions {
  client: ClientLike;
  discovery: DiscoveryInterface;
  /** The spec finalizer this deleter removes (default `kubernetes`). */
  finalizerToken?: string;
  clock?: Clock;
}

interface GvrDeletionMetadata {
  estimate: number;
  numRemaining: number;
  finalizersToNumRemaining: Map<string, number>;
}

/** gvrString renders a group/version/resource like Go's `%v` of a GroupVersionResource. */
function gvrString(r: APIResourceInfo): string {
  return `${r.group}/${r.version}, Resource=${r.resource}`;
}

/** NamespacedResourcesDeleter deletes a namespace's content and then finalizes it. */
export class NamespacedResourcesDeleter {
  private readonly client: ClientLike;
  private readonly discovery: DiscoveryInterface;
  private readonly token: string;
  private readonly clock: Clock;

  constructor(opts: NamespacedResourcesDeleterOptions) {
    this.client = opts.client;
    this.discovery = opts.discovery;
    this.token = opts.finalizerToken ?? FINALIZER_KUBERNETES;
    this.clock = opts.clock ?? realClock;
  }

  private nowString(): string {
    return new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private namespaces() {
    return resourceFor(this.client, RESOURCES.namespaces);
  }

  /**
   * delete runs one pass for namespace `name`. It resolves when the namespace is finalized (or
   * needs nothing), throws {@link ResourcesRemainingError} while content is going away, and
   * throws other errors to be retried with back-off.
   */
  async delete(name: string, signal?: AbortSignal): Promise<void> {
    let ns: KubeObject;
    try {
      ns = await this.namespaces().get(name, { signal });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata?.deletionTimestamp) return;
    ns = await this.retryOnConflict(ns, (cur) => this.updateNamespaceStatus(cur, signal), signal);
    if (!this.hasToken(ns)) return;
    const estimate = await this.deleteAllContent(ns, signal);
    if (estimate > 0) throw new ResourcesRemainingError(estimate);
    try {
      await this.retryOnConflict(ns, (cur) => this.finalizeNamespace(cur, signal), signal);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private hasToken(ns: KubeObject): boolean {
    return ((ns.spec?.finalizers as string[] | undefined) ?? []).includes(this.token);
  }

  private async retryOnConflict(ns: KubeObject, fn: (cur: KubeObject) => Promise<KubeObject>, signal?: AbortSignal): Promise<KubeObject> {
    let cur = ns;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(cur);
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
        cur = await this.namespaces().get(ns.metadata!.name!, { signal });
      }
    }
  }

  private async updateNamespaceStatus(ns: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    if (ns.status?.phase === 'Terminating') return ns;
    const next = structuredClone(ns);
    next.status = { ...(next.status ?? {}), phase: 'Terminating' };
    return this.namespaces().update(next, { subresource: 'status', signal });
  }

  private async finalizeNamespace(ns: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    const fins = ((ns.spec?.finalizers as string[] | undefined) ?? []).filter((f) => f !== this.token);
    const next = structuredClone(ns);
    next.spec = { ...(next.spec ?? {}), finalizers: fins };
    return this.namespaces().update(next, { subresource: 'finalize', signal });
  }

  /** deleteAllContent deletes everything in the namespace; it returns the estimate in seconds. */
  private async deleteAllContent(ns: KubeObject, signal?: AbortSignal): Promise<number> {
    const name = ns.metadata!.name!;
    const updater = new NamespaceConditionUpdater(() => this.nowString());
    const { resources, failed } = await this.discovery.serverPreferredResources(signal);
    if (failed.size > 0) updater.processDiscoverResourcesErr(`Discovery failed for some groups, ${failed.size} failing: ${discoveryFailedMessage(failed)}`);
    const deletable = supportsAllVerbs(resources.filter((r) => r.namespaced), ['delete']);
    const totals: ContentTotals = { gvrToNumRemaining: new Map(), finalizersToNumRemaining: new Map() };
    let estimate = 0;
    const errors: string[] = [];
    const account = (r: APIResourceInfo, md: GvrDeletionMetadata): void => {
      estimate = Math.max(estimate, md.estimate);
      if (md.numRemaining > 0) totals.gvrToNumRemaining.set(`${r.resource}.${r.group}`, md.numRemaining);
      for (const [f, n] of md.finalizersToNumRemaining) totals.finalizersToNumRemaining.set(f, (totals.finalizersToNumRemaining.get(f) ?? 0) + n);
    };

    // OrderedNamespaceDeletion: pods go first, and nothing else is deleted while pods remain.
    const pods = deletable.find((r) => r.group === '' && r.resource === 'pods');
    const rest = deletable.filter((r) => r !== pods);
    if (pods) {
      try {
        const md = await this.deleteAllContentForGroupVersionResource(pods, name, signal);
        account(pods, md);
      } catch (err) {
        errors.push(errMessage(err));
      }
      if (totals.gvrToNumRemaining.size > 0 || errors.length > 0) {
        for (const e of errors) updater.processDeleteContentErr(e);
        updater.processContentTotals(totals);
        await this.writeConditions(ns, updater, signal);
        if (errors.length > 0) throw new Error(errors.join(', '));
        return Math.max(estimate, 1);
      }
    }
    await Promise.all(
      rest.map(async (r) => {
        try {
          account(r, await this.deleteAllContentForGroupVersionResource(r, name, signal));
        } catch (err) {
          errors.push(errMessage(err));
        }
      }),
    );
    for (const e of errors) updater.processDeleteContentErr(e);
    updater.processContentTotals(totals);
    await this.writeConditions(ns, updater, signal);
    if (errors.length > 0) throw new Error(errors.sort().join(', '));
    return estimate;
  }

  private async writeConditions(ns: KubeObject, updater: NamespaceConditionUpdater, signal?: AbortSignal): Promise<void> {
    const next = structuredClone(ns);
    next.status ??= {};
    if (!updater.update(next.status)) return;
    try {
      await this.namespaces().update(next, { subresource: 'status', signal });
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }

  private async deleteAllContentForGroupVersionResource(r: APIResourceInfo, ns: string, signal?: AbortSignal): Promise<GvrDeletionMetadata> {
    const api = this.client.resource(r.group, r.version, r.resource).namespace(ns);
    let estimate = 0;
    if (r.group === '' && r.resource === 'pods') estimate = await this.estimateGracefulTermination(ns, signal);
    if (r.verbs.includes('deletecollection')) {
      await ignoreNotFound(api.deleteCollection({ propagationPolicy: 'Background', signal }));
    } else if (r.verbs.includes('list')) {
      const list = await api.list({ signal });
      for (const item of list.items) {
        await ignoreNotFound(api.delete(item.metadata?.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: item.metadata?.uid }, signal }).catch((err: unknown) => {
          if (isConflict(err)) return undefined;
          throw err;
        }));
      }
    } else {
      return { estimate, numRemaining: 0, finalizersToNumRemaining: new Map() };
    }
    if (!r.verbs.includes('list')) return { estimate, numRemaining: 0, finalizersToNumRemaining: new Map() };
    const remaining = await api.list({ signal });
    if (remaining.items.length === 0) return { estimate: 0, numRemaining: 0, finalizersToNumRemaining: new Map() };
    const finalizersToNumRemaining = new Map<string, number>();
    for (const item of remaining.items) {
      for (const f of item.metadata?.finalizers ?? []) finalizersToNumRemaining.set(f, (finalizersToNumRemaining.get(f) ?? 0) + 1);
    }
    const numRemaining = remaining.items.length;
    if (estimate !== 0) return { estimate, numRemaining, finalizersToNumRemaining };
    if (finalizersToNumRemaining.size > 0) return { estimate: FINALIZER_ESTIMATE_SECONDS, numRemaining, finalizersToNumRemaining };
    // Graceful deletions (deletionTimestamp without finalizers) finish by themselves shortly.
    if (remaining.items.every((i) => i.metadata?.deletionTimestamp)) return { estimate: 1, numRemaining, finalizersToNumRemaining };
    throw new Error(`unexpected items still remain in namespace: ${ns} for gvr: ${gvrString(r)}`);
  }

  /** estimateGracefulTermination is the longest grace period of the namespace's non-terminal pods. */
  private async estimateGracefulTermination(ns: string, signal?: AbortSignal): Promise<number> {
    const list = await resourceFor(this.client, RESOURCES.pods, ns).list({ signal });
    let estimate = 0;
    for (const pod of list.items) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const grace = (pod.metadata?.deletionGracePeriodSeconds as number | undefined) ?? (pod.spec?.terminationGracePeriodSeconds as number | undefined) ?? 30;
      estimate = Math.max(estimate, grace);
    }
    return estimate;
  }
}

async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

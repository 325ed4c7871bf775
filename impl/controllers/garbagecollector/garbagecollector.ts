/**
 * GarbageCollector deletes objects whose owners are gone and carries out foreground and
 * orphan deletions (upstream `pkg/controller/garbagecollector/garbagecollector.go`):
 *
 * - **monitors**: one shared informer per deletable resource found through discovery
 *   (verbs delete, list and watch; events excluded), re-discovered periodically so CRDs join;
 *   their notifications feed the {@link GraphBuilder};
 * - **attemptToDelete** (`reconcile(uid)`): an object whose owner references are all dangling
 *   (owner absent, or present with another uid) or whose owners wait for their dependents is
 *   deleted (background, or foreground when it has dependents of its own and an owner is
 *   waiting); references to gone owners are removed when a live owner remains; an owner in
 *   foreground deletion loses its `foregroundDeletion` finalizer once no dependent with
 *   `blockOwnerDeletion` is left;
 * - **attemptToOrphan**: an owner deleted with the `orphan` finalizer has its references removed
 *   from every dependent, then loses the finalizer.
 */
import { isConflict, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForCacheSync, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, sleepUntilAborted, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import type { ClientLike, ResourceApi } from '../controller-client.ts';
import type { Controller, InformerSource } from '../controller-context.ts';
import { supportsAllVerbs, type APIResourceInfo, type DiscoveryInterface } from '#impl/client/discovery/index.ts';
import { noopRecorder, type EventRecorder } from '#impl/client/tools/record/index.ts';
import { runWorkers, errMessage, type ReconcileResult } from '../worker-loop.ts';
import { GraphNode, identityString, type ObjectIdentity, type OwnerRef } from './graph.ts';
import { FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS, GraphBuilder } from './graph-builder.ts';

/** GARBAGE_COLLECTOR_NAME is the upstream controller name. */
export const GARBAGE_COLLECTOR_NAME = 'garbage-collector-controller';

/** IGNORED_RESOURCES are never monitored (upstream `DefaultIgnoredResources`). */
export const IGNORED_RESOURCES: ReadonlySet<string> = new Set(['events', 'events.events.k8s.io']);

/** GarbageCollectorOptions configure {@link GarbageCollector}. */
export interface GarbageCollectorOptions {
  client: ClientLike;
  discovery: DiscoveryInterface;
  informers: InformerSource;
  /** Starts informers created after the factory's first start. */
  startInformers?: () => void;
  /** How often discovery is re-read to monitor new resources (default 30 s). */
  resyncPeriodMs?: number;
  /** How long `run` waits for the monitors before starting workers anyway (default 30 s). */
  syncTimeoutMs?: number;
  recorder?: EventRecorder;
  clock?: Clock;
  logger?: Logger;
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** GarbageCollector implements the garbage collector controller. */
export class GarbageCollector implements Controller {
  readonly name = GARBAGE_COLLECTOR_NAME;
  readonly attemptToDelete: RateLimitingInterface<string>;
  readonly attemptToOrphan: RateLimitingInterface<string>;
  readonly graph: GraphBuilder;
  private readonly client: ClientLike;
  private readonly discovery: DiscoveryInterface;
  private readonly informers: InformerSource;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly monitors = new Map<string, () => boolean>();
  /** `group/Kind` -> resource. */
  private readonly kindToResource = new Map<string, APIResourceInfo>();

  constructor(private readonly opts: GarbageCollectorOptions) {
    this.client = opts.client;
    this.discovery = opts.discovery;
    this.informers = opts.informers;
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.recorder = opts.recorder ?? noopRecorder;
    this.attemptToDelete = new RateLimitingQueue<string>({ name: 'garbage_collector_attempt_to_delete', clock: this.clock });
    this.attemptToOrphan = new RateLimitingQueue<string>({ name: 'garbage_collector_attempt_to_orphan', clock: this.clock });
    this.graph = new GraphBuilder(this.attemptToDelete, this.attemptToOrphan);
  }

  /** syncMonitors discovers deletable resources and starts monitoring the new ones. */
  async syncMonitors(signal?: AbortSignal): Promise<void> {
    const { resources } = await this.discovery.serverPreferredResources(signal);
    let added = false;
    for (const r of supportsAllVerbs(resources, ['delete', 'list', 'watch'])) {
      const gr = r.group === '' ? r.resource : `${r.resource}.${r.group}`;
      if (IGNORED_RESOURCES.has(gr)) continue;
      this.kindToResource.set(`${r.group}/${r.kind}`, r);
      const key = `${r.group}/${r.version}/${r.resource}`;
      if (this.monitors.has(key)) continue;
      const apiVersion = r.group === '' ? r.version : `${r.group}/${r.version}`;
      const inf = this.informers.forResource({ group: r.group, version: r.version, resource: r.resource }).informer();
      inf.addEventHandler({
        onAdd: (o) => this.graph.handle('add', o, apiVersion, r.kind),
        onUpdate: (_old, o) => this.graph.handle('update', o, apiVersion, r.kind),
        onDelete: (o) => this.graph.handle('delete', o, apiVersion, r.kind),
      });
      this.monitors.set(key, () => inf.hasSynced());
      added = true;
    }
    if (added) this.opts.startInformers?.();
  }

  /** isSynced reports whether every monitor has synced. */
  isSynced(): boolean {
    return [...this.monitors.values()].every((s) => s());
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    for (;;) {
      try {
        await this.syncMonitors(signal);
        break;
      } catch (err) {
        this.logger.warn({ controller: this.name, err: errMessage(err) }, 'failed to discover resources; retrying');
        if (!(await sleepUntilAborted(this.clock, 5000, signal))) return;
      }
    }
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(this.opts.syncTimeoutMs ?? 30_000)]);
    if (!(await waitForCacheSync(timeout, [() => this.isSynced()], this.clock))) {
      if (signal.aborted) return;
      this.logger.warn({ controller: this.name }, 'garbage collector: all resource monitors could not be synced, proceeding anyways');
    }
    const resync = (async () => {
      while (await sleepUntilAborted(this.clock, this.opts.resyncPeriodMs ?? 30_000, signal)) {
        await this.syncMonitors(signal).catch((err: unknown) => this.logger.warn({ err: errMessage(err) }, 'failed to sync resource monitors'));
      }
    })();
    await Promise.all([
      runWorkers({ name: `${this.name}-delete`, queue: this.attemptToDelete, reconcile: (uid) => this.attemptToDeleteItem(uid), workers, signal, logger: this.logger }),
      runWorkers({ name: `${this.name}-orphan`, queue: this.attemptToOrphan, reconcile: (uid) => this.attemptToOrphanItem(uid), workers: 1, signal, logger: this.logger }),
      resync,
    ]);
  }

  private async resourceApi(apiVersion: string, kind: string, namespace: string): Promise<{ api: ResourceApi; namespaced: boolean }> {
    const group = groupOf(apiVersion);
    let r = this.kindToResource.get(`${group}/${kind}`);
    if (!r) {
      await this.syncMonitors();
      r = this.kindToResource.get(`${group}/${kind}`);
    }
    if (!r) throw new Error(`unable to get REST mapping for ${apiVersion}/${kind}`);
    const base = this.client.resource(r.group, r.version, r.resource);
    return { api: r.namespaced ? base.namespace(namespace) : base, namespaced: r.namespaced };
  }

  private async getObject(id: ObjectIdentity): Promise<KubeObject | undefined> {
    const { api } = await this.resourceApi(id.apiVersion, id.kind, id.namespace);
    try {
      return await api.get(id.name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * classifyReferences sorts an object's owners into solid (present), dangling (absent or
   * replaced) and waitingForDependentsDeletion (present, in foreground deletion).
   */
  async classifyReferences(item: GraphNode, refs: OwnerRef[]): Promise<{ solid: OwnerRef[]; dangling: OwnerRef[]; waiting: OwnerRef[] }> {
    const out = { solid: [] as OwnerRef[], dangling: [] as OwnerRef[], waiting: [] as OwnerRef[] };
    for (const ref of refs) {
      const { api, namespaced } = await this.resourceApi(ref.apiVersion, ref.kind, item.identity.namespace);
      if (namespaced && item.identity.namespace === '') {
        // A cluster-scoped object cannot be owned by a namespaced one.
        this.recorder.event({ apiVersion: item.identity.apiVersion, kind: item.identity.kind, metadata: { name: item.identity.name, uid: item.identity.uid } }, 'Warning', 'OwnerRefInvalidNamespace',
          `ownerRef [${ref.apiVersion}/${ref.kind}, namespace: , name: ${ref.name}, uid: ${ref.uid}] does not exist in namespace ""`);
        out.dangling.push(ref);
        continue;
      }
      let owner: KubeObject | undefined;
      try {
        owner = await api.get(ref.name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (!owner || owner.metadata?.uid !== ref.uid) {
        out.dangling.push(ref);
        continue;
      }
      if (owner.metadata?.deletionTimestamp && (owner.metadata.finalizers ?? []).includes(FINALIZER_DELETE_DEPENDENTS)) out.waiting.push(ref);
      else out.solid.push(ref);
    }
    return out;
  }

  /** attemptToDeleteItem is the attemptToDelete reconcile for one uid. */
  async attemptToDeleteItem(uid: string): Promise<ReconcileResult | void> {
    const item = this.graph.node(uid);
    if (!item) return;
    if (item.beingDeleted && !item.deletingDependents) return;
    const latest = await this.getObject(item.identity);
    if (!latest || latest.metadata?.uid !== uid) {
      this.logger.debug({ item: identityString(item.identity) }, 'item not found, generating a virtual delete event');
      this.graph.virtualDelete(uid);
      return;
    }
    if (!item.observed) {
      // The owner exists but its informer has not shown it yet: check again later.
      return { requeueAfter: 10_000 };
    }
    if (item.deletingDependents || (latest.metadata?.deletionTimestamp && (latest.metadata.finalizers ?? []).includes(FINALIZER_DELETE_DEPENDENTS))) {
      return this.processDeletingDependentsItem(item, latest);
    }
    const refs = (latest.metadata?.ownerReferences ?? []) as unknown as OwnerRef[];
    if (refs.length === 0) return;
    const { solid, dangling, waiting } = await this.classifyReferences(item, refs);
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      await this.patchOwnerReferences(item, latest, refs.filter((r) => !drop.has(r.uid)));
      return;
    }
    if (waiting.length > 0 && item.dependents.size > 0) {
      if ([...item.dependents].some((d) => d.deletingDependents)) {
        // Break a possible cycle: stop blocking the waiting owners.
        const waitingUids = new Set(waiting.map((r) => r.uid));
        await this.patchOwnerReferences(item, latest, refs.map((r) => (waitingUids.has(r.uid) ? { ...r, blockOwnerDeletion: false } : r)));
      }
      await this.deleteObject(item.identity, latest, 'Foreground');
      return;
    }
    const fins = latest.metadata?.finalizers ?? [];
    const policy = fins.includes(FINALIZER_ORPHAN_DEPENDENTS) ? 'Orphan' : fins.includes(FINALIZER_DELETE_DEPENDENTS) ? 'Foreground' : 'Background';
    this.logger.debug({ item: identityString(item.identity), policy }, 'deleting object');
    await this.deleteObject(item.identity, latest, policy);
  }

  private async processDeletingDependentsItem(item: GraphNode, latest: KubeObject): Promise<void> {
    const blocking = item.blockingDependents();
    if (blocking.length === 0) {
      await this.removeFinalizer(item.identity, FINALIZER_DELETE_DEPENDENTS);
      return;
    }
    for (const dep of blocking) if (!dep.beingDeleted) this.attemptToDelete.add(dep.identity.uid);
    void latest;
  }

  /** attemptToOrphanItem removes the owner's references from its dependents, then the `orphan` finalizer. */
  async attemptToOrphanItem(uid: string): Promise<void> {
    const owner = this.graph.node(uid);
    if (!owner) return;
    const errors: string[] = [];
    for (const dep of [...owner.dependents]) {
      try {
        const latest = await this.getObject(dep.identity);
        if (!latest || latest.metadata?.uid !== dep.identity.uid) continue;
        const refs = (latest.metadata?.ownerReferences ?? []) as unknown as OwnerRef[];
        if (!refs.some((r) => r.uid === uid)) continue;
        await this.patchOwnerReferences(dep, latest, refs.filter((r) => r.uid !== uid));
      } catch (err) {
        errors.push(errMessage(err));
      }
    }
    if (errors.length) throw new Error(`failed to orphan dependents of owner ${identityString(owner.identity)}: ${errors.join('; ')}`);
    await this.removeFinalizer(owner.identity, FINALIZER_ORPHAN_DEPENDENTS);
  }

  private async patchOwnerReferences(item: GraphNode, latest: KubeObject, refs: OwnerRef[]): Promise<void> {
    const { api } = await this.resourceApi(item.identity.apiVersion, item.identity.kind, item.identity.namespace);
    try {
      await api.patch(item.identity.name, { metadata: { ownerReferences: refs.length ? refs : null, uid: item.identity.uid, resourceVersion: latest.metadata?.resourceVersion } }, { type: 'merge' });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private async removeFinalizer(id: ObjectIdentity, finalizer: string): Promise<void> {
    const { api } = await this.resourceApi(id.apiVersion, id.kind, id.namespace);
    for (let attempt = 0; ; attempt++) {
      let latest: KubeObject;
      try {
        latest = await api.get(id.name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (latest.metadata?.uid !== id.uid) return;
      const fins = latest.metadata?.finalizers ?? [];
      if (!fins.includes(finalizer)) return;
      const next = fins.filter((f) => f !== finalizer);
      try {
        await api.patch(id.name, { metadata: { finalizers: next.length ? next : null, uid: id.uid, resourceVersion: latest.metadata?.resourceVersion } }, { type: 'merge' });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
  }

  private async deleteObject(id: ObjectIdentity, _latest: KubeObject, policy: 'Background' | 'Foreground' | 'Orphan'): Promise<void> {
    const { api } = await this.resourceApi(id.apiVersion, id.kind, id.namespace);
    try {
      // upstream deleteObject preconditions on the uid only: a concurrent update must not make the delete fail.
      await api.delete(id.name, { propagationPolicy: policy, preconditions: { uid: id.uid } });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}

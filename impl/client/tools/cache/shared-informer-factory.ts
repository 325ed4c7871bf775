/**
 * SharedInformerFactory hands out one shared informer per group/version/resource over the
 * dynamic client, so every controller in a process shares one list+watch and one cache per
 * resource (client-go `dynamicinformer.DynamicSharedInformerFactory`).
 */
import type { KubeObject } from '../../resource-client.ts';
import type { RestClient } from '../../rest-client.ts';
import { realClock, type Clock } from '#impl/apimachinery/util/clock/index.ts';
import type { Indexers } from './indexer.ts';
import { newListWatchFromClient, type ListerWatcher, type ListWatchSelectors } from './list-watch.ts';
import { newGenericLister, type GenericLister } from './lister.ts';
import type { Logger } from './logger.ts';
import { newSharedIndexInformer, type SharedIndexInformer, type SharedIndexInformerOptions } from './shared-informer.ts';
import { waitForCacheSync } from './wait-for-cache-sync.ts';

/** GroupVersionResource names a resource; `group` is '' for the core group. */
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** gvrString renders `resource.version.group` (or `resource.version` for core), as upstream prints it. */
export function gvrString(gvr: GroupVersionResource): string {
  return gvr.group === '' ? `${gvr.resource}.${gvr.version}` : `${gvr.resource}.${gvr.version}.${gvr.group}`;
}

/** GenericInformer pairs an informer with its lister (client-go `informers.GenericInformer`). */
export interface GenericInformer<T = KubeObject> {
  informer(): SharedIndexInformer<T>;
  lister(): GenericLister<T>;
}

/** SharedInformerFactoryOptions configure a {@link SharedInformerFactory}. */
export interface SharedInformerFactoryOptions {
  /** Default resync period for informers, ms (0 = none). */
  defaultResync?: number;
  /** Restrict every informer to one namespace; default all namespaces. */
  namespace?: string;
  /** Label/field selectors applied to every list and watch (upstream `TweakListOptions`). */
  tweakListOptions?: ListWatchSelectors;
  clock?: Clock;
  logger?: Logger;
  /** Strip `metadata.managedFields` before caching (saves memory, as kube-controller-manager does). */
  dropManagedFields?: boolean;
  /** Overrides how a list-watch is built (tests use in-memory fakes). */
  newListWatch?: (gvr: GroupVersionResource) => ListerWatcher<KubeObject>;
  /** Reflector tuning passed to every informer. */
  reflector?: SharedIndexInformerOptions<KubeObject>['reflector'];
}

/**
 * SharedInformerFactory creates informers on demand (`forResource`), starts those not yet
 * started (`start`), and waits for their caches (`waitForCacheSync`). `forResource` returns
 * the same informer for the same resource every time; informers requested after `start` are
 * started by the next `start` call.
 */
export class SharedInformerFactory {
  private readonly informers = new Map<string, { gvr: GroupVersionResource; informer: SharedIndexInformer<KubeObject> }>();
  private readonly startedInformers = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly clock: Clock;

  constructor(private readonly client: RestClient | undefined, private readonly opts: SharedInformerFactoryOptions = {}) {
    this.clock = opts.clock ?? realClock;
    if (!client && !opts.newListWatch) throw new Error('SharedInformerFactory needs a RestClient or newListWatch');
  }

  /** forResource returns the shared informer and lister for `gvr`, creating them once. */
  forResource<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, opts: { indexers?: Indexers<T>; resyncPeriod?: number } = {}): GenericInformer<T> {
    const key = gvrString(gvr);
    let entry = this.informers.get(key);
    if (!entry) {
      const informer = newSharedIndexInformer<KubeObject>({
        listWatch: this.newListWatch(gvr),
        objectType: key,
        resyncPeriod: opts.resyncPeriod ?? this.opts.defaultResync ?? 0,
        indexers: opts.indexers as Indexers<KubeObject> | undefined,
        clock: this.clock,
        logger: this.opts.logger,
        transform: this.opts.dropManagedFields ? dropManagedFields : undefined,
        reflector: this.opts.reflector,
      });
      entry = { gvr, informer };
      this.informers.set(key, entry);
    } else if (opts.indexers) {
      const have = entry.informer.getIndexer().getIndexers();
      const missing = Object.fromEntries(Object.entries(opts.indexers).filter(([n]) => !(n in have)));
      if (Object.keys(missing).length > 0) entry.informer.addIndexers(missing as Indexers<KubeObject>);
    }
    const informer = entry.informer as unknown as SharedIndexInformer<T>;
    return { informer: () => informer, lister: () => newGenericLister<T>(informer.getIndexer()) };
  }

  /** start runs every informer not yet started until `signal` aborts. */
  start(signal: AbortSignal): void {
    for (const [key, { informer }] of this.informers) {
      if (this.startedInformers.has(key)) continue;
      this.startedInformers.add(key);
      const p = informer.run(signal).finally(() => this.running.delete(p));
      this.running.add(p);
    }
  }

  /** waitForCacheSync waits for every started informer; the result maps gvr strings to synced. */
  async waitForCacheSync(signal: AbortSignal): Promise<Map<string, boolean>> {
    const result = new Map<string, boolean>();
    for (const [key, { informer }] of this.informers) {
      if (!this.startedInformers.has(key)) continue;
      result.set(key, await waitForCacheSync(signal, [() => informer.hasSynced()], this.clock));
    }
    return result;
  }

  /** shutdown resolves once every started informer has stopped (abort the `start` signal first). */
  async shutdown(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private newListWatch(gvr: GroupVersionResource): ListerWatcher<KubeObject> {
    if (this.opts.newListWatch) return this.opts.newListWatch(gvr);
    let rc = this.client!.resource(gvr.group, gvr.version, gvr.resource);
    if (this.opts.namespace) rc = rc.namespace(this.opts.namespace);
    return newListWatchFromClient(rc, this.opts.tweakListOptions);
  }
}

function dropManagedFields(obj: KubeObject): KubeObject {
  if (obj.metadata && 'managedFields' in obj.metadata) {
    const { managedFields: _drop, ...metadata } = obj.metadata;
    return { ...obj, metadata };
  }
  return obj;
}

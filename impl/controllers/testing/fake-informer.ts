/**
 * FakeInformer is a {@link GenericInformer} over an in-memory indexer for controller unit tests:
 * `add`/`update`/`delete` change the cache and call the registered handlers synchronously,
 * the cache is always synced, and nothing lists or watches.
 */
import type { KubeObject } from '#impl/client/index.ts';
import {
  metaNamespaceIndexFunc,
  metaNamespaceKeyFunc,
  namespaceIndex,
  newGenericLister,
  newIndexer,
  type DeletedFinalStateUnknown,
  type GenericInformer,
  type GenericLister,
  type Indexer,
  type ResourceEventHandler,
  type ResourceEventHandlerRegistration,
  type SharedIndexInformer,
} from '#impl/client/tools/cache/index.ts';
import type { GVR } from '../controller-client.ts';
import type { InformerSource } from '../controller-context.ts';

/** FakeInformer implements GenericInformer with synchronous notifications. */
export class FakeInformer<T extends KubeObject = KubeObject> implements GenericInformer<T> {
  readonly indexer: Indexer<T>;
  private readonly handlers: ResourceEventHandler<T>[] = [];

  constructor(objects: T[] = []) {
    this.indexer = newIndexer<T>(metaNamespaceKeyFunc as never, { [namespaceIndex]: metaNamespaceIndexFunc as never });
    for (const o of objects) this.indexer.add(o);
  }

  informer(): SharedIndexInformer<T> {
    const reg: ResourceEventHandlerRegistration = { hasSynced: () => true };
    const stub = {
      addEventHandler: (h: ResourceEventHandler<T>) => {
        this.handlers.push(h);
        return reg;
      },
      removeEventHandler: () => undefined,
      getStore: () => this.indexer,
      getIndexer: () => this.indexer,
      addIndexers: (ix: Parameters<Indexer<T>['addIndexers']>[0]) => this.indexer.addIndexers(ix),
      run: () => Promise.resolve(),
      hasSynced: () => true,
      lastSyncResourceVersion: () => '',
      setWatchErrorHandler: () => undefined,
      isStopped: () => false,
    };
    return stub as unknown as SharedIndexInformer<T>;
  }

  lister(): GenericLister<T> {
    return newGenericLister<T>(this.indexer);
  }

  add(obj: T): void {
    this.indexer.add(obj);
    for (const h of this.handlers) h.onAdd?.(obj, false);
  }

  update(obj: T): void {
    const old = this.indexer.get(obj) ?? obj;
    this.indexer.update(obj);
    for (const h of this.handlers) h.onUpdate?.(old, obj);
  }

  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    const o = 'key' in obj && 'obj' in obj ? (obj as DeletedFinalStateUnknown<T>).obj : (obj as T);
    this.indexer.delete(o);
    for (const h of this.handlers) h.onDelete?.(obj);
  }
}

/** FakeInformers is an {@link InformerSource} of {@link FakeInformer}s, one per resource. */
export class FakeInformers implements InformerSource {
  private readonly byGvr = new Map<string, FakeInformer>();

  forResource<T extends KubeObject = KubeObject>(gvr: GVR): FakeInformer<T> {
    const key = `${gvr.group}/${gvr.version}/${gvr.resource}`;
    let inf = this.byGvr.get(key);
    if (!inf) {
      inf = new FakeInformer();
      this.byGvr.set(key, inf);
    }
    return inf as unknown as FakeInformer<T>;
  }
}

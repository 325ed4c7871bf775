/**
 * Store is the generic object storage of the client cache (client-go `tools/cache/store.go`):
 * objects keyed by a {@link KeyFunc}, by default `namespace/name`. {@link newStore} and
 * {@link newIndexer} build one over a {@link ThreadSafeStore}.
 */
import type { KubeObject } from '../../resource-client.ts';
import type { Indexer, Indexers } from './indexer.ts';
import { ThreadSafeStore } from './thread-safe-store.ts';

/** KeyFunc computes the key an object is stored under. It throws for objects it cannot key. */
export type KeyFunc<T = KubeObject> = (obj: T | DeletedFinalStateUnknown<T>) => string;

/**
 * DeletedFinalStateUnknown is handed to `onDelete` when an object disappeared while the
 * watch was disconnected: a relist no longer contains it, so its final state is unknown and
 * `obj` is the last state the cache saw (possibly stale). Handlers check for it with
 * `obj instanceof DeletedFinalStateUnknown` and use `.obj` (client-go `DeletedFinalStateUnknown`).
 */
export class DeletedFinalStateUnknown<T = KubeObject> {
  constructor(
    /** The store key of the deleted object. */
    readonly key: string,
    /** The last known state of the object. */
    readonly obj: T,
  ) {}
}

/**
 * metaNamespaceKeyFunc is the default {@link KeyFunc}: `namespace/name` for namespaced objects
 * and `name` for cluster-scoped ones. A {@link DeletedFinalStateUnknown} yields its key, so the
 * same function works in delete handlers (client-go `DeletionHandlingMetaNamespaceKeyFunc`).
 */
export function metaNamespaceKeyFunc(obj: KubeObject | DeletedFinalStateUnknown<KubeObject>): string {
  if (obj instanceof DeletedFinalStateUnknown) return obj.key;
  if (typeof obj === 'string') return obj;
  const meta = obj?.metadata;
  if (!meta || typeof meta.name !== 'string' || meta.name === '') throw new Error('object has no meta: metadata.name is missing');
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}

/** deletionHandlingMetaNamespaceKeyFunc is {@link metaNamespaceKeyFunc} (which already handles tombstones). */
export const deletionHandlingMetaNamespaceKeyFunc = metaNamespaceKeyFunc;

/**
 * splitMetaNamespaceKey splits a `namespace/name` or `name` key. It throws for keys with more
 * than one slash, as upstream does ("unexpected key format").
 */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { namespace: '', name: parts[0]! };
  if (parts.length === 2) return { namespace: parts[0]!, name: parts[1]! };
  throw new Error(`unexpected key format: "${key}"`);
}

/**
 * Store holds objects under their keys. Objects handed out are shared with the cache:
 * **never modify an object from a store**; clone it first (client-go "NEVER modify objects
 * from the store"). `add` and `update` both insert or replace.
 */
export interface Store<T = KubeObject> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T | DeletedFinalStateUnknown<T>): void;
  list(): T[];
  listKeys(): string[];
  /** get returns the stored object with the same key as `obj`, or undefined. */
  get(obj: T): T | undefined;
  getByKey(key: string): T | undefined;
  /** replace swaps the whole content for `list`; `resourceVersion` is the list's RV. */
  replace(list: readonly T[], resourceVersion: string): void;
  /** resync is meaningful only for queues; plain stores do nothing. */
  resync(): void;
}

/** Cache implements {@link Store} and {@link Indexer} over a {@link ThreadSafeStore}. */
export class Cache<T = KubeObject> implements Indexer<T> {
  private readonly store: ThreadSafeStore<T>;
  private readonly keyFunc: KeyFunc<T>;

  constructor(keyFunc: KeyFunc<T>, indexers: Indexers<T> = {}) {
    this.keyFunc = keyFunc;
    this.store = new ThreadSafeStore<T>(indexers);
  }

  /** key computes the key of `obj` with this cache's key function. */
  key(obj: T | DeletedFinalStateUnknown<T>): string {
    return this.keyFunc(obj);
  }

  add(obj: T): void {
    this.store.add(this.keyFunc(obj), obj);
  }

  update(obj: T): void {
    this.store.update(this.keyFunc(obj), obj);
  }

  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    this.store.delete(this.keyFunc(obj));
  }

  list(): T[] {
    return this.store.list();
  }

  listKeys(): string[] {
    return this.store.listKeys();
  }

  get(obj: T): T | undefined {
    return this.store.get(this.keyFunc(obj));
  }

  getByKey(key: string): T | undefined {
    return this.store.get(key);
  }

  replace(list: readonly T[], resourceVersion: string): void {
    const items = new Map<string, T>();
    for (const obj of list) items.set(this.keyFunc(obj), obj);
    this.store.replace(items, resourceVersion);
  }

  resync(): void {}

  index(indexName: string, obj: T): T[] {
    return this.store.index(indexName, obj);
  }

  indexKeys(indexName: string, indexedValue: string): string[] {
    return this.store.indexKeys(indexName, indexedValue);
  }

  listIndexFuncValues(indexName: string): string[] {
    return this.store.listIndexFuncValues(indexName);
  }

  byIndex(indexName: string, indexedValue: string): T[] {
    return this.store.byIndex(indexName, indexedValue);
  }

  getIndexers(): Indexers<T> {
    return this.store.getIndexers();
  }

  addIndexers(newIndexers: Indexers<T>): void {
    this.store.addIndexers(newIndexers);
  }
}

/** newStore returns a {@link Store} keyed by `keyFunc` (client-go `NewStore`). */
export function newStore<T = KubeObject>(keyFunc: KeyFunc<T>): Store<T> {
  return new Cache<T>(keyFunc);
}

/** newIndexer returns an {@link Indexer} keyed by `keyFunc` with `indexers` (client-go `NewIndexer`). */
export function newIndexer<T = KubeObject>(keyFunc: KeyFunc<T>, indexers: Indexers<T> = {}): Indexer<T> {
  return new Cache<T>(keyFunc, indexers);
}

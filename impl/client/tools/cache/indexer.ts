/**
 * Indexer is a {@link Store} with secondary indexes (client-go `tools/cache/index.go`): named
 * {@link IndexFunc}s map each object to index values, and objects can be looked up by value.
 */
import type { KubeObject } from '../../resource-client.ts';
import type { Store } from './store.ts';

/**
 * IndexFunc computes the index values of an object (zero, one or several). It must be a pure
 * function of the object.
 */
export type IndexFunc<T = KubeObject> = (obj: T) => string[];

/** Indexers maps index names to index functions. */
export type Indexers<T = KubeObject> = Record<string, IndexFunc<T>>;

/** Index maps an index value to the keys of the objects that have it. */
export type Index = Map<string, Set<string>>;

/** Indices maps index names to their {@link Index}. */
export type Indices = Map<string, Index>;

/** namespaceIndex is the name of the index by namespace (client-go `NamespaceIndex`). */
export const namespaceIndex = 'namespace';

/** metaNamespaceIndexFunc indexes an object by its namespace (client-go `MetaNamespaceIndexFunc`). */
export function metaNamespaceIndexFunc(obj: KubeObject): string[] {
  return [obj?.metadata?.namespace ?? ''];
}

/** Indexer is a {@link Store} that also answers index queries. Returned objects must not be modified. */
export interface Indexer<T = KubeObject> extends Store<T> {
  /** index returns the objects sharing any index value of `obj` under `indexName`. */
  index(indexName: string, obj: T): T[];
  /** indexKeys returns the keys of objects with `indexedValue` under `indexName`. */
  indexKeys(indexName: string, indexedValue: string): string[];
  /** listIndexFuncValues returns every value present in `indexName`. */
  listIndexFuncValues(indexName: string): string[];
  /** byIndex returns the objects with `indexedValue` under `indexName`. */
  byIndex(indexName: string, indexedValue: string): T[];
  /** getIndexers returns the index functions. */
  getIndexers(): Indexers<T>;
  /** addIndexers adds index functions and indexes the objects already stored. */
  addIndexers(newIndexers: Indexers<T>): void;
}

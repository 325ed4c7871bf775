/**
 * ThreadSafeStore is the keyed map with indices under {@link Cache} (client-go
 * `tools/cache/thread_safe_store.go`). JavaScript runs one task at a time, so every method is
 * atomic; the name is kept so it maps to upstream. The store keeps the objects it is given:
 * callers must treat them as immutable.
 */
import type { Index, Indexers } from './indexer.ts';

/** ThreadSafeStore stores objects by key and maintains one {@link Index} per index function. */
export class ThreadSafeStore<T> {
  private readonly items = new Map<string, T>();
  private indexers: Indexers<T>;
  /** indices[indexName][indexedValue] = set of keys. */
  private readonly indices = new Map<string, Index>();
  /** The RV passed to the last replace (informational). */
  lastReplaceResourceVersion = '';

  constructor(indexers: Indexers<T> = {}) {
    this.indexers = { ...indexers };
    for (const name of Object.keys(this.indexers)) this.indices.set(name, new Map());
  }

  add(key: string, obj: T): void {
    this.update(key, obj);
  }

  update(key: string, obj: T): void {
    const old = this.items.get(key);
    this.items.set(key, obj);
    this.updateIndices(old, obj, key);
  }

  delete(key: string): void {
    const old = this.items.get(key);
    if (old === undefined && !this.items.has(key)) return;
    this.updateIndices(old, undefined, key);
    this.items.delete(key);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  replace(items: Map<string, T>, resourceVersion: string): void {
    this.items.clear();
    for (const [k, v] of items) this.items.set(k, v);
    this.lastReplaceResourceVersion = resourceVersion;
    for (const name of this.indices.keys()) this.indices.set(name, new Map());
    for (const [key, obj] of this.items) this.updateIndices(undefined, obj, key);
  }

  index(indexName: string, obj: T): T[] {
    const fn = this.indexFunc(indexName);
    const index = this.indices.get(indexName)!;
    const keys = new Set<string>();
    for (const value of fn(obj)) for (const k of index.get(value) ?? []) keys.add(k);
    return [...keys].map((k) => this.items.get(k)!);
  }

  byIndex(indexName: string, indexedValue: string): T[] {
    this.indexFunc(indexName);
    const set = this.indices.get(indexName)!.get(indexedValue);
    return set ? [...set].map((k) => this.items.get(k)!) : [];
  }

  indexKeys(indexName: string, indexedValue: string): string[] {
    this.indexFunc(indexName);
    return [...(this.indices.get(indexName)!.get(indexedValue) ?? [])];
  }

  listIndexFuncValues(indexName: string): string[] {
    return [...(this.indices.get(indexName)?.keys() ?? [])];
  }

  getIndexers(): Indexers<T> {
    return { ...this.indexers };
  }

  /** addIndexers adds index functions (names must be new) and indexes existing items. */
  addIndexers(newIndexers: Indexers<T>): void {
    const clash = Object.keys(newIndexers).filter((n) => n in this.indexers);
    if (clash.length > 0) throw new Error(`indexer conflict: ${clash.join(', ')}`);
    this.indexers = { ...this.indexers, ...newIndexers };
    for (const [name, fn] of Object.entries(newIndexers)) {
      const index: Index = new Map();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) for (const v of fn(obj)) addToIndex(index, v, key);
    }
  }

  private indexFunc(indexName: string): (obj: T) => string[] {
    const fn = this.indexers[indexName];
    if (!fn) throw new Error(`Index with name ${indexName} does not exist`);
    return fn;
  }

  private updateIndices(oldObj: T | undefined, newObj: T | undefined, key: string): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      const oldValues = oldObj !== undefined ? fn(oldObj) : [];
      const newValues = newObj !== undefined ? fn(newObj) : [];
      if (oldValues.length === 1 && newValues.length === 1 && oldValues[0] === newValues[0]) continue;
      for (const v of oldValues) {
        const set = index.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) index.delete(v);
      }
      for (const v of newValues) addToIndex(index, v, key);
    }
  }
}

function addToIndex(index: Index, value: string, key: string): void {
  let set = index.get(value);
  if (!set) {
    set = new Set();
    index.set(value, set);
  }
  set.add(key);
}

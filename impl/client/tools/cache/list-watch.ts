/**
 * ListerWatcher is what a {@link Reflector} lists and watches (client-go `tools/cache/listwatch.go`).
 * {@link newListWatchFromClient} adapts the dynamic {@link ResourceClient}.
 */
import type { KubeList, KubeObject, ResourceClient, WatchHandle } from '../../resource-client.ts';

/** ListOptions are what the reflector passes to {@link ListerWatcher.list}. */
export interface ListWatchListOptions {
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  limit?: number;
  continue?: string;
  signal?: AbortSignal;
}

/** WatchOptions are what the reflector passes to {@link ListerWatcher.watch}. */
export interface ListWatchWatchOptions {
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

/**
 * ListerWatcher lists a collection and watches it from a resourceVersion. `list` rejects with
 * an ApiError for HTTP failures (410 Expired for a compacted RV or continue token); `watch`
 * returns an async iterable whose first iteration rejects the same way, which yields
 * `ERROR` events with a Status object, and which ends when the server closes the stream.
 */
export interface ListerWatcher<T = KubeObject> {
  list(opts: ListWatchListOptions): Promise<KubeList<T>>;
  watch(opts: ListWatchWatchOptions): WatchHandle<T>;
}

/** ListWatchSelectors narrow what a {@link newListWatchFromClient} lists and watches. */
export interface ListWatchSelectors {
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * newListWatchFromClient builds a {@link ListerWatcher} over a resource client (scoped to a
 * namespace with `client.namespace(ns)`, or all namespaces) and optional selectors.
 */
export function newListWatchFromClient<T extends KubeObject = KubeObject>(client: ResourceClient<T>, selectors: ListWatchSelectors = {}): ListerWatcher<T> {
  return {
    list(opts) {
      return client.list({ ...selectors, ...opts });
    },
    watch(opts) {
      return client.watch({ ...selectors, ...opts });
    },
  };
}

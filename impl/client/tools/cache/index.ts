/**
 * The client cache, after client-go `tools/cache`: {@link Store} and {@link Indexer} over a
 * {@link ThreadSafeStore}, the {@link Reflector} (list + watch, resume, relist on 410), the
 * {@link SharedIndexInformer} with handler fan-out and tombstones, listers, the informer
 * factory keyed by group/version/resource, and `waitForCacheSync`.
 */
export * from './logger.ts';
export * from './store.ts';
export * from './indexer.ts';
export * from './thread-safe-store.ts';
export * from './list-watch.ts';
export * from './reflector.ts';
export * from './shared-informer.ts';
export * from './filtering-resource-event-handler.ts';
export * from './lister.ts';
export * from './wait-for-cache-sync.ts';
export * from './shared-informer-factory.ts';
export * from './fake-list-watch.ts';

/**
 * Public surface of the storage layer: the interface every backend implements, the two backends
 * (embedded SQLite, etcd3), the watch cache, and the helpers the registry needs (errors,
 * continue tokens). Test helpers live in `./testing/index.ts`.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/storage.
 */
export * from './interfaces.ts';
export {
  keyNotFound,
  keyExists,
  resourceVersionConflicts,
  resourceVersionTooOld,
  continueTooOld,
  tooLargeResourceVersion,
  isTooLargeResourceVersion,
  invalidError,
  unreachable,
  TOO_LARGE_RESOURCE_VERSION_MESSAGE,
} from './errors.ts';
export { encodeContinue, continueAfter, decodeContinue } from './continue.ts';
export { realClock, type Clock, type TimerHandle } from '#impl/apimachinery/util/clock/index.ts';
export { WatchChannel, type WatchChannelOptions } from './watch-channel.ts';
export { encodeObject, decodeObject, revisionOf, prefixEnd } from './object.ts';
export { SqliteStore, newSqliteStorage, type SqliteStorageOptions } from './sqlite/store.ts';
export { Etcd3Store, newEtcd3Storage, type Etcd3StorageOptions } from './etcd3/store.ts';
export {
  Cacher,
  newCacher,
  defaultKeyFunc,
  INITIAL_EVENTS_END_ANNOTATION,
  type CacherOptions,
  type CacheListOptions,
  type CacheWatchOptions,
} from './cacher/cacher.ts';

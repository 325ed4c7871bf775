/**
 * Storage interfaces shared by every backend (etcd3, embedded SQLite) and by the watch cache.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/storage/interfaces.go and errors.go.
 *
 * Objects are plain JSON values (Kubernetes objects as the API serves them). A backend stores
 * them under string keys such as `/registry/pods/default/nginx`, and it owns
 * `metadata.resourceVersion`: every object it returns carries the storage revision of its last
 * write as a decimal string (etcd's `mod_revision`), and any resourceVersion on an object passed in
 * is ignored on write (it is never persisted).
 */

/** StoredObject is the minimum shape the storage layer reads: nothing but metadata. */
export interface StoredObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** Preconditions must hold on the current object for a delete or update to proceed. */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/** ListOptions selects what `list` returns. */
export interface ListOptions {
  /**
   * Revision to read at. `undefined` or 0 means "the latest" (a consistent read). A revision
   * below the compaction point fails with `ResourceVersionTooOld`; one above the current
   * revision fails with `InvalidError` "Too large resource version" (`isTooLargeResourceVersion`
   * in errors.ts; upstream answers 504 with a retry hint).
   */
  revision?: number;
  /** At most this many items; 0 or undefined means no limit. */
  limit?: number;
  /** Opaque token from a previous page (`ListResult.continue`). */
  continue?: string;
  /** Applied by the backend before counting against `limit` (like upstream SelectionPredicate). */
  predicate?: (obj: StoredObject) => boolean;
}

/**
 * ListResult is one page of a list. Items served by the watch cache are shared with the cache:
 * treat them as read-only (clone before mutating).
 */
export interface ListResult<T extends StoredObject = StoredObject> {
  items: T[];
  /** The revision the list was read at; the list's resourceVersion. */
  revision: number;
  /** Set when more items remain; pass back as `ListOptions.continue`. */
  continue?: string;
  /** How many items remain after this page, when the backend knows. */
  remainingItemCount?: number;
}

/** WatchEventType mirrors the upstream watch event types. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * WatchEvent is one change. For DELETED, `object` is the last state with the deletion's revision.
 * A BOOKMARK carries only `metadata.resourceVersion` (= `revision`): every change up to it has been
 * delivered. Events may be shared between watchers (the watch cache fans one object out to many):
 * treat them as read-only.
 */
export interface WatchEvent<T extends StoredObject = StoredObject> {
  type: WatchEventType;
  object: T;
  /** The state before this change (MODIFIED and DELETED), when known; watch caches use it for predicates. */
  prevObject?: T;
  /** Revision of this event. */
  revision: number;
}

/** WatchOptions selects what `watch` delivers. */
export interface WatchOptions {
  /**
   * Deliver every change with a revision strictly greater than this. 0 or undefined means
   * "from now". Below the compaction point the watch fails with `ResourceVersionTooOld`.
   */
  revision?: number;
  /** Watch every key under the prefix `key` (which should end with `/`) instead of one key. */
  recursive?: boolean;
  /** Emit BOOKMARK events carrying only `metadata.resourceVersion` while idle. */
  progressNotify?: boolean;
  /** Stops the watch; the iterator then finishes. */
  signal?: AbortSignal;
}

/**
 * Watcher is a stream of events in revision order, each delivered exactly once. It ends when
 * stopped, when the signal aborts, or when the storage ends it (store closed, or a watch cache
 * dropping a watcher that fell too far behind: the client re-watches from its last revision).
 *
 * Failures are not events: the iterator throws a `StorageError` (for example
 * `ResourceVersionTooOld` when the start revision is compacted, possibly only on the first
 * `next()`, since `watch` itself does not wait). The HTTP layer turns that into an ERROR event
 * carrying a Status; backends never emit `ERROR` themselves.
 * (Clarified by the storage helper: the first draft said "or after an ERROR event".)
 */
export interface Watcher<T extends StoredObject = StoredObject> extends AsyncIterable<WatchEvent<T>> {
  stop(): void;
  /**
   * Optional: asks for a BOOKMARK at the store's current revision, delivered after every earlier
   * event (etcd's RequestProgress). The watch cache uses it to serve consistent reads from memory;
   * backends that lack it make the cache fall back to reading storage. (Added by the storage helper.)
   */
  requestProgress?(): void;
}

/**
 * UpdateFunc computes the new object from the current one. Return the object to store; throw to
 * abort (the error propagates unchanged). It may be called more than once when a concurrent
 * write wins the compare-and-swap. `current` is a private copy it may mutate. Returning an
 * object equal to the current one writes nothing and resolves with the current object (same
 * resourceVersion), as upstream.
 */
export type UpdateFunc<T extends StoredObject = StoredObject> = (current: T) => T | Promise<T>;

/** GuaranteedUpdateOptions tunes `guaranteedUpdate`. */
export interface GuaranteedUpdateOptions<T extends StoredObject = StoredObject> {
  preconditions?: Preconditions;
  /** When the key does not exist, call the update function with `undefined`-free empty object `{}` instead of failing. */
  ignoreNotFound?: boolean;
  /** A possibly stale copy of the current object, to skip one read; the CAS still protects correctness. */
  cachedExisting?: T;
}

/**
 * Interface is what every backend implements and what the registry store uses.
 * Every method resolves with objects carrying `metadata.resourceVersion`.
 */
export interface Interface {
  /** Fails with `KeyNotFound` unless the key exists. */
  get<T extends StoredObject>(key: string): Promise<T>;
  /** Lists every key under `prefix` (which should end with `/`), ordered by key. */
  list<T extends StoredObject>(prefix: string, opts?: ListOptions): Promise<ListResult<T>>;
  /** Fails with `KeyExists` when the key exists. */
  create<T extends StoredObject>(key: string, obj: T, opts?: { ttlSeconds?: number }): Promise<T>;
  /** Read-modify-write with compare-and-swap, retried on concurrent writes. */
  guaranteedUpdate<T extends StoredObject>(key: string, tryUpdate: UpdateFunc<T>, opts?: GuaranteedUpdateOptions<T>): Promise<T>;
  /**
   * Deletes the key, returning the last state. Preconditions that fail give `ResourceVersionConflicts`
   * (uid or resourceVersion mismatch); a missing key gives `KeyNotFound`. `validateDeletion` runs on
   * the current object inside the CAS loop and may throw to abort.
   */
  delete<T extends StoredObject>(
    key: string,
    opts?: { preconditions?: Preconditions; validateDeletion?: (current: T) => void | Promise<void> },
  ): Promise<T>;
  /** Starts a watch; see `WatchOptions`. */
  watch<T extends StoredObject>(key: string, opts?: WatchOptions): Watcher<T>;
  /** The latest revision of the whole store. */
  currentRevision(): Promise<number>;
  /** Drops history at or below `revision`; watches and lists from there on fail with `ResourceVersionTooOld`. */
  compact(revision: number): Promise<void>;
  /** How many keys exist under the prefix (for metrics and `remainingItemCount`). */
  count(prefix: string): Promise<number>;
  close(): Promise<void>;
}

/** StorageErrorCode lists the storage failures, as upstream storage/errors.go. */
export const STORAGE_ERROR_CODES = {
  KeyNotFound: 1,
  KeyExists: 2,
  ResourceVersionConflicts: 3,
  InvalidObj: 4,
  Unreachable: 5,
  InvalidError: 6,
  ResourceVersionTooOld: 7,
} as const;
export type StorageErrorCode = keyof typeof STORAGE_ERROR_CODES;

/**
 * StorageError is thrown by backends; the registry store converts it to a Kubernetes Status
 * exactly once (`interpretCreateError` and friends).
 */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message: string,
    /** For ResourceVersionTooOld: the oldest revision still available. */
    readonly currentRevision?: number,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/** isStorageError tells a StorageError, optionally of one code. */
export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

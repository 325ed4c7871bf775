/**
 * Constructors for the storage errors every backend throws, with upstream's wording.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/storage/errors.go and
 * staging/src/k8s.io/apiserver/pkg/storage/etcd3/errors.go.
 */
import { StorageError, isStorageError } from './interfaces.ts';

/** keyNotFound reports a missing key (get, update, delete). */
export function keyNotFound(key: string): StorageError {
  return new StorageError('KeyNotFound', key, `key not found: ${key}`);
}

/** keyExists reports a create on a key that already exists. */
export function keyExists(key: string): StorageError {
  return new StorageError('KeyExists', key, `key exists: ${key}`);
}

/** resourceVersionConflicts reports a failed precondition (uid or resourceVersion mismatch). */
export function resourceVersionConflicts(key: string, message: string): StorageError {
  return new StorageError('ResourceVersionConflicts', key, message);
}

/**
 * resourceVersionTooOld reports a list or watch below the compaction point (HTTP 410 Gone,
 * reason Expired, once the registry converts it). `oldest` is the oldest revision still served.
 */
export function resourceVersionTooOld(key: string, requested: number, oldest?: number): StorageError {
  const suffix = oldest === undefined ? '' : ` (oldest available: ${oldest})`;
  return new StorageError('ResourceVersionTooOld', key, `too old resource version: ${requested}${suffix}`, oldest);
}

/** continueTooOld reports a continue token whose revision was compacted (410 Gone, as upstream). */
export function continueTooOld(key: string, requested: number, oldest?: number): StorageError {
  return new StorageError(
    'ResourceVersionTooOld',
    key,
    'The provided continue parameter is too old to display a consistent list result. ' +
      'You can start a new list without the continue parameter.',
    oldest ?? requested,
  );
}

/** TOO_LARGE_RESOURCE_VERSION_MESSAGE starts the message of `tooLargeResourceVersion` (upstream's cause text). */
export const TOO_LARGE_RESOURCE_VERSION_MESSAGE = 'Too large resource version';

/**
 * tooLargeResourceVersion reports a read at a revision the store has not reached yet. Upstream
 * answers 504 Timeout with a retry hint; there is no storage code for it, so it is an
 * `InvalidError` recognised with `isTooLargeResourceVersion` (as upstream checks the cause text).
 */
export function tooLargeResourceVersion(key: string, requested: number, current: number): StorageError {
  return new StorageError('InvalidError', key, `${TOO_LARGE_RESOURCE_VERSION_MESSAGE}: ${requested}, current: ${current}`, current);
}

/** isTooLargeResourceVersion tells the error built by `tooLargeResourceVersion`. */
export function isTooLargeResourceVersion(err: unknown): err is StorageError {
  return isStorageError(err, 'InvalidError') && err.message.startsWith(TOO_LARGE_RESOURCE_VERSION_MESSAGE);
}

/** invalidError reports a bad request to storage, such as a malformed continue token. */
export function invalidError(key: string, message: string): StorageError {
  return new StorageError('InvalidError', key, message);
}

/** unreachable wraps a transport failure talking to the backend. */
export function unreachable(key: string, cause: unknown): StorageError {
  const err = new StorageError('Unreachable', key, `storage unreachable: ${String((cause as Error)?.message ?? cause)}`);
  (err as { cause?: unknown }).cause = cause;
  return err;
}

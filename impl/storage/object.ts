/**
 * Encoding helpers shared by the backends: objects are stored as JSON without
 * `metadata.resourceVersion`, and get the storage revision back when read.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/storage/api_object_versioner.go.
 */
import type { Preconditions, StoredObject } from './interfaces.ts';
import { resourceVersionConflicts } from './errors.ts';

/** encodeObject serialises an object for storage, dropping `metadata.resourceVersion`. */
export function encodeObject(obj: StoredObject): string {
  if (obj.metadata?.resourceVersion !== undefined) {
    const { resourceVersion: _rv, ...metadata } = obj.metadata;
    return JSON.stringify({ ...obj, metadata });
  }
  return JSON.stringify(obj);
}

/** decodeObject parses stored JSON and stamps the revision as `metadata.resourceVersion`. */
export function decodeObject<T extends StoredObject>(data: string, revision: number): T {
  const obj = JSON.parse(data) as T;
  return withRevision(obj, revision);
}

/** withRevision sets `metadata.resourceVersion` in place and returns the object. */
export function withRevision<T extends StoredObject>(obj: T, revision: number): T {
  if (obj.metadata && typeof obj.metadata === 'object') obj.metadata.resourceVersion = String(revision);
  else (obj as StoredObject).metadata = { resourceVersion: String(revision) };
  return obj;
}

/** bookmarkObject is the body of a BOOKMARK event: only `metadata.resourceVersion`. */
export function bookmarkObject<T extends StoredObject>(revision: number): T {
  return { metadata: { resourceVersion: String(revision) } } as T;
}

/** revisionOf reads `metadata.resourceVersion` as a number (0 when absent or malformed). */
export function revisionOf(obj: StoredObject | undefined): number {
  const rv = obj?.metadata?.resourceVersion;
  if (rv === undefined || rv === '') return 0;
  const n = Number(rv);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/**
 * checkPreconditions throws `ResourceVersionConflicts` when the object does not match.
 * upstream: storage/interfaces.go Preconditions.Check (message text kept).
 */
export function checkPreconditions(key: string, preconditions: Preconditions | undefined, obj: StoredObject): void {
  if (!preconditions) return;
  const meta = obj.metadata ?? {};
  if (preconditions.uid !== undefined && preconditions.uid !== meta.uid) {
    throw resourceVersionConflicts(
      key,
      `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${meta.uid ?? ''}`,
    );
  }
  if (preconditions.resourceVersion !== undefined && preconditions.resourceVersion !== meta.resourceVersion) {
    throw resourceVersionConflicts(
      key,
      `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`,
    );
  }
}

/** keyMatches tells whether `key` is selected by a watch on `watchKey`. */
export function keyMatches(watchKey: string, recursive: boolean | undefined, key: string): boolean {
  return recursive ? key.startsWith(watchKey) : key === watchKey;
}

/** prefixEnd is the smallest string greater than every string starting with `prefix` (etcd's range end). */
export function prefixEnd(prefix: string): string {
  // Keys are compared as UTF-8 bytes by both backends; for the ASCII keys Kubernetes uses this
  // equals UTF-16 order. Increment the last code unit below the maximum.
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return '\uffff';
}

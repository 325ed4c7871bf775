/**
 * Continue tokens for paged lists, in upstream's wire format, shared by every backend and the
 * watch cache so that a page served from one can be continued by another.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/storage/continue.go. The token is the unpadded
 * URL-safe base64 of `{"v":"meta.k8s.io/v1","rv":<revision>,"start":"<next key minus prefix>"}`.
 */
import { posix } from 'node:path';
import { invalidError } from './errors.ts';

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

/** encodeContinue builds the token for a page that continues at `nextKey` (inclusive) at `revision`. */
export function encodeContinue(nextKey: string, prefix: string, revision: number): string {
  if (!nextKey.startsWith(prefix)) throw new Error(`unable to encode next field: the provided key is not prefixed: ${nextKey}`);
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv: revision, start: nextKey.slice(prefix.length) };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

/** continueAfter is the token for a page whose last scanned key is `lastKey`. */
export function continueAfter(lastKey: string, prefix: string, revision: number): string {
  return encodeContinue(lastKey + '\x00', prefix, revision);
}

/**
 * decodeContinue returns the key to start from (inclusive) and the revision of the first page.
 * A malformed token fails with `InvalidError`.
 */
export function decodeContinue(token: string, prefix: string): { startKey: string; revision: number } {
  let parsed: ContinueToken;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
  } catch {
    throw invalidError(prefix, 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.v !== 'meta.k8s.io/v1') {
    throw invalidError(prefix, 'continue key is not valid: server does not recognize this encoded version');
  }
  if (typeof parsed.rv !== 'number' || !Number.isSafeInteger(parsed.rv) || parsed.rv <= 0) {
    throw invalidError(prefix, 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (typeof parsed.start !== 'string' || parsed.start.length === 0) {
    throw invalidError(prefix, 'continue key is not valid: encoded start key empty (version meta.k8s.io/v1)');
  }
  // Refuse keys that would escape the prefix, as upstream does with path.Clean.
  const cleaned = posix.normalize('/' + parsed.start);
  if (cleaned.startsWith('/..') || parsed.start.split('/').includes('..')) {
    throw invalidError(prefix, `continue key is not valid: ${parsed.start}`);
  }
  return { startKey: prefix + parsed.start, revision: parsed.rv };
}

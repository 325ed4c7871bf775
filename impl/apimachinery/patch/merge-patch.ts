/**
 * JSON merge patch (RFC 7386, `application/merge-patch+json`): objects merge recursively, `null`
 * deletes, anything else (including arrays) replaces. A patch that is not a JSON object is
 * rejected with 400 `Invalid JSON Patch`, as upstream's evanphx/json-patch MergePatch does for
 * the apiserver (which only patches objects).
 */
import { badRequest } from '../errors.ts';

type JSONObject = { [k: string]: unknown };

function isObject(v: unknown): v is JSONObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** mergePatchValue is the RFC 7386 MergePatch(target, patch) function on arbitrary JSON values. */
export function mergePatchValue(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JSONObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatchValue(out[k], v);
  }
  return out;
}

/**
 * applyMergePatch applies a JSON merge patch to a copy of the object `original`. Throws 400
 * `Invalid JSON Document` / `Invalid JSON Patch` when either side is not an object.
 */
export function applyMergePatch<T = JSONObject>(original: unknown, patch: unknown): T {
  if (!isObject(original)) throw badRequest('Invalid JSON Document');
  if (!isObject(patch)) throw badRequest('Invalid JSON Patch');
  return mergePatchValue(original, patch) as T;
}

/**
 * createMergePatch returns the merge patch that turns `original` into `modified` (objects diff
 * recursively, removed keys become null, everything else is replaced).
 */
export function createMergePatch(original: unknown, modified: unknown): unknown {
  if (!isObject(original) || !isObject(modified)) return structuredClone(modified);
  const out: JSONObject = {};
  for (const k of Object.keys(original)) if (!Object.hasOwn(modified, k)) out[k] = null;
  for (const [k, v] of Object.entries(modified)) {
    if (!Object.hasOwn(original, k)) out[k] = structuredClone(v);
    else if (JSON.stringify(original[k]) !== JSON.stringify(v)) {
      out[k] = isObject(original[k]) && isObject(v) ? createMergePatch(original[k], v) : structuredClone(v);
    }
  }
  return out;
}

/**
 * JSON patch (RFC 6902, `application/json-patch+json`) via fast-json-patch, with the apiserver's
 * error mapping (upstream `jsonPatcher.applyJSPatch`): a body that is not a list of operations is
 * 400 BadRequest, more than 10,000 operations 413, and an operation that does not apply 422
 * Invalid (`the server rejected our request due to an error in our request`; the detail is kept as
 * the error's `cause`).
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badRequest, genericServerResponse, requestEntityTooLarge } from '../errors.ts';

/** MAX_JSON_PATCH_OPERATIONS is upstream's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function goTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : 'bool';
}

/**
 * decodeJSONPatch checks that a parsed body is a list of operation objects (upstream
 * jsonpatch.DecodePatch), throwing 400 with Go's decode message otherwise.
 */
export function decodeJSONPatch(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) {
    throw badRequest(`json: cannot unmarshal ${goTypeName(patch)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of patch) {
    if (typeof op !== 'object' || op === null || Array.isArray(op)) {
      throw badRequest(`json: cannot unmarshal ${goTypeName(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  return patch as Operation[];
}

/**
 * applyJSONPatch applies an RFC 6902 patch to a copy of `original` and returns it. Throws
 * StatusErrors as described in the module comment.
 */
export function applyJSONPatch<T = unknown>(original: unknown, patch: unknown): T {
  const ops = decodeJSONPatch(patch);
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw requestEntityTooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  for (const op of ops) {
    if (!OPS.has(String((op as { op?: unknown }).op))) {
      throw genericServerResponse(422, `Unexpected kind: ${String((op as { op?: unknown }).op ?? 'unknown')}`);
    }
  }
  try {
    return jsonpatch.applyPatch(original, ops, true, false, true).newDocument as T;
  } catch (e) {
    throw genericServerResponse(422, (e as Error).message.split('\n')[0] ?? String(e), e);
  }
}

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), following upstream
 * `k8s.io/apimachinery/pkg/util/strategicpatch` (`StrategicMergeMapPatch` with
 * MergeParallelList and IgnoreUnmatchedNulls, as the apiserver calls it):
 *
 * - maps merge recursively; `null` deletes a key;
 * - lists whose field has `x-kubernetes-patch-strategy: merge` merge: lists of maps by
 *   `x-kubernetes-patch-merge-key` (containers by name, env by name...), lists of scalars as a
 *   de-duplicated union; other lists are replaced;
 * - directives: `$patch: replace|delete` in maps, `{"$patch": "delete", <key>: v}` and
 *   `{"$patch": "replace"}` list elements, `$setElementOrder/<field>`,
 *   `$deleteFromPrimitiveList/<field>`, `$retainKeys`;
 * - element order as upstream: patched items in patch order, server-only items interleaved by
 *   their live order.
 *
 * Errors are StatusErrors as the apiserver would answer (`interpretStrategicMergePatchError`).
 */
import { badRequest, genericServerResponse, unknownError, type StatusError } from '../errors.ts';
import type { PatchMeta } from './patch-meta.ts';

type JSONValue = null | boolean | number | string | JSONValue[] | { [k: string]: JSONValue };
type JSONObject = { [k: string]: JSONValue };

const DIRECTIVE_MARKER = '$patch';
const REPLACE = 'replace';
const DELETE = 'delete';
const MERGE = 'merge';
const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';

/** Upstream mergepatch error messages. */
export const STRATEGIC_MERGE_PATCH_ERRORS = {
  badJSONDoc: 'invalid JSON document',
  noListOfLists: 'lists of lists are not supported',
  badPatchFormatForPrimitiveList: 'invalid patch format of primitive list',
  badPatchFormatForRetainKeys: 'invalid patch format of retainKeys',
  badPatchFormatForSetElementOrderList: 'invalid patch format of setElementOrder list',
  patchContentNotMatchRetainKeys: "patch content doesn't match retainKeys list",
  unsupportedStrategicMergePatchFormat: 'strategic merge patch format is not supported',
} as const;

function isObject(v: unknown): v is JSONObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** goFormat renders a JSON value like Go's `%v` of the decoded value (maps sorted). */
function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    return `map[${keys.map((k) => `${k}:${goFormat((v as JSONObject)[k])}`).join(' ')}]`;
  }
  return String(v);
}

const badPatchType = (t: unknown, m: unknown) => unknownError(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);
const noMergeKey = (m: unknown, k: string) => unknownError(`map: ${goFormat(m)} does not contain declared merge key: ${k}`);
const badArgKind = (expected: string, actual: unknown) => unknownError(`expected a ${expected}, but received a ${kindOf(actual)}`);
const badRequestOf = (msg: string): StatusError => badRequest(msg);
const unprocessable = (msg: string): StatusError => genericServerResponse(422, msg);

function clone<T>(v: T): T {
  return v === undefined ? v : (structuredClone(v) as T);
}

/** Options of {@link strategicMergePatch}. */
export interface StrategicMergePatchOptions {
  /** Schema of the patched object; undefined behaves like untyped JSON (lists replaced). */
  schema?: PatchMeta;
}

/**
 * strategicMergePatch applies a strategic merge patch to `original` (neither argument is
 * modified) and returns the result. Both must be JSON objects; otherwise a 400 is thrown.
 */
export function strategicMergePatch(original: unknown, patch: unknown, opts: StrategicMergePatchOptions = {}): JSONObject {
  if (!isObject(original)) throw badRequestOf(STRATEGIC_MERGE_PATCH_ERRORS.badJSONDoc);
  if (!isObject(patch)) throw badRequestOf(STRATEGIC_MERGE_PATCH_ERRORS.badJSONDoc);
  return mergeMap(clone(original), clone(patch), opts.schema);
}

function strategiesOf(meta: PatchMeta | undefined): { retainKeys: boolean; strategy: string } {
  const list = meta?.patchStrategies ?? [];
  let strategy = '';
  let retainKeys = false;
  for (const s of list) {
    if (s === 'retainKeys') retainKeys = true;
    else strategy = s;
  }
  if (list.length > 2) throw unknownError(`unexpected patch strategy: ${list.join(',')}`);
  return { retainKeys, strategy };
}

function mergeMap(original: JSONObject | undefined, patch: JSONObject, schema: PatchMeta | undefined): JSONObject {
  if (Object.hasOwn(patch, DIRECTIVE_MARKER)) {
    const directive = patch[DIRECTIVE_MARKER];
    if (directive === REPLACE) {
      delete patch[DIRECTIVE_MARKER];
      return stripNulls(patch) as JSONObject;
    }
    if (directive === DELETE) return {};
    if (directive === MERGE) delete patch[DIRECTIVE_MARKER];
    else throw badPatchType(directive, patch);
  }
  const out: JSONObject = original ?? {};
  applyRetainKeysDirective(out, patch);
  mergeSetElementOrderLists(out, patch, schema);

  // Deletion lists first, so the result does not depend on key order.
  const keys = Object.keys(patch).sort((a, b) => Number(!a.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) - Number(!b.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)));
  for (let k of keys) {
    const patchV = patch[k]!;
    if (k.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    let isDeleteList = false;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
      k = extractKey(k, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
      isDeleteList = true;
      if (!Array.isArray(patchV)) throw badRequestOf(STRATEGIC_MERGE_PATCH_ERRORS.badPatchFormatForPrimitiveList);
    }
    if (patchV === null) {
      delete out[k];
      continue;
    }
    if (!Object.hasOwn(out, k)) {
      if (!isDeleteList) out[k] = mergeNew(patchV, schema?.field(k));
      continue;
    }
    const origV = out[k]!;
    if (kindOf(origV) !== kindOf(patchV) && !(typeof origV === 'number' && typeof patchV === 'number')) {
      if (!isDeleteList) out[k] = mergeNew(patchV, schema?.field(k));
      continue;
    }
    const sub = schema?.field(k);
    if (isObject(origV) && isObject(patchV)) {
      const { strategy } = strategiesOf(sub);
      out[k] = strategy === REPLACE ? (stripNulls(patchV) as JSONObject) : mergeMap(origV, patchV, sub);
    } else if (Array.isArray(origV) && Array.isArray(patchV)) {
      out[k] = mergeSliceHandler(origV, patchV, sub, k, isDeleteList);
    } else {
      out[k] = patchV;
    }
  }
  return out;
}

/** mergeNew returns a value that had nothing to merge with, with nulls and directives removed. */
function mergeNew(v: JSONValue, schema: PatchMeta | undefined): JSONValue {
  if (isObject(v)) return mergeMap({}, v, schema);
  if (Array.isArray(v)) {
    if (v.length === 0) return [];
    const { strategy } = strategiesOf(schema);
    if (strategy === MERGE && v.every(isObject)) return mergeSliceHandler([], v, schema, '', false);
    return v.map((e) => stripNulls(e));
  }
  return v;
}

function stripNulls(v: JSONValue): JSONValue {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (isObject(v)) {
    const o: JSONObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) o[k] = stripNulls(x);
    return o;
  }
  return v;
}

function extractKey(s: string, prefix: string): string {
  const parts = s.split('/');
  if (parts.length !== 2 || parts[0] !== prefix || parts[1] === '') throw unknownError(`unable to find api field for ${s}`);
  return parts[1]!;
}

function applyRetainKeysDirective(original: JSONObject, patch: JSONObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const list = patch[RETAIN_KEYS_DIRECTIVE];
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw badRequestOf(STRATEGIC_MERGE_PATCH_ERRORS.badPatchFormatForRetainKeys);
  const keep = new Set(list as string[]);
  for (const k of Object.keys(patch)) {
    if (k.startsWith('$')) continue;
    if (patch[k] !== null && !keep.has(k)) throw unprocessable(STRATEGIC_MERGE_PATCH_ERRORS.patchContentNotMatchRetainKeys);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

function mergeSetElementOrderLists(original: JSONObject, patch: JSONObject, schema: PatchMeta | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badRequestOf(STRATEGIC_MERGE_PATCH_ERRORS.badPatchFormatForSetElementOrderList);
    const field = extractKey(key, SET_ELEMENT_ORDER_PREFIX);
    const foundOriginal = Object.hasOwn(original, field) && original[field] !== null;
    const foundPatch = Object.hasOwn(patch, field) && patch[field] !== null;
    const origList = foundOriginal ? original[field] : undefined;
    const patchList = foundPatch ? patch[field] : undefined;
    if (foundOriginal && !Array.isArray(origList)) throw badArgKind('slice', origList);
    if (foundPatch && !Array.isArray(patchList)) throw badArgKind('slice', patchList);
    const sub = schema?.field(field);
    const mergeKey = sub?.patchMergeKey ?? '';
    validatePatchWithSetOrderList((patchList as JSONValue[] | undefined) ?? [], order, mergeKey);
    let merged: JSONValue[];
    if (foundOriginal && !foundPatch) merged = origList as JSONValue[];
    else if (!foundOriginal && foundPatch) merged = mergeNew(patchList as JSONValue[], sub) as JSONValue[];
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(origList as JSONValue[], patchList as JSONValue[], sub, field, false);
    else continue;
    const isMap = mergeKey !== '' && merged.some(isObject);
    const inOrder = (x: JSONValue) => indexIn(order, x, isMap ? mergeKey : '') >= 0;
    const patchItems = merged.filter(inOrder);
    const serverOnly = merged.filter((x) => !inOrder(x));
    original[field] = normalizeElementOrder(patchItems, serverOnly, order, (origList as JSONValue[] | undefined) ?? [], isMap ? mergeKey : '');
    delete patch[field];
  }
}

function validatePatchWithSetOrderList(patchList: JSONValue[], order: JSONValue[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey !== '' ? patchList.filter((x) => !(isObject(x) && x[DIRECTIVE_MARKER] === DELETE)) : patchList;
  let pi = 0;
  let oi = 0;
  while (pi < nonDelete.length && oi < order.length) {
    const p = nonDelete[pi]!;
    if (isObject(p) && Object.hasOwn(p, DIRECTIVE_MARKER)) {
      pi++;
      continue;
    }
    if (sameItem(p, order[oi]!, mergeKey)) pi++;
    oi++;
  }
  if (pi < nonDelete.length && oi >= order.length) {
    throw unknownError(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goFormat(order)}\n`);
  }
}

function sameItem(a: JSONValue, b: JSONValue, mergeKey: string): boolean {
  if (mergeKey !== '' && isObject(a) && isObject(b)) return jsonEqual(a[mergeKey], b[mergeKey]);
  return jsonEqual(a, b);
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => jsonEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as JSONObject)[k], (b as JSONObject)[k]));
}

function indexIn(list: readonly JSONValue[], item: JSONValue, mergeKey: string): number {
  return list.findIndex((x) => sameItem(x, item, mergeKey));
}

function mergeSliceHandler(original: JSONValue[], patch: JSONValue[], schema: PatchMeta | undefined, field: string, isDeleteList: boolean): JSONValue[] {
  const { strategy } = strategiesOf(schema);
  if (strategy === MERGE || isDeleteList) return mergeSlice(original, patch, schema, schema?.patchMergeKey ?? '', field, isDeleteList);
  return patch.map((e) => stripNulls(e));
}

function sliceElementKind(original: JSONValue[], patch: JSONValue[]): 'map' | 'scalar' {
  let kind: string | undefined;
  for (const v of [...original, ...patch]) {
    if (Array.isArray(v)) throw unprocessable(STRATEGIC_MERGE_PATCH_ERRORS.noListOfLists);
    const k = isObject(v) ? 'map' : v === null ? 'nil' : 'scalar';
    if (k === 'nil') continue;
    if (kind !== undefined && kind !== k) throw unknownError(`mismatched types in list: ${goFormat(original)} and ${goFormat(patch)}`);
    kind = k;
  }
  return kind === 'map' ? 'map' : 'scalar';
}

function mergeSlice(original: JSONValue[], patch: JSONValue[], schema: PatchMeta | undefined, mergeKey: string, field: string, isDeleteList: boolean): JSONValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: JSONValue[];
  let base = original;
  let patchItems = patch;
  if (kind === 'scalar') {
    if (isDeleteList) return original.filter((x) => !patch.some((p) => jsonEqual(p, x)));
    merged = [];
    for (const v of [...original, ...patch]) if (!merged.some((m) => jsonEqual(m, v))) merged.push(v);
  } else {
    if (mergeKey === '') throw unknownError(`cannot merge lists without merge key for ${field}`);
    const special = mergeSliceWithSpecialElements(original, patch, mergeKey);
    if (special.replace) return special.patch.map((x) => mergeNew(x, schema?.items()));
    base = special.original;
    patchItems = special.patch;
    merged = [...base];
    for (const v of patchItems) {
      const typed = v as JSONObject;
      if (!Object.hasOwn(typed, mergeKey)) throw noMergeKey(typed, mergeKey);
      const i = merged.findIndex((o) => isObject(o) && jsonEqual(o[mergeKey], typed[mergeKey]));
      if (i >= 0) merged[i] = mergeMap(merged[i] as JSONObject, typed, schema?.items());
      else merged.push(mergeMap({}, typed, schema?.items()));
    }
  }
  const key = kind === 'map' ? mergeKey : '';
  const inPatch = (x: JSONValue) => indexIn(patchItems, x, key) >= 0;
  return normalizeElementOrder(merged.filter(inPatch), merged.filter((x) => !inPatch(x)), patchItems, base, key);
}

function mergeSliceWithSpecialElements(original: JSONValue[], patch: JSONValue[], mergeKey: string): { original: JSONValue[]; patch: JSONValue[]; replace: boolean } {
  const without: JSONValue[] = [];
  let replace = false;
  for (const v of patch) {
    const typed = v as JSONObject;
    if (!Object.hasOwn(typed, DIRECTIVE_MARKER)) {
      without.push(v);
      continue;
    }
    const directive = typed[DIRECTIVE_MARKER];
    if (directive === DELETE) {
      if (!Object.hasOwn(typed, mergeKey)) throw noMergeKey(typed, mergeKey);
      original = original.filter((o) => !(isObject(o) && jsonEqual(o[mergeKey], typed[mergeKey])));
    } else if (directive === REPLACE) {
      replace = true;
    } else if (directive === MERGE) {
      throw unknownError('merging lists cannot yet be specified in the patch');
    } else {
      throw badPatchType(directive, typed);
    }
  }
  return { original, patch: without, replace };
}

/**
 * normalizeElementOrder orders patch items by `patchOrder` and server-only items by
 * `serverOrder`, then interleaves them as upstream mergeSortedSlice does.
 */
function normalizeElementOrder(patchItems: JSONValue[], serverOnly: JSONValue[], patchOrder: readonly JSONValue[], serverOrder: readonly JSONValue[], mergeKey: string): JSONValue[] {
  const sortBy = (items: JSONValue[], order: readonly JSONValue[]) => {
    const found = items.filter((x) => indexIn(order, x, mergeKey) >= 0).sort((a, b) => indexIn(order, a, mergeKey) - indexIn(order, b, mergeKey));
    const rest = items.filter((x) => indexIn(order, x, mergeKey) < 0);
    return [...found, ...rest];
  };
  const right = sortBy(patchItems, patchOrder);
  const left = sortBy(serverOnly, serverOrder);
  const out: JSONValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexIn(serverOrder, left[i]!, mergeKey);
      const ri = indexIn(serverOrder, right[j]!, mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

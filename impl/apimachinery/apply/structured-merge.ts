/**
 * Schema-aware walks over JSON objects for server-side apply, after structured-merge-diff
 * (`typed.ToFieldSet`, `Compare`, `Merge`, `RemoveItems`): list-map items are identified by
 * their `x-kubernetes-list-map-keys`, set items by value, atomic lists / maps and scalars are
 * leaves, struct fields are named paths and map entries are members.
 */
import { badRequest } from '../errors.ts';
import type { PatchMeta } from '../patch/patch-meta.ts';
import { FieldSet, fieldElement, keyElement, pathToString, valueElement, type PathElement } from './field-set.ts';

type JSONObject = { [k: string]: unknown };

function isObject(v: unknown): v is JSONObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How a value is treated, from its schema node and shape. */
export type Shape = 'scalar' | 'atomic' | 'struct' | 'map' | 'listMap' | 'listSet';

/** shapeOf classifies a value at a schema position. */
export function shapeOf(meta: PatchMeta | undefined, value: unknown): Shape {
  if (Array.isArray(value)) {
    if (meta?.listType === 'map' && meta.listMapKeys && meta.listMapKeys.length > 0) return 'listMap';
    if (meta?.listType === 'set') return 'listSet';
    return 'atomic';
  }
  if (isObject(value)) {
    if (meta?.mapType === 'atomic') return 'atomic';
    return meta?.kind === 'object' ? 'struct' : 'map';
  }
  return 'scalar';
}

function childMeta(meta: PatchMeta | undefined, key: string): PatchMeta | undefined {
  return meta?.field(key);
}

/** isNamedField is true when `key` is a declared field of a struct position. */
function isNamedField(meta: PatchMeta | undefined, key: string): boolean {
  return meta?.kind === 'object' && meta.field(key) !== undefined;
}

// Per-item cache of list-map path elements, validated against the item's current key values.
const keyCache = new WeakMap<object, { meta: PatchMeta | undefined; vals: unknown[]; pe: PathElement }>();

/** itemElement returns the path element of a list item. */
export function itemElement(meta: PatchMeta | undefined, shape: Shape, item: unknown, index: number, path: readonly PathElement[]): PathElement {
  if (shape === 'listSet') return valueElement(item);
  if (shape === 'listMap') {
    const names = meta!.listMapKeys!;
    if (isObject(item)) {
      const hit = keyCache.get(item);
      if (hit && hit.meta === meta && names.every((k, i) => item[k] === hit.vals[i])) return hit.pe;
    }
    const keys: Record<string, unknown> = {};
    const itemMeta = meta!.items();
    for (const k of meta!.listMapKeys!) {
      if (isObject(item) && item[k] !== undefined && item[k] !== null) keys[k] = item[k];
      else {
        const def = itemMeta?.field(k)?.default;
        if (def !== undefined && def !== null) keys[k] = def;
      }
    }
    if (Object.keys(keys).length === 0) {
      throw badRequest(`${pathToString(path)}: associative list with keys has an element that omits all key fields ${JSON.stringify(meta!.listMapKeys)}`);
    }
    const pe = keyElement(keys);
    if (isObject(item)) keyCache.set(item, { meta, vals: names.map((k) => item[k]), pe });
    return pe;
  }
  return `i:${index}`;
}

function listElements(meta: PatchMeta | undefined, shape: Shape, list: unknown[], path: readonly PathElement[]): PathElement[] {
  const seen = new Set<string>();
  return list.map((item, i) => {
    const pe = itemElement(meta, shape, item, i, path);
    if (seen.has(pe)) {
      const what = shape === 'listSet' ? `value ${pe.slice(2)}` : `key ${pathToString([pe])}`;
      throw badRequest(`${pathToString(path)}: duplicate entries for ${what}`);
    }
    seen.add(pe);
    return pe;
  });
}

/**
 * toFieldSet returns the fields set by `value` (upstream TypedValue.ToFieldSet): leaves, list
 * items and map entries are members; struct fields only when null or empty.
 */
export function toFieldSet(value: unknown, meta: PatchMeta | undefined): FieldSet {
  const root = new FieldSet();
  // `node` is the set node of `v`; `path` is only built for error messages.
  const walk = (v: unknown, m: PatchMeta | undefined, node: FieldSet, path: PathElement[], isRoot: boolean): void => {
    const shape = shapeOf(m, v);
    switch (shape) {
      case 'scalar':
      case 'atomic':
        if (!isRoot) node.member = true;
        return;
      case 'struct':
      case 'map':
        for (const k of Object.keys(v as JSONObject)) {
          const cv = (v as JSONObject)[k];
          const e = fieldElement(k);
          const c = node.child(e);
          walk(cv, childMeta(m, k), c, path, false);
          const named = shape === 'struct' && isNamedField(m, k);
          if (!named || cv === null || (isObject(cv) && Object.keys(cv).length === 0)) c.member = true;
          if (!c.member && c.children.size === 0) node.children.delete(e);
        }
        return;
      case 'listMap':
      case 'listSet': {
        const list = v as unknown[];
        const pes = listElements(m, shape, list, path);
        const im = shape === 'listMap' ? m?.items() : undefined;
        list.forEach((item, i) => {
          const c = node.child(pes[i]!);
          if (shape === 'listMap') walk(item, im, c, path, false);
          c.member = true;
        });
      }
    }
  };
  walk(value, meta, root, [], true);
  return root;
}

/**
 * subtreeSet returns every node of `value` below (and including) `path` as a member, used for
 * added and removed subtrees of a comparison. Top-level struct fields (depth 1, like `spec`) are
 * not members themselves, as upstream where they always exist in the typed zero value.
 */
function subtreeSet(value: unknown, meta: PatchMeta | undefined, path: PathElement[], set: FieldSet): void {
  const walk = (v: unknown, m: PatchMeta | undefined, node: FieldSet, depth: number): void => {
    const shape = shapeOf(m, v);
    if (depth > 0 && !(depth === 1 && shape === 'struct')) node.member = true;
    switch (shape) {
      case 'struct':
      case 'map':
        for (const k of Object.keys(v as JSONObject)) walk((v as JSONObject)[k], childMeta(m, k), node.child(fieldElement(k)), depth + 1);
        return;
      case 'listMap':
      case 'listSet': {
        const list = v as unknown[];
        const pes = listElements(m, shape, list, path);
        const im = shape === 'listMap' ? m?.items() : undefined;
        list.forEach((item, i) => {
          const c = node.child(pes[i]!);
          if (shape === 'listMap') walk(item, im, c, depth + 1);
          else c.member = true;
        });
      }
    }
  };
  let node = set;
  for (const e of path) node = node.child(e);
  walk(value, meta, node, path.length);
}

/** jsonEqual compares JSON values deeply (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => jsonEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a as object).filter((k) => (a as JSONObject)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as JSONObject)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as JSONObject)[k], (b as JSONObject)[k]));
}

/** Comparison is the result of {@link compare}. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** compare returns the paths added, modified and removed from `oldValue` to `newValue` (upstream TypedValue.Compare). */
export function compare(oldValue: unknown, newValue: unknown, meta: PatchMeta | undefined): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const walk = (o: unknown, n: unknown, m: PatchMeta | undefined, path: PathElement[]): void => {
    if (o === undefined && n === undefined) return;
    if (o === undefined) return subtreeSet(n, m, path, c.added);
    if (n === undefined) return subtreeSet(o, m, path, c.removed);
    const so = shapeOf(m, o);
    const sn = shapeOf(m, n);
    if (so !== sn) {
      if (path.length > 0) c.modified.insert(path);
      return;
    }
    switch (sn) {
      case 'scalar':
      case 'atomic':
        if (!jsonEqual(o, n) && path.length > 0) c.modified.insert(path);
        return;
      case 'struct':
      case 'map': {
        const oo = o as JSONObject;
        const no = n as JSONObject;
        const keys = new Set([...Object.keys(oo), ...Object.keys(no)]);
        for (const k of keys) walk(oo[k], no[k], childMeta(m, k), [...path, fieldElement(k)]);
        return;
      }
      case 'listMap':
      case 'listSet': {
        const ol = o as unknown[];
        const nl = n as unknown[];
        const ope = listElements(m, sn, ol, path);
        const npe = listElements(m, sn, nl, path);
        const oi = new Map(ope.map((pe, i) => [pe, ol[i]]));
        const ni = new Map(npe.map((pe, i) => [pe, nl[i]]));
        const itemMeta = sn === 'listMap' ? m?.items() : undefined;
        for (const pe of new Set([...ope, ...npe])) {
          const cp = [...path, pe];
          if (sn === 'listSet') {
            if (!oi.has(pe)) c.added.insert(cp);
            else if (!ni.has(pe)) c.removed.insert(cp);
          } else walk(oi.get(pe), ni.get(pe), itemMeta, cp);
        }
      }
    }
  };
  walk(oldValue, newValue, meta, []);
  return c;
}

function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (isObject(v)) {
    const o: JSONObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) o[k] = stripNulls(x);
    return o;
  }
  return v;
}

/**
 * merge merges an apply configuration into a live value (upstream TypedValue.Merge): structs and
 * maps merge by key (null in the configuration removes the key), list-maps and sets merge by item
 * identity keeping live-only items in place and shared items in configuration order, atomic
 * values and scalars are replaced.
 */
export function merge(live: unknown, config: unknown, meta: PatchMeta | undefined, path: PathElement[] = []): unknown {
  const shape = shapeOf(meta, config);
  switch (shape) {
    case 'scalar':
    case 'atomic':
      return stripNulls(structuredClone(config));
    case 'struct':
    case 'map': {
      if (!isObject(live)) return merge({}, config, meta, path);
      const out: JSONObject = { ...live };
      for (const [k, cv] of Object.entries(config as JSONObject)) {
        if (cv === null) delete out[k];
        else out[k] = merge(live[k], cv, childMeta(meta, k), [...path, fieldElement(k)]);
      }
      return out;
    }
    case 'listMap':
    case 'listSet': {
      const rhs = config as unknown[];
      const rpe = listElements(meta, shape, rhs, path);
      if (!Array.isArray(live)) return rhs.map((item) => (shape === 'listMap' ? merge(undefined, item, meta?.items(), path) : item));
      const lhs = live;
      let lpe: PathElement[];
      try {
        lpe = listElements(meta, shape, lhs, path);
      } catch {
        return rhs.map((item) => (shape === 'listMap' ? merge(undefined, item, meta?.items(), path) : item));
      }
      const lIndex = new Map(lpe.map((pe, i) => [pe, lhs[i]]));
      const rIndex = new Map(rpe.map((pe, i) => [pe, rhs[i]]));
      const itemMeta = shape === 'listMap' ? meta?.items() : undefined;
      const mergeItem = (pe: PathElement) => {
        const r = rIndex.get(pe);
        if (r === undefined) return lIndex.get(pe);
        return shape === 'listMap' ? merge(lIndex.get(pe), r, itemMeta, [...path, pe]) : r;
      };
      const sharedOrder = rpe.filter((pe) => lIndex.has(pe));
      let nextShared = sharedOrder.shift();
      const merged = new Set<PathElement>();
      const out: unknown[] = [];
      let li = 0;
      let ri = 0;
      while (li < lpe.length || ri < rpe.length) {
        if (li < lpe.length && ri < rpe.length) {
          const pe = lpe[li]!;
          if (pe === rpe[ri]) {
            merged.add(pe);
            out.push(mergeItem(pe));
            li++;
            ri++;
            nextShared = sharedOrder.shift();
            continue;
          }
          if (rIndex.has(pe) && nextShared !== undefined && nextShared !== pe) {
            li++;
            continue;
          }
        }
        if (li < lpe.length) {
          const pe = lpe[li]!;
          if (!rIndex.has(pe)) {
            out.push(lhs[li]);
            li++;
            continue;
          } else if (merged.has(pe)) {
            li++;
            continue;
          }
        }
        if (ri < rpe.length) {
          const pe = rpe[ri]!;
          merged.add(pe);
          out.push(mergeItem(pe));
          ri++;
          if (nextShared !== undefined && nextShared === pe) nextShared = sharedOrder.shift();
        }
      }
      return out;
    }
  }
}

/**
 * ensureNamedFieldsAreMembers returns `set` plus every struct field on its paths as a member
 * (upstream Set.EnsureNamedFieldsAreMembers): owning `spec.strategy.type` also owns
 * `spec.strategy` and `spec`, but not map entries or list items above it.
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, meta: PatchMeta | undefined): FieldSet {
  const out = set.copy();
  const walk = (n: FieldSet, m: PatchMeta | undefined): void => {
    for (const [e, c] of n.children) {
      let cm: PatchMeta | undefined;
      if (e.startsWith('f:')) {
        const name = e.slice(2);
        if (isNamedField(m, name)) c.member = true;
        cm = m?.field(name);
      } else cm = m?.items();
      walk(c, cm);
    }
  };
  walk(out, meta);
  return out;
}

/**
 * removeItems deletes from `value` (in place) every path that is a member of `set`, recursing
 * into children of non-members.
 */
export function removeItems(value: unknown, set: FieldSet, meta: PatchMeta | undefined, path: PathElement[] = []): void {
  const shape = shapeOf(meta, value);
  if (shape === 'struct' || shape === 'map') {
    const o = value as JSONObject;
    for (const k of Object.keys(o)) {
      const n = set.children.get(fieldElement(k));
      if (!n) continue;
      if (n.member) delete o[k];
      else removeItems(o[k], n, childMeta(meta, k), [...path, fieldElement(k)]);
    }
  } else if (shape === 'listMap' || shape === 'listSet') {
    const list = value as unknown[];
    const pes = listElements(meta, shape, list, path);
    for (let i = list.length - 1; i >= 0; i--) {
      const n = set.children.get(pes[i]!);
      if (!n) continue;
      if (n.member) list.splice(i, 1);
      else if (shape === 'listMap') removeItems(list[i], n, meta?.items(), [...path, pes[i]!]);
    }
  }
}

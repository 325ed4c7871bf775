/**
 * Field management: `metadata.managedFields` (FieldsV1 sets per manager and operation), the
 * Update bookkeeping of ordinary writes, and server-side apply with conflicts.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager and
 * sigs.k8s.io/structured-merge-diff (simplified: ownership is tracked per leaf field, list items
 * by their merge keys).
 *
 * TODO(#3): replace with impl/apimachinery's server-side apply once it lands.
 */
import { isDeepStrictEqual } from 'node:util';
import { applyConflict, badRequest } from '#impl/apimachinery/index.ts';
import { isObject, type Structural } from '../schema/structural.ts';
import type { KubeObject } from '../registry/rest/strategy.ts';
import { mergeKeysOf, strategicMerge } from './patch.ts';
import { rfc3339 } from '../registry/generic/store.ts';

const SEP = '\u0000';
const SKIP_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName']);

/** ManagedFieldsEntry is a meta/v1 ManagedFieldsEntry. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

function keyToken(item: Record<string, unknown>, keys: string[]): string {
  const k: Record<string, unknown> = {};
  for (const key of [...keys].sort()) k[key] = item[key];
  return `k:${JSON.stringify(k)}`;
}

/** fieldSet lists the leaf paths of an object (tokens joined by NUL), as FieldsV1 would. */
export function fieldSet(obj: unknown, s: Structural | undefined): Set<string> {
  const out = new Set<string>();
  if (!isObject(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (k === 'metadata' && isObject(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (SKIP_META.has(mk)) continue;
        walk(mv, s?.properties?.get('metadata')?.properties?.get(mk), [`f:metadata`, `f:${mk}`], out);
      }
      continue;
    }
    walk(v, s?.properties?.get(k), [`f:${k}`], out);
  }
  return out;
}

function walk(v: unknown, s: Structural | undefined, path: string[], out: Set<string>): void {
  if (isObject(v) && s?.mapType !== 'atomic' && Object.keys(v).length > 0) {
    for (const [k, cv] of Object.entries(v)) walk(cv, s?.properties?.get(k) ?? s?.additionalProperties, [...path, `f:${k}`], out);
    return;
  }
  if (Array.isArray(v) && s?.listType !== 'atomic') {
    const keys = mergeKeysOf(s);
    if (keys && v.every((it) => isObject(it))) {
      for (const it of v as Record<string, unknown>[]) {
        const p = [...path, keyToken(it, keys)];
        out.add([...p, '.'].join(SEP));
        for (const [k, cv] of Object.entries(it)) walk(cv, s?.items?.properties?.get(k), [...p, `f:${k}`], out);
      }
      return;
    }
    if ((s?.listType === 'set' || (s?.patchStrategy ?? '').includes('merge')) && v.every((x) => !isObject(x))) {
      for (const x of v) out.add([...path, `v:${JSON.stringify(x)}`].join(SEP));
      return;
    }
  }
  out.add(path.join(SEP));
}

/** toFieldsV1 renders a field set as the nested FieldsV1 object. */
export function toFieldsV1(set: Set<string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const p of [...set].sort()) {
    let cur = root;
    for (const t of p.split(SEP)) {
      cur[t] ??= {};
      cur = cur[t] as Record<string, unknown>;
    }
  }
  return root;
}

/** fromFieldsV1 parses FieldsV1 back into a set of leaf paths. */
export function fromFieldsV1(f: unknown): Set<string> {
  const out = new Set<string>();
  const rec = (node: unknown, path: string[]) => {
    if (!isObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0) {
      if (path.length) out.add(path.join(SEP));
      return;
    }
    for (const k of keys) rec(node[k], [...path, k]);
  };
  rec(f, []);
  return out;
}

/** valueAt reads the value at a field-set path ('.' means the list item itself). */
function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const t of path.split(SEP)) {
    if (t === '.') return cur;
    if (cur === undefined || cur === null) return undefined;
    if (t.startsWith('f:')) cur = isObject(cur) ? cur[t.slice(2)] : undefined;
    else if (t.startsWith('k:')) {
      const key = JSON.parse(t.slice(2)) as Record<string, unknown>;
      cur = Array.isArray(cur) ? cur.find((it) => isObject(it) && Object.entries(key).every(([k, v]) => it[k] === v)) : undefined;
    } else if (t.startsWith('v:')) {
      const val = JSON.parse(t.slice(2));
      cur = Array.isArray(cur) && cur.some((x) => isDeepStrictEqual(x, val)) ? val : undefined;
    } else return undefined;
  }
  return cur;
}

/** removeAt deletes the field at a path (used when an applier stops managing a field). */
function removeAt(obj: unknown, path: string): void {
  const toks = path.split(SEP);
  if (toks[toks.length - 1] === '.') toks.pop();
  let cur: unknown = obj;
  for (let i = 0; i < toks.length - 1; i++) {
    const t = toks[i]!;
    if (t.startsWith('f:')) cur = isObject(cur) ? cur[t.slice(2)] : undefined;
    else if (t.startsWith('k:')) {
      const key = JSON.parse(t.slice(2)) as Record<string, unknown>;
      cur = Array.isArray(cur) ? cur.find((it) => isObject(it) && Object.entries(key).every(([k, v]) => it[k] === v)) : undefined;
    }
    if (cur === undefined) return;
  }
  const last = toks[toks.length - 1]!;
  if (last.startsWith('f:') && isObject(cur)) delete cur[last.slice(2)];
  else if (last.startsWith('k:') && Array.isArray(cur)) {
    const key = JSON.parse(last.slice(2)) as Record<string, unknown>;
    const i = cur.findIndex((it) => isObject(it) && Object.entries(key).every(([k, v]) => it[k] === v));
    if (i >= 0) cur.splice(i, 1);
  } else if (last.startsWith('v:') && Array.isArray(cur)) {
    const val = JSON.parse(last.slice(2));
    const i = cur.findIndex((x) => isDeepStrictEqual(x, val));
    if (i >= 0) cur.splice(i, 1);
  }
}

function renderPath(path: string): string {
  return path
    .split(SEP)
    .filter((t) => t !== '.')
    .map((t) => (t.startsWith('f:') ? `.${t.slice(2)}` : t.startsWith('k:') ? `[${Object.entries(JSON.parse(t.slice(2)) as Record<string, unknown>).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]` : `[${t.slice(2)}]`))
    .join('');
}

function entriesOf(obj: KubeObject | undefined): ManagedFieldsEntry[] {
  return ((obj?.metadata.managedFields ?? []) as ManagedFieldsEntry[]).map((e) => ({ ...e }));
}

function setEntry(entries: ManagedFieldsEntry[], e: ManagedFieldsEntry, set: Set<string>): ManagedFieldsEntry[] {
  const out = entries.filter((x) => !(x.manager === e.manager && x.operation === e.operation && (x.subresource ?? '') === (e.subresource ?? '')));
  if (set.size > 0) {
    const entry: ManagedFieldsEntry = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(set) };
    if (e.subresource) entry.subresource = e.subresource;
    out.push(entry);
  }
  return out;
}

function dropFromOthers(entries: ManagedFieldsEntry[], self: (e: ManagedFieldsEntry) => boolean, paths: Set<string>): ManagedFieldsEntry[] {
  if (paths.size === 0) return entries;
  const out: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    if (self(e)) {
      out.push(e);
      continue;
    }
    const s = fromFieldsV1(e.fieldsV1);
    let changed = false;
    for (const p of paths) if (s.delete(p)) changed = true;
    if (!changed) out.push(e);
    else if (s.size > 0) out.push({ ...e, fieldsV1: toFieldsV1(s) });
  }
  return out;
}

/**
 * updateManagedFields records an ordinary (non-apply) write: the manager's Update entry owns the
 * fields it changed (and keeps those it owned before), and other managers lose the changed ones.
 */
export function updateManagedFields(obj: KubeObject, old: KubeObject | undefined, manager: string, apiVersion: string, now: Date, schema: Structural | undefined, subresource = ''): void {
  if (!manager) manager = 'unknown';
  const newSet = fieldSet(obj, schema);
  const changed = new Set<string>();
  for (const p of newSet) if (!old || !isDeepStrictEqual(valueAt(obj, p), valueAt(old, p))) changed.add(p);
  let entries = old ? entriesOf(old) : [];
  if (!old && obj.metadata.managedFields) entries = [];
  if (old && changed.size === 0) {
    obj.metadata.managedFields = entries.length ? entries : undefined;
    if (!obj.metadata.managedFields) delete obj.metadata.managedFields;
    return;
  }
  const isSelf = (e: ManagedFieldsEntry) => e.manager === manager && e.operation === 'Update' && (e.subresource ?? '') === subresource;
  const prev = entries.find(isSelf);
  const mine = new Set<string>();
  if (prev) for (const p of fromFieldsV1(prev.fieldsV1)) if (newSet.has(p)) mine.add(p);
  for (const p of changed) mine.add(p);
  entries = dropFromOthers(entries, isSelf, changed);
  entries = setEntry(entries, { manager, operation: 'Update', apiVersion, time: rfc3339(now), subresource }, mine);
  obj.metadata.managedFields = entries;
}

/** ApplyRequest is one server-side apply. */
export interface ApplyRequest {
  old: KubeObject | undefined;
  config: KubeObject;
  schema: Structural | undefined;
  manager: string;
  force: boolean;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  now: Date;
  subresource: string;
}

/**
 * apply merges an applied configuration into the live object (upstream FieldManager.Apply):
 * fields other managers own with a different value are conflicts (409 unless `force`), fields
 * this manager applied before and no longer applies are removed, and the manager's Apply entry
 * becomes the applied field set.
 */
export function apply(r: ApplyRequest): KubeObject {
  const cfg = structuredClone(r.config);
  cfg.metadata ??= {};
  if (cfg.metadata.name !== undefined && cfg.metadata.name !== r.name) throw badRequest(`the name of the object (${cfg.metadata.name}) does not match the name on the URL (${r.name})`);
  if (cfg.apiVersion !== undefined && cfg.apiVersion !== r.apiVersion) throw badRequest(`the API version in the data (${cfg.apiVersion}) does not match the expected API version (${r.apiVersion})`);
  if (cfg.kind !== undefined && cfg.kind !== r.kind) throw badRequest(`the object provided is unrecognized (must be of type ${r.kind}): ${cfg.kind} in version "${r.apiVersion}" cannot be handled as a ${r.kind}`);
  delete cfg.metadata.managedFields;
  delete cfg.metadata.resourceVersion;
  const applied = fieldSet(cfg, r.schema);
  const entries = entriesOf(r.old);
  const isSelf = (e: ManagedFieldsEntry) => e.manager === r.manager && e.operation === 'Apply' && (e.subresource ?? '') === r.subresource;
  if (r.old) {
    const conflicts: Array<{ manager: string; apiVersion: string; path: string }> = [];
    for (const e of entries) {
      if (isSelf(e) || (e.manager === r.manager)) continue;
      const owned = fromFieldsV1(e.fieldsV1);
      for (const p of applied) {
        if (!owned.has(p)) continue;
        if (!isDeepStrictEqual(valueAt(r.old, p), valueAt(cfg, p))) conflicts.push({ manager: e.manager ?? '', apiVersion: e.apiVersion ?? '', path: p });
      }
    }
    if (conflicts.length && !r.force) {
      const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"${c.apiVersion && c.apiVersion !== r.apiVersion ? ` using ${c.apiVersion}` : ''}`, field: renderPath(c.path) }));
      const lines = conflicts.map((c) => `- ${renderPath(c.path)}`);
      const managers = [...new Set(conflicts.map((c) => c.manager))];
      const msg = `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${causes.map((c) => `${c.message}: ${c.field}`).join('\n')}`;
      void lines;
      void managers;
      throw applyConflict(causes, msg);
    }
  }
  // Start from the live object; drop what this manager no longer applies (unless others own it).
  const base: KubeObject = r.old ? structuredClone(r.old) : { metadata: {} };
  const prev = entries.find(isSelf);
  if (prev && r.old) {
    const othersOwn = new Set<string>();
    for (const e of entries) if (!isSelf(e)) for (const p of fromFieldsV1(e.fieldsV1)) othersOwn.add(p);
    for (const p of fromFieldsV1(prev.fieldsV1)) if (!applied.has(p) && !othersOwn.has(p)) removeAt(base, p);
  }
  const merged = strategicMerge(base, cfg, r.schema) as KubeObject;
  merged.apiVersion = r.apiVersion;
  merged.kind = r.kind;
  merged.metadata.name = r.name;
  if (r.namespace) merged.metadata.namespace = r.namespace;
  let next = dropFromOthers(entries, isSelf, r.force ? applied : new Set());
  next = setEntry(next, { manager: r.manager, operation: 'Apply', apiVersion: r.apiVersion, time: rfc3339(r.now), subresource: r.subresource }, applied);
  // Fields changed as a side effect (none here) would be recorded as Update; the Apply entry goes first like upstream.
  next.sort((a, b) => (a.operation === 'Apply' ? 0 : 1) - (b.operation === 'Apply' ? 0 : 1));
  merged.metadata.managedFields = next;
  return merged;
}

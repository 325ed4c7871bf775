/**
 * Server-side apply and managedFields tracking, after upstream
 * `k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager` and structured-merge-diff's
 * `merge.Updater`:
 *
 * - {@link apply} merges an apply configuration into the live object, records the applier's
 *   field set (operation `Apply`), removes fields the applier set last time and nobody owns any
 *   more, and fails with a 409 Conflict (causes of type `FieldManagerConflict`) when it would
 *   change a value another manager owns, unless `force` takes ownership;
 * - {@link updateManagedFields} records, for any other write (create, update, patch), an
 *   `Update` entry owning the fields that write added or changed, taking them from other owners.
 *
 * Entries are written as upstream: `{ manager, operation, apiVersion, time, fieldsType:
 * 'FieldsV1', fieldsV1, subresource? }`, sorted Apply before Update, then by time, manager,
 * apiVersion, subresource. `metadata.name`, `uid`, `resourceVersion` and the like are never owned.
 */
import type { ManagedFieldsEntry } from '#generated/k8s/index.ts';
import type { StatusCause } from '#generated/k8s/index.ts';
import { applyConflict, badRequest } from '../errors.ts';
import type { PatchMeta } from '../patch/patch-meta.ts';
import { FieldSet, fieldElement, pathToString, type PathElement } from './field-set.ts';
import { compare, ensureNamedFieldsAreMembers, jsonEqual, merge, removeItems, toFieldSet } from './structured-merge.ts';

type JSONObject = { [k: string]: unknown };

/** The manager name upstream gives fields that existed before the first apply on an untracked object. */
export const BEFORE_FIRST_APPLY_MANAGER = 'before-first-apply';

/** STRIP_PATHS are never recorded as owned (upstream stripMetaManager). */
const STRIP_SET = FieldSet.fromFieldPaths([
  ['apiVersion'],
  ['kind'],
  ['metadata'],
  ['metadata', 'name'],
  ['metadata', 'namespace'],
  ['metadata', 'creationTimestamp'],
  ['metadata', 'selfLink'],
  ['metadata', 'uid'],
  ['metadata', 'clusterName'],
  ['metadata', 'generation'],
  ['metadata', 'managedFields'],
  ['metadata', 'resourceVersion'],
]);

const MANAGED_FIELDS_PREFIX = FieldSet.fromFieldPaths([['metadata', 'managedFields']]);

/** Operation of a managedFields entry. */
export type ManagedFieldsOperation = 'Apply' | 'Update';

/** ManagerEntry is a decoded managedFields entry. */
export interface ManagerEntry {
  manager: string;
  operation: ManagedFieldsOperation;
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** Clock input: a Date or a function returning one (injected for tests). */
export type Now = Date | (() => Date);

function nowString(now: Now): string {
  const d = typeof now === 'function' ? now() : now;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** managerIdentity is the key under which entries are unique (Apply entries ignore apiVersion). */
export function managerIdentity(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify({
    manager: e.manager,
    operation: e.operation,
    ...(e.operation === 'Update' ? { apiVersion: e.apiVersion } : {}),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  });
}

/** decodeManagedFields reads `metadata.managedFields` into entries keyed by identity. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined | null): Map<string, ManagerEntry> {
  const out = new Map<string, ManagerEntry>();
  for (const e of entries ?? []) {
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') {
      throw badRequest(`invalid managedFields entry: fieldsType "${e.fieldsType}" is not supported`);
    }
    const operation: ManagedFieldsOperation = e.operation === 'Apply' ? 'Apply' : 'Update';
    const entry: ManagerEntry = {
      manager: e.manager ?? '',
      operation,
      apiVersion: e.apiVersion ?? '',
      ...(e.subresource ? { subresource: e.subresource } : {}),
      ...(e.time ? { time: e.time } : {}),
      set: FieldSet.fromFieldsV1(e.fieldsV1 ?? {}),
    };
    const id = managerIdentity(entry);
    const prev = out.get(id);
    out.set(id, prev ? { ...entry, set: prev.set.union(entry.set) } : entry);
  }
  return out;
}

/** encodeManagedFields writes entries in upstream order, dropping empty ones. */
export function encodeManagedFields(entries: Iterable<ManagerEntry>): ManagedFieldsEntry[] {
  const list = [...entries].filter((e) => !e.set.empty());
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  list.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    if (seconds(p.time) !== seconds(q.time)) return seconds(p.time) - seconds(q.time);
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return (p.subresource ?? '') < (q.subresource ?? '') ? -1 : (p.subresource ?? '') > (q.subresource ?? '') ? 1 : 0;
  });
  return list.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    ...(e.time ? { time: e.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: e.set.toFieldsV1(),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
}

/** withoutManagedFields returns a shallow copy without `metadata.managedFields` (deep copy if `deep`). */
function withoutManagedFields(obj: unknown, deep = false): JSONObject {
  const src = (obj ?? {}) as JSONObject;
  const o: JSONObject = deep ? structuredClone(src) : { ...src };
  const meta = o.metadata;
  if (typeof meta === 'object' && meta !== null) {
    const { managedFields: _drop, ...rest } = meta as JSONObject;
    o.metadata = rest;
  }
  return o;
}

function filterSet(set: FieldSet, ignored: FieldSet | undefined): FieldSet {
  let s = set.withoutPrefixes(MANAGED_FIELDS_PREFIX).difference(STRIP_SET);
  if (ignored) s = s.withoutPrefixes(ignored);
  return s;
}

function printManager(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s = `${s} with subresource ${JSON.stringify(e.subresource)}`;
  return e.operation === 'Update' ? `${s} using ${e.apiVersion}` : s;
}

/** Conflict is one field owned by another manager that an apply would change. */
export interface Conflict {
  manager: ManagerEntry;
  path: PathElement[];
}

/**
 * conflictError builds the upstream 409: `Apply failed with 1 conflict: conflict with "mgr" using
 * apps/v1: .spec.replicas`, or for several `Apply failed with N conflicts: conflicts with "a":\n- .x`.
 */
export function conflictError(conflicts: readonly Conflict[]) {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: pathToString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!.manager)}: ${pathToString(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, { entry: ManagerEntry; paths: PathElement[][] }>();
    for (const c of conflicts) {
      const id = managerIdentity(c.manager);
      const g = byManager.get(id) ?? { entry: c.manager, paths: [] };
      g.paths.push(c.path);
      byManager.set(id, g);
    }
    const lines: string[] = [];
    for (const id of [...byManager.keys()].sort()) {
      const g = byManager.get(id)!;
      lines.push(`conflicts with ${printManager(g.entry)}:`);
      for (const p of g.paths) lines.push(`- ${pathToString(p)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return applyConflict(causes, message);
}

/**
 * Shared update step (upstream Updater.update): fields that changed from `oldValue` to `newValue`
 * are conflicts for every manager but `self` that owns them; removed fields leave every manager.
 */
function updateOwnership(
  oldValue: unknown,
  newValue: unknown,
  entries: Map<string, ManagerEntry>,
  self: string | undefined,
  force: boolean,
  schema: PatchMeta | undefined,
  ignored: FieldSet | undefined,
): { changed: FieldSet; removed: FieldSet } {
  const cmp = compare(oldValue, newValue, schema);
  const changed = filterSet(cmp.modified.union(cmp.added), ignored);
  const removed = filterSet(cmp.removed, ignored);
  const conflicts: Conflict[] = [];
  const conflictSets = new Map<string, FieldSet>();
  for (const [id, e] of entries) {
    if (id === self) continue;
    const c = e.set.intersection(changed);
    if (!c.empty()) {
      conflictSets.set(id, c);
      for (const p of c.members()) conflicts.push({ manager: e, path: p });
    }
  }
  if (!force && conflicts.length > 0) {
    conflicts.sort((a, b) => (managerIdentity(a.manager) < managerIdentity(b.manager) ? -1 : managerIdentity(a.manager) > managerIdentity(b.manager) ? 1 : 0));
    throw conflictError(conflicts);
  }
  for (const [id, e] of entries) {
    if (id === self) continue;
    let s = e.set;
    const c = conflictSets.get(id);
    if (c) s = s.difference(c);
    if (!removed.empty()) s = s.difference(removed);
    e.set = s;
  }
  for (const [id, e] of entries) if (e.set.empty()) entries.delete(id);
  return { changed, removed };
}

/** Options of {@link apply}. */
export interface ApplyOptions {
  /** The current object, or undefined when the apply creates it. */
  live: unknown;
  /** The apply configuration (the parsed `application/apply-patch+yaml` body). */
  applied: unknown;
  /** The field manager (`?fieldManager=`). */
  manager: string;
  /** `?force=true`: take ownership of conflicting fields instead of failing. */
  force?: boolean;
  /** Schema of the object (list-map keys, list and map types). */
  schema?: PatchMeta;
  /** The apiVersion the request used, recorded in the entry. */
  apiVersion: string;
  /** The subresource applied to (e.g. 'status'), recorded in the entry. */
  subresource?: string;
  /** Field paths whose ownership is not tracked for this endpoint (strategy resetFields), e.g. [['status']]. */
  ignoredFields?: readonly (readonly string[])[];
  /** Clock for the entry's `time`. */
  now: Now;
}

/**
 * apply performs a server-side apply and returns the new object with `metadata.managedFields`
 * set. Throws a 409 Conflict StatusError on conflicts (unless `force`), 400 for malformed
 * configurations (duplicate list keys, managedFields set).
 */
export function apply(opts: ApplyOptions): { object: JSONObject; changed: boolean } {
  const schema = opts.schema;
  const ignored = opts.ignoredFields?.length ? FieldSet.fromFieldPaths(opts.ignoredFields) : undefined;
  const appliedMeta = (opts.applied as JSONObject | undefined)?.metadata as JSONObject | undefined;
  if (appliedMeta && appliedMeta.managedFields !== undefined && appliedMeta.managedFields !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  const liveMeta = (opts.live as JSONObject | undefined)?.metadata as JSONObject | undefined;
  const entries = decodeManagedFields(liveMeta?.managedFields as ManagedFieldsEntry[] | undefined);
  // deep copy, so the returned object never shares subtrees with the caller's live object
  const liveValue = opts.live === undefined || opts.live === null ? {} : withoutManagedFields(opts.live, true);
  const config = withoutManagedFields(opts.applied);

  if (opts.live && entries.size === 0) {
    const set = filterSet(toFieldSet(liveValue, schema), ignored);
    if (!set.empty()) {
      const e: ManagerEntry = { manager: BEFORE_FIRST_APPLY_MANAGER, operation: 'Update', apiVersion: opts.apiVersion, set };
      entries.set(managerIdentity(e), e);
    }
  }

  let merged = merge(liveValue, config, schema) as JSONObject;
  const self: ManagerEntry = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
    set: filterSet(toFieldSet(config, schema), ignored),
  };
  const selfId = managerIdentity(self);
  const previous = entries.get(selfId);
  const lastSet = previous?.set;
  if (previous?.time) self.time = previous.time;
  entries.set(selfId, self);

  // prune: drop what the applier owned last time, does not apply now, and nobody else owns
  if (lastSet && !lastSet.empty()) {
    let owned = new FieldSet();
    for (const e of entries.values()) owned = owned.union(e.set);
    owned = ensureNamedFieldsAreMembers(owned, schema);
    const last = ensureNamedFieldsAreMembers(lastSet, schema);
    const toRemove = new FieldSet();
    const walk = (n: FieldSet, path: PathElement[]) => {
      for (const [e, c] of n.children) {
        const p = [...path, e];
        if (c.member && !owned.has(p)) toRemove.insert(p);
        else walk(c, p);
      }
    };
    walk(last, []);
    if (!toRemove.empty()) {
      // merge shares untouched subtrees with liveValue; prune edits in place, so copy first
      merged = structuredClone(merged);
      removeItems(merged, toRemove, schema);
    }
  }

  const selfSet = self.set;
  updateOwnership(liveValue, merged, entries, selfId, !!opts.force, schema, ignored);
  const changed = !jsonEqual(liveValue, merged);
  if (changed || !self.time) self.time = nowString(opts.now);
  self.set = selfSet;
  if (selfSet.empty()) entries.delete(selfId);
  else entries.set(selfId, self);
  return { object: withManagedFields(merged, entries), changed };
}

function withManagedFields(obj: JSONObject, entries: Map<string, ManagerEntry>): JSONObject {
  const encoded = encodeManagedFields(entries.values());
  const meta = (typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {}) as JSONObject;
  if (encoded.length > 0) obj.metadata = { ...meta, managedFields: encoded };
  else if (obj.metadata !== undefined) {
    const { managedFields: _drop, ...rest } = meta;
    obj.metadata = rest;
  }
  return obj;
}

/** Options of {@link updateManagedFields}. */
export interface UpdateManagedFieldsOptions {
  /** The object before the write, or undefined for a create. */
  live: unknown;
  /** The object about to be stored (its managedFields, if changed by the client, are taken as the new base). */
  updated: unknown;
  /** The field manager (`?fieldManager=` or derived from the user agent). */
  manager: string;
  /** Always 'Update' for non-apply writes (the default). */
  operation?: 'Update';
  schema?: PatchMeta;
  apiVersion: string;
  subresource?: string;
  ignoredFields?: readonly (readonly string[])[];
  now: Now;
}

/**
 * updateManagedFields records a non-apply write: the manager's `Update` entry gains every field
 * the write added or changed (other managers lose those), removed fields leave every manager.
 * Returns a copy of `updated` with `metadata.managedFields` set.
 */
export function updateManagedFields(opts: UpdateManagedFieldsOptions): { object: JSONObject } {
  const schema = opts.schema;
  const ignored = opts.ignoredFields?.length ? FieldSet.fromFieldPaths(opts.ignoredFields) : undefined;
  const liveMF = ((opts.live as JSONObject | undefined)?.metadata as JSONObject | undefined)?.managedFields;
  const newMF = ((opts.updated as JSONObject | undefined)?.metadata as JSONObject | undefined)?.managedFields;
  const clientChanged = newMF !== undefined && !jsonEqual(newMF, liveMF);
  const entries = decodeManagedFields((clientChanged ? newMF : liveMF) as ManagedFieldsEntry[] | undefined);
  const liveValue = opts.live === undefined || opts.live === null ? {} : withoutManagedFields(opts.live);
  const updatedValue = withoutManagedFields(opts.updated);
  if (clientChanged && Array.isArray(newMF) && newMF.length === 0) {
    // upstream: an explicitly emptied managedFields list resets tracking
    return { object: withManagedFields(updatedValue, new Map()) };
  }
  const { changed } = updateOwnership(liveValue, updatedValue, entries, undefined, true, schema, ignored);
  if (!changed.empty()) {
    const self: ManagerEntry = {
      manager: opts.manager,
      operation: 'Update',
      apiVersion: opts.apiVersion,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
      set: changed,
    };
    const id = managerIdentity(self);
    const prev = entries.get(id);
    self.set = prev ? prev.set.union(changed) : changed;
    self.time = nowString(opts.now);
    entries.set(id, self);
  }
  return { object: withManagedFields(updatedValue, entries) };
}


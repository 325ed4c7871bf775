/**
 * Patch application for the PATCH verb: JSON patch (RFC 6902), JSON merge patch (RFC 7386),
 * strategic merge patch driven by the schema's `x-kubernetes-patch-*` / `x-kubernetes-list-*`
 * extensions, and server-side apply (with managedFields and conflicts, see fieldmanager.ts).
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go and
 * k8s.io/apimachinery/pkg/util/strategicpatch.
 *
 * TODO(#3): switch to impl/apimachinery's patch and apply implementations once they land; this is
 * the minimal version the apiserver needs meanwhile.
 */
import fastJsonPatch from 'fast-json-patch';
import YAML from 'yaml';
import { badRequest, StatusError } from '#impl/apimachinery/index.ts';
import { isObject, type Structural } from '../schema/structural.ts';
import type { KubeObject } from '../registry/rest/strategy.ts';
import { apply } from './fieldmanager.ts';

/** PatchKind is the decoded Content-Type of a PATCH. */
export type PatchKind = 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch';

/** PatchRequest is one patch to apply to the current object. */
export interface PatchRequest {
  kind: PatchKind;
  patch: Buffer;
  /** The current object, undefined when it does not exist (apply creates). */
  old: KubeObject | undefined;
  schema: Structural | undefined;
  manager: string;
  force: boolean;
  apiVersion: string;
  objectKind: string;
  name: string;
  namespace: string;
  now: Date;
  subresource: string;
}

/** applyPatch returns the patched object (a new value; `old` is not modified). */
export async function applyPatch(p: PatchRequest): Promise<KubeObject> {
  const text = p.patch.toString('utf8');
  if (p.kind === 'apply-patch') {
    let cfg: unknown;
    try {
      cfg = YAML.parse(text);
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message}`);
    }
    if (!isObject(cfg)) throw badRequest('apply patch must be an object');
    return apply({ old: p.old, config: cfg as KubeObject, schema: p.schema, manager: p.manager, force: p.force, apiVersion: p.apiVersion, kind: p.objectKind, name: p.name, namespace: p.namespace, now: p.now, subresource: p.subresource });
  }
  if (!p.old) throw new StatusError({ reason: 'NotFound', message: `${p.objectKind} "${p.name}" not found` });
  let patch: unknown;
  try {
    patch = JSON.parse(text);
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
  const old = structuredClone(p.old);
  switch (p.kind) {
    case 'json-patch': {
      if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
      try {
        const res = fastJsonPatch.applyPatch(old, patch as fastJsonPatch.Operation[], true, true);
        return res.newDocument as KubeObject;
      } catch (err) {
        throw new StatusError({ reason: 'Invalid', code: 422, message: `the server rejected our request due to an error in our request: ${(err as Error).message.split('\n')[0]}` });
      }
    }
    case 'merge-patch':
      if (!isObject(patch)) throw badRequest('merge patch must be a JSON object');
      return mergePatch(old, patch) as KubeObject;
    case 'strategic-merge-patch':
      if (!isObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
      return strategicMerge(old, patch, p.schema) as KubeObject;
  }
}

/** mergePatch applies an RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** mergeKeysOf returns the keys identifying list items (patch merge key or list-map keys). */
export function mergeKeysOf(s: Structural | undefined): string[] | undefined {
  if (!s) return undefined;
  if (s.patchMergeKey && (s.patchStrategy ?? '').split(',').includes('merge')) return [s.patchMergeKey];
  if (s.listType === 'map' && s.listMapKeys?.length) return s.listMapKeys;
  return undefined;
}

function isSetList(s: Structural | undefined): boolean {
  return !!s && ((s.listType === 'set') || ((s.patchStrategy ?? '').split(',').includes('merge') && !s.patchMergeKey));
}

/**
 * strategicMerge applies a strategic merge patch: maps merge, lists with a merge key merge by
 * key (`$patch: delete` removes an item, `$patch: replace` replaces the list), primitive lists
 * with the merge strategy union, everything else replaces; `null` deletes.
 */
export function strategicMerge(target: unknown, patch: unknown, s: Structural | undefined): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const c = { ...patch };
    delete c.$patch;
    return c;
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[f]) && Array.isArray(v)) out[f] = (out[f] as unknown[]).filter((x) => !v.includes(x));
      continue;
    }
    const ps = s?.properties?.get(k) ?? s?.additionalProperties;
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, ps);
      continue;
    }
    if (isObject(v)) {
      const merged = strategicMerge(out[k], v, ps);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
      continue;
    }
    out[k] = v;
  }
  if (Array.isArray(patch.$retainKeys)) {
    for (const k of Object.keys(out)) if (!(patch.$retainKeys as string[]).includes(k) && !(k in patch)) delete out[k];
  }
  return out;
}

function mergeList(target: unknown, patch: unknown[], s: Structural | undefined): unknown[] {
  const keys = mergeKeysOf(s);
  const cur = Array.isArray(target) ? [...target] : [];
  if (patch.some((x) => isObject(x) && x.$patch === 'replace')) return patch.filter((x) => !(isObject(x) && x.$patch === 'replace')).map((x) => structuredClone(x));
  if (keys && (s?.patchStrategy ?? '').includes('merge') || (keys && s?.listType === 'map')) {
    for (const item of patch) {
      if (!isObject(item)) continue;
      const idx = cur.findIndex((c) => isObject(c) && keys!.every((k) => c[k] === item[k]));
      if (item.$patch === 'delete') {
        if (idx >= 0) cur.splice(idx, 1);
        continue;
      }
      if (idx >= 0) cur[idx] = strategicMerge(cur[idx], item, s?.items);
      else {
        const c = strategicMerge(undefined, item, s?.items);
        cur.push(c);
      }
    }
    return cur;
  }
  if (isSetList(s) && patch.every((x) => !isObject(x))) {
    for (const x of patch) if (!cur.includes(x)) cur.push(x);
    return cur;
  }
  return patch.map((x) => (isObject(x) ? strategicMerge(undefined, x, s?.items) : x));
}

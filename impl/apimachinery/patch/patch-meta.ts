/**
 * PatchMeta: the schema facts that strategic merge patch and server-side apply need, as a tree of
 * nodes walked alongside the object (upstream `strategicpatch.LookupPatchMeta` plus the
 * structured-merge-diff list/map types). Built from OpenAPI by `openapi-patch-meta.ts`; tests and
 * CRDs can build it with {@link patchMetaFromTree}.
 */

/** ListType is `x-kubernetes-list-type`. */
export type ListType = 'atomic' | 'set' | 'map';

/** MapType is `x-kubernetes-map-type` (structs and maps). */
export type MapType = 'atomic' | 'granular';

/** PatchMetaKind is the shape of the value at a node. */
export type PatchMetaKind = 'object' | 'map' | 'array' | 'scalar' | 'unknown';

/**
 * PatchMeta describes one position in an object: its shape and the patch / list / map extensions
 * of the field that holds it. Lookups return undefined for unknown fields, which patching then
 * treats like untyped JSON (maps merge, lists are replaced).
 */
export interface PatchMeta {
  /** The shape of the value here. */
  readonly kind: PatchMetaKind;
  /** `x-kubernetes-patch-strategy`, split on ',' (e.g. ['merge', 'retainKeys']); empty if none. */
  readonly patchStrategies: readonly string[];
  /** `x-kubernetes-patch-merge-key`. */
  readonly patchMergeKey?: string;
  /** `x-kubernetes-list-type`. */
  readonly listType?: ListType;
  /** `x-kubernetes-list-map-keys`. */
  readonly listMapKeys?: readonly string[];
  /** `x-kubernetes-map-type`. */
  readonly mapType?: MapType;
  /** The schema `default` of this position, if any (used for omitted list-map keys). */
  readonly default?: unknown;
  /** True when the value is a `resource.Quantity` (serialized in canonical form by the server). */
  readonly quantity?: boolean;
  /** field returns the node of a struct property, or of any value of a map. */
  field(name: string): PatchMeta | undefined;
  /** items returns the node of array elements. */
  items(): PatchMeta | undefined;
}

/** lookupPatchMeta walks `path` (property names / map keys, and numbers for list elements). */
export function lookupPatchMeta(root: PatchMeta | undefined, path: readonly (string | number)[]): PatchMeta | undefined {
  let n = root;
  for (const p of path) {
    if (!n) return undefined;
    n = typeof p === 'number' ? n.items() : n.field(p);
  }
  return n;
}

/** A literal description of a PatchMeta tree, for tests and hand-written schemas. */
export interface PatchMetaTree {
  kind?: PatchMetaKind;
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: ListType;
  listMapKeys?: string[];
  mapType?: MapType;
  default?: unknown;
  quantity?: boolean;
  /** Struct properties. */
  properties?: Record<string, PatchMetaTree>;
  /** Map values. */
  additionalProperties?: PatchMetaTree;
  /** Array elements. */
  items?: PatchMetaTree;
}

/** patchMetaFromTree builds a PatchMeta from a literal tree. */
export function patchMetaFromTree(t: PatchMetaTree): PatchMeta {
  const kind: PatchMetaKind =
    t.kind ?? (t.properties ? 'object' : t.additionalProperties ? 'map' : t.items ? 'array' : 'scalar');
  return {
    kind,
    patchStrategies: t.patchStrategy ? t.patchStrategy.split(',') : [],
    ...(t.patchMergeKey !== undefined ? { patchMergeKey: t.patchMergeKey } : {}),
    ...(t.listType !== undefined ? { listType: t.listType } : {}),
    ...(t.listMapKeys !== undefined ? { listMapKeys: t.listMapKeys } : {}),
    ...(t.mapType !== undefined ? { mapType: t.mapType } : {}),
    ...(t.default !== undefined ? { default: t.default } : {}),
    ...(t.quantity ? { quantity: true } : {}),
    field(name) {
      const p = t.properties?.[name] ?? t.additionalProperties;
      return p ? patchMetaFromTree(p) : undefined;
    },
    items() {
      return t.items ? patchMetaFromTree(t.items) : undefined;
    },
  };
}

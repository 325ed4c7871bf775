/**
 * Adapts a resolved ("structural") schema tree — properties in a Map, refs already followed, the
 * shape the apiserver's schema compiler produces — to {@link PatchMeta}, so strategic merge patch
 * and server-side apply can run on the same tree the apiserver validates with.
 */
import type { ListType, MapType, PatchMeta, PatchMetaKind } from './patch-meta.ts';

/** StructuralLike is the subset of a structural schema node read here. */
export interface StructuralLike {
  type?: string;
  properties?: ReadonlyMap<string, StructuralLike>;
  additionalProperties?: StructuralLike;
  items?: StructuralLike;
  default?: unknown;
  preserveUnknownFields?: boolean;
  intOrString?: boolean;
  listType?: string;
  listMapKeys?: readonly string[];
  mapType?: string;
  patchStrategy?: string;
  patchMergeKey?: string;
  /** Set by schema compilers that keep track of `resource.Quantity` references. */
  quantity?: boolean;
}

/** Options of {@link patchMetaFromStructural}. */
export interface StructuralPatchMetaOptions {
  /** Use this node for a root `metadata` field (custom resources: ObjectMeta). */
  metadata?: PatchMeta;
}

const cache = new WeakMap<StructuralLike, PatchMeta>();

/** patchMetaFromStructural returns the PatchMeta view of a structural schema node (cached per node). */
export function patchMetaFromStructural(s: StructuralLike, opts: StructuralPatchMetaOptions = {}): PatchMeta {
  const node = build(s);
  if (!opts.metadata) return node;
  const metadata = opts.metadata;
  return { ...node, kind: node.kind === 'unknown' ? 'object' : node.kind, field: (n) => (n === 'metadata' ? metadata : node.field(n)), items: () => node.items() };
}

function build(s: StructuralLike): PatchMeta {
  const hit = cache.get(s);
  if (hit) return hit;
  let kind: PatchMetaKind;
  if (s.properties && s.properties.size > 0) kind = 'object';
  else if (s.additionalProperties) kind = 'map';
  else if (s.type === 'array' || s.items) kind = 'array';
  else if (s.preserveUnknownFields || s.type === 'object' || (s.type === undefined && !s.intOrString)) kind = 'unknown';
  else kind = 'scalar';
  const node: PatchMeta = {
    kind,
    patchStrategies: s.patchStrategy ? s.patchStrategy.split(',') : [],
    ...(s.patchMergeKey !== undefined ? { patchMergeKey: s.patchMergeKey } : {}),
    ...(s.listType !== undefined ? { listType: s.listType as ListType } : {}),
    ...(s.listMapKeys !== undefined ? { listMapKeys: s.listMapKeys } : {}),
    ...(s.mapType !== undefined ? { mapType: s.mapType as MapType } : {}),
    ...(s.default !== undefined ? { default: s.default } : {}),
    ...(s.quantity ? { quantity: true } : {}),
    field(name: string): PatchMeta | undefined {
      const p = s.properties?.get(name) ?? s.additionalProperties;
      return p ? build(p) : undefined;
    },
    items(): PatchMeta | undefined {
      return s.items ? build(s.items) : undefined;
    },
  };
  cache.set(s, node);
  return node;
}

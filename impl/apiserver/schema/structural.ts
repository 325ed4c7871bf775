/**
 * Structural schemas: a resolved, pre-indexed form of an OpenAPI v3 schema (references
 * followed, `allOf` wrappers flattened, properties in a Map) that defaulting, pruning,
 * unknown-field detection and validation walk without further lookups.
 *
 * upstream: staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/structural.go.
 * Built-in kinds get theirs from the served OpenAPI documents (`spec/`), custom resources from
 * the CRD's `openAPIV3Schema`; both end up as the same tree.
 */

/** Structural is one node of a resolved schema. */
export interface Structural {
  type?: string;
  properties?: Map<string, Structural>;
  /** Schema of map values (`additionalProperties`) when it is a schema. */
  additionalProperties?: Structural;
  /** `additionalProperties: true` without a schema. */
  additionalPropertiesAny?: boolean;
  items?: Structural;
  required?: string[];
  default?: unknown;
  nullable?: boolean;
  enum?: unknown[];
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  multipleOf?: number;
  preserveUnknownFields?: boolean;
  intOrString?: boolean;
  embeddedResource?: boolean;
  listType?: string;
  listMapKeys?: string[];
  mapType?: string;
  patchStrategy?: string;
  patchMergeKey?: string;
  /** The component schema name this node was compiled from (`io.k8s.api.core.v1.Pod`); names the Go type in decode errors. */
  name?: string;
  /** Upstream kinds carry a `x-kubernetes-group-version-kind`; informational. */
  gvk?: Array<{ group: string; version: string; kind: string }>;
}

type RawSchema = Record<string, unknown>;

/** SchemaResolver looks up a named component schema (`io.k8s.api.core.v1.Pod`). */
export type SchemaResolver = (name: string) => RawSchema | undefined;

const REF_PREFIX = '#/components/schemas/';

/**
 * StructuralCompiler turns raw OpenAPI schemas into {@link Structural} trees, caching named
 * schemas so that recursive types (JSONSchemaProps) compile once and share nodes.
 */
export class StructuralCompiler {
  private readonly cache = new Map<string, Structural>();

  constructor(private readonly resolve: SchemaResolver) {}

  /** named compiles the component schema `name`, or returns undefined when it is unknown. */
  named(name: string): Structural | undefined {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const raw = this.resolve(name);
    if (!raw) return undefined;
    const node: Structural = { name };
    this.cache.set(name, node);
    this.fill(node, raw);
    return node;
  }

  /** compile compiles an anonymous raw schema (CRD `openAPIV3Schema`). */
  compile(raw: RawSchema): Structural {
    const node: Structural = {};
    this.fill(node, raw);
    return node;
  }

  private refTarget(raw: RawSchema): string | undefined {
    if (typeof raw.$ref === 'string') return raw.$ref.startsWith(REF_PREFIX) ? raw.$ref.slice(REF_PREFIX.length) : undefined;
    const allOf = raw.allOf as RawSchema[] | undefined;
    if (Array.isArray(allOf) && allOf.length === 1 && typeof allOf[0]?.$ref === 'string') return this.refTarget(allOf[0]);
    return undefined;
  }

  private child(raw: RawSchema): Structural {
    const ref = this.refTarget(raw);
    if (ref) {
      const target = this.named(ref) ?? {};
      // A property may add its own default/extensions beside the $ref: wrap only when needed.
      const local = localExtras(raw);
      if (!local) return target;
      return { ...target, ...local };
    }
    return this.compile(raw);
  }

  private fill(node: Structural, raw: RawSchema): void {
    const ref = this.refTarget(raw);
    if (ref) {
      Object.assign(node, this.named(ref) ?? {}, localExtras(raw) ?? {});
      return;
    }
    if (typeof raw.type === 'string') node.type = raw.type;
    if (raw.properties && typeof raw.properties === 'object') {
      node.properties = new Map();
      for (const [k, v] of Object.entries(raw.properties as Record<string, RawSchema>)) node.properties.set(k, this.child(v));
      if (!node.type) node.type = 'object';
    }
    const ap = raw.additionalProperties;
    if (ap === true) node.additionalPropertiesAny = true;
    else if (ap && typeof ap === 'object') node.additionalProperties = this.child(ap as RawSchema);
    if (raw.items && typeof raw.items === 'object' && !Array.isArray(raw.items)) node.items = this.child(raw.items as RawSchema);
    if (Array.isArray(raw.required)) node.required = raw.required as string[];
    Object.assign(node, localExtras(raw) ?? {});
    if (Array.isArray(raw.enum)) node.enum = raw.enum;
    if (typeof raw.format === 'string') node.format = raw.format;
    if (typeof raw.pattern === 'string') {
      try {
        node.pattern = new RegExp(raw.pattern, 'u');
      } catch {
        /* an ECMA-incompatible pattern is ignored, as a best effort */
      }
    }
    for (const k of ['minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'multipleOf'] as const) {
      if (typeof raw[k] === 'number') node[k] = raw[k] as number;
    }
    if (raw.exclusiveMinimum === true) node.exclusiveMinimum = true;
    if (raw.exclusiveMaximum === true) node.exclusiveMaximum = true;
    if (raw.nullable === true) node.nullable = true;
    if (Array.isArray(raw['x-kubernetes-group-version-kind'])) node.gvk = raw['x-kubernetes-group-version-kind'] as Structural['gvk'];
  }
}

function localExtras(raw: RawSchema): Partial<Structural> | undefined {
  let out: Partial<Structural> | undefined;
  const set = <K extends keyof Structural>(k: K, v: Structural[K]) => {
    (out ??= {})[k] = v;
  };
  if ('default' in raw) set('default', raw.default);
  if (raw['x-kubernetes-preserve-unknown-fields'] === true) set('preserveUnknownFields', true);
  if (raw['x-kubernetes-int-or-string'] === true) set('intOrString', true);
  if (raw['x-kubernetes-embedded-resource'] === true) set('embeddedResource', true);
  if (typeof raw['x-kubernetes-list-type'] === 'string') set('listType', raw['x-kubernetes-list-type'] as string);
  if (Array.isArray(raw['x-kubernetes-list-map-keys'])) set('listMapKeys', raw['x-kubernetes-list-map-keys'] as string[]);
  if (typeof raw['x-kubernetes-map-type'] === 'string') set('mapType', raw['x-kubernetes-map-type'] as string);
  if (typeof raw['x-kubernetes-patch-strategy'] === 'string') set('patchStrategy', raw['x-kubernetes-patch-strategy'] as string);
  if (typeof raw['x-kubernetes-patch-merge-key'] === 'string') set('patchMergeKey', raw['x-kubernetes-patch-merge-key'] as string);
  return out;
}

/** isObject tells a plain JSON object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * applyDefaults sets schema `default` values on absent fields, recursively (upstream
 * `structuraldefaulting.Default`). Empty-object defaults (`{}` on every non-pointer struct in
 * the built-in documents) are skipped, so objects do not grow empty stanzas.
 */
export function applyDefaults(obj: unknown, s: Structural | undefined): void {
  if (!s) return;
  if (Array.isArray(obj)) {
    if (s.items) for (const it of obj) applyDefaults(it, s.items);
    return;
  }
  if (!isObject(obj)) return;
  if (s.properties) {
    for (const [k, ps] of s.properties) {
      const v = obj[k];
      if (v === undefined) {
        if (ps.default !== undefined && !isEmptyContainer(ps.default)) obj[k] = structuredClone(ps.default);
        continue;
      }
      if (v !== null && (ps.properties || ps.items || ps.additionalProperties)) applyDefaults(v, ps);
    }
  } else if (s.additionalProperties) {
    for (const v of Object.values(obj)) applyDefaults(v, s.additionalProperties);
  }
}

function isEmptyContainer(v: unknown): boolean {
  return (isObject(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);
}

/** UnknownField is a field the schema does not know, with its dotted path (`spec.foo`). */
export interface UnknownField {
  path: string;
}

const META_KEYS = new Set(['apiVersion', 'kind', 'metadata']);

/** OBJECT_META_FIELDS are the fields of meta/v1 ObjectMeta: anything else in a custom resource's metadata is unknown. */
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

/** walkMetadata reports (and with prune drops) fields of a resource's metadata that ObjectMeta does not have. */
function walkMetadata(meta: unknown, path: string, out: string[], prune: boolean): void {
  if (!isObject(meta)) return;
  for (const k of Object.keys(meta)) {
    if (OBJECT_META_FIELDS.has(k)) continue;
    out.push(`${path}.${k}`);
    if (prune) delete meta[k];
  }
}

/**
 * DecodeTypeError is the first value whose JSON type the field's Go type cannot take: what Go's
 * encoding/json reports as an `UnmarshalTypeError` (or a custom `UnmarshalJSON` error for
 * Quantity, IntOrString, Time) when the apiserver decodes a built-in kind.
 */
export interface DecodeTypeError {
  /** Go's json message: `json: cannot unmarshal number into Go struct field ConfigMap.data of type string`. */
  message: string;
  /** The unstructured converter's message (strategic merge patch): `unrecognized type: int32`. */
  converterMessage: string;
  /** Dotted path of the value (`spec.containers[0].name`). */
  path: string;
}

/** DecodeProblems is what one walk of a body finds: unknown fields and the first type error. */
export interface DecodeProblems {
  unknown: string[];
  typeError?: DecodeTypeError;
}

/**
 * findUnknownFields lists fields absent from the schema (upstream strict decoding /
 * `pruning.PruneWithOptions` with ReturnPruned). Paths are rendered like upstream's
 * `strict decoding error: unknown field "spec.foo"`. With `prune`, the unknown fields are also
 * deleted (custom resource pruning).
 */
export function findUnknownFields(obj: unknown, s: Structural | undefined, opts: { prune?: boolean; isRoot?: boolean } = {}): string[] {
  return findDecodeProblems(obj, s, opts).unknown;
}

/**
 * findDecodeProblems walks a body once for unknown fields and, with `checkTypes`, for values
 * the Go types of a built-in kind cannot hold (string/integer/number/boolean/object/array,
 * int-or-string, quantities; `null` is absent, as in Go; preserve-unknown-fields subtrees are
 * not checked). With `collectUnknown: false` only types are checked.
 */
export function findDecodeProblems(
  obj: unknown,
  s: Structural | undefined,
  opts: { prune?: boolean; isRoot?: boolean; checkTypes?: boolean; collectUnknown?: boolean } = {},
): DecodeProblems {
  const st: WalkState = {
    out: [],
    prune: opts.prune === true,
    types: opts.checkTypes === true,
    unknown: opts.collectUnknown !== false,
    struct: s?.name ? goShortName(s.name) : '',
  };
  if (s) walkUnknown(obj, s, '', '', st, opts.isRoot !== false);
  return st.typeError ? { unknown: st.out, typeError: st.typeError } : { unknown: st.out };
}

interface WalkState {
  out: string[];
  prune: boolean;
  types: boolean;
  unknown: boolean;
  /** Innermost Go struct being decoded (Go's errorContext.Struct). */
  struct: string;
  typeError?: DecodeTypeError;
}

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** Types whose Go UnmarshalJSON first decodes a JSON string. */
const STRING_UNMARSHALERS = new Set([
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Duration',
]);

/** Types whose Go UnmarshalJSON keeps any JSON value as raw bytes. */
const RAW_UNMARSHALERS = new Set(['io.k8s.apimachinery.pkg.runtime.RawExtension', 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1']);

function goShortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** goTypeOf renders the Go type a schema node decodes into, as reflect.Type.String() does (`v1.DeploymentSpec`, `[]string`). */
export function goTypeOf(s: Structural | undefined): string {
  if (!s) return 'interface {}';
  if (s.name && (s.properties || s.name === QUANTITY || s.name === INT_OR_STRING)) {
    const segs = s.name.split('.');
    return `${segs[segs.length - 2]}.${segs[segs.length - 1]}`;
  }
  switch (s.type) {
    case 'string':
      return s.format === 'byte' ? '[]uint8' : 'string';
    case 'integer':
      return s.format === 'int32' ? 'int32' : 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'array':
      return `[]${goTypeOf(s.items)}`;
    case 'object':
      return s.additionalProperties ? `map[string]${goTypeOf(s.additionalProperties)}` : 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}

function jsonValueName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return Array.isArray(v) ? 'array' : 'object';
}

function goKindName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  return Array.isArray(v) ? 'slice' : 'map';
}

const INT_RANGE: Record<string, [number, number]> = { int32: [-2147483648, 2147483647], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] };

/**
 * typeOk tells whether a non-null value fits the node, recording the first mismatch. It returns
 * false also when the value is not a container worth walking further.
 */
function typeOk(v: unknown, s: Structural, path: string, gpath: string, st: WalkState): boolean {
  const name = s.name;
  if (name !== undefined && RAW_UNMARSHALERS.has(name)) return false;
  if (name === QUANTITY) {
    if (typeof v === 'string' || typeof v === 'number') return true;
    return recordType(st, path, QUANTITY_ERROR, QUANTITY_ERROR);
  }
  if (s.intOrString || name === INT_OR_STRING) {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v) && v >= INT_RANGE.int32![0] && v <= INT_RANGE.int32![1])) return true;
    const val = typeof v === 'number' ? `number ${v}` : jsonValueName(v);
    const msg = `json: cannot unmarshal ${val} into Go value of type int32`;
    return recordType(st, path, msg, msg);
  }
  if (name !== undefined && STRING_UNMARSHALERS.has(name)) {
    if (typeof v === 'string') return true;
    const msg = `json: cannot unmarshal ${jsonValueName(v)} into Go value of type string`;
    return recordType(st, path, msg, msg);
  }
  let ok: boolean;
  let val: string | undefined;
  let converter: string | undefined;
  switch (s.type) {
    case 'string':
      ok = typeof v === 'string';
      break;
    case 'integer': {
      const range = INT_RANGE[s.format === 'int32' ? 'int32' : 'int64']!;
      ok = typeof v === 'number' && Number.isInteger(v) && v >= range[0] && v <= range[1];
      if (!ok && typeof v === 'number') val = `number ${v}`;
      break;
    }
    case 'number':
      ok = typeof v === 'number';
      break;
    case 'boolean':
      ok = typeof v === 'boolean';
      break;
    case 'object':
      ok = isObject(v);
      if (!ok) converter = s.properties ? `cannot restore struct from: ${goKindName(v)}` : `cannot restore map from ${goKindName(v)}`;
      break;
    case 'array':
      ok = Array.isArray(v);
      if (!ok) converter = `cannot restore slice from ${goKindName(v)}`;
      break;
    default:
      return true;
  }
  if (ok) return true;
  const goType = goTypeOf(s);
  const field = gpath === '' ? '' : ` into Go struct field ${st.struct}.${gpath}`;
  const msg = `json: cannot unmarshal ${val ?? jsonValueName(v)}${field === '' ? ' into Go value' : field} of type ${goType}`;
  return recordType(st, path, msg, converter ?? `unrecognized type: ${goType.replace(/^.*\./, '')}`);
}

function recordType(st: WalkState, path: string, message: string, converterMessage: string): false {
  st.typeError ??= { message, converterMessage, path };
  return false;
}

function walkUnknown(obj: unknown, s: Structural, path: string, gpath: string, st: WalkState, isResourceRoot: boolean): void {
  if (st.types && obj !== null && obj !== undefined && !typeOk(obj, s, path, gpath, st)) return;
  if (s.preserveUnknownFields && !s.properties && !s.additionalProperties && !s.items) {
    // An embedded resource keeps unknown fields, but its metadata is still ObjectMeta.
    if (st.unknown && s.embeddedResource && isObject(obj)) walkMetadata(obj.metadata, path === '' ? 'metadata' : `${path}.metadata`, st.out, st.prune);
    return;
  }
  if (Array.isArray(obj)) {
    const items = s.items;
    if (items) for (let i = 0; i < obj.length; i++) walkUnknown(obj[i], items, `${path}[${i}]`, gpath, st, false);
    return;
  }
  if (!isObject(obj)) return;
  if (s.properties) {
    const outer = st.struct;
    const struct = s.name ? goShortName(s.name) : outer;
    for (const k of Object.keys(obj)) {
      const ps = s.properties.get(k);
      const p = path === '' ? k : `${path}.${k}`;
      if (!ps) {
        if (!st.unknown) continue;
        if ((isResourceRoot || s.embeddedResource) && META_KEYS.has(k)) {
          if (k === 'metadata') walkMetadata(obj[k], p, st.out, st.prune);
          continue;
        }
        if (s.preserveUnknownFields) continue;
        st.out.push(p);
        if (st.prune) delete obj[k];
        continue;
      }
      if ((isResourceRoot || s.embeddedResource) && k === 'metadata' && !ps.properties?.has('uid')) {
        // CRD schemas may only restrict name/generateName: metadata is checked against ObjectMeta
        // (built-in kinds carry the full ObjectMeta schema and are walked like any field).
        if (st.unknown) walkMetadata(obj[k], p, st.out, st.prune);
        continue;
      }
      st.struct = struct;
      walkUnknown(obj[k], ps, p, gpath === '' ? k : `${gpath}.${k}`, st, ps.embeddedResource === true);
    }
    st.struct = outer;
  } else if (s.additionalProperties) {
    const ap = s.additionalProperties;
    for (const k of Object.keys(obj)) walkUnknown(obj[k], ap, path === '' ? k : `${path}.${k}`, gpath, st, false);
  }
}

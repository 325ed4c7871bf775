/**
 * The swagger 2.0 document served at `/openapi/v2`, built from the OpenAPI v3 group-version
 * documents (the vendored ones under `spec/` and those published for custom resources).
 *
 * Upstream builds both versions from the same Go definitions (k8s.io/kube-openapi/pkg/builder
 * for v2, pkg/builder3 for v3). Here the v3 documents are the source, so this module undoes what
 * the v3 builder does differently:
 * - `#/components/schemas/X` references become `#/definitions/X`;
 * - a property `{allOf: [{$ref}], description, default}` (v3 forbids siblings of `$ref`) becomes
 *   `{$ref, description, default}`, the v2 shape that kubectl's schema parser understands;
 * - `oneOf` of primitive types (IntOrString, Quantity) becomes `type: string`, their v2 type;
 *   other `oneOf`/`anyOf`/`not` and `nullable` have no v2 form and are dropped, and like upstream's
 *   v2 publishing of CRD schemas, nullable and `x-kubernetes-int-or-string` schemas lose their
 *   type, nullable and `x-kubernetes-preserve-unknown-fields` ones their nested structure (a
 *   preserving array its type too), so client-side validation accepts any value there;
 * - parameters carry their type inline (`{in: query, name, type}`, not `{schema: {type}}`); a
 *   request body becomes a `{name: body, in: body, required, schema}` parameter and its media types
 *   the operation's `consumes`; response media types become `produces`, and each response keeps one
 *   schema.
 * Vendor extensions (`x-kubernetes-group-version-kind`, `x-kubernetes-action`, list/map/patch
 * markers) are kept. Shared parameters are inlined rather than deduplicated into `parameters`.
 *
 * upstream: k8s.io/kube-openapi/pkg/builder/openapi.go (BuildOpenAPISpec).
 */

/** JsonObject is a parsed JSON object of an OpenAPI document. */
export type JsonObject = Record<string, unknown>;

/** OpenApiV3Document is the part of a v3 group-version document the conversion reads. */
export interface OpenApiV3Document {
  paths?: Record<string, JsonObject>;
  components?: { schemas?: Record<string, JsonObject>; securitySchemes?: Record<string, JsonObject> };
}

/** SwaggerDocument is a swagger 2.0 document as served at `/openapi/v2`. */
export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, JsonObject>;
  definitions: Record<string, JsonObject>;
  securityDefinitions?: Record<string, JsonObject>;
  security?: Array<Record<string, string[]>>;
}

/** BuildOpenApiV2Options configures {@link buildOpenApiV2}. */
export interface BuildOpenApiV2Options {
  /** title of `info` (upstream: `Kubernetes`). */
  title: string;
  /** version of `info` (upstream: the server's git version, `v1.33.1`). */
  version: string;
}

const V3_PREFIX = '#/components/schemas/';
const V2_PREFIX = '#/definitions/';
const PRIMITIVES = new Set(['string', 'integer', 'number', 'boolean']);
const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
/** Schema keywords that OpenAPI v2 does not have; dropped from every schema. */
const V3_ONLY = new Set(['nullable', 'oneOf', 'anyOf', 'not', 'writeOnly', 'deprecated']);

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** convertRef rewrites a v3 component reference to its v2 definition reference. */
export function convertRef(ref: string): string {
  return ref.startsWith(V3_PREFIX) ? V2_PREFIX + ref.slice(V3_PREFIX.length) : ref;
}

/** convertSchema turns a v3 schema object into its v2 form (see the module comment). */
export function convertSchema(schema: JsonObject): JsonObject {
  const out: JsonObject = {};
  const allOf = schema.allOf;
  const soleRef = Array.isArray(allOf) && allOf.length === 1 && isObject(allOf[0]) && typeof allOf[0].$ref === 'string' && Object.keys(allOf[0]).length === 1 && schema.$ref === undefined;
  for (const [k, v] of Object.entries(schema)) {
    if (V3_ONLY.has(k)) continue;
    if (k === '$ref' && typeof v === 'string') out.$ref = convertRef(v);
    else if (k === 'allOf' && Array.isArray(v)) {
      if (soleRef) out.$ref = convertRef((v[0] as JsonObject).$ref as string);
      else out.allOf = v.map((s) => (isObject(s) ? convertSchema(s) : s));
    } else if ((k === 'properties' || k === 'patternProperties' || k === 'definitions') && isObject(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, isObject(s) ? convertSchema(s) : s]));
    } else if ((k === 'items' || k === 'additionalProperties') && isObject(v)) out[k] = convertSchema(v);
    else if (k === 'items' && Array.isArray(v)) out[k] = v.map((s) => (isObject(s) ? convertSchema(s) : s));
    else out[k] = v;
  }
  if (out.type === undefined && Array.isArray(schema.oneOf) && schema.oneOf.length > 0) {
    const types = schema.oneOf.map((s) => (isObject(s) && Object.keys(s).length === 1 ? s.type : undefined));
    if (types.every((t) => typeof t === 'string' && PRIMITIVES.has(t)) && types.includes('string')) out.type = 'string';
  }
  if (schema.nullable === true) {
    for (const k of ['type', 'properties', 'items', 'additionalProperties']) delete out[k];
  }
  // upstream ToStructuralOpenAPIV2: preserve-unknown-fields drops the nested structure but keeps
  // the type, except an array's (kubectl cannot handle an array without items).
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) {
    for (const k of ['properties', 'items', 'additionalProperties']) delete out[k];
    if (out.type === 'array') delete out.type;
  }
  if (schema['x-kubernetes-int-or-string'] === true) delete out.type;
  return out;
}

/**
 * convertParameter turns a v3 parameter into a v2 one: body parameters never come through here
 * (see {@link convertOperation}); the schema's type keywords move onto the parameter itself.
 */
export function convertParameter(param: JsonObject): JsonObject {
  if (typeof param.$ref === 'string') return { $ref: param.$ref.replace('#/components/parameters/', '#/parameters/') };
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(param)) {
    if (k === 'schema' && isObject(v)) {
      const s = convertSchema(v);
      for (const [sk, sv] of Object.entries(s)) if (sk !== 'description') out[sk] = sv;
    } else if (k !== 'style' && k !== 'explode' && k !== 'example' && k !== 'examples' && k !== 'content' && k !== 'deprecated') out[k] = v;
  }
  if (out.in === 'path') out.required = true;
  return out;
}

function contentSchema(content: unknown): JsonObject | undefined {
  if (!isObject(content)) return undefined;
  for (const media of Object.values(content)) if (isObject(media) && isObject(media.schema)) return convertSchema(media.schema);
  return undefined;
}

/** convertOperation turns a v3 operation into a v2 one (parameters, body, consumes/produces, responses). */
export function convertOperation(op: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (op.description !== undefined) out.description = op.description;
  if (op.summary !== undefined) out.summary = op.summary;
  const body = isObject(op.requestBody) ? op.requestBody : undefined;
  if (body && isObject(body.content)) out.consumes = Object.keys(body.content);
  const produces: string[] = [];
  for (const r of Object.values(isObject(op.responses) ? op.responses : {})) {
    if (isObject(r) && isObject(r.content)) for (const ct of Object.keys(r.content)) if (!produces.includes(ct)) produces.push(ct);
  }
  if (produces.length > 0) out.produces = produces;
  out.schemes = ['https'];
  if (op.tags !== undefined) out.tags = op.tags;
  if (op.operationId !== undefined) out.operationId = op.operationId;
  const params: JsonObject[] = [];
  if (body) {
    const p: JsonObject = { name: 'body', in: 'body' };
    if (typeof body.description === 'string') p.description = body.description;
    if (body.required === true) p.required = true;
    p.schema = contentSchema(body.content) ?? {};
    params.push(p);
  }
  for (const p of Array.isArray(op.parameters) ? op.parameters : []) if (isObject(p)) params.push(convertParameter(p));
  if (params.length > 0) out.parameters = params;
  const responses: JsonObject = {};
  for (const [code, r] of Object.entries(isObject(op.responses) ? op.responses : {})) {
    if (!isObject(r)) continue;
    if (typeof r.$ref === 'string') {
      responses[code] = { $ref: r.$ref.replace('#/components/responses/', '#/responses/') };
      continue;
    }
    const v2: JsonObject = { description: r.description ?? '' };
    const schema = contentSchema(r.content);
    if (schema) v2.schema = schema;
    for (const [k, v] of Object.entries(r)) if (k.startsWith('x-')) v2[k] = v;
    responses[code] = v2;
  }
  out.responses = responses;
  if (op.deprecated === true) out.deprecated = true;
  if (op.security !== undefined) out.security = op.security;
  for (const [k, v] of Object.entries(op)) if (k.startsWith('x-')) out[k] = v;
  return out;
}

/** convertPathItem turns a v3 path item into a v2 one. */
export function convertPathItem(item: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const m of OPERATIONS) if (isObject(item[m])) out[m] = convertOperation(item[m]);
  if (Array.isArray(item.parameters)) out.parameters = item.parameters.filter(isObject).map(convertParameter);
  for (const [k, v] of Object.entries(item)) if (k.startsWith('x-')) out[k] = v;
  return out;
}

/**
 * buildOpenApiV2 merges v3 group-version documents into one swagger 2.0 document: definitions
 * from every document's component schemas (the first document defining a name wins), paths from
 * every document's paths, and the security schemes as `securityDefinitions` plus a document-wide
 * `security` requirement, as upstream serves (`BearerToken`). Names are sorted, like the JSON
 * upstream writes from Go maps.
 */
export function buildOpenApiV2(docs: Iterable<OpenApiV3Document>, opts: BuildOpenApiV2Options): SwaggerDocument {
  const definitions = new Map<string, JsonObject>();
  const paths = new Map<string, JsonObject>();
  const security = new Map<string, JsonObject>();
  for (const doc of docs) {
    for (const [name, s] of Object.entries(doc.components?.schemas ?? {})) if (!definitions.has(name) && isObject(s)) definitions.set(name, convertSchema(s));
    for (const [name, s] of Object.entries(doc.components?.securitySchemes ?? {})) if (!security.has(name) && isObject(s)) security.set(name, { ...s });
    for (const [p, item] of Object.entries(doc.paths ?? {})) if (!paths.has(p) && isObject(item)) paths.set(p, convertPathItem(item));
  }
  const sorted = <T>(m: Map<string, T>): Record<string, T> => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const out: SwaggerDocument = {
    swagger: '2.0',
    info: { title: opts.title, version: opts.version },
    paths: sorted(paths),
    definitions: sorted(definitions),
  };
  if (security.size > 0) {
    out.securityDefinitions = sorted(security);
    out.security = [...security.keys()].sort().map((name) => ({ [name]: [] }));
  }
  return out;
}

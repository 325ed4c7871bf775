/**
 * Builds {@link PatchMeta} trees from OpenAPI v3 documents as kube-apiserver serves them (the
 * files under `spec/`): `x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`,
 * `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and `x-kubernetes-map-type`, following
 * `$ref` and `allOf: [{$ref}]` wrappers. Also works on an inline CRD `openAPIV3Schema`.
 */
import { readFileSync } from 'node:fs';
import type { ListType, MapType, PatchMeta, PatchMetaKind } from './patch-meta.ts';

/** A JSON-schema object as found in OpenAPI v3 `components.schemas` (only what is read here). */
export interface OpenAPISchema {
  $ref?: string;
  allOf?: OpenAPISchema[];
  type?: string;
  properties?: Record<string, OpenAPISchema>;
  additionalProperties?: OpenAPISchema | boolean;
  items?: OpenAPISchema;
  oneOf?: OpenAPISchema[];
  anyOf?: OpenAPISchema[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [k: string]: unknown;
}

/** An OpenAPI v3 document (only `components.schemas` is read). */
export interface OpenAPIDocument {
  components?: { schemas?: Record<string, OpenAPISchema> };
}

const REF_PREFIX = '#/components/schemas/';
const QUANTITY_SCHEMA = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/**
 * OpenAPIPatchMetaIndex resolves schema names to PatchMeta trees across one or more documents.
 * Nodes are built lazily and cached per schema object.
 */
export class OpenAPIPatchMetaIndex {
  private readonly schemas = new Map<string, OpenAPISchema>();
  private readonly cache = new WeakMap<OpenAPISchema, PatchMeta>();

  constructor(docs: readonly OpenAPIDocument[] = []) {
    for (const d of docs) this.addDocument(d);
  }

  /** addDocument registers the schemas of one more document (first definition of a name wins). */
  addDocument(doc: OpenAPIDocument): void {
    for (const [name, s] of Object.entries(doc.components?.schemas ?? {})) {
      if (!this.schemas.has(name)) this.schemas.set(name, s);
    }
  }

  /** has reports whether a schema name (e.g. `io.k8s.api.core.v1.Pod`) is known. */
  has(name: string): boolean {
    return this.schemas.has(name);
  }

  /** forSchemaName returns the PatchMeta of a named schema, e.g. `io.k8s.api.apps.v1.Deployment`. */
  forSchemaName(name: string): PatchMeta | undefined {
    const s = this.schemas.get(name);
    return s ? this.forSchema(s) : undefined;
  }

  /** forSchema returns the PatchMeta of an inline schema (refs resolve against this index). */
  forSchema(schema: OpenAPISchema): PatchMeta {
    const hit = this.cache.get(schema);
    if (hit) return hit;
    const node = this.build(schema);
    this.cache.set(schema, node);
    return node;
  }

  /**
   * forCustomResource returns the PatchMeta of a custom resource from its CRD version schema
   * (`spec.versions[].schema.openAPIV3Schema`), with `metadata` typed as ObjectMeta (when the
   * index holds `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`) as the apiserver does.
   */
  forCustomResource(openAPIV3Schema: OpenAPISchema | undefined): PatchMeta {
    const base = this.forSchema(openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    const objectMeta = this.forSchemaName('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    return {
      ...base,
      kind: base.kind === 'unknown' ? 'object' : base.kind,
      field: (name: string) => (name === 'metadata' && objectMeta ? objectMeta : base.field(name)),
      items: () => base.items(),
    };
  }

  /** refersTo reports whether a schema is, or wraps, a `$ref` to the named component. */
  private refersTo(s: OpenAPISchema, name: string): boolean {
    if (s.$ref === REF_PREFIX + name) return true;
    return !!s.allOf && s.allOf.length === 1 && s.allOf[0]!.$ref === REF_PREFIX + name;
  }

  private resolve(s: OpenAPISchema, seen = 0): OpenAPISchema {
    if (seen > 32) return s;
    if (typeof s.$ref === 'string' && s.$ref.startsWith(REF_PREFIX)) {
      const target = this.schemas.get(s.$ref.slice(REF_PREFIX.length));
      return target ? this.resolve(target, seen + 1) : s;
    }
    if (s.allOf && s.allOf.length === 1 && !s.properties && !s.items) {
      return this.resolve(s.allOf[0]!, seen + 1);
    }
    return s;
  }

  private build(site: OpenAPISchema): PatchMeta {
    // `site` is where the field is declared (extensions live here); `body` is the resolved type.
    const body = this.resolve(site);
    const ext = <K extends keyof OpenAPISchema>(k: K): OpenAPISchema[K] => (site[k] !== undefined ? site[k] : body[k]);
    let kind: PatchMetaKind;
    if (body.properties) kind = 'object';
    else if (body.additionalProperties && typeof body.additionalProperties === 'object') kind = 'map';
    else if (body.type === 'array' || body.items) kind = 'array';
    else if (
      body['x-kubernetes-preserve-unknown-fields'] ||
      body.type === 'object' ||
      (body.type === undefined && !body.oneOf && !body.anyOf && !body['x-kubernetes-int-or-string'])
    )
      kind = 'unknown';
    else kind = 'scalar';
    const strategy = ext('x-kubernetes-patch-strategy');
    const mergeKey = ext('x-kubernetes-patch-merge-key');
    const listType = ext('x-kubernetes-list-type') as ListType | undefined;
    const listMapKeys = ext('x-kubernetes-list-map-keys');
    const mapType = ext('x-kubernetes-map-type') as MapType | undefined;
    const def = site.default !== undefined ? site.default : body.default;
    const quantity = this.refersTo(site, QUANTITY_SCHEMA);
    const self = this;
    return {
      kind,
      patchStrategies: strategy ? strategy.split(',') : [],
      ...(mergeKey !== undefined ? { patchMergeKey: mergeKey } : {}),
      ...(listType !== undefined ? { listType } : {}),
      ...(listMapKeys !== undefined ? { listMapKeys } : {}),
      ...(mapType !== undefined ? { mapType } : {}),
      ...(def !== undefined ? { default: def } : {}),
      ...(quantity ? { quantity: true } : {}),
      field(name: string): PatchMeta | undefined {
        const p = body.properties?.[name];
        if (p) return self.forSchema(p);
        if (body.additionalProperties && typeof body.additionalProperties === 'object') return self.forSchema(body.additionalProperties);
        return undefined;
      },
      items(): PatchMeta | undefined {
        return body.items ? self.forSchema(body.items) : undefined;
      },
    };
  }
}

/**
 * loadOpenAPIPatchMetaIndex reads OpenAPI v3 JSON files (e.g. every file under `spec/`) into one
 * index.
 */
export function loadOpenAPIPatchMetaIndex(files: readonly string[]): OpenAPIPatchMetaIndex {
  return new OpenAPIPatchMetaIndex(files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as OpenAPIDocument));
}

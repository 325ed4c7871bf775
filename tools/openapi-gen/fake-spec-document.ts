/**
 * Small hand-made OpenAPI documents shaped like upstream's (same path layout and extensions), for
 * unit tests of the resource table and spec-diff without reading the real 11 MB of spec.
 */
import type { OperationObject, PathItemObject, SchemaObject, SpecDocument } from './spec-documents.ts';

/** FakeSubresource describes one subresource of a {@link FakeResource}. */
export interface FakeSubresource {
  name: string;
  /** Kind the subresource serves; defaults to the resource's kind. */
  kind?: string;
  group?: string;
  version?: string;
  /** `x-kubernetes-action` per HTTP method, e.g. `{ get: 'get', put: 'put' }` or `{ post: 'connect' }`. */
  actions: Record<string, string>;
}

/** FakeResource describes one resource of a {@link fakeSpecDocument}. */
export interface FakeResource {
  resource: string;
  kind: string;
  namespaced: boolean;
  /** Only `POST` on the collection (like tokenreviews). */
  createOnly?: boolean;
  /** Properties of the kind's schema (names only; every property is a string). */
  properties?: string[];
  subresources?: FakeSubresource[];
}

/** FakeSpecOptions are the inputs of {@link fakeSpecDocument}. */
export interface FakeSpecOptions {
  group: string;
  version: string;
  /** Go package name used in schema names (`io.k8s.api.<pkg>.<version>.<Kind>`); default the group's first label. */
  pkg?: string;
  resources: FakeResource[];
  /** Publish the deprecated `/watch/` paths (default true, like upstream today). */
  watchPaths?: boolean;
  /** Extra schemas to add as they are. */
  schemas?: Record<string, SchemaObject>;
}

/** fakeSpecDocument builds a document for one group-version with upstream's path shapes. */
export function fakeSpecDocument(opts: FakeSpecOptions): SpecDocument {
  const { group, version } = opts;
  const pkg = opts.pkg ?? (group === '' ? 'core' : group.split('.')[0]!);
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const paths: Record<string, PathItemObject> = {};
  const schemas: Record<string, SchemaObject> = { ...(opts.schemas ?? {}) };
  const watchPaths = opts.watchPaths ?? true;

  for (const r of opts.resources) {
    const gvk = { group, version, kind: r.kind };
    const schemaName = `io.k8s.api.${pkg}.${version}.${r.kind}`;
    const listName = `${schemaName}List`;
    const props: Record<string, SchemaObject> = {};
    for (const p of ['apiVersion', 'kind', ...(r.properties ?? [])]) props[p] = { type: 'string' };
    schemas[schemaName] = { type: 'object', properties: props, 'x-kubernetes-group-version-kind': [gvk] };
    const op = (action: string, ref?: string): OperationObject => ({
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      responses: ref ? { '200': { content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } } } : {},
    });
    const base = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.resource}` : `${prefix}/${r.resource}`;
    if (r.createOnly) {
      paths[base] = { post: op('post', schemaName) };
      continue;
    }
    schemas[listName] = {
      type: 'object',
      properties: { items: { type: 'array', items: { $ref: `#/components/schemas/${schemaName}` } } },
      'x-kubernetes-group-version-kind': [{ ...gvk, kind: `${r.kind}List` }],
    };
    const list = op('list', listName);
    list.parameters = [{ name: 'watch', in: 'query' }];
    paths[base] = { get: list, post: op('post', schemaName), delete: op('deletecollection') };
    paths[`${base}/{name}`] = { get: op('get', schemaName), put: op('put', schemaName), patch: op('patch', schemaName), delete: op('delete') };
    if (r.namespaced) paths[`${prefix}/${r.resource}`] = { get: list };
    if (watchPaths) {
      const wbase = r.namespaced ? `${prefix}/watch/namespaces/{namespace}/${r.resource}` : `${prefix}/watch/${r.resource}`;
      paths[wbase] = { get: op('watchlist') };
      paths[`${wbase}/{name}`] = { get: op('watch') };
    }
    for (const s of r.subresources ?? []) {
      const sgvk = { group: s.group ?? group, version: s.version ?? version, kind: s.kind ?? r.kind };
      const item: PathItemObject = {};
      for (const [method, action] of Object.entries(s.actions)) {
        item[method] = { 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': sgvk, responses: {} };
      }
      paths[`${base}/{name}/${s.name}`] = item;
    }
  }
  return {
    group,
    version,
    file: group === '' ? `api/${version}.json` : `apis/${group}/${version}.json`,
    document: { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'unversioned' }, paths, components: { schemas } },
  };
}

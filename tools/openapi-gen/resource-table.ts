/**
 * Building the resource table from the OpenAPI documents: every group/version/resource with its
 * kind, list kind, scope, verbs, subresources and schema, read from the paths and the
 * `x-kubernetes-action` / `x-kubernetes-group-version-kind` extensions, plus the short names and
 * categories of the overlay (which the OpenAPI does not carry).
 */
import {
  HTTP_METHODS,
  stabilityOf,
  type OperationObject,
  type ParameterObject,
  type SchemaObject,
  type SpecDocument,
} from './spec-documents.ts';

/** SubresourceInfo is one subresource of a resource, as discovery lists it (`pods/status`). */
export interface SubresourceInfo {
  /** Subresource name: `status`, `scale`, `log`, `exec`... */
  name: string;
  /** Kind sent to or returned by the subresource (`Pod`, `Scale`, `Eviction`, `PodExecOptions`). */
  kind: string;
  /** Group of that kind ('' for core); may differ from the resource's group (`autoscaling` for scale). */
  group: string;
  /** Version of that kind. */
  version: string;
  /** Kubernetes verbs, sorted. */
  verbs: string[];
}

/** ResourceInfo is one row of the resource table (see `generated/k8s/resource-table.ts`). */
export interface ResourceInfo {
  group: string;
  version: string;
  resource: string;
  kind: string;
  /** Kind of the list response, '' when the resource has no list verb. */
  listKind: string;
  singular: string;
  namespaced: boolean;
  verbs: string[];
  subresources: SubresourceInfo[];
  /** OpenAPI schema name of the kind, e.g. `io.k8s.api.core.v1.Pod`. */
  schema: string;
  shortNames: string[];
  categories: string[];
  stability: 'ga' | 'beta' | 'alpha';
}

/** ResourceOverlay holds the facts about one group-resource that the OpenAPI does not carry. */
export interface ResourceOverlay {
  shortNames?: string[];
  categories?: string[];
}

/**
 * Overlay maps `<resource>` (core group) or `<resource>.<group>` to its short names and categories;
 * the entry applies to every version of that group-resource.
 */
export type Overlay = Record<string, ResourceOverlay>;

/** overlayKey is the key of a group-resource in the overlay: `pods`, `deployments.apps`. */
export function overlayKey(group: string, resource: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

/** KUBE_VERBS are the verbs discovery can list, in the sorted order discovery uses. */
export const KUBE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

const ACTION_VERBS: Record<string, string> = {
  get: 'get',
  list: 'list',
  watch: 'watch',
  watchlist: 'watch',
  post: 'create',
  put: 'update',
  patch: 'patch',
  delete: 'delete',
  deletecollection: 'deletecollection',
};

/** Connect actions take their verb from the HTTP method; HEAD and OPTIONS add none (as upstream). */
const CONNECT_METHOD_VERBS: Record<string, string> = {
  get: 'get',
  post: 'create',
  put: 'update',
  patch: 'patch',
  delete: 'delete',
};

interface Accumulator {
  resource: string;
  namespaced: boolean;
  verbs: Set<string>;
  kinds: Map<string, { group: string; version: string; kind: string }>;
  schemaRefs: string[];
  listSchemaRef?: string;
  subresources: Map<string, { verbs: Set<string>; gvk?: { group: string; version: string; kind: string } }>;
}

/**
 * buildResourceTable derives the resource table of all documents: one entry per group, version and
 * resource, sorted by document order (core first, groups by name, preferred version first) then by
 * resource name. Scope comes from the path shape (`namespaces/{namespace}/<resource>`), verbs from
 * `x-kubernetes-action`, and `watch` from the `/watch/` paths (or, in a document without any, from a
 * `watch` query parameter on list).
 */
export function buildResourceTable(docs: readonly SpecDocument[], overlay: Overlay = {}): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  for (const doc of docs) out.push(...resourcesOfDocument(doc, overlay));
  return out;
}

/** unusedOverlayKeys lists the overlay keys that match no resource in the table (typos, removed resources). */
export function unusedOverlayKeys(table: readonly ResourceInfo[], overlay: Overlay): string[] {
  const used = new Set(table.map((r) => overlayKey(r.group, r.resource)));
  return Object.keys(overlay).filter((k) => !used.has(k)).sort();
}

function resourcesOfDocument(doc: SpecDocument, overlay: Overlay): ResourceInfo[] {
  const prefix = doc.group === '' ? `/api/${doc.version}` : `/apis/${doc.group}/${doc.version}`;
  const schemas = doc.document.components.schemas;
  const acc = new Map<string, Accumulator>();
  // Upstream still publishes the deprecated `/watch/` paths for exactly the watchable resources
  // (componentstatuses list a `watch` parameter but cannot be watched). Only a document without
  // any `/watch/` path falls back to the `watch` query parameter of list.
  const hasWatchPaths = Object.keys(doc.document.paths).some((p) => p.startsWith(`${prefix}/watch/`));
  const get = (resource: string): Accumulator => {
    let a = acc.get(resource);
    if (!a) {
      a = { resource, namespaced: false, verbs: new Set(), kinds: new Map(), schemaRefs: [], subresources: new Map() };
      acc.set(resource, a);
    }
    return a;
  };

  for (const p of Object.keys(doc.document.paths).sort()) {
    if (!p.startsWith(`${prefix}/`)) continue;
    let rest = p.slice(prefix.length);
    let watchPath = false;
    if (rest.startsWith('/watch/')) {
      watchPath = true;
      rest = rest.slice('/watch'.length);
    }
    const segs = rest.split('/').filter((s) => s !== '');
    if (segs.length === 0) continue;
    let namespaced = false;
    let resource: string;
    let tail: string[];
    if (segs[0] === 'namespaces' && segs[1] === '{namespace}' && segs.length >= 3) {
      namespaced = true;
      resource = segs[2]!;
      tail = segs.slice(3);
    } else {
      resource = segs[0]!;
      tail = segs.slice(1);
    }
    if (resource.startsWith('{')) continue;
    // tail: [] collection, ['{name}'] item, ['{name}', sub, ...] subresource (proxy/{path} is proxy).
    if (tail.length > 0 && tail[0] !== '{name}') continue;
    const subresource = tail.length >= 2 ? tail[1] : undefined;

    const item = doc.document.paths[p]!;
    const pathParams = (item.parameters ?? []) as ParameterObject[];
    for (const method of HTTP_METHODS) {
      const op = item[method] as OperationObject | undefined;
      if (!op || typeof op !== 'object' || Array.isArray(op)) continue;
      const action = op['x-kubernetes-action'];
      if (!action) continue;
      let verb: string | undefined;
      if (action === 'connect') verb = CONNECT_METHOD_VERBS[method];
      else verb = watchPath ? 'watch' : ACTION_VERBS[action];
      const gvk = op['x-kubernetes-group-version-kind'];
      const a = get(resource);
      if (namespaced) a.namespaced = true;

      if (subresource !== undefined) {
        let sub = a.subresources.get(subresource);
        if (!sub) {
          sub = { verbs: new Set() };
          a.subresources.set(subresource, sub);
        }
        if (verb) sub.verbs.add(verb);
        if (gvk && !sub.gvk) sub.gvk = { group: gvk.group, version: gvk.version, kind: gvk.kind };
        continue;
      }

      if (verb) a.verbs.add(verb);
      if (action === 'list' && !watchPath) {
        const params = [...pathParams, ...(op.parameters ?? [])];
        if (!hasWatchPaths && params.some((x) => x.in === 'query' && x.name === 'watch')) a.verbs.add('watch');
        const ref = responseRef(op);
        if (ref) a.listSchemaRef ??= ref;
      }
      if (gvk) a.kinds.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, gvk);
      if (!watchPath && action !== 'list' && action !== 'deletecollection' && action !== 'delete') {
        const ref = responseRef(op);
        if (ref) a.schemaRefs.push(ref);
      }
    }
  }

  const entries: ResourceInfo[] = [];
  for (const a of [...acc.values()].sort((x, y) => (x.resource < y.resource ? -1 : x.resource > y.resource ? 1 : 0))) {
    if (a.verbs.size === 0 && a.kinds.size === 0) continue;
    const gvk = pickKind(a, doc);
    if (!gvk) throw new Error(`${doc.file}: resource ${a.resource} has no x-kubernetes-group-version-kind`);
    const schema = pickSchema(a, gvk, schemas);
    const listKind = a.listSchemaRef ? (kindOfSchema(a.listSchemaRef, schemas) ?? `${gvk.kind}List`) : '';
    const extra = overlay[overlayKey(doc.group, a.resource)] ?? {};
    entries.push({
      group: doc.group,
      version: doc.version,
      resource: a.resource,
      kind: gvk.kind,
      listKind,
      singular: gvk.kind.toLowerCase(),
      namespaced: a.namespaced,
      verbs: sortVerbs(a.verbs),
      subresources: [...a.subresources.entries()]
        .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
        .map(([name, sub]) => ({
          name,
          kind: sub.gvk?.kind ?? gvk.kind,
          group: sub.gvk?.group ?? gvk.group,
          version: sub.gvk?.version ?? gvk.version,
          verbs: sortVerbs(sub.verbs),
        })),
      schema,
      shortNames: [...(extra.shortNames ?? [])],
      categories: [...(extra.categories ?? [])],
      stability: stabilityOf(doc.version),
    });
  }
  return entries;
}

function sortVerbs(verbs: Set<string>): string[] {
  return [...verbs].sort();
}

/** pickKind prefers the kind in the document's own group-version (resources always have one). */
function pickKind(a: Accumulator, doc: SpecDocument): { group: string; version: string; kind: string } | undefined {
  const kinds = [...a.kinds.values()];
  return kinds.find((k) => k.group === doc.group && k.version === doc.version) ?? kinds[0];
}

function pickSchema(
  a: Accumulator,
  gvk: { group: string; version: string; kind: string },
  schemas: Record<string, SchemaObject>,
): string {
  for (const ref of a.schemaRefs) {
    if (kindOfSchema(ref, schemas) === gvk.kind) return ref;
  }
  const byGvk = Object.keys(schemas)
    .sort()
    .find((name) => {
      const list = schemas[name]!['x-kubernetes-group-version-kind'] ?? [];
      return list.some((k) => k.group === gvk.group && k.version === gvk.version && k.kind === gvk.kind);
    });
  if (byGvk) return byGvk;
  return a.schemaRefs[0] ?? '';
}

function kindOfSchema(name: string, schemas: Record<string, SchemaObject>): string | undefined {
  const list = schemas[name]?.['x-kubernetes-group-version-kind'];
  if (list && list.length > 0) return list[0]!.kind;
  return name.split('.').pop();
}

function responseRef(op: OperationObject): string | undefined {
  for (const code of ['200', '201', '202']) {
    const content = op.responses?.[code]?.content;
    if (!content) continue;
    const schema = content['application/json']?.schema ?? Object.values(content)[0]?.schema;
    const ref = schema?.$ref;
    if (ref?.startsWith('#/components/schemas/')) return ref.slice('#/components/schemas/'.length);
  }
  return undefined;
}

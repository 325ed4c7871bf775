/**
 * ApiRegistry holds every served group/version/resource: its resource-table entry, its registry
 * Store (and subresource stores), schema, field-selector attributes and table printer. Built-in
 * resources come from the generated resource table; CRDs add and remove entries at run time.
 *
 * upstream: the APIGroupInfo / VersionedResourcesStorageMap wiring of pkg/controlplane and
 * apiextensions-apiserver's crdHandler.
 */
import type { ResourceTableEntry } from '#generated/k8s/resource-table.ts';
import type { PatchMeta } from '#impl/apimachinery/index.ts';
import type { Structural } from './schema/structural.ts';
import type { Store } from './registry/generic/store.ts';
import type { KubeObject, RequestContext } from './registry/rest/strategy.ts';
import type { TablePrinter } from './printers/printers.ts';
import type { ConnectRequest } from './endpoints/handlers/connect.ts';

/** SubresourceHandler serves one subresource (status, scale, binding, eviction, finalize...). */
export interface SubresourceHandler {
  /** A plain Store (status-like subresources: get/update/patch act on the whole object). */
  store?: Store;
  /** get for custom subresources (scale). */
  get?(ctx: RequestContext, name: string): Promise<KubeObject>;
  /** update for custom subresources: compute the new subresource object from the old one. */
  update?(ctx: RequestContext, name: string, objInfo: (old: KubeObject) => KubeObject | Promise<KubeObject>, opts: { dryRun: boolean; fieldManager?: string }): Promise<KubeObject>;
  /** create for action subresources (binding, eviction). Returns the response body. */
  create?(ctx: RequestContext, name: string, body: KubeObject, opts: { dryRun: boolean }): Promise<unknown>;
  /** connect for connect subresources (log, exec, attach, portforward, proxy): serves the raw request (upstream rest.Connecter). */
  connect?(ctx: RequestContext, name: string, r: ConnectRequest): Promise<void>;
  /** Schema of the subresource object, for unknown-field checks (scale). */
  schema?: Structural;
  /** Patch meta of the subresource object (scale), for strategic merge patch and apply. */
  patchMeta?: () => PatchMeta | undefined;
  /** The subresource's kind, for apiVersion/kind defaults (`autoscaling/v1 Scale`). */
  apiVersion?: string;
  kind?: string;
}

/** ServedResource is one served group/version/resource. */
export interface ServedResource {
  entry: ResourceTableEntry;
  /** Undefined for virtual (create-only review) resources, which use `create`. */
  store?: Store;
  subresources: Map<string, SubresourceHandler>;
  /** Schema of the kind (defaulting, unknown fields); undefined means "accept anything". */
  schema?: Structural;
  /** Patch meta of the kind (strategic merge patch, server-side apply, managedFields), computed on first use. */
  patchMeta?: () => PatchMeta | undefined;
  /** Defaults a decoded body before admission (the main strategy's `setDefaults`). */
  setDefaults?: (obj: KubeObject) => void;
  /** Fields a field selector may use (besides metadata.name and metadata.namespace). */
  fieldSelectorAttrs?: (obj: KubeObject) => Record<string, string>;
  printer: TablePrinter;
  /** Computed read-only resources (componentstatuses): get and list without a Store (upstream rest.Getter/rest.Lister). */
  readOnly?: { get(ctx: RequestContext, name: string): Promise<KubeObject>; list(ctx: RequestContext): Promise<KubeObject[]> };
  /** Create for virtual resources (reviews, bindings): returns the response object. */
  create?(ctx: RequestContext, body: KubeObject): Promise<KubeObject>;
  /** True for custom resources (JSON merge patch only, pruning, schema validation). */
  custom?: boolean;
  /** Validate/default/prune hook for custom resources, run on every write. */
  admitCustom?(obj: KubeObject, op: 'create' | 'update', old?: KubeObject): void;
  /** Whether the resource is the storage version (discovery's storageVersionHash); informational. */
  storageVersion?: boolean;
}

/** key of a group/version/resource. */
export function gvrKey(group: string, version: string, resource: string): string {
  return `${group}/${version}/${resource}`;
}

/**
 * ApiRegistry indexes the served resources and keeps them in discovery order (core first,
 * then groups in table order).
 */
export class ApiRegistry {
  private readonly byGvr = new Map<string, ServedResource>();
  /** Incremented on every change, for discovery caches (ETags). */
  generation = 0;

  add(r: ServedResource): void {
    this.byGvr.set(gvrKey(r.entry.group, r.entry.version, r.entry.resource), r);
    this.generation++;
  }

  remove(group: string, version: string, resource: string): void {
    this.byGvr.delete(gvrKey(group, version, resource));
    this.generation++;
  }

  lookup(group: string, version: string, resource: string): ServedResource | undefined {
    return this.byGvr.get(gvrKey(group, version, resource));
  }

  all(): ServedResource[] {
    return [...this.byGvr.values()];
  }

  /** groups lists served groups with their versions, preferred (first registered) version first. */
  groups(): Array<{ name: string; versions: string[] }> {
    const out = new Map<string, string[]>();
    for (const r of this.byGvr.values()) {
      const vs = out.get(r.entry.group) ?? [];
      if (!vs.includes(r.entry.version)) vs.push(r.entry.version);
      out.set(r.entry.group, vs);
    }
    return [...out].map(([name, versions]) => ({ name, versions: sortVersions(versions) }));
  }

  /** resources lists the resources of one group/version in name order. */
  resources(group: string, version: string): ServedResource[] {
    return [...this.byGvr.values()].filter((r) => r.entry.group === group && r.entry.version === version).sort((a, b) => a.entry.resource.localeCompare(b.entry.resource));
  }
}

/**
 * sortVersions orders versions by Kubernetes version priority: GA before beta before alpha,
 * higher major/minor first (upstream version.CompareKubeAwareVersionStrings).
 */
export function sortVersions(vs: string[]): string[] {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    const stab = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stab, Number(m[1]), Number(m[3] ?? 0)];
  };
  return [...vs].sort((a, b) => {
    const [sa, ma, na] = rank(a);
    const [sb, mb, nb] = rank(b);
    return sb - sa || mb - ma || nb - na || a.localeCompare(b);
  });
}

/**
 * Rendering the resource table (`resource-table.ts` in this folder builds it) as the TypeScript
 * module `generated/k8s/resource-table.ts`.
 */
import type { ResourceInfo } from './resource-table.ts';

const PRELUDE = `/**
 * ResourceTableSubresource is one subresource of a resource, as discovery lists it (\`pods/status\`).
 * \`kind\`, \`group\` and \`version\` are those of the object the subresource takes or returns, which may
 * differ from the resource's (\`deployments/scale\` is autoscaling/v1 Scale, \`pods/eviction\` policy/v1
 * Eviction).
 */
export interface ResourceTableSubresource {
  name: string;
  kind: string;
  group: string;
  version: string;
  /** Kubernetes verbs, sorted (connect subresources map GET to get, POST to create, and so on). */
  verbs: string[];
}

/**
 * ResourceTableEntry describes one group/version/resource, derived from the OpenAPI paths
 * (\`x-kubernetes-action\`, \`x-kubernetes-group-version-kind\`) and the overlay of short names and
 * categories.
 */
export interface ResourceTableEntry {
  /** API group, '' for the core group. */
  group: string;
  version: string;
  /** Plural resource name, as in the URL. */
  resource: string;
  kind: string;
  /** Kind of list responses, '' when the resource has no list verb. */
  listKind: string;
  /** Lower-case kind, as discovery's singularName. */
  singular: string;
  namespaced: boolean;
  /** Kubernetes verbs: get, list, watch, create, update, patch, delete, deletecollection (sorted). */
  verbs: string[];
  subresources: ResourceTableSubresource[];
  /** OpenAPI schema name of the kind, e.g. 'io.k8s.api.core.v1.Pod'. */
  schema: string;
  shortNames: string[];
  categories: string[];
  stability: 'ga' | 'beta' | 'alpha';
}

/**
 * resourceTable lists every resource of every group-version in spec/: core first, then groups by
 * name, preferred version first, then resources by name.
 */
export const resourceTable: readonly ResourceTableEntry[] = [
`;

const POSTLUDE = `];

/** findResource returns the entry of a group/version/resource, if the table has it. */
export function findResource(group: string, version: string, resource: string): ResourceTableEntry | undefined {
  return resourceTable.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/** findResourceForKind returns the entry serving a group/version/kind, if the table has it. */
export function findResourceForKind(group: string, version: string, kind: string): ResourceTableEntry | undefined {
  return resourceTable.find((r) => r.group === group && r.version === version && r.kind === kind);
}
`;

/** renderResourceTableModule renders the table as a module: the entry interfaces, the table, two lookups. */
export function renderResourceTableModule(table: readonly ResourceInfo[], header: string): string {
  const s = (v: string): string => JSON.stringify(v);
  const list = (vs: readonly string[]): string => `[${vs.map(s).join(', ')}]`;
  const rows = table.map((r) => {
    const subs =
      r.subresources.length === 0
        ? '[]'
        : `[\n${r.subresources
            .map(
              (x) =>
                `      { name: ${s(x.name)}, kind: ${s(x.kind)}, group: ${s(x.group)}, version: ${s(x.version)}, verbs: ${list(x.verbs)} },\n`,
            )
            .join('')}    ]`;
    return (
      `  {\n` +
      `    group: ${s(r.group)}, version: ${s(r.version)}, resource: ${s(r.resource)},\n` +
      `    kind: ${s(r.kind)}, listKind: ${s(r.listKind)}, singular: ${s(r.singular)}, namespaced: ${r.namespaced},\n` +
      `    verbs: ${list(r.verbs)},\n` +
      `    subresources: ${subs},\n` +
      `    schema: ${s(r.schema)},\n` +
      `    shortNames: ${list(r.shortNames)}, categories: ${list(r.categories)}, stability: ${s(r.stability)},\n` +
      `  },\n`
    );
  });
  return `${header}${PRELUDE}${rows.join('')}${POSTLUDE}`;
}

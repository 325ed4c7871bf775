/**
 * Comparing two Kubernetes releases' OpenAPI documents: which group-versions, resources, kinds,
 * definitions and fields were added or removed. `npm run spec-diff -- OLD_DIR NEW_DIR` prints it.
 */
import { buildResourceTable, type ResourceInfo } from '../openapi-gen/resource-table.ts';
import { mergeSchemas, type SchemaObject, type SpecDocument } from '../openapi-gen/spec-documents.ts';

/** AddedRemoved is a pair of sorted lists. */
export interface AddedRemoved {
  added: string[];
  removed: string[];
}

/** ResourceChange lists what changed on a resource present in both releases. */
export interface ResourceChange {
  /** `apps/v1 deployments`, `v1 pods`. */
  resource: string;
  /** Readable changes: `verbs +watch`, `subresources -resize`, `scope cluster -> namespaced`. */
  changes: string[];
}

/** FieldChange lists the properties added to or removed from one definition. */
export interface FieldChange extends AddedRemoved {
  definition: string;
}

/** SpecDiff is the difference between two releases. */
export interface SpecDiff {
  /** Group-versions as apiVersion strings: `v1`, `apps/v1`. */
  groupVersions: AddedRemoved;
  resources: AddedRemoved & { changed: ResourceChange[] };
  /** Kinds as `<apiVersion> <Kind>`, from `x-kubernetes-group-version-kind` of the schemas. */
  kinds: AddedRemoved;
  /** OpenAPI schema names. */
  definitions: AddedRemoved;
  /** Definitions in both releases whose properties changed, by definition name. */
  fields: FieldChange[];
}

/** diffSpecs compares the documents of an old and a new release. */
export function diffSpecs(oldDocs: readonly SpecDocument[], newDocs: readonly SpecDocument[]): SpecDiff {
  const gv = (d: { group: string; version: string }): string => (d.group ? `${d.group}/${d.version}` : d.version);
  const oldTable = indexResources(buildResourceTable(oldDocs));
  const newTable = indexResources(buildResourceTable(newDocs));
  const oldSchemas = mergeSchemas(oldDocs);
  const newSchemas = mergeSchemas(newDocs);

  const changed: ResourceChange[] = [];
  for (const [id, n] of newTable) {
    const o = oldTable.get(id);
    if (!o) continue;
    const changes = resourceChanges(o, n);
    if (changes.length > 0) changed.push({ resource: id, changes });
  }

  const fields: FieldChange[] = [];
  for (const [name, n] of [...newSchemas].sort(([a], [b]) => cmp(a, b))) {
    const o = oldSchemas.get(name);
    if (!o) continue;
    const d = addedRemoved(Object.keys(o.properties ?? {}), Object.keys(n.properties ?? {}));
    if (d.added.length > 0 || d.removed.length > 0) fields.push({ definition: name, ...d });
  }

  return {
    groupVersions: addedRemoved(oldDocs.map(gv), newDocs.map(gv)),
    resources: { ...addedRemoved([...oldTable.keys()], [...newTable.keys()]), changed: changed.sort((a, b) => cmp(a.resource, b.resource)) },
    kinds: addedRemoved(kindsOf(oldSchemas), kindsOf(newSchemas)),
    definitions: addedRemoved([...oldSchemas.keys()], [...newSchemas.keys()]),
    fields,
  };
}

/** isEmptySpecDiff reports whether two releases have no difference this report looks at. */
export function isEmptySpecDiff(diff: SpecDiff): boolean {
  const lists = [diff.groupVersions, diff.resources, diff.kinds, diff.definitions];
  return lists.every((l) => l.added.length === 0 && l.removed.length === 0) && diff.resources.changed.length === 0 && diff.fields.length === 0;
}

/** formatSpecDiff renders the diff as a readable report, `+` for added and `-` for removed. */
export function formatSpecDiff(diff: SpecDiff, labels: { old: string; new: string }): string {
  const out: string[] = [`Kubernetes API changes: ${labels.old} -> ${labels.new}`, ''];
  const section = (title: string, ar: AddedRemoved, extra: string[] = []): void => {
    out.push(`${title} (+${ar.added.length} -${ar.removed.length}${extra.length ? ` ~${extra.length}` : ''})`);
    if (ar.added.length + ar.removed.length + extra.length === 0) out.push('  (no change)');
    for (const a of ar.added) out.push(`  + ${a}`);
    for (const r of ar.removed) out.push(`  - ${r}`);
    out.push(...extra);
    out.push('');
  };
  section('Group-versions', diff.groupVersions);
  section(
    'Resources',
    diff.resources,
    diff.resources.changed.map((c) => `  ~ ${c.resource}: ${c.changes.join('; ')}`),
  );
  section('Kinds', diff.kinds);
  section('Definitions', diff.definitions);
  const fieldsAdded = diff.fields.reduce((n, f) => n + f.added.length, 0);
  const fieldsRemoved = diff.fields.reduce((n, f) => n + f.removed.length, 0);
  out.push(`Fields (+${fieldsAdded} -${fieldsRemoved} in ${diff.fields.length} definitions present in both)`);
  if (diff.fields.length === 0) out.push('  (no change)');
  for (const f of diff.fields) {
    out.push(`  ${f.definition}`);
    for (const a of f.added) out.push(`    + ${a}`);
    for (const r of f.removed) out.push(`    - ${r}`);
  }
  out.push('');
  if (isEmptySpecDiff(diff)) out.push('No differences.');
  return out.join('\n');
}

function indexResources(table: readonly ResourceInfo[]): Map<string, ResourceInfo> {
  const m = new Map<string, ResourceInfo>();
  for (const r of table) m.set(`${r.group ? `${r.group}/` : ''}${r.version} ${r.resource}`, r);
  return m;
}

function resourceChanges(o: ResourceInfo, n: ResourceInfo): string[] {
  const changes: string[] = [];
  if (o.kind !== n.kind) changes.push(`kind ${o.kind} -> ${n.kind}`);
  if (o.namespaced !== n.namespaced) {
    changes.push(`scope ${o.namespaced ? 'namespaced' : 'cluster'} -> ${n.namespaced ? 'namespaced' : 'cluster'}`);
  }
  const verbs = addedRemoved(o.verbs, n.verbs);
  if (verbs.added.length + verbs.removed.length > 0) changes.push(`verbs ${signed(verbs)}`);
  const subs = addedRemoved(
    o.subresources.map((s) => s.name),
    n.subresources.map((s) => s.name),
  );
  if (subs.added.length + subs.removed.length > 0) changes.push(`subresources ${signed(subs)}`);
  for (const ns of n.subresources) {
    const os = o.subresources.find((s) => s.name === ns.name);
    if (!os) continue;
    const v = addedRemoved(os.verbs, ns.verbs);
    if (v.added.length + v.removed.length > 0) changes.push(`${ns.name} verbs ${signed(v)}`);
  }
  if (o.schema !== n.schema) changes.push(`schema ${o.schema} -> ${n.schema}`);
  return changes;
}

function kindsOf(schemas: Map<string, SchemaObject>): string[] {
  const kinds = new Set<string>();
  for (const [name, schema] of schemas) {
    if (name.startsWith('io.k8s.apimachinery.')) continue;
    for (const k of schema['x-kubernetes-group-version-kind'] ?? []) {
      kinds.add(`${k.group ? `${k.group}/` : ''}${k.version} ${k.kind}`);
    }
  }
  return [...kinds];
}

function addedRemoved(oldItems: readonly string[], newItems: readonly string[]): AddedRemoved {
  const o = new Set(oldItems);
  const n = new Set(newItems);
  return {
    added: [...n].filter((x) => !o.has(x)).sort(cmp),
    removed: [...o].filter((x) => !n.has(x)).sort(cmp),
  };
}

function signed(ar: AddedRemoved): string {
  return [...ar.added.map((a) => `+${a}`), ...ar.removed.map((r) => `-${r}`)].join(' ');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

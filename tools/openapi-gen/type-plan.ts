/**
 * Planning the generated type modules: which module emits each OpenAPI schema (once), which module
 * exports its friendly name, and which friendly names `index.ts` exports bare. Pure: no files, no
 * openapi-typescript; `type-modules.ts` renders the plan.
 *
 * Naming rule (see README.md):
 * - Every schema has a home package taken from its name: `io.k8s.api.<pkg>.<version>.<Name>`,
 *   `<...>.pkg.apis.<pkg>.<version>.<Name>` (apiextensions, apiregistration), or
 *   `io.k8s.apimachinery.*` (the `apimachinery` package). Its friendly name is `<Name>`.
 * - Each `<pkg>.<version>` is a module named after the group-version its kinds carry
 *   (`api/v1.ts` for core, `apis/<group>/<version>.ts`), exporting the friendly names of that package;
 *   `index.ts` re-exports the module as the namespace `<pkg>.<version>` (`core.v1.Pod`,
 *   `apps.v1.Deployment`, `autoscaling.v1.HorizontalPodAutoscaler`), and `apimachinery.ts` as
 *   `apimachinery`.
 * - A friendly name is also exported bare from `index.ts` when one schema wins among all schemas with
 *   that name, ranked by: apimachinery first; a kind (has `x-kubernetes-group-version-kind`) before a
 *   non-kind; GA before beta before alpha; higher version (v2 before v1, v1beta2 before v1beta1); the
 *   core group before other groups. A tie on all of these gives no bare name (only qualified ones).
 */
import { stabilityOf, type SchemaObject, type SpecDocument } from './spec-documents.ts';

/** SchemaHome is where a schema's friendly name lives. */
export interface SchemaHome {
  /** Go package name (`core`, `apps`, `rbac`, `apiextensions`...), or `apimachinery`. */
  pkg: string;
  /** API version of the package, '' for apimachinery. */
  version: string;
  /** Friendly name: the last segment of the schema name. */
  name: string;
}

/** TypeModule is one generated file under `generated/k8s/`. */
export interface TypeModule {
  /** Path relative to `generated/k8s/`, e.g. `apis/apps/v1.ts`, `shared.ts`, `apimachinery.ts`. */
  file: string;
  /** The spec document this module emits schemas from (relative to the spec dir), if any. */
  specFile?: string;
  /** Schema names whose types this module emits (openapi-typescript output), sorted. */
  emits: string[];
  /** Friendly aliases this module exports: alias name -> schema name, sorted by alias. */
  aliases: [string, string][];
  /** Namespace pieces for `index.ts` (`['apps', 'v1']`), absent for `shared.ts`. */
  namespace?: [string] | [string, string];
}

/** TypePlan is the complete layout of `generated/k8s/` types. */
export interface TypePlan {
  /** `shared.ts` first, then group-version modules (core first), then `apimachinery.ts`. */
  modules: TypeModule[];
  /** Schema name -> file of the module that emits it. */
  emittedIn: Map<string, string>;
  /** Bare names exported by `index.ts`: name -> schema name, sorted by name. */
  bare: [string, string][];
  /** Friendly names that clash and have no bare export (exported only qualified), sorted. */
  qualifiedOnly: string[];
}

/** SHARED_MODULE is the module emitting schemas found in several documents, and all apimachinery ones. */
export const SHARED_MODULE = 'shared.ts';
/** APIMACHINERY_MODULE is the module exporting the friendly names of apimachinery schemas. */
export const APIMACHINERY_MODULE = 'apimachinery.ts';

const PACKAGE_RE = /^(?:io\.k8s\.api\.|.*\.pkg\.apis\.)([a-z0-9]+)\.(v\d+(?:(?:alpha|beta)\d+)?)\.([A-Za-z0-9_]+)$/;

/** homeOf returns the home package and friendly name of a schema, from its name alone. */
export function homeOf(schemaName: string): SchemaHome {
  const name = schemaName.split('.').pop()!;
  if (schemaName.startsWith('io.k8s.apimachinery.')) return { pkg: 'apimachinery', version: '', name };
  const m = PACKAGE_RE.exec(schemaName);
  if (!m) return { pkg: 'apimachinery', version: '', name };
  return { pkg: m[1]!, version: m[2]!, name: m[3]! };
}

/** moduleFileOf is the module path of a group-version: `api/v1.ts` or `apis/<group>/<version>.ts`. */
export function moduleFileOf(group: string, version: string): string {
  return group === '' ? `api/${version}.ts` : `apis/${group}/${version}.ts`;
}

/**
 * planTypes lays out the type modules for the documents plus `extraSchemas` (schemas the apiserver
 * serves that upstream's OpenAPI leaves out, like meta/v1 Table; they go to `shared.ts`).
 * A schema is emitted once: in its document's module if only one document has it, else in
 * `shared.ts`; every `io.k8s.apimachinery.*` schema goes to `shared.ts`.
 */
export function planTypes(docs: readonly SpecDocument[], extraSchemas: Record<string, SchemaObject> = {}): TypePlan {
  const docsOf = new Map<string, string[]>();
  const schemaOf = new Map<string, SchemaObject>();
  for (const doc of docs) {
    for (const [name, schema] of Object.entries(doc.document.components.schemas)) {
      const list = docsOf.get(name) ?? [];
      list.push(doc.file);
      docsOf.set(name, list);
      schemaOf.set(name, schema);
    }
  }
  for (const [name, schema] of Object.entries(extraSchemas)) {
    if (!schemaOf.has(name)) {
      schemaOf.set(name, schema);
      docsOf.set(name, []);
    }
  }

  // Package -> group, from the kinds of the package (core is always '').
  const groupOfPkg = new Map<string, string>([['core/v1', '']]);
  for (const [name, schema] of [...schemaOf.entries()].sort(([a], [b]) => cmp(a, b))) {
    const home = homeOf(name);
    if (home.pkg === 'apimachinery') continue;
    const gvks = schema['x-kubernetes-group-version-kind'];
    const key = `${home.pkg}/${home.version}`;
    if (gvks?.length === 1 && !groupOfPkg.has(key)) groupOfPkg.set(key, gvks[0]!.group);
  }
  const docGroups = new Set(docs.map((d) => d.group));
  const groupOf = (home: SchemaHome): string => {
    const key = `${home.pkg}/${home.version}`;
    const known = groupOfPkg.get(key);
    if (known !== undefined) return known;
    // A package without kinds: the document group whose first label is the package name.
    const guess = [...docGroups].sort().find((g) => g.split('.')[0] === home.pkg);
    if (guess !== undefined) return guess;
    throw new Error(`cannot tell the API group of package ${key}; add a kind to it or extend tools/openapi-gen/type-plan.ts`);
  };

  const modules = new Map<string, TypeModule>();
  const ensure = (file: string, init: Omit<TypeModule, 'file' | 'emits' | 'aliases'>): TypeModule => {
    let m = modules.get(file);
    if (!m) {
      m = { file, emits: [], aliases: [], ...init };
      modules.set(file, m);
    }
    if (init.specFile && !m.specFile) m.specFile = init.specFile;
    return m;
  };
  const shared = ensure(SHARED_MODULE, {});
  for (const doc of docs) ensure(moduleFileOf(doc.group, doc.version), { specFile: doc.file });

  const emittedIn = new Map<string, string>();
  const names = [...schemaOf.keys()].sort(cmp);
  const pkgModule = new Map<string, TypeModule>();
  for (const name of names) {
    const files = docsOf.get(name)!;
    const home = homeOf(name);
    let emitter: TypeModule;
    if (home.pkg === 'apimachinery' || files.length !== 1) emitter = shared;
    else {
      const doc = docs.find((d) => d.file === files[0])!;
      emitter = ensure(moduleFileOf(doc.group, doc.version), { specFile: doc.file });
    }
    emitter.emits.push(name);
    emittedIn.set(name, emitter.file);

    let homeModule: TypeModule;
    if (home.pkg === 'apimachinery') homeModule = ensure(APIMACHINERY_MODULE, { namespace: ['apimachinery'] });
    else {
      homeModule = ensure(moduleFileOf(groupOf(home), home.version), {});
      pkgModule.set(`${home.pkg}/${home.version}`, homeModule);
    }
    if (homeModule.aliases.some(([alias]) => alias === home.name)) continue; // same short name twice in apimachinery
    homeModule.aliases.push([home.name, name]);
  }
  for (const [key, m] of pkgModule) {
    const [pkg, version] = key.split('/') as [string, string];
    if (m.namespace && (m.namespace[0] !== pkg || m.namespace[1] !== version)) {
      throw new Error(`module ${m.file} holds two packages: ${m.namespace.join('.')} and ${pkg}.${version}`);
    }
    m.namespace = [pkg, version];
  }
  for (const m of modules.values()) {
    m.aliases.sort(([a], [b]) => cmp(a, b));
    if (m.file !== SHARED_MODULE && !m.namespace && m.specFile) {
      // A document whose kinds all live in other packages: name it after its group-version.
      const doc = docs.find((d) => d.file === m.specFile)!;
      m.namespace = [(doc.group.split('.')[0] || 'core').replace(/[^a-z0-9]/g, ''), doc.version];
    }
  }

  // Bare names.
  const byName = new Map<string, string[]>();
  for (const name of names) {
    const short = homeOf(name).name;
    byName.set(short, [...(byName.get(short) ?? []), name]);
  }
  const bare: [string, string][] = [];
  const qualifiedOnly: string[] = [];
  for (const [short, candidates] of [...byName.entries()].sort(([a], [b]) => cmp(a, b))) {
    const ranked = candidates
      .map((name) => ({ name, rank: rankOf(name, schemaOf.get(name)!) }))
      .sort((a, b) => compareRanks(b.rank, a.rank));
    if (ranked.length > 1 && compareRanks(ranked[0]!.rank, ranked[1]!.rank) === 0) {
      qualifiedOnly.push(short);
      continue;
    }
    bare.push([short, ranked[0]!.name]);
  }

  const ordered = [...modules.values()].sort((a, b) => moduleOrder(a) - moduleOrder(b) || cmp(a.file, b.file));
  return { modules: ordered, emittedIn, bare, qualifiedOnly };
}

function moduleOrder(m: TypeModule): number {
  if (m.file === SHARED_MODULE) return 0;
  if (m.file === APIMACHINERY_MODULE) return 3;
  return m.file.startsWith('api/') ? 1 : 2;
}

function rankOf(name: string, schema: SchemaObject): number[] {
  const home = homeOf(name);
  if (home.pkg === 'apimachinery') return [1, 0, 0, 0, 0, 0];
  const isKind = (schema['x-kubernetes-group-version-kind']?.length ?? 0) > 0 ? 1 : 0;
  const level = { ga: 3, beta: 2, alpha: 1 }[stabilityOf(home.version)];
  const m = /^v(\d+)(?:(?:alpha|beta)(\d+))?$/.exec(home.version);
  const major = m ? Number(m[1]) : 0;
  const minor = m?.[2] ? Number(m[2]) : 0;
  return [0, isKind, level, major, minor, home.pkg === 'core' ? 1 : 0];
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

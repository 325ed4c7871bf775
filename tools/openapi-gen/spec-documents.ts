/**
 * Loading the Kubernetes OpenAPI v3 documents of one release: `api/v1.json` (the core group) and
 * `apis/<group>/<version>.json`, exactly as kube-apiserver serves them at `/openapi/v3/...`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** SchemaObject is the part of an OpenAPI 3 schema the generators read. */
export interface SchemaObject {
  $ref?: string;
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  items?: SchemaObject;
  additionalProperties?: SchemaObject | boolean;
  allOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  [extension: string]: unknown;
}

/** GroupVersionKind is the value of an `x-kubernetes-group-version-kind` extension. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** ParameterObject is an OpenAPI operation or path parameter. */
export interface ParameterObject {
  name: string;
  in: string;
  [key: string]: unknown;
}

/** OperationObject is an OpenAPI operation with the Kubernetes extensions. */
export interface OperationObject {
  operationId?: string;
  parameters?: ParameterObject[];
  responses?: Record<string, { content?: Record<string, { schema?: SchemaObject }> }>;
  'x-kubernetes-action'?: string;
  'x-kubernetes-group-version-kind'?: GroupVersionKind;
  [key: string]: unknown;
}

/** PathItemObject is one entry of an OpenAPI `paths` object. */
export type PathItemObject = { parameters?: ParameterObject[] } & {
  [method: string]: OperationObject | ParameterObject[] | undefined;
};

/** OpenAPIDocument is one group-version's OpenAPI v3 document. */
export interface OpenAPIDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, PathItemObject>;
  components: { schemas: Record<string, SchemaObject>; [key: string]: unknown };
  [key: string]: unknown;
}

/** SpecDocument is one loaded document with the group-version its path names. */
export interface SpecDocument {
  /** API group, '' for the core group. */
  group: string;
  version: string;
  /** Path relative to the spec directory, with forward slashes: `api/v1.json`, `apis/apps/v1.json`. */
  file: string;
  document: OpenAPIDocument;
}

/** HTTP_METHODS are the methods an OpenAPI path item can hold, in a fixed order. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/**
 * compareVersions orders Kubernetes API versions the way upstream prefers them: GA before beta
 * before alpha, then higher major and minor numbers first (v2 < v1 < v1beta2 < v1beta1 < v1alpha1).
 * Versions that do not look like Kubernetes versions sort after, alphabetically.
 */
export function compareVersions(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return kb[i]! - ka[i]!;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function versionKey(v: string): number[] {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [-1, 0, 0];
  const level = m[2] === 'alpha' ? 1 : m[2] === 'beta' ? 2 : 3;
  return [level, Number(m[1]), m[3] ? Number(m[3]) : 0];
}

/** stabilityOf maps an API version to its stability level: `v1` is ga, `v1beta1` beta, `v1alpha1` alpha. */
export function stabilityOf(version: string): 'ga' | 'beta' | 'alpha' {
  if (/^v\d+alpha\d+$/.test(version)) return 'alpha';
  if (/^v\d+beta\d+$/.test(version)) return 'beta';
  return 'ga';
}

/** compareGroups orders API groups with the core group ('') first, then by name. */
export function compareGroups(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return -1;
  if (b === '') return 1;
  return a < b ? -1 : 1;
}

/**
 * loadSpecDocuments reads every group-version document under `specDir` (`api/v1.json` and
 * `apis/<group>/<version>.json`), sorted core first, then by group, then preferred version first.
 */
export async function loadSpecDocuments(specDir: string): Promise<SpecDocument[]> {
  const found: { group: string; version: string; file: string }[] = [];
  const core = path.join(specDir, 'api', 'v1.json');
  if (await exists(core)) found.push({ group: '', version: 'v1', file: 'api/v1.json' });
  const apis = path.join(specDir, 'apis');
  if (await exists(apis)) {
    for (const group of (await fs.readdir(apis)).sort()) {
      const groupDir = path.join(apis, group);
      if (!(await fs.stat(groupDir)).isDirectory()) continue;
      for (const entry of (await fs.readdir(groupDir)).sort()) {
        if (!entry.endsWith('.json')) continue;
        found.push({ group, version: entry.slice(0, -'.json'.length), file: `apis/${group}/${entry}` });
      }
    }
  }
  if (found.length === 0) {
    throw new Error(`no OpenAPI documents under ${specDir} (expected api/v1.json or apis/<group>/<version>.json)`);
  }
  found.sort((a, b) => compareGroups(a.group, b.group) || compareVersions(a.version, b.version));
  return Promise.all(
    found.map(async (f) => {
      const text = await fs.readFile(path.join(specDir, f.file), 'utf8');
      const document = JSON.parse(text) as OpenAPIDocument;
      document.paths ??= {};
      document.components ??= { schemas: {} };
      document.components.schemas ??= {};
      return { ...f, document };
    }),
  );
}

/**
 * mergeSchemas returns every schema of the documents by name. Upstream repeats a schema in each
 * document that uses it, always identically; a differing copy is an error.
 */
export function mergeSchemas(docs: readonly SpecDocument[]): Map<string, SchemaObject> {
  const all = new Map<string, SchemaObject>();
  const seen = new Map<string, string>();
  for (const doc of docs) {
    for (const [name, schema] of Object.entries(doc.document.components.schemas)) {
      const text = JSON.stringify(schema);
      const previous = seen.get(name);
      if (previous === undefined) {
        seen.set(name, text);
        all.set(name, schema);
      } else if (previous !== text) {
        throw new Error(`schema ${name} differs between documents (seen again in ${doc.file})`);
      }
    }
  }
  return all;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

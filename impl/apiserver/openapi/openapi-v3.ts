/**
 * OpenAPIV3Service serves `/openapi/v3` (the index of group-version documents with `?hash=`
 * URLs) and `/openapi/v3/<path>`, from the vendored documents in `spec/` plus documents
 * registered at run time for custom resources. It is also the schema source for defaulting,
 * field validation and patch strategies.
 *
 * upstream: k8s.io/kube-openapi/pkg/handler3/handler.go (OpenAPIService).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StructuralCompiler, type Structural } from '../schema/structural.ts';

/** OpenApiDocument is one served group-version document. */
interface OpenApiDocument {
  /** Serialized JSON, served as is. */
  readonly raw: Buffer;
  /** Uppercase hex SHA-512 of `raw`, used in `?hash=` and as ETag. */
  readonly hash: string;
  /** Parsed on first schema lookup. */
  parsed?: { components?: { schemas?: Record<string, Record<string, unknown>> } };
  lastModified: Date;
}

/**
 * LazyDocument reads a vendored document and hashes it on first use: the apiserver starts
 * without reading the ~40 spec files, and most runs only ever need a few of them.
 */
class LazyDocument implements OpenApiDocument {
  private bytes: Buffer | undefined;
  private digest: string | undefined;
  parsed?: OpenApiDocument['parsed'];
  lastModified = new Date();

  constructor(private readonly source: Buffer | string) {
    if (typeof source !== 'string') this.bytes = source;
  }

  /** vendored is true for documents read from the spec folder (the built-in schemas). */
  get vendored(): boolean {
    return typeof this.source === 'string';
  }

  get raw(): Buffer {
    return (this.bytes ??= readFileSync(this.source as string));
  }

  get hash(): string {
    return (this.digest ??= hashOf(this.raw));
  }
}

/** specDirDefault is `<repo>/spec`, found relative to this file. */
export function specDirDefault(): string {
  return join(import.meta.dirname, '..', '..', '..', 'spec');
}

/** OpenApiV3ServiceOptions configures {@link OpenApiV3Service}. */
export interface OpenApiV3ServiceOptions {
  /** Folder with `api/v1.json` and `apis/<group>/<version>.json`. */
  specDir?: string;
  /** Served group-versions (`api/v1`, `apis/apps/v1`); others are left out of the index. */
  include?: (path: string) => boolean;
}

/**
 * OpenApiV3Service holds the OpenAPI v3 documents: the served index, each document's bytes and
 * hash, and a merged component-schema lookup compiled into {@link Structural} schemas.
 */
export class OpenApiV3Service {
  private readonly docs = new Map<string, OpenApiDocument>();
  /** Component schemas of the vendored documents parsed so far (first definition wins). */
  private readonly schemaIndex = new Map<string, Record<string, unknown>>();
  private readonly indexed = new Set<string>();
  private compiler: StructuralCompiler | undefined;
  private readonly specDir: string;

  constructor(opts: OpenApiV3ServiceOptions = {}) {
    this.specDir = opts.specDir ?? specDirDefault();
    const include = opts.include ?? (() => true);
    const add = (rel: string, file: string) => {
      if (!include(rel)) return;
      this.docs.set(rel, new LazyDocument(file));
    };
    if (existsSync(join(this.specDir, 'api', 'v1.json'))) add('api/v1', join(this.specDir, 'api', 'v1.json'));
    const apis = join(this.specDir, 'apis');
    if (existsSync(apis)) {
      for (const g of readdirSync(apis).sort()) {
        for (const f of readdirSync(join(apis, g)).sort()) {
          if (f.endsWith('.json')) add(`apis/${g}/${f.slice(0, -5)}`, join(apis, g, f));
        }
      }
    }
  }

  /** index renders the `/openapi/v3` discovery document. */
  index(): { paths: Record<string, { serverRelativeURL: string }> } {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [p, d] of [...this.docs].sort(([a], [b]) => a.localeCompare(b))) {
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` };
    }
    return { paths };
  }

  /** document returns a served document (bytes and hash), or undefined. */
  document(path: string): OpenApiDocument | undefined {
    return this.docs.get(path);
  }

  /** setDocument adds or replaces a document (custom resources); removes it when `doc` is undefined. */
  setDocument(path: string, doc: unknown | undefined): void {
    if (doc === undefined) {
      this.docs.delete(path);
      return;
    }
    const d = new LazyDocument(Buffer.from(JSON.stringify(doc)));
    d.parsed = doc as OpenApiDocument['parsed'];
    this.docs.set(path, d);
  }

  /**
   * rawSchema returns a built-in component schema by name (`io.k8s.api.core.v1.Pod`). Documents
   * are parsed on demand, the one of the name's group-version first (`io.k8s.api.apps.v1.X` ->
   * `apis/apps/v1`, core and meta types -> `api/v1`), so a lookup parses one document, not all
   * eleven megabytes of them.
   */
  rawSchema(name: string): Record<string, unknown> | undefined {
    const hit = this.schemaIndex.get(name);
    if (hit || this.indexed.size === this.vendoredCount()) return hit;
    for (const path of this.candidates(name)) {
      this.indexDocument(path);
      const found = this.schemaIndex.get(name);
      if (found) return found;
    }
    return undefined;
  }

  private vendoredCount(): number {
    let n = 0;
    for (const d of this.docs.values()) if (d instanceof LazyDocument && d.vendored) n++;
    return n;
  }

  /** candidates lists the vendored documents not parsed yet, the likely home of `name` first. */
  private candidates(name: string): string[] {
    const segs = name.split('.');
    const vi = segs.findIndex((x, i) => i > 0 && /^v\d+((alpha|beta)\d+)?$/.test(x));
    const group = vi > 0 ? segs[vi - 1]! : '';
    const version = vi > 0 ? segs[vi]! : '';
    const home = (p: string): number => {
      if ((group === 'core' || group === 'meta') && p === `api/${group === 'core' ? version : 'v1'}`) return 0;
      const [root, g, v] = p.split('/');
      if (root === 'apis' && v === version && (g === group || g?.startsWith(`${group}.`))) return 0;
      return p === 'api/v1' ? 1 : 2;
    };
    const paths: string[] = [];
    for (const [p, d] of this.docs) if (d instanceof LazyDocument && d.vendored && !this.indexed.has(p)) paths.push(p);
    return paths.sort((a, b) => home(a) - home(b));
  }

  private indexDocument(path: string): void {
    const d = this.docs.get(path);
    this.indexed.add(path);
    if (!d) return;
    d.parsed ??= JSON.parse(d.raw.toString('utf8'));
    for (const [k, v] of Object.entries(d.parsed?.components?.schemas ?? {})) if (!this.schemaIndex.has(k)) this.schemaIndex.set(k, v);
  }

  /** structural returns the compiled schema of a built-in kind by schema name, cached. */
  structural(name: string): Structural | undefined {
    this.compiler ??= new StructuralCompiler((n) => this.rawSchema(n));
    return this.compiler.named(name);
  }

  /** schemaNames lists all component schema names (for the v2 conversion). */
  allSchemas(): Map<string, Record<string, unknown>> {
    for (const [p, d] of this.docs) if (d instanceof LazyDocument && d.vendored && !this.indexed.has(p)) this.indexDocument(p);
    return this.schemaIndex;
  }
}

function hashOf(raw: Buffer): string {
  return createHash('sha512').update(raw).digest('hex').toUpperCase().slice(0, 128);
}

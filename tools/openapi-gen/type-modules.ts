/**
 * Rendering the planned type modules (`type-plan.ts`) to TypeScript source: openapi-typescript turns
 * each module's schemas into a `components` interface, references to schemas emitted elsewhere
 * are pointed at `shared.ts`, and the friendly aliases, group namespaces and `index.ts` are added.
 */
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import path from 'node:path';
import { APIMACHINERY_MODULE, SHARED_MODULE, type TypeModule, type TypePlan } from './type-plan.ts';
import type { SchemaObject } from './spec-documents.ts';

/** RenderTypesOptions says what to render and how to label it. */
export interface RenderTypesOptions {
  plan: TypePlan;
  /** Every schema by name (documents merged, plus extra schemas). */
  schemas: Map<string, SchemaObject>;
  /** Header line builder: receives what the file was generated from (e.g. `spec/api/v1.json`). */
  header: (from: string) => string;
  /** Label of the spec directory in headers, e.g. `spec`. */
  specLabel: string;
  /** Label of the extra-schemas file in the shared module's header, if extra schemas were used. */
  extraLabel?: string;
}

/** renderTypeModules returns the content of every type file, keyed by path relative to `generated/k8s/`. */
export async function renderTypeModules(opts: RenderTypesOptions): Promise<Map<string, string>> {
  const { plan, schemas } = opts;
  const files = new Map<string, string>();
  const sharedNames = new Set(plan.modules.find((m) => m.file === SHARED_MODULE)?.emits ?? []);

  for (const m of plan.modules) {
    const parts: string[] = [];
    const from =
      m.file === SHARED_MODULE
        ? `${opts.specLabel}/ (schemas found in several documents, and all io.k8s.apimachinery ones)` +
          (opts.extraLabel ? ` and ${opts.extraLabel}` : '')
        : m.specFile
          ? `${opts.specLabel}/${m.specFile}`
          : `${opts.specLabel}/ (friendly names)`;
    parts.push(opts.header(from));

    const imports = new Map<string, string>(); // module file -> local identifier
    let body = '';
    if (m.emits.length > 0) {
      const rewriteShared = m.file !== SHARED_MODULE;
      const { text, usesShared } = await emitComponents(m, schemas, rewriteShared ? sharedNames : new Set());
      if (usesShared) imports.set(SHARED_MODULE, 'shared');
      body += `/** components holds the OpenAPI schemas this module emits (openapi-typescript output). */\n${text}`;
    }

    if (m.aliases.length > 0) {
      const lines: string[] = [];
      for (const [alias, schemaName] of m.aliases) {
        const emitter = plan.emittedIn.get(schemaName)!;
        let target: string;
        if (emitter === m.file) target = 'components';
        else {
          let id = imports.get(emitter);
          if (!id) {
            id = emitter === SHARED_MODULE ? 'shared' : `m_${emitter.replace(/\.ts$/, '').replace(/[^A-Za-z0-9]/g, '_')}`;
            imports.set(emitter, id);
          }
          target = id;
        }
        lines.push(`${aliasDoc(alias, schemaName, schemas.get(schemaName))}export type ${alias} = ${target}["schemas"]["${schemaName}"];`);
      }
      body += (body ? '\n' : '') + lines.join('\n') + '\n';
    }

    for (const [file, id] of [...imports.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      parts.push(`import type { components as ${id} } from '${relativeImport(m.file, file)}';`);
    }
    if (imports.size > 0) parts.push('');
    if (!body) body = 'export {};\n';
    parts.push(body);
    files.set(m.file, parts.join('\n'));
  }

  // Group namespace files and index.ts.
  const groups = new Map<string, [string, string][]>(); // pkg -> [version, module file]
  for (const m of plan.modules) {
    if (m.namespace?.length === 2) {
      const [pkg, version] = m.namespace;
      groups.set(pkg, [...(groups.get(pkg) ?? []), [version, m.file]]);
    }
  }
  const index: string[] = [opts.header(`${opts.specLabel}/ (friendly names)`)];
  index.push(
    '/**',
    ' * Friendly names for every Kubernetes schema. Bare names (`Pod`, `Deployment`, `ObjectMeta`) pick one',
    ' * schema per name (see tools/openapi-gen/README.md); every schema is also reachable qualified by its',
    ' * Go package and version: `core.v1.Pod`, `apps.v1.Deployment`, `autoscaling.v1.HorizontalPodAutoscaler`,',
    ' * `apimachinery.ObjectMeta`.',
    ' */',
  );
  const byModule = new Map<string, string[]>();
  const homeModuleOf = new Map<string, string>();
  for (const m of plan.modules) for (const [alias, schemaName] of m.aliases) homeModuleOf.set(`${alias}\u0000${schemaName}`, m.file);
  for (const [name, schemaName] of plan.bare) {
    const file = homeModuleOf.get(`${name}\u0000${schemaName}`)!;
    byModule.set(file, [...(byModule.get(file) ?? []), name]);
  }
  for (const m of plan.modules) {
    const names = byModule.get(m.file);
    if (!names) continue;
    index.push(`export type {\n${names.map((n) => `  ${n},\n`).join('')}} from './${m.file}';`);
  }
  index.push('');
  if (plan.modules.some((m) => m.file === APIMACHINERY_MODULE)) index.push(`export type * as apimachinery from './${APIMACHINERY_MODULE}';`);
  for (const pkg of [...groups.keys()].sort()) {
    index.push(`export type * as ${pkg} from './groups/${pkg}.ts';`);
    const versions = groups.get(pkg)!.sort(([a], [b]) => (a < b ? -1 : 1));
    const lines = [opts.header(`${opts.specLabel}/ (group namespace ${pkg})`)];
    for (const [version, file] of versions) lines.push(`export type * as ${version} from '${relativeImport(`groups/${pkg}.ts`, file)}';`);
    files.set(`groups/${pkg}.ts`, lines.join('\n') + '\n');
  }
  files.set('index.ts', index.join('\n') + '\n');
  return files;
}

/** emitComponents runs openapi-typescript on the module's schemas and returns the `components` interface. */
async function emitComponents(
  m: TypeModule,
  schemas: Map<string, SchemaObject>,
  external: Set<string>,
): Promise<{ text: string; usesShared: boolean }> {
  const own = new Set(m.emits);
  const input: Record<string, SchemaObject> = {};
  for (const name of m.emits) input[name] = schemas.get(name)!;
  // Stubs make references to schemas emitted elsewhere resolvable; they are dropped from the output.
  const stubs = new Set<string>();
  for (const name of m.emits) collectRefs(schemas.get(name), stubs);
  for (const name of [...stubs].sort()) {
    if (own.has(name)) continue;
    if (!external.has(name)) throw new Error(`${m.file}: ${name} is referenced but emitted neither here nor in shared.ts`);
    input[name] = { type: 'object' };
  }
  const document = {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths: {},
    components: { schemas: input },
  };
  // defaultNonNullable false: a field with a default stays optional (else every ordinary Deployment
  // misses fields). emptyObjectsUnknown: `type: object` without properties (RawExtension, FieldsV1,
  // Patch) holds arbitrary JSON, so Record<string, unknown> rather than Record<string, never>.
  const nodes = await openapiTS(document as never, { defaultNonNullable: false, emptyObjectsUnknown: true, silent: true });
  const components = nodes.find(
    (n): n is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(n) && n.name.text === 'components',
  );
  const schemasMember = components?.members.find(
    (mem): mem is ts.PropertySignature => ts.isPropertySignature(mem) && propertyName(mem) === 'schemas',
  );
  if (!schemasMember?.type || !ts.isTypeLiteralNode(schemasMember.type)) {
    throw new Error(`${m.file}: openapi-typescript output has no components.schemas`);
  }
  let usesShared = false;
  const rewrite = <T extends ts.Node>(node: T): T => {
    const visit = (n: ts.Node): ts.Node => {
      if (
        ts.isIndexedAccessTypeNode(n) &&
        ts.isLiteralTypeNode(n.indexType) &&
        ts.isStringLiteral(n.indexType.literal) &&
        external.has(n.indexType.literal.text) &&
        !own.has(n.indexType.literal.text) &&
        ts.isIndexedAccessTypeNode(n.objectType) &&
        ts.isTypeReferenceNode(n.objectType.objectType) &&
        ts.isIdentifier(n.objectType.objectType.typeName) &&
        n.objectType.objectType.typeName.text === 'components'
      ) {
        usesShared = true;
        return ts.factory.createIndexedAccessTypeNode(
          ts.factory.createIndexedAccessTypeNode(
            ts.factory.createTypeReferenceNode('shared'),
            n.objectType.indexType,
          ),
          n.indexType,
        );
      }
      return ts.visitEachChild(n, visit, undefined);
    };
    return visit(node) as T;
  };
  const members = schemasMember.type.members
    .filter((mem) => own.has(propertyName(mem) ?? ''))
    .map((mem) => rewrite(mem));
  const iface = ts.factory.createInterfaceDeclaration(
    [ts.factory.createModifier(ts.SyntaxKind.ExportKeyword)],
    'components',
    undefined,
    undefined,
    [
      ts.factory.createPropertySignature(
        undefined,
        'schemas',
        undefined,
        ts.factory.createTypeLiteralNode(members),
      ),
    ],
  );
  return { text: astToString(iface), usesShared };
}

function propertyName(mem: ts.TypeElement): string | undefined {
  const name = mem.name;
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  return undefined;
}

function collectRefs(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        out.add(v.slice('#/components/schemas/'.length));
      } else collectRefs(v, out);
    }
  }
}

function aliasDoc(alias: string, schemaName: string, schema: SchemaObject | undefined): string {
  const description = typeof schema?.description === 'string' ? firstSentence(schema.description) : '';
  const text = `${alias} is \`${schemaName}\`${description ? `: ${description}` : '.'}`;
  return `/** ${text.replace(/\*\//g, '*\\/')} */\n`;
}

function firstSentence(s: string): string {
  const line = s.split('\n')[0]!.trim();
  const m = /^(.*?[.!?])(\s|$)/.exec(line);
  const sentence = m ? m[1]! : line;
  return sentence.length > 200 ? `${sentence.slice(0, 197)}...` : sentence;
}

function relativeImport(fromFile: string, toFile: string): string {
  let rel = path.posix.relative(path.posix.dirname(fromFile), toFile);
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel;
}

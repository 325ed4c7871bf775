/**
 * The protobuf half of `npm run generate`: reads the Kubernetes `FileDescriptorSet` extracted from
 * kubectl (`proto/kubernetes/descriptors.binpb`, see tools/kube-proto/) and the OpenAPI documents
 * under `spec/`, and writes `generated/protobuf/kubernetes.ts`: a compact table of the protobuf
 * messages reachable from the top-level kinds the spec declares, which the apiserver's protobuf
 * decoder (impl/apimachinery/runtime/serializer/protobuf/) walks.
 *
 * The OpenAPI documents decide three things the descriptors cannot say:
 * - which (apiVersion, kind) a message is (`x-kubernetes-group-version-kind`; the OpenAPI name
 *   `io.k8s.api.apps.v1.Deployment` is the proto name `k8s.io.api.apps.v1.Deployment`);
 * - the JSON name of a field whose proto name differs from its JSON tag only in case
 *   (`Webhooks` -> `webhooks`, `uID` -> `uid`, `aPIGroup` -> `apiGroup`);
 * - embedded Go structs (`json:",inline"`), which protobuf carries as a nested message
 *   (`Volume.volumeSource`, `Probe.handler`, `IngressRule.ingressRuleValue`) but JSON flattens:
 *   such a field is absent from the OpenAPI properties while its message's fields are present.
 * - which fields Go's JSON encoding omits at their zero value: gogo writes every non-pointer field
 *   (`(gogoproto.nullable) = false` in the descriptor), even at zero, where JSON's `omitempty`
 *   drops it. A non-pointer scalar (or IntOrString) that the OpenAPI schema does not list as
 *   `required` (kube-openapi marks exactly the fields without `omitempty` as required) is emitted
 *   with the `'z'` label: the decoder drops it when it holds its zero value. Pointer fields
 *   (`replicas`, `storageClassName`) are only on the wire when set, so their zero value is kept.
 * Messages with a single `repeated items = 1` field and no OpenAPI object schema (`ExtraValue`,
 * `Verbs`) are Go slices and are listed as array wrappers; `DownwardAPIProjection` is a real object.
 *
 * The output is a pure function of the inputs (everything sorted), so running it twice changes nothing.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorSetSchema,
  type DescriptorProto,
  type FieldDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import { loadSpecDocuments, mergeSchemas, type SchemaObject } from '../openapi-gen/spec-documents.ts';

/** GenerateProtobufOptions are the inputs and output of {@link generateProtobuf}. */
export interface GenerateProtobufOptions {
  /** descriptorFile is the binary FileDescriptorSet (normally `proto/kubernetes/descriptors.binpb`). */
  descriptorFile: string;
  /** specDir holds the OpenAPI documents (`api/v1.json`, `apis/<group>/<version>.json`). */
  specDir: string;
  /** outDir is the generated root; the output goes to `${outDir}/protobuf/kubernetes.ts`. */
  outDir: string;
  /** repoRoot makes the header's input paths relative (default: the parent of outDir). */
  repoRoot?: string;
}

const SCALARS: Partial<Record<FieldDescriptorProto_Type, string>> = {
  [FieldDescriptorProto_Type.DOUBLE]: 'double',
  [FieldDescriptorProto_Type.FLOAT]: 'float',
  [FieldDescriptorProto_Type.INT64]: 'int64',
  [FieldDescriptorProto_Type.UINT64]: 'uint64',
  [FieldDescriptorProto_Type.INT32]: 'int32',
  [FieldDescriptorProto_Type.FIXED64]: 'fixed64',
  [FieldDescriptorProto_Type.FIXED32]: 'fixed32',
  [FieldDescriptorProto_Type.BOOL]: 'bool',
  [FieldDescriptorProto_Type.STRING]: 'string',
  [FieldDescriptorProto_Type.BYTES]: 'bytes',
  [FieldDescriptorProto_Type.UINT32]: 'uint32',
  [FieldDescriptorProto_Type.ENUM]: 'enum',
  [FieldDescriptorProto_Type.SFIXED32]: 'sfixed32',
  [FieldDescriptorProto_Type.SFIXED64]: 'sfixed64',
  [FieldDescriptorProto_Type.SINT32]: 'sint32',
  [FieldDescriptorProto_Type.SINT64]: 'sint64',
};

interface Message {
  name: string;
  desc: DescriptorProto;
  /** Map entry messages by their full name (`pkg.Msg.LabelsEntry`). */
  mapEntries: Map<string, DescriptorProto>;
}

/** GOGO_NULLABLE is the field number of the `(gogoproto.nullable)` field option. */
const GOGO_NULLABLE = 65001;
/** INT_OR_STRING is the one message type whose zero value JSON drops like a scalar's (see decoder). */
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';

/** isNonNullable tells whether gogo generated a non-pointer Go field: `(gogoproto.nullable) = false`. */
function isNonNullable(f: FieldDescriptorProto): boolean {
  const opt = f.options?.$unknown?.find((u) => u.no === GOGO_NULLABLE);
  return opt !== undefined && opt.data.length === 1 && opt.data[0] === 0;
}

const typeName = (f: FieldDescriptorProto): string => f.typeName.replace(/^\./, '');
const openapiName = (protoName: string): string => protoName.replace(/^k8s\.io\./, 'io.k8s.');

/** loadMessages indexes every top-level message of the set by full name. */
function loadMessages(bytes: Uint8Array): { messages: Map<string, Message>; mapEntries: Map<string, DescriptorProto> } {
  const set = fromBinary(FileDescriptorSetSchema, bytes);
  const messages = new Map<string, Message>();
  const mapEntries = new Map<string, DescriptorProto>();
  for (const file of set.file) {
    for (const desc of file.messageType) {
      const name = `${file.package}.${desc.name}`;
      const entries = new Map<string, DescriptorProto>();
      for (const nested of desc.nestedType) {
        if (!nested.options?.mapEntry) throw new Error(`${name}.${nested.name}: nested messages other than map entries are not supported`);
        entries.set(`${name}.${nested.name}`, nested);
        mapEntries.set(`${name}.${nested.name}`, nested);
      }
      messages.set(name, { name, desc, mapEntries: entries });
    }
  }
  return { messages, mapEntries };
}

/**
 * renderProtobufModule builds the text of `generated/protobuf/kubernetes.ts` from the descriptor
 * set and the merged OpenAPI schemas. Exported for tests.
 */
export function renderProtobufModule(descriptorBytes: Uint8Array, schemas: Map<string, SchemaObject>, header: string): string {
  const { messages, mapEntries } = loadMessages(descriptorBytes);

  // Top-level kinds: every GVK in the spec whose schema has a proto message.
  const kinds = new Map<string, string>();
  for (const [name, schema] of schemas) {
    const gvks = schema['x-kubernetes-group-version-kind'];
    if (!gvks) continue;
    const proto = name.replace(/^io\.k8s\./, 'k8s.io.');
    if (!messages.has(proto)) continue;
    for (const g of gvks) kinds.set(`${g.group ? `${g.group}/` : ''}${g.version} ${g.kind}`, proto);
  }

  const propertiesOf = (protoName: string): Record<string, SchemaObject> | undefined => schemas.get(openapiName(protoName))?.properties;

  // JSON names and inline (embedded) fields, decided against the OpenAPI properties.
  const flatNames = new Map<string, Set<string>>();
  const inline = new Set<string>(); // `${message}#${field number}`
  const jsonNames = new Map<string, string>();
  const fieldsOf = (name: string): Set<string> => {
    const cached = flatNames.get(name);
    if (cached) return cached;
    const out = new Set<string>();
    flatNames.set(name, out); // cycle guard
    const msg = messages.get(name);
    if (!msg) return out;
    const props = propertiesOf(name);
    const lower = new Map(Object.keys(props ?? {}).map((p) => [p.toLowerCase(), p]));
    for (const f of msg.desc.field) {
      const key = `${name}#${f.number}`;
      if (props && !(f.name in props)) {
        const byCase = lower.get(f.name.toLowerCase());
        if (byCase) {
          jsonNames.set(key, byCase);
          out.add(byCase);
          continue;
        }
        if (f.type === FieldDescriptorProto_Type.MESSAGE && !mapEntries.has(typeName(f))) {
          const sub = [...fieldsOf(typeName(f))];
          if (sub.length > 0 && sub.every((s) => s in props)) {
            inline.add(key);
            for (const s of sub) out.add(s);
            continue;
          }
        }
      }
      jsonNames.set(key, f.name);
      out.add(f.name);
    }
    return out;
  };

  // Reachable messages from the kinds.
  const reachable = new Set<string>();
  const queue = [...new Set(kinds.values())];
  // The envelope and the special types are always present.
  queue.push('k8s.io.apimachinery.pkg.runtime.Unknown');
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (reachable.has(name)) continue;
    const msg = messages.get(name);
    if (!msg) throw new Error(`message ${name} is referenced but not in the descriptor set`);
    reachable.add(name);
    fieldsOf(name);
    for (const f of msg.desc.field) {
      if (f.type !== FieldDescriptorProto_Type.MESSAGE) continue;
      const entry = mapEntries.get(typeName(f));
      if (entry) {
        const value = entry.field.find((e) => e.number === 2)!;
        if (value.type === FieldDescriptorProto_Type.MESSAGE) queue.push(typeName(value));
      } else queue.push(typeName(f));
    }
  }

  const scalarOf = (f: FieldDescriptorProto): string => {
    const s = SCALARS[f.type];
    if (s) return s;
    if (f.type === FieldDescriptorProto_Type.MESSAGE) return typeName(f);
    throw new Error(`field ${f.name}: unsupported type ${f.type}`);
  };

  const lines: string[] = [];
  const arrayWrappers: string[] = [];
  for (const name of [...reachable].sort()) {
    const msg = messages.get(name)!;
    const only = msg.desc.field.length === 1 ? msg.desc.field[0] : undefined;
    if (only && only.name === 'items' && only.number === 1 && only.label === FieldDescriptorProto_Label.REPEATED && !propertiesOf(name)) arrayWrappers.push(name);
    const required = new Set(schemas.get(openapiName(name))?.required ?? []);
    const fields = [...msg.desc.field].sort((a, b) => a.number - b.number).map((f) => {
      const json = JSON.stringify(jsonNames.get(`${name}#${f.number}`) ?? f.name);
      const entry = f.type === FieldDescriptorProto_Type.MESSAGE ? mapEntries.get(typeName(f)) : undefined;
      if (entry) {
        const key = entry.field.find((e) => e.number === 1)!;
        const value = entry.field.find((e) => e.number === 2)!;
        return `[${f.number}, ${json}, ${JSON.stringify(scalarOf(key))}, 'm', ${JSON.stringify(scalarOf(value))}]`;
      }
      const type = JSON.stringify(scalarOf(f));
      if (f.label === FieldDescriptorProto_Label.REPEATED) return `[${f.number}, ${json}, ${type}, 'r']`;
      if (inline.has(`${name}#${f.number}`)) return `[${f.number}, ${json}, ${type}, 'i']`;
      const zeroable = f.type !== FieldDescriptorProto_Type.MESSAGE || typeName(f) === INT_OR_STRING;
      if (zeroable && isNonNullable(f) && !required.has(jsonNames.get(`${name}#${f.number}`) ?? f.name)) return `[${f.number}, ${json}, ${type}, 'z']`;
      return `[${f.number}, ${json}, ${type}]`;
    });
    lines.push(`  ${JSON.stringify(name)}: [${fields.join(', ')}],`);
  }

  const kindLines = [...kinds.keys()].sort().map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(kinds.get(k))},`);
  return `${header}
/**
 * ProtoScalar is the wire kind of a non-message field (\`enum\` values are decoded as numbers).
 */
export type ProtoScalar =
  | 'double' | 'float' | 'int64' | 'uint64' | 'int32' | 'fixed64' | 'fixed32' | 'bool' | 'string'
  | 'bytes' | 'uint32' | 'enum' | 'sfixed32' | 'sfixed64' | 'sint32' | 'sint64';

/**
 * ProtoField is one field of a message: \`[number, jsonName, type]\` for a singular field, with a
 * fourth element \`'r'\` for a repeated field, \`'i'\` for an embedded Go struct whose fields JSON
 * flattens into the parent, or \`'z'\` for a non-pointer field that JSON omits at its zero value;
 * a map is \`[number, jsonName, keyScalar, 'm', valueType]\`. A type is a {@link ProtoScalar} or
 * the full name of a message in {@link protoMessages}.
 */
export type ProtoField =
  | readonly [number: number, json: string, type: string]
  | readonly [number: number, json: string, type: string, label: 'r' | 'i' | 'z']
  | readonly [number: number, json: string, key: ProtoScalar, label: 'm', value: string];

/** protoKinds maps \`apiVersion kind\` (\`apps/v1 Deployment\`) to its message's full name. */
export const protoKinds: Readonly<Record<string, string>> = {
${kindLines.join('\n')}
};

/**
 * protoArrayWrappers are messages that stand for a Go slice type (a single \`repeated items = 1\`);
 * JSON writes them as a plain array.
 */
export const protoArrayWrappers: ReadonlySet<string> = new Set([
${arrayWrappers.map((n) => `  ${JSON.stringify(n)},`).join('\n')}
]);

/** protoMessages lists the fields of every message reachable from {@link protoKinds}, by full name. */
export const protoMessages: Readonly<Record<string, readonly ProtoField[]>> = {
${lines.join('\n')}
};
`;
}

/**
 * generateProtobuf writes `${outDir}/protobuf/kubernetes.ts` from the descriptor set and the spec.
 * See the module comment for what comes from where.
 */
export async function generateProtobuf(opts: GenerateProtobufOptions): Promise<void> {
  const root = opts.repoRoot ?? path.dirname(opts.outDir);
  const rel = (p: string): string => path.relative(root, p).split(path.sep).join('/');
  const bytes = await fs.readFile(opts.descriptorFile);
  const schemas = mergeSchemas(await loadSpecDocuments(opts.specDir));
  const header = `// generated by tools/protobuf-gen from ${rel(opts.descriptorFile)} and ${rel(opts.specDir)}/ — do not edit.\n`;
  const text = renderProtobufModule(bytes, schemas, header);
  const dir = path.join(opts.outDir, 'protobuf');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'kubernetes.ts'), text);
}

/**
 * The protobuf form of `/openapi/v2`: a swagger 2.0 document encoded as gnostic's
 * `openapi.v2.Document`, the body of `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`
 * that kubectl downloads for client-side validation.
 *
 * The mapping is gnostic's (github.com/google/gnostic-models/openapiv2/OpenAPIv2.go, NewDocument),
 * which upstream's handler runs on its JSON before marshalling:
 * - JSON objects keyed by arbitrary names become repeated `Named*` pairs in document order
 *   (`Paths.path[]`, `Definitions.additional_properties[]`, `Properties.additional_properties[]`,
 *   `Responses.response_code[]`); `x-` keys become `vendor_extension[]` `NamedAny`s;
 * - a schema's `$ref` is `_ref`, `type` a `TypeItem{value[]}`, `items` an `ItemsItem{schema[]}`,
 *   `additionalProperties` an `AdditionalPropertiesItem` holding a schema or a boolean;
 * - free-form values (`default`, `example`, `enum[]`, vendor extensions) are `Any{yaml}` holding the
 *   value marshalled as YAML;
 * - a parameter is a `ParametersItem` oneof (`parameter` or `json_reference`); a parameter a
 *   `body_parameter` or a `non_body_parameter` chosen by `in`; a response a `ResponseValue` oneof.
 *
 * The message descriptors come from `proto/kubernetes/openapiv2.binpb` (extracted from kubectl by
 * `npm run proto:extract`), so the wire schema is exactly the one kubectl decodes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, createFileRegistry, fromBinary, toBinary, type DescMessage, type Message, type Registry } from '@bufbuild/protobuf';
import { ScalarType } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { stringify } from 'yaml';
import type { JsonObject, SwaggerDocument } from './openapi-v2-builder.ts';

/** OPENAPI_V2_PROTOBUF is the media type kubectl (client-go's discovery client) asks for. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/** openApiV2DescriptorFile is `<repo>/proto/kubernetes/openapiv2.binpb`, found relative to this file. */
export function openApiV2DescriptorFile(): string {
  return join(import.meta.dirname, '..', '..', '..', 'proto', 'kubernetes', 'openapiv2.binpb');
}

let registry: Registry | undefined;

/** openApiV2Message returns the descriptor of `openapi.v2.<name>` (`Document`, `Schema`, ...). */
export function openApiV2Message(name: string): DescMessage {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(openApiV2DescriptorFile())));
  const desc = registry.getMessage(`openapi.v2.${name}`);
  if (!desc) throw new Error(`openapi.v2.${name}: no such message in ${openApiV2DescriptorFile()}`);
  return desc;
}

/** Init is the loose init shape of a dynamic message (field local names to values). */
type Init = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const INT64 = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);

/** anyValue is gnostic's `Any`: the value as YAML (`{}` -> `{}\n`, `Pod` -> `Pod\n`). */
function anyValue(v: unknown): Init {
  return { yaml: stringify(v, { lineWidth: 0 }) };
}

function vendorExtensions(obj: JsonObject): Init[] {
  const out: Init[] = [];
  for (const [k, v] of Object.entries(obj)) if (k.startsWith('x-')) out.push({ name: k, value: anyValue(v) });
  return out;
}

function scalarValue(t: ScalarType, v: unknown): unknown {
  if (t === ScalarType.STRING) return typeof v === 'string' ? v : undefined;
  if (t === ScalarType.BOOL) return typeof v === 'boolean' ? v : undefined;
  if (typeof v !== 'number') return undefined;
  return INT64.has(t) ? BigInt(Math.trunc(v)) : v;
}

/**
 * scalars copies the JSON keys that are scalar (or repeated scalar) fields of `desc`, matched by
 * their JSON name (`operationId`, `maxLength`, `in`), and sets `vendorExtension` when the message
 * has one. Message-typed fields are the caller's.
 */
function scalars(desc: DescMessage, obj: JsonObject): Init {
  const init: Init = {};
  for (const f of desc.fields) {
    const v = obj[f.jsonName];
    if (v === undefined) continue;
    if (f.fieldKind === 'scalar') {
      const s = scalarValue(f.scalar, v);
      if (s !== undefined) init[f.localName] = s;
    } else if (f.fieldKind === 'list' && f.listKind === 'scalar' && Array.isArray(v)) {
      init[f.localName] = v.map((x) => scalarValue(f.scalar, x)).filter((x) => x !== undefined);
    }
  }
  if (desc.fields.some((f) => f.localName === 'vendorExtension')) {
    const ext = vendorExtensions(obj);
    if (ext.length > 0) init.vendorExtension = ext;
  }
  return init;
}

/** schemaInit maps a swagger schema object onto `openapi.v2.Schema`. */
export function schemaInit(s: JsonObject): Init {
  const init = scalars(openApiV2Message('Schema'), s);
  if (typeof s.$ref === 'string') init.Ref = s.$ref;
  if (s.default !== undefined) init.default = anyValue(s.default);
  if (s.example !== undefined) init.example = anyValue(s.example);
  if (Array.isArray(s.enum)) init.enum = s.enum.map(anyValue);
  if (typeof s.type === 'string') init.type = { value: [s.type] };
  else if (Array.isArray(s.type)) init.type = { value: s.type.filter((t) => typeof t === 'string') };
  if (isObject(s.items)) init.items = { schema: [schemaInit(s.items)] };
  else if (Array.isArray(s.items)) init.items = { schema: s.items.filter(isObject).map(schemaInit) };
  if (typeof s.additionalProperties === 'boolean') init.additionalProperties = { oneof: { case: 'boolean', value: s.additionalProperties } };
  else if (isObject(s.additionalProperties)) init.additionalProperties = { oneof: { case: 'schema', value: schemaInit(s.additionalProperties) } };
  if (Array.isArray(s.allOf)) init.allOf = s.allOf.filter(isObject).map(schemaInit);
  if (isObject(s.properties)) {
    init.properties = { additionalProperties: Object.entries(s.properties).filter(([, v]) => isObject(v)).map(([name, v]) => ({ name, value: schemaInit(v as JsonObject) })) };
  }
  return init;
}

/** primitivesInit maps the type keywords of a non-body parameter (or its `items`) onto `desc`. */
function primitivesInit(desc: DescMessage, p: JsonObject): Init {
  const init = scalars(desc, p);
  if (p.default !== undefined) init.default = anyValue(p.default);
  if (Array.isArray(p.enum)) init.enum = p.enum.map(anyValue);
  if (isObject(p.items)) init.items = primitivesInit(openApiV2Message('PrimitivesItems'), p.items);
  return init;
}

const NON_BODY: Record<string, string> = {
  query: 'queryParameterSubSchema',
  path: 'pathParameterSubSchema',
  header: 'headerParameterSubSchema',
  formData: 'formDataParameterSubSchema',
};

/** parameterInit maps a swagger parameter (or a `$ref` to one) onto `openapi.v2.ParametersItem`. */
export function parameterInit(p: JsonObject): Init {
  if (typeof p.$ref === 'string') return { oneof: { case: 'jsonReference', value: { Ref: p.$ref, ...(typeof p.description === 'string' ? { description: p.description } : {}) } } };
  if (p.in === 'body') {
    const body = scalars(openApiV2Message('BodyParameter'), p);
    if (isObject(p.schema)) body.schema = schemaInit(p.schema);
    return { oneof: { case: 'parameter', value: { oneof: { case: 'bodyParameter', value: body } } } };
  }
  const which = NON_BODY[String(p.in)] ?? 'queryParameterSubSchema';
  const sub = primitivesInit(openApiV2Message(which.charAt(0).toUpperCase() + which.slice(1)), p);
  return { oneof: { case: 'parameter', value: { oneof: { case: 'nonBodyParameter', value: { oneof: { case: which, value: sub } } } } } };
}

function responsesInit(responses: JsonObject): Init {
  const init: Init = { responseCode: [] as Init[] };
  for (const [code, r] of Object.entries(responses)) {
    if (!isObject(r)) continue;
    if (code.startsWith('x-')) continue;
    let value: Init;
    if (typeof r.$ref === 'string') value = { oneof: { case: 'jsonReference', value: { Ref: r.$ref } } };
    else {
      const resp = scalars(openApiV2Message('Response'), r);
      if (isObject(r.schema)) resp.schema = r.schema.type === 'file' ? { oneof: { case: 'fileSchema', value: scalars(openApiV2Message('FileSchema'), r.schema) } } : { oneof: { case: 'schema', value: schemaInit(r.schema) } };
      value = { oneof: { case: 'response', value: resp } };
    }
    (init.responseCode as Init[]).push({ name: code, value });
  }
  const ext = vendorExtensions(responses);
  if (ext.length > 0) init.vendorExtension = ext;
  return init;
}

/** operationInit maps a swagger operation onto `openapi.v2.Operation`. */
export function operationInit(op: JsonObject): Init {
  const init = scalars(openApiV2Message('Operation'), op);
  if (Array.isArray(op.parameters)) init.parameters = op.parameters.filter(isObject).map(parameterInit);
  if (isObject(op.responses)) init.responses = responsesInit(op.responses);
  if (Array.isArray(op.security)) init.security = op.security.filter(isObject).map(securityRequirementInit);
  return init;
}

function pathItemInit(item: JsonObject): Init {
  const init = scalars(openApiV2Message('PathItem'), item);
  if (typeof item.$ref === 'string') init.Ref = item.$ref;
  for (const m of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch']) if (isObject(item[m])) init[m] = operationInit(item[m]);
  if (Array.isArray(item.parameters)) init.parameters = item.parameters.filter(isObject).map(parameterInit);
  return init;
}

function securityRequirementInit(req: JsonObject): Init {
  return { additionalProperties: Object.entries(req).map(([name, scopes]) => ({ name, value: { value: Array.isArray(scopes) ? scopes.map(String) : [] } })) };
}

const SECURITY: Record<string, [string, string]> = {
  basic: ['basicAuthenticationSecurity', 'BasicAuthenticationSecurity'],
  apiKey: ['apiKeySecurity', 'ApiKeySecurity'],
};

function securityDefinitionInit(d: JsonObject): Init | undefined {
  const oauth: Record<string, [string, string]> = {
    implicit: ['oauth2ImplicitSecurity', 'Oauth2ImplicitSecurity'],
    password: ['oauth2PasswordSecurity', 'Oauth2PasswordSecurity'],
    application: ['oauth2ApplicationSecurity', 'Oauth2ApplicationSecurity'],
    accessCode: ['oauth2AccessCodeSecurity', 'Oauth2AccessCodeSecurity'],
  };
  const kind = d.type === 'oauth2' ? oauth[String(d.flow)] : SECURITY[String(d.type)];
  if (!kind) return undefined;
  const value = scalars(openApiV2Message(kind[1]), d);
  if (d.type === 'oauth2' && isObject(d.scopes)) value.scopes = { additionalProperties: Object.entries(d.scopes).map(([name, v]) => ({ name, value: String(v) })) };
  return { oneof: { case: kind[0], value } };
}

/** documentInit maps a whole swagger document onto `openapi.v2.Document`. */
export function documentInit(doc: SwaggerDocument | JsonObject): Init {
  const d = doc as JsonObject;
  const init = scalars(openApiV2Message('Document'), d);
  if (isObject(d.info)) init.info = scalars(openApiV2Message('Info'), d.info);
  if (isObject(d.paths)) {
    const paths = d.paths;
    init.paths = {
      path: Object.entries(paths).filter(([k, v]) => k.startsWith('/') && isObject(v)).map(([name, v]) => ({ name, value: pathItemInit(v as JsonObject) })),
      vendorExtension: vendorExtensions(paths),
    };
  }
  if (isObject(d.definitions)) {
    init.definitions = { additionalProperties: Object.entries(d.definitions).filter(([, v]) => isObject(v)).map(([name, v]) => ({ name, value: schemaInit(v as JsonObject) })) };
  }
  if (isObject(d.parameters)) {
    init.parameters = {
      additionalProperties: Object.entries(d.parameters).filter(([, v]) => isObject(v)).map(([name, v]) => ({ name, value: (parameterInit(v as JsonObject).oneof as { value: Init }).value })),
    };
  }
  if (Array.isArray(d.security)) init.security = d.security.filter(isObject).map(securityRequirementInit);
  if (isObject(d.securityDefinitions)) {
    const items: Init[] = [];
    for (const [name, v] of Object.entries(d.securityDefinitions)) {
      const value = isObject(v) ? securityDefinitionInit(v) : undefined;
      if (value) items.push({ name, value });
    }
    init.securityDefinitions = { additionalProperties: items };
  }
  return init;
}

/** encodeOpenApiV2 encodes a swagger 2.0 document as a binary `openapi.v2.Document`. */
export function encodeOpenApiV2(doc: SwaggerDocument | JsonObject): Uint8Array {
  const desc = openApiV2Message('Document');
  return toBinary(desc, create(desc, documentInit(doc) as never));
}

/** decodeOpenApiV2 decodes a binary `openapi.v2.Document` (a dynamic message; read it by field local names). */
export function decodeOpenApiV2(bytes: Uint8Array): Message {
  return fromBinary(openApiV2Message('Document'), bytes);
}

import test from 'ava';
import { parse } from 'yaml';
import { buildOpenApiV2, type JsonObject, type OpenApiV3Document, type SwaggerDocument } from './openapi-v2-builder.ts';
import { decodeOpenApiV2, encodeOpenApiV2 } from './openapi-v2-proto.ts';
import { OpenApiV3Service } from './openapi-v3.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Msg = any;

// The inverse of gnostic's mapping, for the parts of openapi.v2 the server writes: what a
// client decoding the protobuf (kubectl's kube-openapi proto models) reads back.

const anyOf = (a: Msg): unknown => parse(a.yaml);
const num = (v: unknown): number => Number(v);

function extensions(out: JsonObject, m: Msg): void {
  for (const e of m.vendorExtension ?? []) out[e.name] = anyOf(e.value);
}

function schemaFromProto(m: Msg): JsonObject {
  const out: JsonObject = {};
  if (m.Ref) out.$ref = m.Ref;
  for (const k of ['format', 'title', 'description', 'pattern', 'discriminator']) if (m[k]) out[k] = m[k];
  for (const k of ['maxLength', 'minLength', 'maxItems', 'minItems', 'maxProperties', 'minProperties']) if (m[k]) out[k] = num(m[k]);
  for (const k of ['maximum', 'minimum', 'multipleOf']) if (m[k]) out[k] = m[k];
  for (const k of ['uniqueItems', 'readOnly', 'exclusiveMaximum', 'exclusiveMinimum']) if (m[k]) out[k] = true;
  if (m.default) out.default = anyOf(m.default);
  if (m.example) out.example = anyOf(m.example);
  if (m.enum?.length) out.enum = m.enum.map(anyOf);
  if (m.required?.length) out.required = [...m.required];
  if (m.type) out.type = m.type.value.length === 1 ? m.type.value[0] : [...m.type.value];
  if (m.items) out.items = m.items.schema.length === 1 ? schemaFromProto(m.items.schema[0]) : m.items.schema.map(schemaFromProto);
  if (m.allOf?.length) out.allOf = m.allOf.map(schemaFromProto);
  if (m.additionalProperties) {
    const ap = m.additionalProperties.oneof;
    out.additionalProperties = ap.case === 'boolean' ? ap.value : schemaFromProto(ap.value);
  }
  if (m.properties) out.properties = Object.fromEntries(m.properties.additionalProperties.map((p: Msg) => [p.name, schemaFromProto(p.value)]));
  extensions(out, m);
  return out;
}

function parameterFromProto(m: Msg): JsonObject {
  if (m.oneof.case === 'jsonReference') return { $ref: m.oneof.value.Ref };
  const p = m.oneof.value.oneof;
  if (p.case === 'bodyParameter') {
    const b = p.value;
    const out: JsonObject = { name: b.name, in: b.in };
    if (b.description) out.description = b.description;
    if (b.required) out.required = true;
    if (b.schema) out.schema = schemaFromProto(b.schema);
    return out;
  }
  const s = p.value.oneof.value;
  const out: JsonObject = {};
  for (const k of ['description', 'in', 'name', 'type', 'format', 'collectionFormat']) if (s[k]) out[k] = s[k];
  for (const k of ['required', 'uniqueItems', 'allowEmptyValue']) if (s[k]) out[k] = true;
  if (s.default) out.default = anyOf(s.default);
  extensions(out, s);
  return out;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v as JsonObject).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)]));
}

const GVK = [{ group: 'authorization.k8s.io', kind: 'SubjectAccessReview', version: 'v1' }];

const small: SwaggerDocument = {
  swagger: '2.0',
  info: { title: 'Kubernetes', version: 'v1.35.0' },
  paths: {
    '/apis/authorization.k8s.io/v1/subjectaccessreviews': {
      parameters: [{ in: 'query', name: 'dryRun', description: 'd', type: 'string', uniqueItems: true }],
      post: {
        consumes: ['*/*'],
        produces: ['application/json'],
        schemes: ['https'],
        operationId: 'createAuthorizationV1SubjectAccessReview',
        parameters: [{ name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/Sar' } }],
        responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/Sar' } }, '401': { description: 'Unauthorized' } },
        'x-kubernetes-action': 'post',
        'x-kubernetes-group-version-kind': GVK[0],
      },
    },
  },
  definitions: {
    Sar: {
      description: 'SubjectAccessReview checks whether or not a user or group can perform an action.',
      type: 'object',
      required: ['spec'],
      properties: {
        metadata: { $ref: '#/definitions/Meta', default: {}, description: 'Standard list metadata.' },
        spec: { $ref: '#/definitions/Spec', default: {} },
      },
      'x-kubernetes-group-version-kind': GVK,
    },
    Spec: {
      type: 'object',
      properties: {
        groups: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'atomic' },
        extra: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
        policy: { type: 'string', enum: ['Always', 'Never'], default: 'Always' },
        count: { type: 'integer', format: 'int32', minimum: 1, maxLength: 12 }, // (a zero minimum is proto3's default, not on the wire, as with gnostic)
        open: { type: 'object', additionalProperties: true },
      },
    },
    Meta: { type: 'object', properties: { name: { type: 'string' } }, 'x-kubernetes-map-type': 'atomic' },
    IntOrString: { type: 'string', format: 'int-or-string' },
  },
  securityDefinitions: { BearerToken: { type: 'apiKey', in: 'header', name: 'authorization', description: 'Bearer Token authentication' } },
  security: [{ BearerToken: [] }],
};

const roundTrip = encodeOpenApiV2(small);
const decoded: Msg = decodeOpenApiV2(roundTrip);
const definitions = new Map<string, Msg>(decoded.definitions.additionalProperties.map((d: Msg) => [d.name, d.value]));

for (const name of Object.keys(small.definitions)) {
  test(`round trip: definition ${name} decodes to the same schema`, (t) => {
    t.deepEqual(sortKeys(schemaFromProto(definitions.get(name))), sortKeys(small.definitions[name]));
  });
}

test('round trip: definitions keep document order; the GVK extension is an Any holding YAML', (t) => {
  t.deepEqual([...definitions.keys()], Object.keys(small.definitions));
  const ext = definitions.get('Sar').vendorExtension.find((e: Msg) => e.name === 'x-kubernetes-group-version-kind');
  t.is(ext.value.yaml, '- group: authorization.k8s.io\n  kind: SubjectAccessReview\n  version: v1\n');
  t.is(definitions.get('Sar').properties.additionalProperties[1].value.default.yaml, '{}\n');
});

test('round trip: the document header, security and the path with its operation', (t) => {
  t.is(decoded.swagger, '2.0');
  t.is(decoded.info.title, 'Kubernetes');
  t.is(decoded.info.version, 'v1.35.0');
  t.is(decoded.securityDefinitions.additionalProperties[0].name, 'BearerToken');
  t.deepEqual(decoded.securityDefinitions.additionalProperties[0].value.oneof.case, 'apiKeySecurity');
  t.is(decoded.securityDefinitions.additionalProperties[0].value.oneof.value.in, 'header');
  t.is(decoded.security[0].additionalProperties[0].name, 'BearerToken');
  const [path] = decoded.paths.path;
  t.is(path.name, '/apis/authorization.k8s.io/v1/subjectaccessreviews');
  t.deepEqual(path.value.parameters.map(parameterFromProto), [{ in: 'query', name: 'dryRun', description: 'd', type: 'string', uniqueItems: true }]);
  t.is(path.value.parameters[0].oneof.value.oneof.value.oneof.case, 'queryParameterSubSchema');
  const op = path.value.post;
  t.is(op.operationId, 'createAuthorizationV1SubjectAccessReview');
  t.deepEqual([...op.consumes], ['*/*']);
  t.deepEqual([...op.schemes], ['https']);
  t.deepEqual(op.parameters.map(parameterFromProto), [{ name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/Sar' } }]);
  t.deepEqual(
    op.responses.responseCode.map((r: Msg) => [r.name, r.value.oneof.value.description, r.value.oneof.value.schema?.oneof.value.Ref]),
    [
      ['200', 'OK', '#/definitions/Sar'],
      ['401', 'Unauthorized', undefined],
    ],
  );
  const ext = Object.fromEntries(op.vendorExtension.map((e: Msg) => [e.name, anyOf(e.value)]));
  t.deepEqual(ext, { 'x-kubernetes-action': 'post', 'x-kubernetes-group-version-kind': GVK[0] });
});

test('the whole vendored document encodes; SubjectAccessReview, ObjectMeta and IntOrString decode unchanged', (t) => {
  const svc = new OpenApiV3Service();
  const docs = Object.keys(svc.index().paths).map((p) => JSON.parse(svc.document(p)!.raw.toString('utf8')) as OpenApiV3Document);
  const doc = buildOpenApiV2(docs, { title: 'Kubernetes', version: 'v1.35.0' });
  const back: Msg = decodeOpenApiV2(encodeOpenApiV2(doc));
  t.is(back.definitions.additionalProperties.length, Object.keys(doc.definitions).length);
  t.is(back.paths.path.length, Object.keys(doc.paths).length);
  const byName = new Map<string, Msg>(back.definitions.additionalProperties.map((d: Msg) => [d.name, d.value]));
  for (const name of ['io.k8s.api.authorization.v1.SubjectAccessReview', 'io.k8s.api.authorization.v1.SubjectAccessReviewSpec', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString']) {
    t.deepEqual(sortKeys(schemaFromProto(byName.get(name))), sortKeys(doc.definitions[name]), name);
  }
});

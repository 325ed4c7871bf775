import test from 'ava';
import { buildOpenApiV2, convertOperation, convertParameter, convertSchema, type JsonObject, type OpenApiV3Document } from './openapi-v2-builder.ts';
import { OpenApiV3Service } from './openapi-v3.ts';

const META = '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const META_V2 = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const GVK = [{ group: 'authorization.k8s.io', kind: 'SubjectAccessReview', version: 'v1' }];

const schemaCases: Array<{ name: string; v3: JsonObject; want: JsonObject }> = [
  { name: 'a plain $ref is rewritten to #/definitions/', v3: { $ref: META }, want: { $ref: META_V2 } },
  {
    name: 'allOf with a sole $ref becomes a $ref with its siblings',
    v3: { allOf: [{ $ref: META }], default: {}, description: 'Standard object metadata.' },
    want: { $ref: META_V2, default: {}, description: 'Standard object metadata.' },
  },
  {
    name: 'allOf with several schemas stays allOf, converted',
    v3: { allOf: [{ $ref: META }, { type: 'object' }] },
    want: { allOf: [{ $ref: META_V2 }, { type: 'object' }] },
  },
  {
    name: 'properties, items and additionalProperties are converted recursively',
    v3: { type: 'object', properties: { list: { type: 'array', items: { allOf: [{ $ref: META }] } }, labels: { type: 'object', additionalProperties: { type: 'string', default: '' } } } },
    want: { type: 'object', properties: { list: { type: 'array', items: { $ref: META_V2 } }, labels: { type: 'object', additionalProperties: { type: 'string', default: '' } } } },
  },
  {
    name: 'vendor extensions (group-version-kind, list markers) are kept',
    v3: { type: 'object', 'x-kubernetes-group-version-kind': GVK, properties: { xs: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' } } },
    want: { type: 'object', 'x-kubernetes-group-version-kind': GVK, properties: { xs: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' } } },
  },
  {
    name: 'IntOrString (oneOf integer|string) is type string in v2',
    v3: { description: 'int or string', format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] },
    want: { description: 'int or string', format: 'int-or-string', type: 'string' },
  },
  {
    name: 'Quantity (oneOf string|number) is type string in v2',
    v3: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    want: { type: 'string' },
  },
  {
    name: 'x-kubernetes-int-or-string with anyOf has no v2 type',
    v3: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
    want: { 'x-kubernetes-int-or-string': true },
  },
  {
    name: 'a nullable schema loses nullable and its type',
    v3: { type: 'string', nullable: true, description: 'd' },
    want: { description: 'd' },
  },
  {
    name: 'a preserve-unknown-fields object loses its structure but keeps its type (upstream ToStructuralOpenAPIV2)',
    v3: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } },
    want: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
  {
    name: 'a preserve-unknown-fields array loses its items and its type',
    v3: { type: 'array', 'x-kubernetes-preserve-unknown-fields': true, items: { type: 'string' } },
    want: { 'x-kubernetes-preserve-unknown-fields': true },
  },
  {
    name: 'a property named like a keyword is a property',
    v3: { type: 'object', properties: { properties: { type: 'string' }, $ref: { type: 'string' } } },
    want: { type: 'object', properties: { properties: { type: 'string' }, $ref: { type: 'string' } } },
  },
];

for (const c of schemaCases) {
  test(`convertSchema: ${c.name}`, (t) => {
    const input = structuredClone(c.v3);
    t.deepEqual(convertSchema(c.v3), c.want);
    t.deepEqual(c.v3, input, 'the v3 schema is not modified');
  });
}

const paramCases: Array<{ name: string; v3: JsonObject; want: JsonObject }> = [
  {
    name: 'a query parameter carries its type inline',
    v3: { description: 'd', in: 'query', name: 'pretty', schema: { type: 'string', uniqueItems: true } },
    want: { description: 'd', in: 'query', name: 'pretty', type: 'string', uniqueItems: true },
  },
  {
    name: 'a path parameter is required',
    v3: { in: 'path', name: 'namespace', required: true, schema: { type: 'string', uniqueItems: true } },
    want: { in: 'path', name: 'namespace', required: true, type: 'string', uniqueItems: true },
  },
  {
    name: 'an integer parameter keeps its format',
    v3: { in: 'query', name: 'limit', schema: { type: 'integer', format: 'int32' } },
    want: { in: 'query', name: 'limit', type: 'integer', format: 'int32' },
  },
  { name: 'a reference points at #/parameters/', v3: { $ref: '#/components/parameters/body-x' }, want: { $ref: '#/parameters/body-x' } },
];

for (const c of paramCases) {
  test(`convertParameter: ${c.name}`, (t) => {
    t.deepEqual(convertParameter(c.v3), c.want);
  });
}

const SAR = '#/components/schemas/io.k8s.api.authorization.v1.SubjectAccessReview';
const SAR_V2 = '#/definitions/io.k8s.api.authorization.v1.SubjectAccessReview';

const opCases: Array<{ name: string; v3: JsonObject; want: JsonObject }> = [
  {
    name: 'a create operation gets a body parameter, consumes, produces and one schema per response',
    v3: {
      description: 'create a SubjectAccessReview',
      operationId: 'createAuthorizationV1SubjectAccessReview',
      requestBody: { content: { '*/*': { schema: { $ref: SAR } } }, required: true },
      responses: {
        '200': { content: { 'application/json': { schema: { $ref: SAR } }, 'application/yaml': { schema: { $ref: SAR } } }, description: 'OK' },
        '401': { description: 'Unauthorized' },
      },
      tags: ['authorization_v1'],
      'x-kubernetes-action': 'post',
      'x-kubernetes-group-version-kind': GVK[0],
    },
    want: {
      description: 'create a SubjectAccessReview',
      consumes: ['*/*'],
      produces: ['application/json', 'application/yaml'],
      schemes: ['https'],
      tags: ['authorization_v1'],
      operationId: 'createAuthorizationV1SubjectAccessReview',
      parameters: [{ name: 'body', in: 'body', required: true, schema: { $ref: SAR_V2 } }],
      responses: { '200': { description: 'OK', schema: { $ref: SAR_V2 } }, '401': { description: 'Unauthorized' } },
      'x-kubernetes-action': 'post',
      'x-kubernetes-group-version-kind': GVK[0],
    },
  },
  {
    name: 'a patch operation consumes the patch media types and keeps its query parameters',
    v3: {
      operationId: 'patchX',
      parameters: [{ in: 'query', name: 'force', schema: { type: 'boolean', uniqueItems: true } }],
      requestBody: { content: { 'application/json-patch+json': { schema: { $ref: '#/components/schemas/P' } }, 'application/merge-patch+json': { schema: { $ref: '#/components/schemas/P' } } }, required: true },
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/X' } } } } },
      'x-kubernetes-action': 'patch',
    },
    want: {
      consumes: ['application/json-patch+json', 'application/merge-patch+json'],
      produces: ['application/json'],
      schemes: ['https'],
      operationId: 'patchX',
      parameters: [
        { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/P' } },
        { in: 'query', name: 'force', type: 'boolean', uniqueItems: true },
      ],
      responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/X' } } },
      'x-kubernetes-action': 'patch',
    },
  },
];

for (const c of opCases) {
  test(`convertOperation: ${c.name}`, (t) => {
    t.deepEqual(convertOperation(c.v3), c.want);
  });
}

test('buildOpenApiV2 merges documents: first definition wins, names sorted, path parameters kept, security from BearerToken', (t) => {
  const a: OpenApiV3Document = {
    paths: { '/b': { get: { operationId: 'getB', responses: {} } }, '/a/{name}': { parameters: [{ in: 'path', name: 'name', required: true, schema: { type: 'string' } }], get: { operationId: 'getA', responses: {} } } },
    components: { schemas: { Z: { type: 'string' }, Y: { type: 'object', properties: { z: { allOf: [{ $ref: '#/components/schemas/Z' }] } } } }, securitySchemes: { BearerToken: { type: 'apiKey', in: 'header', name: 'authorization' } } },
  };
  const b: OpenApiV3Document = { paths: { '/c': { post: { operationId: 'postC', responses: {} } } }, components: { schemas: { Z: { type: 'integer' }, X: { type: 'boolean' } } } };
  const doc = buildOpenApiV2([a, b], { title: 'Kubernetes', version: 'v1.35.0' });
  t.deepEqual(doc.info, { title: 'Kubernetes', version: 'v1.35.0' });
  t.deepEqual(Object.keys(doc.definitions), ['X', 'Y', 'Z']);
  t.deepEqual(doc.definitions.Z, { type: 'string' });
  t.deepEqual(doc.definitions.Y, { type: 'object', properties: { z: { $ref: '#/definitions/Z' } } });
  t.deepEqual(Object.keys(doc.paths), ['/a/{name}', '/b', '/c']);
  t.deepEqual(doc.paths['/a/{name}']!.parameters, [{ in: 'path', name: 'name', required: true, type: 'string' }]);
  t.deepEqual(doc.securityDefinitions, { BearerToken: { type: 'apiKey', in: 'header', name: 'authorization' } });
  t.deepEqual(doc.security, [{ BearerToken: [] }]);
});

test('the vendored spec converts: every $ref resolves, SubjectAccessReview has its GVK and its create path', (t) => {
  const svc = new OpenApiV3Service();
  const docs = Object.keys(svc.index().paths).map((p) => JSON.parse(svc.document(p)!.raw.toString('utf8')) as OpenApiV3Document);
  const doc = buildOpenApiV2(docs, { title: 'Kubernetes', version: 'v1.35.0' });
  const sar = doc.definitions['io.k8s.api.authorization.v1.SubjectAccessReview']!;
  t.deepEqual(sar['x-kubernetes-group-version-kind'], GVK);
  t.is((sar.properties as Record<string, JsonObject>).spec!.$ref, '#/definitions/io.k8s.api.authorization.v1.SubjectAccessReviewSpec');
  const post = doc.paths['/apis/authorization.k8s.io/v1/subjectaccessreviews']!.post as JsonObject;
  t.is(post['x-kubernetes-action'], 'post');
  t.deepEqual(post['x-kubernetes-group-version-kind'], GVK[0]);
  t.deepEqual((post.parameters as JsonObject[])[0], { name: 'body', in: 'body', required: true, schema: { $ref: SAR_V2 } });
  t.is(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']!.type, 'string');
  // kubectl's parser (kube-openapi pkg/util/proto) rejects a document with a dangling reference,
  // an array without items, or an allOf it cannot read; none may be left.
  const problems: string[] = [];
  const walk = (v: unknown, at: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (typeof v === 'object' && v !== null) {
      const o = v as JsonObject;
      if (typeof o.$ref === 'string' && o.$ref.startsWith('#/') && !doc.definitions[o.$ref.slice('#/definitions/'.length)]) problems.push(`${at}: ${o.$ref}`);
      if (o.type === 'array' && o.items === undefined) problems.push(`${at}: array without items`);
      if (o.allOf !== undefined || o.oneOf !== undefined || o.anyOf !== undefined || o.nullable !== undefined) problems.push(`${at}: v3 keyword`);
      for (const [k, x] of Object.entries(o)) {
        if (k === 'properties' || k === 'definitions' || k === 'paths') {
          // a map of names: its keys are property names, not keywords
          for (const [name, s] of Object.entries(x as JsonObject)) walk(s, `${at}.${k}.${name}`);
        } else if (!k.startsWith('x-') && k !== 'default' && k !== 'example') walk(x, `${at}.${k}`);
      }
    }
  };
  walk({ definitions: doc.definitions, paths: doc.paths }, '');
  t.deepEqual(problems.slice(0, 10), []);
  t.true(Object.keys(doc.paths).length > 400);
});

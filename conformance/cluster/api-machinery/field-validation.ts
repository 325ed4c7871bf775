/**
 * Server-side field validation: upstream field_validation.go (AM-49..AM-55).
 * `fieldValidation=Strict` turns unknown and duplicate fields into 400 BadRequest
 * "strict decoding error: ..." answers.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectApiError, expectContains, expectEqual } from '../framework/expect.ts';
import { createTestCrd, preserveUnknownSchema } from '../framework/crd.ts';

function deploymentJson(name: string, spec: string, metadataExtra = ''): string {
  return `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"${name}","labels":{"app":"nginx"}${metadataExtra}},"spec":${spec}}`;
}

const podTemplate = (image: string): string =>
  `{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"name":"nginx","image":"${image}","ports":[{"containerPort":80}]}]}}`;

async function post(ctx: CaseContext, path: string, body: string, query: Record<string, string> = { fieldValidation: 'Strict' }): Promise<KubeObject> {
  return ctx.client.request<KubeObject>({ method: 'POST', path, query, body, contentType: 'application/json', signal: ctx.signal });
}

const crdSchema: KubeObject = {
  openAPIV3Schema: {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          cronSpec: { type: 'string' },
          image: { type: 'string' },
          ports: { type: 'array', items: { type: 'object', properties: { containerPort: { type: 'integer' }, protocol: { type: 'string' }, hostPort: { type: 'integer' }, name: { type: 'string' } }, required: ['containerPort', 'protocol'] }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'] },
        },
      },
    },
  },
};

export const cases = [
  defineCase(import.meta.url, {
    id: 'AM-53',
    codename: '[sig-api-machinery] FieldValidation should detect unknown and duplicate fields of a typed object [Conformance]',
    async run(ctx) {
      const path = `/apis/apps/v1/namespaces/${ctx.ns}/deployments`;
      ctx.step('create the deployment with an unknown field and duplicate fields, fieldValidation=Strict');
      const body = deploymentJson(
        'deployment',
        `{"unknownField":"foo","replicas":1,"replicas":2,"paused":true,"paused":false,"selector":{"matchLabels":{"app":"nginx"}},"template":${podTemplate(ctx.images.busybox)}}`,
      );
      const err = await expectApiError(post(ctx, path, body), { code: 400, reason: 'BadRequest' }, 'strict create of a Deployment with unknown and duplicate fields');
      const msg = err.status.message ?? '';
      expectContains(msg, 'strict decoding error', 'error message');
      expectContains(msg, 'unknown field "spec.unknownField"', 'error message');
      expectContains(msg, 'duplicate field "spec.replicas"', 'error message');
      expectContains(msg, 'duplicate field "spec.paused"', 'error message');
      ctx.step('the same object is accepted with fieldValidation=Ignore');
      const ok = await post(ctx, path, body, { fieldValidation: 'Ignore' });
      expectEqual(ok.spec?.unknownField, undefined, 'unknown field dropped with fieldValidation=Ignore');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-55',
    codename: '[sig-api-machinery] FieldValidation should detect unknown metadata fields of a typed object [Conformance]',
    async run(ctx) {
      const path = `/apis/apps/v1/namespaces/${ctx.ns}/deployments`;
      ctx.step('create the deployment with an unknown metadata field, fieldValidation=Strict');
      const body = deploymentJson('deployment', `{"selector":{"matchLabels":{"app":"nginx"}},"template":${podTemplate(ctx.images.busybox)}}`, ',"unknownMeta":"foo"');
      const err = await expectApiError(post(ctx, path, body), { code: 400 }, 'strict create of a Deployment with an unknown metadata field');
      expectContains(err.status.message ?? '', 'unknown field "metadata.unknownMeta"', 'error message');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-51',
    codename: '[sig-api-machinery] FieldValidation should create/apply an invalid CR with extra properties for CRD with validation schema [Conformance]',
    async run(ctx) {
      const crd = await createTestCrd(ctx, { versions: [{ name: 'v1', served: true, storage: true, schema: crdSchema }] });
      const path = crd.resources().path();
      ctx.step('attempting to create a CR with unknown fields, fieldValidation=Strict');
      const body = `{"apiVersion":"${crd.group}/v1","kind":"${crd.kind}","metadata":{"name":"test-cr"},"spec":{"foo":"bar","cronSpec":"* * * * */5","ports":[{"name":"x","containerPort":80,"protocol":"TCP"}]}}`;
      const err = await expectApiError(post(ctx, path, body), { code: 400 }, 'strict create of a custom resource with an unknown field');
      expectContains(err.status.message ?? '', 'unknown field "spec.foo"', 'error message');
      ctx.step('attempting to apply the same CR with server-side apply');
      const applyErr = await expectApiError(
        ctx.client.request({ method: 'PATCH', path: `${path}/test-cr`, query: { fieldValidation: 'Strict', fieldManager: 'e2e' }, body, contentType: 'application/apply-patch+yaml', signal: ctx.signal }),
        { code: 400 },
        'strict server-side apply of a custom resource with an unknown field',
      );
      expectContains(applyErr.status.message ?? '', 'spec.foo', 'apply error message');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-50',
    codename: '[sig-api-machinery] FieldValidation should create/apply a valid CR for CRD with validation schema [Conformance]',
    async run(ctx) {
      const crd = await createTestCrd(ctx, { versions: [{ name: 'v1', served: true, storage: true, schema: crdSchema }] });
      const path = crd.resources().path();
      ctx.step('creating a valid CR with fieldValidation=Strict');
      const body = `{"apiVersion":"${crd.group}/v1","kind":"${crd.kind}","metadata":{"name":"test-cr"},"spec":{"cronSpec":"* * * * */5","ports":[{"name":"x","containerPort":80,"protocol":"TCP"}]}}`;
      await post(ctx, path, body);
      ctx.step('server-side applying a valid CR with fieldValidation=Strict');
      const applied = await ctx.client.request<KubeObject>({
        method: 'PATCH',
        path: `${path}/test-cr2`,
        query: { fieldValidation: 'Strict', fieldManager: 'e2e' },
        body: body.replace('"test-cr"', '"test-cr2"'),
        contentType: 'application/apply-patch+yaml',
        signal: ctx.signal,
      });
      expectEqual(applied.spec?.cronSpec, '* * * * */5', 'spec.cronSpec of the applied custom resource');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-49',
    codename: '[sig-api-machinery] FieldValidation should create/apply a CR with unknown fields for CRD with no validation schema [Conformance]',
    async run(ctx) {
      const crd = await createTestCrd(ctx, { versions: [{ name: 'v1', served: true, storage: true, schema: preserveUnknownSchema }] });
      const path = crd.resources().path();
      ctx.step('creating a CR with unknown fields for a CRD without a validation schema, fieldValidation=Strict');
      const body = `{"apiVersion":"${crd.group}/v1","kind":"${crd.kind}","metadata":{"name":"test-cr"},"spec":{"foo":"bar"}}`;
      const created = await post(ctx, path, body);
      expectEqual(created.spec?.foo, 'bar', 'unknown field preserved on a CRD without a schema');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-52',
    codename: '[sig-api-machinery] FieldValidation should detect duplicates in a CR when preserving unknown fields [Conformance]',
    async run(ctx) {
      const schema = { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } };
      const crd = await createTestCrd(ctx, { versions: [{ name: 'v1', served: true, storage: true, schema }] });
      const path = crd.resources().path();
      ctx.step('attempting to create a CR with duplicate fields, fieldValidation=Strict');
      const body = `{"apiVersion":"${crd.group}/v1","kind":"${crd.kind}","metadata":{"name":"test-cr"},"spec":{"foo":"bar","foo":"baz"}}`;
      const err = await expectApiError(post(ctx, path, body), { code: 400 }, 'strict create of a custom resource with a duplicate field');
      expectContains(err.status.message ?? '', 'duplicate field "spec.foo"', 'error message');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-54',
    codename: '[sig-api-machinery] FieldValidation should detect unknown metadata fields in both the root and embedded object of a CR [Conformance]',
    async run(ctx) {
      const schema = {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: {
              type: 'object',
              properties: {
                template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true, properties: { metadata: { type: 'object' } } },
              },
            },
          },
        },
      };
      const crd = await createTestCrd(ctx, { versions: [{ name: 'v1', served: true, storage: true, schema }] });
      const path = crd.resources().path();
      ctx.step('attempting to create a CR with unknown metadata fields at the root and in the embedded object');
      const body = `{"apiVersion":"${crd.group}/v1","kind":"${crd.kind}","metadata":{"name":"test-cr","unknownMeta":"foo"},"spec":{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"my-pod","unknownSubMeta":"bar"}}}}`;
      const err = await expectApiError(post(ctx, path, body), { code: 400 }, 'strict create of a custom resource with unknown metadata fields');
      expectContains(err.status.message ?? '', 'unknown field "metadata.unknownMeta"', 'error message');
      expectContains(err.status.message ?? '', 'unknown field "spec.template.metadata.unknownSubMeta"', 'error message');
    },
  }),
];

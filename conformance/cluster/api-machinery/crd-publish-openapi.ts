/**
 * CustomResourcePublishOpenAPI: upstream test/e2e/apimachinery/crd_publish_openapi.go. CRD
 * schemas must show up in (and leave) `/openapi/v2`, and the real `kubectl` (see
 * `../cli/run-kubectl.ts`) must create, apply and explain custom resources with them.
 *
 * Deviations: upstream compares a published definition with the CRD schema through
 * kube-openapi types; here both are compared as JSON after dropping what the server adds
 * (the apiVersion, kind and metadata properties and x-kubernetes-group-version-kind, as
 * upstream's dropDefaults) and `x-kubernetes-preserve-unknown-fields`. The CRD names carry the
 * case's random id instead of upstream's random suffix, and groups the id too, so that
 * parallel cases never share a CRD.
 */
import { parse as parseYaml } from 'yaml';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectTrue, fail } from '../framework/expect.ts';
import { newKubectl, type Kubectl } from '../cli/run-kubectl.ts';

const SCHEMA_FOO = `description: Foo CRD for Testing
type: object
properties:
  spec:
    type: object
    description: Specification of Foo
    properties:
      bars:
        description: List of Bars and their specs.
        type: array
        items:
          type: object
          required:
          - name
          properties:
            name:
              description: Name of Bar.
              type: string
            age:
              description: Age of Bar.
              type: string
            feeling:
              description: Whether Bar is feeling great.
              type: string
              enum:
              - Great
              - Down
            bazs:
              description: List of Bazs.
              items:
                type: string
              type: array
  status:
    description: Status of Foo
    type: object
    properties:
      bars:
        description: List of Bars and their statuses.
        type: array
        items:
          type: object
          properties:
            name:
              description: Name of Bar.
              type: string
            available:
              description: Whether the Bar is installed.
              type: boolean
            quxType:
              description: Indicates to external qux type.
              pattern: in-tree|out-of-tree
              type: string`;

const WALDO_BODY = `type: object
properties:
  spec:
    description: Specification of Waldo
    type: object
    properties:
      dummy:
        description: Dummy property.
        type: object
  status:
    description: Status of Waldo
    type: object
    properties:
      bars:
        description: List of Bars and their statuses.
        type: array
        items:
          type: object`;
const SCHEMA_WALDO = `description: Waldo CRD for Testing\n${WALDO_BODY}`;
const SCHEMA_PRESERVE_ROOT = `description: preserve-unknown-properties at root for Testing\nx-kubernetes-preserve-unknown-fields: true\n${WALDO_BODY}`;
const SCHEMA_PRESERVE_NESTED = SCHEMA_WALDO.replace('Waldo CRD for Testing', 'preserve-unknown-properties in nested field for Testing').replace(
  '    description: Specification of Waldo\n    type: object\n',
  '    description: Specification of Waldo\n    type: object\n    x-kubernetes-preserve-unknown-fields: true\n',
);

interface TestCrd {
  name: string;
  group: string;
  plural: string;
  kind: string;
  versions: string[];
}

const crds = (ctx: CaseContext) => ctx.api('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');

/** definitionName is upstream's: the REST-friendly OpenAPI name of group/version/kind. */
const definitionName = (crd: TestCrd, version: string): string => `${crd.group.split('.').reverse().join('.')}.${version}.${crd.kind}`;

/** openapiV2Definitions fetches /openapi/v2 and returns its definitions. */
async function openapiV2Definitions(ctx: CaseContext): Promise<Record<string, KubeObject>> {
  const doc = await ctx.client.request<{ definitions?: Record<string, KubeObject> }>({ path: '/openapi/v2', accept: 'application/json', signal: ctx.signal });
  return doc.definitions ?? {};
}

/** dropDefaults is upstream's plus x-kubernetes-preserve-unknown-fields (see the header). */
function dropDefaults(s: KubeObject): KubeObject {
  const out: KubeObject = structuredClone(s);
  for (const p of ['metadata', 'apiVersion', 'kind']) delete out.properties?.[p];
  if (out.properties && Object.keys(out.properties).length === 0) delete out.properties;
  delete out['x-kubernetes-group-version-kind'];
  const strip = (o: unknown): void => {
    if (!o || typeof o !== 'object') return;
    delete (o as Record<string, unknown>)['x-kubernetes-preserve-unknown-fields'];
    for (const v of Object.values(o as Record<string, unknown>)) strip(v);
  };
  strip(out);
  return out;
}

/** waitForDefinition is upstream's: the definition is served (and, given `schema`, equals it). */
async function waitForDefinition(ctx: CaseContext, name: string, schema: KubeObject | undefined): Promise<void> {
  let why = '';
  await ctx.waitFor(async () => {
    const d = (await openapiV2Definitions(ctx))[name];
    if (!d) {
      why = `definitions["${name}"] not found`;
      return false;
    }
    if (schema && !isDeepStrictEqual(dropDefaults(d), dropDefaults(schema))) {
      why = `definitions["${name}"] does not match; expect ${JSON.stringify(dropDefaults(schema))}, actual ${JSON.stringify(dropDefaults(d))}`;
      return false;
    }
    return true;
  }, { timeoutMs: 60_000, intervalMs: 500, message: `definition ${name} to be served with the right OpenAPI schema`, describe: () => why });
}

async function waitForDefinitionCleanup(ctx: CaseContext, name: string): Promise<void> {
  await ctx.waitFor(async () => !(name in (await openapiV2Definitions(ctx))), { timeoutMs: 60_000, intervalMs: 500, message: `definition ${name} not to be served anymore` });
}

/**
 * setupCRD is upstream setupCRDAndVerifySchema: a namespaced CRD with `versions` (the first is
 * the storage version), each with `schema` (or an object preserving unknown fields), waited for
 * in /openapi/v2 with `expect`.
 */
async function setupCRD(ctx: CaseContext, schemaYaml: string | undefined, groupSuffix: string, versions: string[], expect?: KubeObject | null): Promise<TestCrd> {
  const schema = schemaYaml === undefined ? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } : (parseYaml(schemaYaml) as KubeObject);
  const id = `${ctx.uid}${Math.random().toString(36).slice(2, 6)}`;
  const group = `crd-publish-openapi-test-${groupSuffix}-${ctx.uid}.example.com`;
  const singular = `e2e-test-crd-publish-openapi-${id}-crd`;
  const crd: TestCrd = { name: `${singular}s.${group}`, group, plural: `${singular}s`, kind: `E2e-test-crd-publish-openapi-${id}-crd`, versions: [...versions] };
  ctx.step(`creating CRD ${crd.name}`);
  await crds(ctx).create({
    metadata: { name: crd.name },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: crd.plural, singular, kind: crd.kind, listKind: `${crd.kind}List` },
      versions: versions.map((v, i) => ({ name: v, served: true, storage: i === 0, schema: { openAPIV3Schema: schema } })),
    },
  });
  ctx.defer(() => crds(ctx).delete(crd.name).catch(() => undefined));
  const want = expect === null ? undefined : (expect ?? (schemaYaml === undefined ? { type: 'object' } : schema));
  for (const v of versions) await waitForDefinition(ctx, definitionName(crd, v), want);
  return crd;
}

/** cleanupCRD is upstream's: delete the CRD, then wait for its definitions to go. */
async function cleanupCRD(ctx: CaseContext, crd: TestCrd): Promise<void> {
  await crds(ctx).delete(crd.name).catch((err: unknown) => {
    if ((err as { code?: number }).code !== 404) throw err;
  });
  for (const v of crd.versions) await waitForDefinitionCleanup(ctx, definitionName(crd, v));
}

const meta = (crd: TestCrd, version: string, name: string): string => `"kind":"${crd.kind}","apiVersion":"${crd.group}/${version}","metadata":{"name":"${name}"}`;

async function verifyKubectlExplain(k: Kubectl, name: string, pattern: RegExp): Promise<void> {
  const out = await k.runOrDie(['explain', name]);
  if (!pattern.test(out)) fail(`kubectl explain ${name} result {${out}} doesn't match pattern {${pattern.source}}`);
}

/** createApplyDelete is upstream's create/delete then apply/delete round with kubectl. */
async function createApplyDelete(k: Kubectl, crd: TestCrd, cr: string, name: string): Promise<void> {
  await k.runOrDie(['create', '-f', '-'], { input: cr });
  await k.runOrDie(['delete', crd.plural, name]);
  await k.runOrDie(['apply', '-f', '-'], { input: cr });
  await k.runOrDie(['delete', crd.plural, name]);
}

const schemaOf = (y: string): KubeObject => parseYaml(y) as KubeObject;

/**
 * twoCRDsOfOneGroup creates the foo and waldo CRDs in one `common-group` (at `fooVersion` and
 * `waldoVersion`), waits for both definitions in the published OpenAPI, and deletes them.
 */
async function twoCRDsOfOneGroup(ctx: CaseContext, fooVersion: string, waldoVersion: string): Promise<void> {
  const foo = await setupCRD(ctx, SCHEMA_FOO, 'common-group', [fooVersion]);
  const waldo = await setupCRD(ctx, SCHEMA_WALDO, 'common-group', [waldoVersion]);
  expectTrue(foo.group === waldo.group, `CRDs should be of the same group: ${foo.group}, ${waldo.group}`);
  await waitForDefinition(ctx, definitionName(waldo, waldoVersion), schemaOf(SCHEMA_WALDO));
  await waitForDefinition(ctx, definitionName(foo, fooVersion), schemaOf(SCHEMA_FOO));
  await cleanupCRD(ctx, foo);
  await cleanupCRD(ctx, waldo);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'AM-42',
    codename: '[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for CRD with validation schema [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const crd = await setupCRD(ctx, SCHEMA_FOO, 'foo', ['v1']);
      ctx.step('kubectl validation (kubectl create and apply) allows request with known and required properties');
      await createApplyDelete(k, crd, `{${meta(crd, 'v1', 'test-foo')},"spec":{"bars":[{"name":"test-bar"}]}}`, 'test-foo');
      ctx.step('kubectl explain works to explain CR properties');
      await verifyKubectlExplain(k, crd.plural, /DESCRIPTION:.*Foo CRD for Testing.*FIELDS:.*apiVersion.*<string>.*APIVersion defines.*spec.*<Object>.*Specification of Foo/s);
      ctx.step('kubectl explain works to explain CR properties recursively');
      await verifyKubectlExplain(k, `${crd.plural}.metadata`, /DESCRIPTION:.*Standard object's metadata.*FIELDS:.*creationTimestamp.*<string>.*CreationTimestamp is a timestamp/s);
      await verifyKubectlExplain(k, `${crd.plural}.spec`, /DESCRIPTION:.*Specification of Foo.*FIELDS:.*bars.*<\[\]Object>.*List of Bars and their specs/s);
      await verifyKubectlExplain(k, `${crd.plural}.spec.bars`, /(RESOURCE|FIELD):.*bars.*<\[\]Object>.*DESCRIPTION:.*List of Bars and their specs.*FIELDS:.*bazs.*<\[\]string>.*List of Bazs.*name.*<string>.*Name of Bar/s);
      ctx.step("kubectl explain works to return error when explain is called on property that doesn't exist");
      const r = await k.run(['explain', `${crd.plural}.spec.bars2`]);
      expectTrue(r.code !== 0 && (r.stderr + r.stdout).includes('field "bars2" does not exist'), `kubectl explain of a missing field: want an error about field "bars2", got exit ${r.code}: ${r.stderr || r.stdout}`);
      await cleanupCRD(ctx, crd);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-43',
    codename: '[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for CRD without validation schema [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const crd = await setupCRD(ctx, undefined, 'empty', ['v1']);
      ctx.step('kubectl validation (kubectl create and apply) allows request with any unknown properties');
      await createApplyDelete(k, crd, `{${meta(crd, 'v1', 'test-cr')},"a":{"b":[{"c":"d"}]}}`, 'test-cr');
      ctx.step('kubectl explain works to explain CR without validation schema');
      await verifyKubectlExplain(k, crd.plural, /DESCRIPTION:.*<empty>/s);
      await cleanupCRD(ctx, crd);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-40',
    codename: '[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for CRD preserving unknown fields at the schema root [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const crd = await setupCRD(ctx, SCHEMA_PRESERVE_ROOT, 'unknown-at-root', ['v1'], null);
      ctx.step('kubectl validation (kubectl create and apply) allows request with any unknown properties');
      await createApplyDelete(k, crd, `{${meta(crd, 'v1', 'test-cr')},"a":{"b":[{"c":"d"}]}}`, 'test-cr');
      ctx.step('kubectl explain works to explain CR');
      await verifyKubectlExplain(k, crd.plural, new RegExp(`KIND:.*${crd.kind}`, 's'));
      await cleanupCRD(ctx, crd);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-41',
    codename: '[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for CRD preserving unknown fields in an embedded object [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const crd = await setupCRD(ctx, SCHEMA_PRESERVE_NESTED, 'unknown-in-nested', ['v1'], null);
      ctx.step('kubectl validation (kubectl create and apply) allows request with any unknown properties');
      await createApplyDelete(k, crd, `{${meta(crd, 'v1', 'test-cr')},"spec":{"a":null,"b":[{"c":"d"}]}}`, 'test-cr');
      ctx.step('kubectl explain works to explain CR');
      await verifyKubectlExplain(k, crd.plural, /DESCRIPTION:.*preserve-unknown-properties in nested field for Testing/s);
      await cleanupCRD(ctx, crd);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-44',
    codename: '[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for multiple CRDs of different groups [Conformance]',
    async run(ctx) {
      ctx.step('CRs in different groups (two CRDs) show up in OpenAPI documentation');
      const foo = await setupCRD(ctx, SCHEMA_FOO, 'foo', ['v1']);
      const waldo = await setupCRD(ctx, SCHEMA_WALDO, 'waldo', ['v1beta1']);
      expectTrue(foo.group !== waldo.group, `CRDs should be of different groups: ${foo.group}, ${waldo.group}`);
      await waitForDefinition(ctx, definitionName(waldo, 'v1beta1'), schemaOf(SCHEMA_WALDO));
      await waitForDefinition(ctx, definitionName(foo, 'v1'), schemaOf(SCHEMA_FOO));
      await cleanupCRD(ctx, foo);
      await cleanupCRD(ctx, waldo);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-46',
    codename: '[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for multiple CRDs of same group but different versions [Conformance]',
    async run(ctx) {
      ctx.step('CRs in the same group but different versions (one multiversion CRD) show up in OpenAPI documentation');
      const multi = await setupCRD(ctx, SCHEMA_FOO, 'multi-ver', ['v2', 'v3']);
      await waitForDefinition(ctx, definitionName(multi, 'v3'), schemaOf(SCHEMA_FOO));
      await waitForDefinition(ctx, definitionName(multi, 'v2'), schemaOf(SCHEMA_FOO));
      await cleanupCRD(ctx, multi);
      ctx.step('CRs in the same group but different versions (two CRDs) show up in OpenAPI documentation');
      await twoCRDsOfOneGroup(ctx, 'v4', 'v5');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-45',
    codename: '[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for multiple CRDs of same group and version but different kinds [Conformance]',
    async run(ctx) {
      ctx.step('CRs in the same group and version but different kinds (two CRDs) show up in OpenAPI documentation');
      await twoCRDsOfOneGroup(ctx, 'v6', 'v6');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-39',
    codename: '[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] updates the published spec when one version gets renamed [Conformance]',
    async run(ctx) {
      ctx.step('set up a multi version CRD');
      const crd = await setupCRD(ctx, SCHEMA_FOO, 'multi-ver', ['v2', 'v3']);
      ctx.step('rename a version');
      await crds(ctx).patch(crd.name, [
        { op: 'test', path: '/spec/versions/1/name', value: 'v3' },
        { op: 'replace', path: '/spec/versions/1/name', value: 'v4' },
      ], { type: 'json' });
      ctx.step('check the new version name is served');
      await waitForDefinition(ctx, definitionName(crd, 'v4'), schemaOf(SCHEMA_FOO));
      ctx.step('check the old version name is removed');
      await waitForDefinitionCleanup(ctx, definitionName(crd, 'v3'));
      ctx.step('check the other version is not changed');
      await waitForDefinition(ctx, definitionName(crd, 'v2'), schemaOf(SCHEMA_FOO));
      crd.versions[1] = 'v4';
      await cleanupCRD(ctx, crd);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-38',
    codename: '[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] removes definition from spec when one version gets changed to not be served [Conformance]',
    async run(ctx) {
      ctx.step('set up a multi version CRD');
      const crd = await setupCRD(ctx, SCHEMA_FOO, 'multi-to-single-ver', ['v5', 'v6alpha1']);
      await waitForDefinition(ctx, definitionName(crd, 'v6alpha1'), schemaOf(SCHEMA_FOO));
      await waitForDefinition(ctx, definitionName(crd, 'v5'), schemaOf(SCHEMA_FOO));
      ctx.step('mark a version not served');
      const cur = await crds(ctx).get(crd.name);
      cur.spec.versions[1].served = false;
      await crds(ctx).update(cur);
      ctx.step('check the unserved version gets removed');
      await waitForDefinitionCleanup(ctx, definitionName(crd, 'v6alpha1'));
      ctx.step('check the other version is not changed');
      await waitForDefinition(ctx, definitionName(crd, 'v5'), schemaOf(SCHEMA_FOO));
      await cleanupCRD(ctx, crd);
    },
  }),
];

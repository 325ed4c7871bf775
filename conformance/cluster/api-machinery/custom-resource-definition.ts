/**
 * CustomResourceDefinitions: upstream custom_resource_definition.go (AM-33..AM-36) and
 * crd_watch.go (AM-32).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { expectApiError, expectEqual, expectTrue } from '../framework/expect.ts';
import { createTestCrd, crdClient, crdObject, randomNames } from '../framework/crd.ts';
import { WatchRecorder } from '../framework/watch-recorder.ts';

const conditions = (o: KubeObject): KubeObject[] => (o.status?.conditions ?? []) as KubeObject[];

export const cases = [
  defineCase(import.meta.url, {
    id: 'AM-33',
    codename: '[sig-api-machinery] CustomResourceDefinition resources [Privileged:ClusterAdmin] Simple CustomResourceDefinition creating/deleting custom resource definition objects works [Conformance]',
    async run(ctx) {
      const crd = await createTestCrd(ctx);
      ctx.step('Deleting the CustomResourceDefinition');
      await crdClient(ctx).delete(crd.crd.metadata!.name!);
      await ctx.waitFor(
        async () => crdClient(ctx).get(crd.crd.metadata!.name!).then(() => false, (e) => (e as { code?: number }).code === 404),
        { timeoutMs: 60_000, message: `CustomResourceDefinition ${crd.crd.metadata!.name} to be deleted` },
      );
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-35',
    codename: '[sig-api-machinery] CustomResourceDefinition resources [Privileged:ClusterAdmin] Simple CustomResourceDefinition listing custom resource definition objects works [Conformance]',
    async run(ctx) {
      const label = { 'e2e-list-test-uuid': ctx.uid };
      const selector = `e2e-list-test-uuid=${ctx.uid}`;
      const client = crdClient(ctx);
      ctx.defer(() => client.deleteCollection({ labelSelector: selector }).catch(() => undefined));
      ctx.step('Creating 10 labelled CustomResourceDefinitions');
      const names: string[] = [];
      for (let i = 0; i < 10; i++) {
        const n = randomNames(ctx);
        const created = await client.create(crdObject({ ...n, labels: label }));
        names.push(created.metadata!.name!);
      }
      ctx.step('Listing them with the label selector');
      const list = await client.list({ labelSelector: selector });
      expectEqual(list.items.map((c) => c.metadata?.name).sort(), [...names].sort(), 'CustomResourceDefinitions listed by label');
      ctx.step('Deleting them with deletecollection');
      await client.deleteCollection({ labelSelector: selector });
      await ctx.waitFor(async () => (await client.list({ labelSelector: selector })).items.length === 0, {
        timeoutMs: 60_000,
        message: 'labelled CustomResourceDefinitions to be deleted by deletecollection',
      });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-34',
    codename: '[sig-api-machinery] CustomResourceDefinition resources [Privileged:ClusterAdmin] Simple CustomResourceDefinition getting/updating/patching custom resource definition status sub-resource works [Conformance]',
    async run(ctx) {
      const crd = await createTestCrd(ctx);
      const client = crdClient(ctx);
      const name = crd.crd.metadata!.name!;
      ctx.step('Getting the status sub-resource');
      const got = await client.get(name, { subresource: 'status' });
      expectEqual(got.metadata?.uid, crd.crd.metadata?.uid, 'uid of the CRD read through /status');
      ctx.step('Updating the status sub-resource');
      got.status = { ...got.status, conditions: [...conditions(got), { type: 'StatusUpdate', status: 'True', reason: 'E2E', message: 'Set from an e2e test', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] };
      const updated = await client.update(got, { subresource: 'status' });
      expectTrue(conditions(updated).some((c) => c.type === 'StatusUpdate' && c.status === 'True'), 'updated status does not carry the StatusUpdate condition');
      const read1 = await client.get(name);
      expectTrue(conditions(read1).some((c) => c.type === 'StatusUpdate'), 'StatusUpdate condition not visible on a subsequent read');
      ctx.step('Patching the status sub-resource');
      const patched = await client.patch(
        name,
        { status: { conditions: [...conditions(read1), { type: 'StatusPatched', status: 'True', reason: 'E2E', message: 'Set by e2e patch', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } },
        { type: 'merge', subresource: 'status' },
      );
      expectTrue(conditions(patched).some((c) => c.type === 'StatusPatched'), 'patched status does not carry the StatusPatched condition');
      const read2 = await client.get(name);
      expectTrue(conditions(read2).some((c) => c.type === 'StatusPatched'), 'StatusPatched condition not visible on a subsequent read');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-32',
    codename: '[sig-api-machinery] CustomResourceDefinition Watch [Privileged:ClusterAdmin] CustomResourceDefinition Watch watch on custom resource definition objects [Conformance]',
    async run(ctx) {
      const crd = await createTestCrd(ctx, { scope: 'Cluster', base: 'e2e-test-crd-watch' });
      const crs = crd.resources();
      const apiVersion = `${crd.group}/${crd.version}`;
      const nameA = `name1-${ctx.uid}`;
      const nameB = `name2-${ctx.uid}`;
      ctx.defer(async () => {
        await crs.delete(nameA).catch(() => undefined);
        await crs.delete(nameB).catch(() => undefined);
      });
      ctx.step('Creating a watch on the custom resources');
      const w = new WatchRecorder(crd.plural, crs.watch({ signal: ctx.signal }));
      ctx.defer(() => w.stop());
      await new Promise((r) => setTimeout(r, 300));
      const make = (name: string): KubeObject => ({ apiVersion, kind: crd.kind, metadata: { name }, content: { key: 'value' }, num: { num1: 9223372036854775807, num2: 1000000 } });
      ctx.step('Creating first CR');
      const a = await crs.create(make(nameA));
      await w.expectEvent('ADDED', { name: nameA, resourceVersion: a.metadata?.resourceVersion });
      ctx.step('Creating second CR');
      const b = await crs.create(make(nameB));
      await w.expectEvent('ADDED', { name: nameB, resourceVersion: b.metadata?.resourceVersion });
      ctx.step('Modifying first CR');
      const a2 = await crs.patch(nameA, { dummy: 'test' }, { type: 'merge' });
      await w.expectEvent('MODIFIED', { name: nameA, resourceVersion: a2.metadata?.resourceVersion, check: (o) => (o.dummy === 'test' ? undefined : 'patched field "dummy" missing') });
      ctx.step('Modifying second CR');
      const b2 = await crs.patch(nameB, { dummy: 'test' }, { type: 'merge' });
      await w.expectEvent('MODIFIED', { name: nameB, resourceVersion: b2.metadata?.resourceVersion });
      ctx.step('Deleting first CR');
      await crs.delete(nameA);
      await w.expectEvent('DELETED', { name: nameA });
      ctx.step('Deleting second CR');
      await crs.delete(nameB);
      await w.expectEvent('DELETED', { name: nameB });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-36',
    codename: '[sig-api-machinery] CustomResourceDefinition resources [Privileged:ClusterAdmin] custom resource defaulting for requests and from storage works [Conformance]',
    async run(ctx) {
      const schema = (defaults: { a?: string; b?: string }): KubeObject => ({
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: {
              type: 'object',
              properties: {
                a: { type: 'string', ...(defaults.a ? { default: defaults.a } : {}) },
                b: { type: 'string', ...(defaults.b ? { default: defaults.b } : {}) },
              },
            },
          },
        },
      });
      const crd = await createTestCrd(ctx, { versions: [{ name: 'v1', served: true, storage: true, schema: schema({}) }] });
      const crs = crd.resources();
      const apiVersion = `${crd.group}/v1`;
      const name = crd.crd.metadata!.name!;
      ctx.step('Creating a custom resource without defaults');
      await crs.create({ apiVersion, kind: crd.kind, metadata: { name: 'foo' }, spec: {} });
      ctx.step('Adding a default for spec.a to the CRD');
      const c1 = await crdClient(ctx).get(name);
      c1.spec.versions[0].schema = schema({ a: 'A' });
      await crdClient(ctx).update(c1);
      ctx.step('Reading the custom resource until spec.a is defaulted from storage');
      await ctx.waitFor(async () => (await crs.get('foo')).spec?.a === 'A', { timeoutMs: 60_000, message: 'spec.a to be defaulted to "A" when reading an object stored before the default was added' });
      ctx.step('Creating another custom resource: the default is applied on the request');
      const bar = await crs.create({ apiVersion, kind: crd.kind, metadata: { name: 'bar' }, spec: {} });
      expectEqual(bar.spec?.a, 'A', 'spec.a of a custom resource created after the default was added');
      ctx.step('Removing the default for spec.a and adding one for spec.b');
      const c2 = await crdClient(ctx).get(name);
      c2.spec.versions[0].schema = schema({ b: 'B' });
      await crdClient(ctx).update(c2);
      ctx.step('Reading the custom resource until spec.b is defaulted, while the persisted spec.a stays');
      await ctx.waitFor(
        async () => {
          const o = await crs.get('bar');
          return o.spec?.b === 'B' && o.spec?.a === 'A';
        },
        { timeoutMs: 60_000, message: 'bar to have spec.b defaulted to "B" and keep the persisted spec.a "A"' },
      );
      const foo = await crs.get('foo');
      expectEqual(foo.spec?.b, 'B', 'spec.b of foo after the new default');
      await expectApiError(crs.get('missing-cr'), { code: 404 }, 'get a missing custom resource');
    },
  }),
];


/** ConfigMaps and Secrets as API objects: upstream common/node/configmap.go, secrets.go and common/storage immutability specs. */
import type { KubeObject, ResourceClient } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectApiError, expectContains, expectEqual, expectTrue } from '../framework/expect.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function immutability(ctx: CaseContext, client: ResourceClient, kind: 'ConfigMap' | 'Secret'): Promise<void> {
  const name = `immutable-${ctx.uid}`;
  const data = (v: string): KubeObject => (kind === 'ConfigMap' ? { data: { data: v } } : { data: { data: b64(v) } });
  ctx.step(`Creating a ${kind}`);
  await client.create({ metadata: { name }, ...data('value-1') });
  ctx.step(`Updating its data`);
  let cur = await client.get(name);
  Object.assign(cur, data('value-2'));
  await client.update(cur);
  ctx.step(`Marking it immutable`);
  cur = await client.get(name);
  cur.immutable = true;
  await client.update(cur);
  ctx.step(`Trying to update its data: must fail`);
  cur = await client.get(name);
  Object.assign(cur, data('value-3'));
  const e1 = await expectApiError(client.update(cur), { code: 422 }, `update the data of an immutable ${kind}`);
  expectContains(e1.status.message ?? '', 'field is immutable when `immutable` is set', 'error message');
  ctx.step(`Trying to mark it mutable again: must fail`);
  cur = await client.get(name);
  cur.immutable = false;
  await expectApiError(client.update(cur), { code: 422 }, `mark an immutable ${kind} mutable`);
  ctx.step(`Updating its labels: allowed`);
  cur = await client.get(name);
  cur.metadata = { ...cur.metadata, labels: { label1: 'value1' } };
  const labelled = await client.update(cur);
  expectEqual(labelled.metadata?.labels?.label1, 'value1', `label on the immutable ${kind}`);
  ctx.step(`Deleting it: allowed`);
  await client.delete(name);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-03',
    codename: '[sig-node] ConfigMap should fail to create ConfigMap with empty key [Conformance]',
    async run(ctx) {
      ctx.step('Creating configMap that has name configmap-test-emptyKey');
      await expectApiError(ctx.core('configmaps').create({ metadata: { name: `configmap-test-emptykey-${ctx.uid}` }, data: { '': 'value-1' } }), {}, 'create a ConfigMap with an empty key');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-71',
    codename: '[sig-node] Secrets should fail to create secret due to empty secret key [Conformance]',
    async run(ctx) {
      ctx.step('Creating projection with secret that has name secret-emptykey-test');
      await expectApiError(ctx.core('secrets').create({ metadata: { name: `secret-emptykey-test-${ctx.uid}` }, data: { '': b64('value-1') } }), {}, 'create a Secret with an empty key');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-04',
    codename: '[sig-node] ConfigMap should run through a ConfigMap lifecycle [Conformance]',
    async run(ctx) {
      const cms = ctx.core('configmaps');
      const name = `e2e-cm-${ctx.uid}`;
      ctx.step('creating a ConfigMap');
      await cms.create({ metadata: { name, labels: { 'test-configmap-static': 'true' } }, data: { valueName: 'value' } });
      ctx.step('fetching the ConfigMap');
      const got = await cms.get(name);
      expectEqual(got.data?.valueName, 'value', 'data.valueName of the created ConfigMap');
      ctx.step('patching the ConfigMap');
      await cms.patch(name, { metadata: { labels: { 'test-configmap': 'patched' } }, data: { valueName: 'value1' } }, { type: 'strategic' });
      ctx.step('listing all ConfigMaps in all namespaces with a label selector');
      const list = await ctx.api('', 'v1', 'configmaps').list({ labelSelector: 'test-configmap-static=true' });
      const found = list.items.find((c) => c.metadata?.name === name && c.metadata?.namespace === ctx.ns);
      expectTrue(found, `ConfigMap ${name} not found when listing all namespaces by its static label`);
      expectEqual(found.data?.valueName, 'value1', 'data.valueName after the patch');
      expectEqual(found.metadata?.labels?.['test-configmap'], 'patched', 'patched label');
      ctx.step('deleting the ConfigMap by collection with a label selector');
      await cms.deleteCollection({ labelSelector: 'test-configmap-static=true' });
      ctx.step('listing all ConfigMaps in test namespace');
      const after = await cms.list({ labelSelector: 'test-configmap-static=true' });
      expectEqual(after.items.length, 0, 'ConfigMaps left after deletecollection');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-72',
    codename: '[sig-node] Secrets should patch a secret [Conformance]',
    async run(ctx) {
      const secrets = ctx.core('secrets');
      const name = `test-secret-${ctx.uid}`;
      ctx.step('creating a secret');
      await secrets.create({ metadata: { name, labels: { testsecret: 'true' } }, data: { key: b64('value') }, type: 'Opaque' });
      ctx.step('listing secrets in all namespaces to ensure that there are more than zero');
      const all = await ctx.api('', 'v1', 'secrets').list({ labelSelector: 'testsecret=true' });
      expectTrue(all.items.some((s) => s.metadata?.name === name), `secret ${name} not found in the all-namespaces list`);
      ctx.step('patching the secret');
      await secrets.patch(name, { metadata: { labels: { testsecret: 'true', 'testsecret-patched': 'true' } }, data: { key: b64('value1') } }, { type: 'strategic' });
      ctx.step('deleting the secret using a LabelSelector');
      const got = await secrets.get(name);
      expectEqual(got.data?.key, b64('value1'), 'data.key after the patch');
      expectEqual(got.metadata?.labels?.['testsecret-patched'], 'true', 'patched label');
      await secrets.deleteCollection({ labelSelector: 'testsecret-patched=true' });
      ctx.step('listing secrets in all namespaces, searching for label name and value in patch');
      const after = await ctx.api('', 'v1', 'secrets').list({ labelSelector: 'testsecret-patched=true' });
      expectTrue(!after.items.some((s) => s.metadata?.name === name && s.metadata?.namespace === ctx.ns), `secret ${name} still listed after deletecollection`);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ST-14',
    codename: '[sig-storage] ConfigMap should be immutable if `immutable` field is set [Conformance]',
    run: (ctx) => immutability(ctx, ctx.core('configmaps'), 'ConfigMap'),
  }),

  defineCase(import.meta.url, {
    id: 'ST-82',
    codename: '[sig-storage] Secrets should be immutable if `immutable` field is set [Conformance]',
    run: (ctx) => immutability(ctx, ctx.core('secrets'), 'Secret'),
  }),
  defineCase(import.meta.url, {
    id: 'ND-N02',
    codename: '[sig-node] ConfigMap should update ConfigMap successfully [Conformance] [NodeConformance]',
    async run(ctx) {
      const name = `configmap-test-${ctx.uid}`;
      const configMap: KubeObject = { metadata: { name }, data: { 'data-1': 'value-1', 'data-2': 'value-2', 'data-3': 'value-3' } };
      ctx.step(`Creating ConfigMap ${ctx.ns}/${name}`);
      await ctx.core('configmaps').create(configMap);
      configMap.data = { data: 'value' };
      ctx.step(`Updating configMap ${ctx.ns}/${name}`);
      // an unconditional update: no resourceVersion, as upstream sends it
      await ctx.core('configmaps').update(configMap);
      const fromUpdate = await ctx.core('configmaps').get(name);
      ctx.step(`Verifying update of ConfigMap ${ctx.ns}/${name}`);
      expectEqual(JSON.stringify(fromUpdate.data), JSON.stringify(configMap.data), 'ConfigMap data after the update');
    },
  }),
];

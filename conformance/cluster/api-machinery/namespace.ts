/** Namespaces: upstream test/e2e/apimachinery/namespace.go (AM-63..AM-68). */
import type { KubeObject } from '#impl/client/index.ts';
import { isNotFound } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, expectTrue } from '../framework/expect.ts';
import { waitForPodRunning } from '../framework/pods.ts';

const FAKE_FINALIZER = 'e2e.example.com/fakeFinalizer';

async function waitNamespaceGone(ctx: CaseContext, name: string): Promise<void> {
  const nss = ctx.api('', 'v1', 'namespaces');
  let phase = '';
  await ctx.waitFor(
    async () => {
      try {
        const ns = await nss.get(name);
        phase = ns.status?.phase ?? '';
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    },
    { timeoutMs: 120_000, intervalMs: 1000, message: `namespace ${name} to be deleted (namespace controller finalization)`, describe: () => `phase=${phase}` },
  );
}

/** recreateAndCheckEmpty deletes a namespace, waits until it is gone, recreates it and lists `resource`. */
async function deleteRecreateAndList(ctx: CaseContext, name: string, resource: string): Promise<KubeObject[]> {
  ctx.step('Deleting the namespace');
  await ctx.api('', 'v1', 'namespaces').delete(name);
  ctx.step('Waiting for the namespace to be removed.');
  await waitNamespaceGone(ctx, name);
  ctx.step('Recreating the namespace');
  await ctx.api('', 'v1', 'namespaces').create({ metadata: { name } });
  ctx.defer(() => ctx.api('', 'v1', 'namespaces').delete(name).catch(() => undefined));
  ctx.step(`Verifying there are no ${resource} in the namespace`);
  return (await ctx.core(resource, name).list()).items;
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'AM-68',
    codename: '[sig-api-machinery] Namespaces should patch a Namespace [Conformance] [Serial]',
    async run(ctx) {
      ctx.step('creating a Namespace');
      const ns = await ctx.createNamespace('nspatchtest');
      ctx.step('patching the Namespace');
      await ctx.api('', 'v1', 'namespaces').patch(ns, { metadata: { labels: { testLabel: 'testValue' } } }, { type: 'strategic' });
      ctx.step('get the Namespace and ensuring it has the label');
      const got = await ctx.api('', 'v1', 'namespaces').get(ns);
      expectEqual(got.metadata?.labels?.testLabel, 'testValue', 'label testLabel after patching the namespace');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-64',
    codename: '[sig-api-machinery] Namespaces should apply an update to a Namespace [Conformance] [Serial]',
    async run(ctx) {
      ctx.step(`Updating Namespace "${ctx.ns}"`);
      const nss = ctx.api('', 'v1', 'namespaces');
      const ns = await nss.get(ctx.ns);
      ns.metadata = { ...ns.metadata, labels: { ...ns.metadata?.labels, [ctx.ns]: 'updated' } };
      const updated = await nss.update(ns);
      expectEqual(updated.metadata?.labels?.[ctx.ns], 'updated', `label ${ctx.ns} after updating the namespace`);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-65',
    codename: '[sig-api-machinery] Namespaces should apply changes to a namespace status [Conformance] [Serial]',
    async run(ctx) {
      const nss = ctx.api('', 'v1', 'namespaces');
      ctx.step('Read namespace status');
      const st = await nss.get(ctx.ns, { subresource: 'status' });
      expectEqual(st.status?.phase, 'Active', `status.phase of namespace ${ctx.ns}`);
      ctx.step('Patch namespace status');
      const patched = await nss.patch(ctx.ns, { status: { conditions: [{ type: 'StatusPatch', status: 'True', reason: 'E2E', message: 'Patched by an e2e test' }] } }, { type: 'merge', subresource: 'status' });
      const pc = (patched.status?.conditions ?? []).find((c: KubeObject) => c.type === 'StatusPatch');
      expectEqual(pc?.message, 'Patched by an e2e test', 'message of the StatusPatch condition');
      ctx.step('Update namespace status');
      const cur = await nss.get(ctx.ns, { subresource: 'status' });
      cur.status.conditions = [...(cur.status.conditions ?? []), { type: 'StatusUpdate', status: 'True', reason: 'E2E', message: 'Updated by an e2e test' }];
      const updated = await nss.update(cur, { subresource: 'status' });
      const uc = (updated.status?.conditions ?? []).find((c: KubeObject) => c.type === 'StatusUpdate');
      expectEqual(uc?.message, 'Updated by an e2e test', 'message of the StatusUpdate condition');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-63',
    codename: '[sig-api-machinery] Namespaces should apply a finalizer to a Namespace [Conformance] [Serial]',
    async run(ctx) {
      const nss = ctx.api('', 'v1', 'namespaces');
      ctx.step(`Creating namespace "e2e-ns-${ctx.uid}"`);
      const name = await ctx.createNamespace(`e2e-ns-${ctx.uid}`);
      ctx.step(`Adding e2e finalizer to namespace "${name}"`);
      const ns = await nss.get(name);
      ns.spec = { ...ns.spec, finalizers: [...(ns.spec?.finalizers ?? []), FAKE_FINALIZER] };
      const fin = await nss.update(ns, { subresource: 'finalize' });
      expectTrue((fin.spec?.finalizers ?? []).includes(FAKE_FINALIZER), `finalizer ${FAKE_FINALIZER} not found after the finalize update: ${JSON.stringify(fin.spec?.finalizers)}`);
      ctx.step(`Removing e2e finalizer from namespace "${name}"`);
      const cur = await nss.get(name);
      cur.spec.finalizers = (cur.spec?.finalizers ?? []).filter((f: string) => f !== FAKE_FINALIZER);
      const removed = await nss.update(cur, { subresource: 'finalize' });
      expectTrue(!(removed.spec?.finalizers ?? []).includes(FAKE_FINALIZER), `finalizer ${FAKE_FINALIZER} still present after removal: ${JSON.stringify(removed.spec?.finalizers)}`);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-66',
    codename: '[sig-api-machinery] Namespaces should ensure that all pods are removed when a namespace is deleted [Conformance] [Serial]',
    async run(ctx) {
      ctx.step('Creating a test namespace');
      const ns = await ctx.createNamespace('nsdeletetest');
      ctx.step('Creating a pod in the namespace');
      await ctx.core('pods', ns).create({ metadata: { name: 'test-pod' }, spec: { containers: [{ name: 'nginx', image: ctx.images.pause }] } });
      ctx.step('Waiting for the pod to have running status');
      await waitForPodRunning(ctx, 'test-pod', ns);
      const left = await deleteRecreateAndList(ctx, ns, 'pods');
      expectEqual(left.length, 0, 'pods in the recreated namespace');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-67',
    codename: '[sig-api-machinery] Namespaces should ensure that all services are removed when a namespace is deleted [Conformance] [Serial]',
    async run(ctx) {
      ctx.step('Creating a test namespace');
      const ns = await ctx.createNamespace('nsdeletetest');
      ctx.step('Creating a service in the namespace');
      await ctx.core('services', ns).create({ metadata: { name: 'test-service' }, spec: { selector: { foo: 'bar', baz: 'blah' }, ports: [{ port: 80, targetPort: 80 }] } });
      const left = await deleteRecreateAndList(ctx, ns, 'services');
      expectEqual(left.length, 0, 'services in the recreated namespace');
    },
  }),
];

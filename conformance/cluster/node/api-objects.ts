/**
 * Node-area API object specs: PodTemplates (podtemplates.go), Lease (lease.go), Node
 * lifecycle (node_lifecycle.go) and RuntimeClass (runtimeclass.go).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { verifyApiOperations } from '../framework/api-operations.ts';
import { expectApiError, expectEqual, expectTrue } from '../framework/expect.ts';

const template = (image: string, labels: Record<string, string> = {}, name = 'nginx'): KubeObject => ({
  metadata: { name, labels },
  template: { spec: { containers: [{ name: 'nginx', image }] } },
});

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-41',
    codename: '[sig-node] PodTemplates should run the lifecycle of PodTemplates [Conformance]',
    async run(ctx) {
      const pts = ctx.core('podtemplates');
      const name = `nginx-pod-template-${ctx.uid}`;
      ctx.step('creating a PodTemplate');
      await pts.create(template(ctx.images.busybox, { 'podtemplate-static': 'true' }, name));
      ctx.step('patching the PodTemplate');
      await pts.patch(name, { metadata: { labels: { podtemplate: 'patched' } } }, { type: 'strategic' });
      ctx.step('fetching the PodTemplate');
      const got = await pts.get(name);
      expectEqual(got.metadata?.labels?.podtemplate, 'patched', 'patched label of the PodTemplate');
      ctx.step('listing all PodTemplates in all namespaces with a label selector');
      const list = await ctx.api('', 'v1', 'podtemplates').list({ labelSelector: 'podtemplate-static=true' });
      expectTrue(list.items.some((p) => p.metadata?.name === name), `PodTemplate ${name} not listed by its static label`);
      ctx.step('deleting the PodTemplate');
      await pts.delete(name);
      await expectApiError(pts.get(name), { code: 404 }, 'get the deleted PodTemplate');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-39',
    codename: '[sig-node] PodTemplates should delete a collection of pod templates [Conformance]',
    async run(ctx) {
      const pts = ctx.core('podtemplates');
      ctx.step('Create set of pod templates');
      for (const n of ['test-podtemplate-1', 'test-podtemplate-2', 'test-podtemplate-3']) await pts.create(template(ctx.images.busybox, { podtemplate: 'set' }, n));
      ctx.step('get a list of pod templates with a label in the current namespace');
      const list = await pts.list({ labelSelector: 'podtemplate=set' });
      expectEqual(list.items.length, 3, 'PodTemplates listed by label');
      ctx.step('delete collection of pod templates');
      await pts.deleteCollection({ labelSelector: 'podtemplate=set' });
      ctx.step('check that the list of pod templates matches the requested quantity');
      const after = await pts.list({ labelSelector: 'podtemplate=set' });
      expectEqual(after.items.length, 0, 'PodTemplates left after deletecollection');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-40',
    codename: '[sig-node] PodTemplates should replace a pod template [Conformance]',
    async run(ctx) {
      const pts = ctx.core('podtemplates');
      const name = `podtemplate-${ctx.uid}`;
      ctx.step('Create a pod template');
      await pts.create(template(ctx.images.busybox, {}, name));
      ctx.step('Replace a pod template');
      const cur = await pts.get(name);
      cur.metadata = { ...cur.metadata, annotations: { updated: 'true' } };
      const replaced = await pts.update(cur);
      expectEqual(replaced.metadata?.annotations?.updated, 'true', 'annotation after replacing the PodTemplate');
      expectEqual((await pts.get(name)).metadata?.annotations?.updated, 'true', 'annotation on a subsequent read');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-35',
    codename: '[sig-node] Lease lease API should be available [Conformance]',
    async run(ctx) {
      const leases = ctx.api('coordination.k8s.io', 'v1', 'leases', true);
      const name = `lease-${ctx.uid}`;
      const now = (): string => new Date().toISOString().replace('Z', '000Z');
      const spec1 = { holderIdentity: 'holder', leaseDurationSeconds: 30, acquireTime: now(), renewTime: now(), leaseTransitions: 0 };
      ctx.step('creating and getting a Lease');
      await leases.create({ metadata: { name }, spec: spec1 });
      const got = await leases.get(name);
      expectEqual(got.spec?.holderIdentity, 'holder', 'spec.holderIdentity of the read Lease');
      expectEqual(got.spec?.leaseDurationSeconds, 30, 'spec.leaseDurationSeconds of the read Lease');
      ctx.step('updating the Lease');
      got.spec = { ...got.spec, holderIdentity: 'holder2', leaseDurationSeconds: 60, leaseTransitions: 1 };
      await leases.update(got);
      const upd = await leases.get(name);
      expectEqual([upd.spec?.holderIdentity, upd.spec?.leaseDurationSeconds, upd.spec?.leaseTransitions], ['holder2', 60, 1], 'spec of the updated Lease');
      ctx.step('patching the Lease');
      await leases.patch(name, { spec: { holderIdentity: 'holder3', leaseTransitions: 2 } }, { type: 'strategic' });
      const pat = await leases.get(name);
      expectEqual([pat.spec?.holderIdentity, pat.spec?.leaseTransitions], ['holder3', 2], 'spec of the patched Lease');
      ctx.step('creating a second labelled Lease and listing');
      await leases.create({ metadata: { name: `${name}2`, labels: { deletecollection: 'true' } }, spec: spec1 });
      expectEqual((await leases.list()).items.length, 2, 'Leases in the namespace');
      ctx.step('deleting the labelled Lease with deletecollection');
      await leases.deleteCollection({ labelSelector: 'deletecollection=true' });
      const left = await leases.list();
      expectEqual(left.items.map((l) => l.metadata?.name), [name], 'Leases left after deletecollection');
      ctx.step('deleting the Lease');
      await leases.delete(name);
      await expectApiError(leases.get(name), { code: 404, reason: 'NotFound' }, 'get the deleted Lease');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-38',
    codename: '[sig-node] Node Lifecycle should run through the lifecycle of a node [Conformance]',
    async run(ctx) {
      const nodes = ctx.api('', 'v1', 'nodes');
      const name = `e2e-fake-node-${ctx.uid}`;
      ctx.defer(() => nodes.delete(name).catch(() => undefined));
      ctx.step('Create a fake Node');
      await nodes.create({ metadata: { name }, status: { phase: 'Running', conditions: [{ status: 'True', type: 'Ready' }] } });
      ctx.step('Get the node');
      expectEqual((await nodes.get(name)).metadata?.name, name, 'name of the read Node');
      ctx.step('Patch the node');
      await nodes.patch(name, { metadata: { labels: { [name]: 'patched' } } }, { type: 'merge' });
      ctx.step('List nodes with the label');
      const list = await nodes.list({ labelSelector: `${name}=patched` });
      expectEqual(list.items.length, 1, 'Nodes listed by the patched label');
      ctx.step('Update the node');
      const cur = await nodes.get(name);
      cur.metadata = { ...cur.metadata, labels: { ...cur.metadata?.labels, [name]: 'updated' } };
      const upd = await nodes.update(cur);
      expectEqual(upd.metadata?.labels?.[name], 'updated', 'label after the update');
      ctx.step('Delete the node');
      await nodes.delete(name);
      await ctx.waitFor(async () => nodes.get(name).then(() => false, (e) => (e as { code?: number }).code === 404), { timeoutMs: 30_000, message: `Node ${name} to be deleted` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-68',
    codename: '[sig-node] RuntimeClass should support RuntimeClasses API operations [Conformance]',
    run: (ctx) =>
      verifyApiOperations(ctx, {
        group: 'node.k8s.io',
        version: 'v1',
        resource: 'runtimeclasses',
        namespaced: false,
        make: (name, labels) => ({ metadata: { name, labels }, handler: `e2e-handler-${name}`.slice(0, 63) }),
      }),
  }),

  defineCase(import.meta.url, {
    id: 'ND-65',
    codename: '[sig-node] RuntimeClass should reject a Pod requesting a non-existent RuntimeClass [Conformance] [NodeConformance]',
    async run(ctx) {
      ctx.step('Creating a pod that requests a RuntimeClass that does not exist');
      await expectApiError(
        ctx.core('pods').create({ metadata: { name: 'test-runtimeclass-pod' }, spec: { runtimeClassName: `e2e-nonexistent-${ctx.uid}`, containers: [{ name: 'c', image: ctx.images.pause }] } }),
        { code: 403 },
        'create a pod with a non-existent runtimeClassName (RuntimeClass admission)',
      );
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-64',
    codename: '[sig-node] RuntimeClass should reject a Pod requesting a deleted RuntimeClass [Conformance] [NodeConformance]',
    async run(ctx) {
      const rcs = ctx.api('node.k8s.io', 'v1', 'runtimeclasses');
      const name = `e2e-runtimeclass-${ctx.uid}`;
      ctx.step('Creating a RuntimeClass and deleting it');
      await rcs.create({ metadata: { name }, handler: 'runc' });
      await rcs.delete(name);
      await ctx.waitFor(async () => rcs.get(name).then(() => false, (e) => (e as { code?: number }).code === 404), { timeoutMs: 30_000, message: `RuntimeClass ${name} to be deleted` });
      ctx.step('Creating a pod that requests the deleted RuntimeClass');
      await expectApiError(
        ctx.core('pods').create({ metadata: { name: 'test-runtimeclass-pod' }, spec: { runtimeClassName: name, containers: [{ name: 'c', image: ctx.images.pause }] } }),
        { code: 403 },
        'create a pod with a deleted runtimeClassName',
      );
    },
  }),
];

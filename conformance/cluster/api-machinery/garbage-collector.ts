/**
 * Garbage collector: upstream test/e2e/apimachinery/garbage_collector.go (AM-56, AM-57,
 * AM-59, AM-61, AM-62). Propagation policies on Deployments and ReplicationControllers, and
 * an ownerReference cycle.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, expectTrue } from '../framework/expect.ts';

const template = (ctx: CaseContext, labels: Record<string, string>): KubeObject => ({ metadata: { labels }, spec: { containers: [{ name: 'nginx', image: ctx.images.pause }] } });

async function count(ctx: CaseContext, resource: 'pods' | 'replicasets', selector: string): Promise<number> {
  const client = resource === 'pods' ? ctx.core('pods') : ctx.api('apps', 'v1', 'replicasets', true);
  return (await client.list({ labelSelector: selector })).items.filter((o) => !o.metadata?.deletionTimestamp).length;
}

/** deploymentCase: create a Deployment, wait for its ReplicaSet, delete with a policy. */
function deploymentCase(id: string, codename: string, policy: 'Background' | 'Orphan') {
  return defineCase(import.meta.url, {
    id,
    codename,
    async run(ctx) {
      const labels = { app: 'gc-test', gc: ctx.uid };
      const selector = `gc=${ctx.uid}`;
      const d = ctx.api('apps', 'v1', 'deployments', true);
      ctx.step('create the deployment');
      await d.create({ metadata: { name: 'simpletest.deployment', labels }, spec: { replicas: 2, selector: { matchLabels: labels }, template: template(ctx, labels) } });
      ctx.step('Wait for the Deployment to create new ReplicaSet');
      await ctx.waitFor(async () => (await count(ctx, 'replicasets', selector)) > 0, { timeoutMs: 60_000, message: 'the Deployment to create a ReplicaSet (deployment controller)' });
      ctx.step(`delete the deployment with propagationPolicy=${policy}`);
      await d.delete('simpletest.deployment', { propagationPolicy: policy });
      if (policy === 'Background') {
        ctx.step('wait for all rs to be garbage collected');
        await ctx.waitFor(async () => (await count(ctx, 'replicasets', selector)) === 0 && (await count(ctx, 'pods', selector)) === 0, {
          timeoutMs: 120_000,
          message: 'the ReplicaSets and pods of the deleted Deployment to be garbage collected',
        });
      } else {
        ctx.step('wait for deployment deletion to see if the garbage collector mistakenly deletes the rs');
        await ctx.waitFor(async () => d.get('simpletest.deployment').then(() => false, (e) => (e as { code?: number }).code === 404), { timeoutMs: 60_000, message: 'the Deployment to be deleted' });
        await new Promise((r) => setTimeout(r, 30_000));
        const rs = await count(ctx, 'replicasets', selector);
        expectTrue(rs > 0, 'the garbage collector deleted the ReplicaSet of a Deployment deleted with propagationPolicy=Orphan');
      }
    },
  });
}

/** rcCase: create an RC, wait for its pods, delete with a policy. */
function rcCase(id: string, codename: string, policy: 'Background' | 'Orphan') {
  return defineCase(import.meta.url, {
    id,
    codename,
    async run(ctx) {
      const labels = { app: 'gc-test', gc: ctx.uid };
      const selector = `gc=${ctx.uid}`;
      const rc = ctx.core('replicationcontrollers');
      const replicas = 2;
      ctx.step('create the rc');
      await rc.create({ metadata: { name: 'simpletest.rc', labels }, spec: { replicas, selector: labels, template: template(ctx, labels) } });
      ctx.step('wait for the rc to be running');
      await ctx.waitFor(async () => (await count(ctx, 'pods', selector)) === replicas, { timeoutMs: 60_000, message: `the ReplicationController to create ${replicas} pods` });
      ctx.step(`delete the rc with propagationPolicy=${policy}`);
      await rc.delete('simpletest.rc', { propagationPolicy: policy });
      if (policy === 'Background') {
        ctx.step('wait for all pods to be garbage collected');
        await ctx.waitFor(async () => (await count(ctx, 'pods', selector)) === 0, { timeoutMs: 120_000, message: 'the pods of the deleted ReplicationController to be garbage collected' });
      } else {
        ctx.step('wait for the rc to be deleted');
        await ctx.waitFor(async () => rc.get('simpletest.rc').then(() => false, (e) => (e as { code?: number }).code === 404), { timeoutMs: 60_000, message: 'the ReplicationController to be deleted' });
        ctx.step('wait for 30 seconds to see if the garbage collector mistakenly deletes the pods');
        await new Promise((r) => setTimeout(r, 30_000));
        const pods = (await ctx.core('pods').list({ labelSelector: selector })).items;
        expectEqual(pods.filter((p) => !p.metadata?.deletionTimestamp).length, replicas, 'pods left after the ReplicationController was deleted with propagationPolicy=Orphan');
        for (const p of pods) expectTrue(!(p.metadata?.ownerReferences ?? []).some((r: KubeObject) => r.kind === 'ReplicationController'), `pod ${p.metadata?.name} still has an ownerReference to the orphaning ReplicationController`);
      }
    },
  });
}

export const cases = [
  deploymentCase('AM-56', '[sig-api-machinery] Garbage collector should delete RS created by deployment when not orphaning [Conformance]', 'Background'),
  deploymentCase('AM-61', '[sig-api-machinery] Garbage collector should orphan RS created by deployment when deleteOptions.PropagationPolicy is Orphan [Conformance]', 'Orphan'),
  rcCase('AM-57', '[sig-api-machinery] Garbage collector should delete pods created by rc when not orphaning [Conformance]', 'Background'),
  rcCase('AM-62', '[sig-api-machinery] Garbage collector should orphan pods created by rc if delete options say so [Conformance] [Serial]', 'Orphan'),

  defineCase(import.meta.url, {
    id: 'AM-59',
    codename: '[sig-api-machinery] Garbage collector should not be blocked by dependency circle [Conformance]',
    async run(ctx) {
      const pods = ctx.core('pods');
      const mk = (name: string): KubeObject => ({ metadata: { name }, spec: { containers: [{ name: 'nginx', image: ctx.images.pause }] } });
      ctx.step('creating three pods');
      const p1 = await pods.create(mk('pod1'));
      const p2 = await pods.create(mk('pod2'));
      const p3 = await pods.create(mk('pod3'));
      const ref = (p: KubeObject): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', name: p.metadata!.name, uid: p.metadata!.uid, controller: true, blockOwnerDeletion: true });
      ctx.step('making pod1 owned by pod3, pod2 by pod1, pod3 by pod2');
      await pods.patch('pod1', { metadata: { ownerReferences: [ref(p3)] } }, { type: 'strategic' });
      await pods.patch('pod2', { metadata: { ownerReferences: [ref(p1)] } }, { type: 'strategic' });
      await pods.patch('pod3', { metadata: { ownerReferences: [ref(p2)] } }, { type: 'strategic' });
      ctx.step('deleting pod1 in foreground');
      await pods.delete('pod1', { propagationPolicy: 'Foreground' });
      ctx.step('waiting for all three pods to be garbage collected');
      let left: string[] = [];
      await ctx.waitFor(async () => {
        left = (await pods.list()).items.map((p) => p.metadata!.name!).filter((n) => ['pod1', 'pod2', 'pod3'].includes(n));
        return left.length === 0;
      }, { timeoutMs: 120_000, intervalMs: 1000, message: 'the ownerReference cycle pod1 -> pod3 -> pod2 -> pod1 to be garbage collected', describe: () => `left: ${left.join(', ')}` });
    },
  }),
];

/**
 * Garbage collector: upstream test/e2e/apimachinery/garbage_collector.go (AM-56..AM-62).
 * Propagation policies on Deployments and ReplicationControllers, foreground deletion, an
 * owner with dependents that have a second, valid owner, and an ownerReference cycle.
 * Upstream sizes its ReplicationControllers with estimateMaximumPods(10..100); here they have
 * 10 replicas (the lower bound), which a single node always holds.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, expectTrue } from '../framework/expect.ts';

/** OWNER_RC_REPLICAS is upstream estimateMaximumPods(10, 100) at its lower bound. */
const OWNER_RC_REPLICAS = 10;

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
  defineCase(import.meta.url, {
    id: 'AM-58',
    codename: '[sig-api-machinery] Garbage collector should keep the rc around until all its pods are deleted if the deleteOptions says so [Conformance] [Serial]',
    async run(ctx) {
      const rcs = ctx.core('replicationcontrollers');
      const pods = ctx.core('pods');
      const labels = { gctest: `delete_pods_foreground-${ctx.uid}` };
      ctx.step('create the rc');
      const rc = await rcs.create({ metadata: { name: 'simpletest.rc', labels }, spec: { replicas: OWNER_RC_REPLICAS, selector: labels, template: template(ctx, labels) } });
      await ctx.waitFor(async () => (await rcs.get('simpletest.rc')).status?.replicas === OWNER_RC_REPLICAS, { timeoutMs: 60_000, intervalMs: 1000, message: `rc simpletest.rc to create ${OWNER_RC_REPLICAS} pods` });
      ctx.step('delete the rc');
      await rcs.delete('simpletest.rc', { propagationPolicy: 'Foreground', preconditions: { uid: rc.metadata!.uid } });
      ctx.step('wait for the rc to be deleted');
      let remaining = 0;
      await ctx.waitFor(async () => {
        try {
          await rcs.get('simpletest.rc');
        } catch (err) {
          if ((err as { code?: number }).code === 404) return true;
          throw err;
        }
        remaining = (await pods.list()).items.length;
        return false;
      }, { timeoutMs: 120_000, intervalMs: 1000, message: 'the rc to be deleted after its pods (foreground deletion)', describe: () => `${remaining} pods remaining` });
      ctx.step('Gathering metrics');
      const left = (await pods.list()).items;
      expectEqual(left.map((p) => p.metadata?.name), [], 'pods left once the foreground-deleted rc is gone');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-60',
    codename: "[sig-api-machinery] Garbage collector should not delete dependents that have both valid owner and owner that's waiting for dependents to be deleted [Conformance] [Serial]",
    async run(ctx) {
      const rcs = ctx.core('replicationcontrollers');
      const pods = ctx.core('pods');
      const replicas = OWNER_RC_REPLICAS;
      const half = Math.trunc(replicas / 2);
      const deletedLabels = { gctest_d: `valid_and_pending_owners_d-${ctx.uid}` };
      const stayLabels = { gctest_s: `valid_and_pending_owners_s-${ctx.uid}` };
      ctx.step('create the rc1');
      const rc1 = await rcs.create({ metadata: { name: 'simpletest-rc-to-be-deleted', labels: deletedLabels }, spec: { replicas, selector: deletedLabels, template: template(ctx, deletedLabels) } });
      ctx.step('create the rc2');
      const rc2 = await rcs.create({ metadata: { name: 'simpletest-rc-to-stay', labels: stayLabels }, spec: { replicas: 0, selector: stayLabels, template: template(ctx, stayLabels) } });
      await ctx.waitFor(async () => (await rcs.get(rc1.metadata!.name!)).status?.replicas === replicas, { timeoutMs: 60_000, intervalMs: 1000, message: `rc1 to create ${replicas} pods` });

      ctx.step(`set half of pods created by rc ${rc1.metadata!.name} to have rc ${rc2.metadata!.name} as owner as well`);
      const list = (await pods.list()).items;
      for (const p of list.slice(0, half)) {
        await pods.patch(p.metadata!.name!, { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: rc2.metadata!.name, uid: rc2.metadata!.uid }] } }, { type: 'strategic' });
      }

      ctx.step(`delete the rc ${rc1.metadata!.name}`);
      await rcs.delete(rc1.metadata!.name!, { propagationPolicy: 'Foreground', preconditions: { uid: rc1.metadata!.uid } });
      ctx.step('wait for the rc to be deleted');
      let remaining = 0;
      await ctx.waitFor(async () => {
        try {
          await rcs.get(rc1.metadata!.name!);
        } catch (err) {
          if ((err as { code?: number }).code === 404) return true;
          throw err;
        }
        remaining = (await pods.list()).items.length;
        return false;
      }, { timeoutMs: 120_000, intervalMs: 1000, message: 'rc1 to be deleted (foreground deletion)', describe: () => `${remaining} pods remaining` });

      // Half of the pods must still exist, not being deleted, with rc2 as their only owner.
      const left = (await pods.list()).items;
      expectEqual(left.length, half, 'number of pods left (those that rc2 owns too)');
      for (const p of left) {
        expectTrue(!p.metadata?.deletionTimestamp, `pod ${p.metadata?.name} has a deletionTimestamp; a dependent with a valid owner must not be deleted`);
        expectEqual((p.metadata?.ownerReferences ?? []).map((r: KubeObject) => r.uid), [rc2.metadata!.uid], `ownerReferences of pod ${p.metadata?.name}`);
      }
    },
  }),
];

/**
 * ResourceQuota: upstream test/e2e/apimachinery/resource_quota.go (AM-69..AM-78). Usage is
 * computed by the quota controller; the waits say which resource's usage never matched.
 */
import { isConflict, type KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectApiError, expectEqual } from '../framework/expect.ts';

/** newTestResourceQuota mirrors upstream's quota with object counts for every kind checked. */
function newTestResourceQuota(name: string): KubeObject {
  return {
    metadata: { name },
    spec: {
      hard: {
        pods: '5',
        services: '10',
        'services.nodeports': '1',
        'services.loadbalancers': '1',
        replicationcontrollers: '10',
        resourcequotas: '1',
        'requests.cpu': '1',
        'requests.memory': '500Mi',
        configmaps: '10',
        persistentvolumeclaims: '10',
        'requests.storage': '10Gi',
        secrets: '10',
        'count/replicasets.apps': '5',
      },
    },
  };
}

/** waitForResourceQuota waits until status.used has every expected value (quantities as strings). */
async function waitForResourceQuota(ctx: CaseContext, name: string, used: Record<string, string>): Promise<void> {
  let last: Record<string, string> = {};
  await ctx.waitFor(
    async () => {
      const q = await ctx.core('resourcequotas').get(name);
      last = q.status?.used ?? {};
      return Object.entries(used).every(([k, v]) => normalize(last[k]) === normalize(v));
    },
    {
      timeoutMs: 60_000,
      intervalMs: 500,
      message: `ResourceQuota ${name} status.used to reach ${JSON.stringify(used)} (quota controller)`,
      describe: () => JSON.stringify(last),
    },
  );
}

function normalize(q: string | undefined): string {
  if (q === undefined) return '<unset>';
  if (q === '0' || q === '0m' || q === '0Mi' || q === '0Gi' || q === '0k') return '0';
  return q;
}

async function createQuota(ctx: CaseContext, name = 'test-quota'): Promise<KubeObject> {
  ctx.step('Creating a ResourceQuota');
  const q = await ctx.core('resourcequotas').create(newTestResourceQuota(name));
  ctx.step('Ensuring resource quota status is calculated');
  await waitForResourceQuota(ctx, name, { resourcequotas: '1' });
  return q;
}

async function countExisting(ctx: CaseContext, resource: string): Promise<number> {
  return (await ctx.core(resource).list()).items.length;
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'AM-77',
    codename: '[sig-api-machinery] ResourceQuota should create a ResourceQuota and ensure its status is promptly calculated. [Conformance]',
    async run(ctx) {
      await createQuota(ctx);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-71',
    codename: '[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a configMap. [Conformance]',
    async run(ctx) {
      const found = await countExisting(ctx, 'configmaps');
      await createQuota(ctx);
      await waitForResourceQuota(ctx, 'test-quota', { configmaps: String(found) });
      ctx.step('Creating a ConfigMap');
      await ctx.core('configmaps').create({ metadata: { name: 'test-configmap' }, data: { a: 'b' } });
      ctx.step('Ensuring resource quota status captures configMap creation');
      await waitForResourceQuota(ctx, 'test-quota', { configmaps: String(found + 1), resourcequotas: '1' });
      ctx.step('Deleting a ConfigMap');
      await ctx.core('configmaps').delete('test-configmap');
      ctx.step('Ensuring resource quota status released usage');
      await waitForResourceQuota(ctx, 'test-quota', { configmaps: String(found) });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-75',
    codename: '[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a secret. [Conformance]',
    async run(ctx) {
      const found = await countExisting(ctx, 'secrets');
      await createQuota(ctx);
      await waitForResourceQuota(ctx, 'test-quota', { secrets: String(found) });
      ctx.step('Creating a Secret');
      await ctx.core('secrets').create({ metadata: { name: 'test-secret' }, data: { a: Buffer.from('b').toString('base64') } });
      ctx.step('Ensuring resource quota status captures secret creation');
      await waitForResourceQuota(ctx, 'test-quota', { secrets: String(found + 1), resourcequotas: '1' });
      ctx.step('Deleting a secret');
      await ctx.core('secrets').delete('test-secret');
      ctx.step('Ensuring resource quota status released usage');
      await waitForResourceQuota(ctx, 'test-quota', { secrets: String(found) });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-76',
    codename: '[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a service. [Conformance]',
    async run(ctx) {
      await createQuota(ctx);
      ctx.step('Creating a Service');
      await ctx.core('services').create({ metadata: { name: 'test-service' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } });
      ctx.step('Creating a NodePort Service');
      await ctx.core('services').create({ metadata: { name: 'test-service-np' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
      ctx.step('Not allowing a LoadBalancer Service with NodePort to be created that exceeds remaining quota');
      await expectApiError(
        ctx.core('services').create({ metadata: { name: 'test-service-lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } }),
        { code: 403 },
        'creating a LoadBalancer service over the services.nodeports quota',
      );
      ctx.step('Ensuring resource quota status captures service creation');
      await waitForResourceQuota(ctx, 'test-quota', { services: '2', 'services.nodeports': '1', 'services.loadbalancers': '0' });
      ctx.step('Deleting Services');
      await ctx.core('services').delete('test-service');
      await ctx.core('services').delete('test-service-np');
      ctx.step('Ensuring resource quota status released usage');
      await waitForResourceQuota(ctx, 'test-quota', { services: '0', 'services.nodeports': '0' });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-74',
    codename: '[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a replication controller. [Conformance]',
    async run(ctx) {
      await createQuota(ctx);
      ctx.step('Creating a ReplicationController');
      await ctx.core('replicationcontrollers').create({
        metadata: { name: 'test-rc' },
        spec: { replicas: 0, selector: { name: 'test-rc' }, template: { metadata: { labels: { name: 'test-rc' } }, spec: { containers: [{ name: 'pause', image: ctx.images.pause }] } } },
      });
      ctx.step('Ensuring resource quota status captures replication controller creation');
      await waitForResourceQuota(ctx, 'test-quota', { replicationcontrollers: '1' });
      ctx.step('Deleting a ReplicationController');
      await ctx.core('replicationcontrollers').delete('test-rc', { propagationPolicy: 'Background' });
      ctx.step('Ensuring resource quota status released usage');
      await waitForResourceQuota(ctx, 'test-quota', { replicationcontrollers: '0' });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-73',
    codename: '[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a replica set. [Conformance]',
    async run(ctx) {
      await createQuota(ctx);
      ctx.step('Creating a ReplicaSet');
      await ctx.api('apps', 'v1', 'replicasets', true).create({
        metadata: { name: 'test-rs' },
        spec: { replicas: 0, selector: { matchLabels: { name: 'test-rs' } }, template: { metadata: { labels: { name: 'test-rs' } }, spec: { containers: [{ name: 'pause', image: ctx.images.pause }] } } },
      });
      ctx.step('Ensuring resource quota status captures replicaset creation');
      await waitForResourceQuota(ctx, 'test-quota', { 'count/replicasets.apps': '1' });
      ctx.step('Deleting a ReplicaSet');
      await ctx.api('apps', 'v1', 'replicasets', true).delete('test-rs');
      ctx.step('Ensuring resource quota status released usage');
      await waitForResourceQuota(ctx, 'test-quota', { 'count/replicasets.apps': '0' });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-70',
    codename: '[sig-api-machinery] ResourceQuota should be able to update and delete ResourceQuota. [Conformance]',
    async run(ctx) {
      const rq = ctx.core('resourcequotas');
      ctx.step('Creating a ResourceQuota');
      const quota = { metadata: { name: 'test-quota' }, spec: { hard: { cpu: '1', memory: '500Mi' } } };
      await rq.create(structuredClone(quota));
      ctx.step('Getting a ResourceQuota');
      const got = await rq.get('test-quota');
      expectEqual(got.spec?.hard, { cpu: '1', memory: '500Mi' }, 'spec.hard of the created quota');
      ctx.step('Updating a ResourceQuota');
      // As upstream: the local object (no resourceVersion) is sent, an unconditional update that
      // cannot conflict with the quota controller's status writes.
      quota.spec.hard = { cpu: '2', memory: '1Gi' };
      await rq.update(quota);
      ctx.step('Verifying a ResourceQuota was modified');
      const after = await rq.get('test-quota');
      expectEqual(after.spec?.hard, { cpu: '2', memory: '1Gi' }, 'spec.hard after the update');
      ctx.step('Deleting a ResourceQuota');
      await rq.delete('test-quota');
      ctx.step('Verifying the deleted ResourceQuota');
      await expectApiError(rq.get('test-quota'), { code: 404, reason: 'NotFound' }, 'get the deleted ResourceQuota');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-78',
    codename: '[sig-api-machinery] ResourceQuota should manage the lifecycle of a ResourceQuota [Conformance]',
    async run(ctx) {
      const rq = ctx.core('resourcequotas');
      const all = ctx.api('', 'v1', 'resourcequotas');
      const selector = `e2e-rq-label=e2e-quota-${ctx.uid}`;
      ctx.step('Creating a ResourceQuota');
      await rq.create({ metadata: { name: `e2e-quota-${ctx.uid}`, labels: { 'e2e-rq-label': `e2e-quota-${ctx.uid}` } }, spec: { hard: { cpu: '1', memory: '500Mi' } } });
      ctx.step('Getting a ResourceQuota');
      await rq.get(`e2e-quota-${ctx.uid}`);
      ctx.step('Listing all ResourceQuotas with LabelSelector');
      const listed = await all.list({ labelSelector: selector });
      expectEqual(listed.items.length, 1, 'ResourceQuotas listed across namespaces by label');
      ctx.step('Patching the ResourceQuota');
      const patched = await rq.patch(`e2e-quota-${ctx.uid}`, { metadata: { labels: { 'rq-patched': 'true' } }, spec: { hard: { cpu: '2', memory: '1Gi' } } }, { type: 'strategic' });
      expectEqual(patched.spec?.hard, { cpu: '2', memory: '1Gi' }, 'spec.hard after the patch');
      expectEqual(patched.metadata?.labels?.['rq-patched'], 'true', 'patched label');
      ctx.step('Deleting a Collection of ResourceQuotas');
      await rq.deleteCollection({ labelSelector: selector });
      ctx.step('Verifying the deleted ResourceQuota');
      const after = await all.list({ labelSelector: selector });
      expectEqual(after.items.length, 0, 'ResourceQuotas left after deletecollection');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-69',
    codename: '[sig-api-machinery] ResourceQuota should apply changes to a resourcequota status [Conformance]',
    async run(ctx) {
      const rq = ctx.core('resourcequotas');
      const name = `e2e-rq-status-${ctx.uid}`;
      ctx.step('Creating resourceQuota');
      await rq.create({ metadata: { name }, spec: { hard: { cpu: '500m', memory: '500Mi' } } });
      ctx.step('Updating resourceQuota status');
      // The quota controller writes the status too: on a conflict, read again and retry (client-go RetryOnConflict).
      const upd = await ctx.waitFor(
        async () => {
          const cur = await rq.get(name);
          cur.status = { hard: { cpu: '500m', memory: '500Mi' } };
          return rq.update(cur, { subresource: 'status' }).catch((err: unknown) => {
            if (isConflict(err)) return undefined;
            throw err;
          });
        },
        { timeoutMs: 30_000, intervalMs: 100, message: 'the resourceQuota status update to succeed without a conflict' },
      );
      expectEqual(upd.status?.hard, { cpu: '500m', memory: '500Mi' }, 'status.hard after updating /status');
      ctx.step('Patching the spec hard values');
      const sp = await rq.patch(name, { spec: { hard: { cpu: '1', memory: '1Gi' } } }, { type: 'strategic' });
      expectEqual(sp.spec?.hard, { cpu: '1', memory: '1Gi' }, 'spec.hard after patching');
      ctx.step('Patching hard status values');
      const stp = await rq.patch(name, { status: { hard: { cpu: '1', memory: '1Gi' } } }, { type: 'strategic', subresource: 'status' });
      expectEqual(stp.status?.hard, { cpu: '1', memory: '1Gi' }, 'status.hard after patching /status');
      ctx.step('Getting /status and waiting for status.hard to equal spec.hard');
      await ctx.waitFor(async () => {
        const s = await rq.get(name, { subresource: 'status' });
        return JSON.stringify(s.status?.hard) === JSON.stringify(s.spec?.hard);
      }, { timeoutMs: 60_000, message: 'status.hard to equal spec.hard' });
      ctx.step('Repatching /status with a spec change: the spec must not change');
      const rp = await rq.patch(name, { spec: { hard: { cpu: '3' } }, status: { hard: { cpu: '1', memory: '1Gi' } } }, { type: 'merge', subresource: 'status' });
      expectEqual(rp.spec?.hard, { cpu: '1', memory: '1Gi' }, 'spec.hard after a /status patch that tried to change it');
    },
  }),
  defineCase(import.meta.url, {
    id: 'AM-72',
    codename: '[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a pod. [Conformance]',
    async run(ctx) {
      const extended = 'example.com/dongle';
      const quotaName = 'test-quota';
      ctx.step('Counting existing ResourceQuota');
      const existing = await countExisting(ctx, 'resourcequotas');
      ctx.step('Creating a ResourceQuota');
      const quota = newTestResourceQuota(quotaName);
      // upstream newTestResourceQuota also caps ephemeral storage and an extended resource.
      Object.assign(quota.spec.hard, { 'requests.ephemeral-storage': '50Gi', 'limits.ephemeral-storage': '50Gi', [`requests.${extended}`]: '3' });
      await ctx.core('resourcequotas').create(quota);
      ctx.step('Ensuring resource quota status is calculated');
      await waitForResourceQuota(ctx, quotaName, { resourcequotas: String(existing + 1) });

      ctx.step('Creating a Pod that fits quota');
      const podFor = (name: string, requests: Record<string, string>, limits: Record<string, string> = {}): KubeObject => ({
        metadata: { name },
        spec: { containers: [{ name: 'pause', image: ctx.images.pause, resources: { requests, limits } }] },
      });
      const requests = { cpu: '500m', memory: '252Mi', 'ephemeral-storage': '30Gi', [extended]: '2' };
      await ctx.core('pods').create(podFor('test-pod', requests, { [extended]: '2' }));

      ctx.step('Ensuring ResourceQuota status captures the pod usage');
      const used: Record<string, string> = { pods: '1', 'requests.cpu': '500m', 'requests.memory': '252Mi', 'requests.ephemeral-storage': '30Gi', [`requests.${extended}`]: '2' };
      await waitForResourceQuota(ctx, quotaName, used);

      ctx.step('Not allowing a pod to be created that exceeds remaining quota');
      await expectApiError(ctx.core('pods').create(podFor('fail-pod', { cpu: '600m', memory: '100Mi' })), { code: 403, reason: 'Forbidden' }, 'creating a pod beyond the remaining cpu quota');

      ctx.step('Not allowing a pod to be created that exceeds remaining quota(validation on extended resources)');
      await expectApiError(
        ctx.core('pods').create(podFor('fail-pod-for-extended-resource', { cpu: '500m', memory: '100Mi', 'ephemeral-storage': '30Gi', [extended]: '2' }, { [extended]: '2' })),
        { code: 403, reason: 'Forbidden' },
        'creating a pod beyond the remaining extended-resource quota',
      );

      ctx.step('Ensuring a pod cannot update its resource requirements');
      const podToUpdate = await ctx.core('pods').get('test-pod');
      podToUpdate.spec.containers[0].resources.requests = { cpu: '100m', memory: '100Mi', 'ephemeral-storage': '10Gi' };
      await expectApiError(ctx.core('pods').update(podToUpdate), {}, 'updating the resource requests of a running pod');

      ctx.step('Ensuring attempts to update pod resource requirements did not change quota usage');
      await waitForResourceQuota(ctx, quotaName, used);

      ctx.step('Deleting the pod');
      await ctx.core('pods').delete('test-pod', { gracePeriodSeconds: 0 });

      ctx.step('Ensuring resource quota status released the pod usage');
      await waitForResourceQuota(ctx, quotaName, { pods: '0', 'requests.cpu': '0', 'requests.memory': '0', 'requests.ephemeral-storage': '0', [`requests.${extended}`]: '0' });
    },
  }),
];

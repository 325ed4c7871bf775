/**
 * ResourceQuota scopes: upstream apimachinery/resource_quota.go ("should verify ResourceQuota
 * with terminating scopes." and "... with best effort scope."). Usage is compared as
 * quantities, as upstream's waitForResourceQuota does (a listed resource must be present).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { parseQuantity } from '#impl/apimachinery/resource/quantity.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';

type ResourceList = Record<string, string>;

/** newTestResourceQuotaWithScope is upstream's quota for one scope. */
function newTestResourceQuotaWithScope(name: string, scope: string): KubeObject {
  const hard: ResourceList = { pods: '5' };
  if (scope === 'Terminating' || scope === 'NotTerminating') Object.assign(hard, { 'requests.cpu': '1', 'requests.memory': '500Mi', 'limits.cpu': '2', 'limits.memory': '1Gi' });
  return { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard, scopes: [scope] } };
}

/** newTestPodForQuota is upstream's: one pause container with the given requests and limits. */
const newTestPodForQuota = (ctx: CaseContext, name: string, requests: ResourceList, limits: ResourceList): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'pause', image: ctx.images.pause, resources: { requests, limits } }] },
});

/** waitForResourceQuota waits until every listed resource is in status.used with that value. */
async function waitForResourceQuota(ctx: CaseContext, name: string, used: ResourceList): Promise<void> {
  let last: ResourceList = {};
  await ctx.waitFor(
    async () => {
      last = (await ctx.core('resourcequotas').get(name)).status?.used ?? {};
      return Object.entries(used).every(([k, v]) => last[k] !== undefined && parseQuantity(String(last[k])).equal(parseQuantity(v)));
    },
    { timeoutMs: 120_000, intervalMs: 1000, message: `ResourceQuota ${name} status.used to reach ${JSON.stringify(used)} (quota controller)`, describe: () => JSON.stringify(last) },
  );
}

const zeroUsage = (): ResourceList => ({ pods: '0', 'requests.cpu': '0', 'requests.memory': '0', 'limits.cpu': '0', 'limits.memory': '0' });

export const cases = [
  defineCase(import.meta.url, {
    id: 'AM-80',
    codename: '[sig-api-machinery] ResourceQuota should verify ResourceQuota with terminating scopes. [Conformance]',
    async run(ctx) {
      const quotas = ctx.core('resourcequotas');
      ctx.step('Creating a ResourceQuota with terminating scope');
      await quotas.create(newTestResourceQuotaWithScope('quota-terminating', 'Terminating'));
      ctx.step('Ensuring ResourceQuota status is calculated');
      await waitForResourceQuota(ctx, 'quota-terminating', { pods: '0' });

      ctx.step('Creating a ResourceQuota with not terminating scope');
      await quotas.create(newTestResourceQuotaWithScope('quota-not-terminating', 'NotTerminating'));
      ctx.step('Ensuring ResourceQuota status is calculated');
      await waitForResourceQuota(ctx, 'quota-not-terminating', { pods: '0' });

      ctx.step('Creating a long running pod');
      const requests = { cpu: '500m', memory: '200Mi' };
      const limits = { cpu: '1', memory: '400Mi' };
      await ctx.core('pods').create(newTestPodForQuota(ctx, 'test-pod', requests, limits));
      const podUsage = { pods: '1', 'requests.cpu': requests.cpu, 'requests.memory': requests.memory, 'limits.cpu': limits.cpu, 'limits.memory': limits.memory };

      ctx.step('Ensuring resource quota with not terminating scope captures the pod usage');
      await waitForResourceQuota(ctx, 'quota-not-terminating', podUsage);
      ctx.step('Ensuring resource quota with terminating scope ignored the pod usage');
      await waitForResourceQuota(ctx, 'quota-terminating', zeroUsage());

      ctx.step('Deleting the pod');
      await ctx.core('pods').delete('test-pod', { gracePeriodSeconds: 0 });
      ctx.step('Ensuring resource quota status released the pod usage');
      await waitForResourceQuota(ctx, 'quota-not-terminating', zeroUsage());

      ctx.step('Creating a terminating pod');
      const terminating = newTestPodForQuota(ctx, 'terminating-pod', requests, limits);
      terminating.spec.activeDeadlineSeconds = 3600;
      await ctx.core('pods').create(terminating);

      ctx.step('Ensuring resource quota with terminating scope captures the pod usage');
      await waitForResourceQuota(ctx, 'quota-terminating', podUsage);
      ctx.step('Ensuring resource quota with not terminating scope ignored the pod usage');
      await waitForResourceQuota(ctx, 'quota-not-terminating', zeroUsage());

      ctx.step('Deleting the pod');
      await ctx.core('pods').delete('terminating-pod', { gracePeriodSeconds: 0 });
      ctx.step('Ensuring resource quota status released the pod usage');
      await waitForResourceQuota(ctx, 'quota-terminating', zeroUsage());
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-79',
    codename: '[sig-api-machinery] ResourceQuota should verify ResourceQuota with best effort scope. [Conformance]',
    async run(ctx) {
      const quotas = ctx.core('resourcequotas');
      ctx.step('Creating a ResourceQuota with best effort scope');
      await quotas.create(newTestResourceQuotaWithScope('quota-besteffort', 'BestEffort'));
      ctx.step('Ensuring ResourceQuota status is calculated');
      await waitForResourceQuota(ctx, 'quota-besteffort', { pods: '0' });

      ctx.step('Creating a ResourceQuota with not best effort scope');
      await quotas.create(newTestResourceQuotaWithScope('quota-not-besteffort', 'NotBestEffort'));
      ctx.step('Ensuring ResourceQuota status is calculated');
      await waitForResourceQuota(ctx, 'quota-not-besteffort', { pods: '0' });

      ctx.step('Creating a best-effort pod');
      await ctx.core('pods').create(newTestPodForQuota(ctx, 'best-effort-pod', {}, {}));
      ctx.step('Ensuring resource quota with best effort scope captures the pod usage');
      await waitForResourceQuota(ctx, 'quota-besteffort', { pods: '1' });
      ctx.step('Ensuring resource quota with not best effort ignored the pod usage');
      await waitForResourceQuota(ctx, 'quota-not-besteffort', { pods: '0' });

      ctx.step('Deleting the pod');
      await ctx.core('pods').delete('best-effort-pod', { gracePeriodSeconds: 0 });
      ctx.step('Ensuring resource quota status released the pod usage');
      await waitForResourceQuota(ctx, 'quota-besteffort', { pods: '0' });

      ctx.step('Creating a not best-effort pod');
      await ctx.core('pods').create(newTestPodForQuota(ctx, 'burstable-pod', { cpu: '500m', memory: '200Mi' }, { cpu: '1', memory: '400Mi' }));
      ctx.step('Ensuring resource quota with not best effort scope captures the pod usage');
      await waitForResourceQuota(ctx, 'quota-not-besteffort', { pods: '1' });
      ctx.step('Ensuring resource quota with best effort scope ignored the pod usage');
      await waitForResourceQuota(ctx, 'quota-besteffort', { pods: '0' });

      ctx.step('Deleting the pod');
      await ctx.core('pods').delete('burstable-pod', { gracePeriodSeconds: 0 });
      ctx.step('Ensuring resource quota status released the pod usage');
      await waitForResourceQuota(ctx, 'quota-not-besteffort', { pods: '0' });
    },
  }),
];

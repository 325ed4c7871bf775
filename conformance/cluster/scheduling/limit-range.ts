/**
 * LimitRange defaults and bounds applied by admission: upstream scheduling/limit_range.go
 * ("should create a LimitRange with defaults and ensure pod has those defaults applied").
 * Resource lists are compared as quantities (upstream equalResourceRequirement uses Cmp).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { parseQuantity } from '#impl/apimachinery/resource/quantity.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, fail } from '../framework/expect.ts';
import { WatchRecorder } from '../framework/watch-recorder.ts';

type ResourceList = Record<string, string>;

/** getResourceList is upstream's helper: cpu, memory and ephemeral-storage, empty ones left out. */
function getResourceList(cpu: string, memory: string, ephemeralStorage: string): ResourceList {
  const out: ResourceList = {};
  if (cpu) out.cpu = cpu;
  if (memory) out.memory = memory;
  if (ephemeralStorage) out['ephemeral-storage'] = ephemeralStorage;
  return out;
}

/** equalResourceList reports the first difference between two resource lists (by quantity). */
function diffResourceList(what: string, expected: ResourceList, actual: ResourceList | undefined): string | undefined {
  const a = actual ?? {};
  for (const [k, v] of Object.entries(expected)) {
    if (a[k] === undefined) return `${what}: ${k} missing (want ${v})`;
    if (!parseQuantity(String(a[k])).equal(parseQuantity(v))) return `${what}: ${k} is ${a[k]}, want ${v}`;
  }
  for (const k of Object.keys(a)) if (!(k in expected)) return `${what}: unexpected ${k}=${a[k]}`;
  return undefined;
}

function expectResources(expected: { requests: ResourceList; limits: ResourceList }, actual: KubeObject | undefined, who: string): void {
  const d = diffResourceList('requests', expected.requests, actual?.requests) ?? diffResourceList('limits', expected.limits, actual?.limits);
  if (d) fail(`${who} does not have the expected requirements: ${d}; resources: ${JSON.stringify(actual)}`);
}

/** newTestPod is upstream's: one pause container with the given requests and limits. */
const newTestPod = (ctx: CaseContext, name: string, requests: ResourceList, limits: ResourceList): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'pause', image: ctx.images.pause, resources: { requests, limits } }] },
});

async function expectCreateFails(ctx: CaseContext, pod: KubeObject, what: string): Promise<void> {
  const created = await ctx.core('pods').create(pod).then(() => true, () => false);
  if (created) fail(`${what}: the pod was created, want an error from LimitRange admission`);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'SC-01',
    codename: '[sig-scheduling] LimitRange should create a LimitRange with defaults and ensure pod has those defaults applied. [Conformance]',
    async run(ctx) {
      ctx.step('Creating a LimitRange');
      const min = getResourceList('50m', '100Mi', '100Gi');
      const max = getResourceList('500m', '500Mi', '500Gi');
      const defaultLimit = getResourceList('500m', '500Mi', '500Gi');
      const defaultRequest = getResourceList('100m', '200Mi', '200Gi');
      const value = `${Date.now() % 1_000_000_000}${ctx.uid}`;
      const limitRange: KubeObject = {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'limit-range', labels: { name: 'foo', time: value } },
        spec: { limits: [{ type: 'Container', min, max, default: defaultLimit, defaultRequest, maxLimitRequestRatio: {} }] },
      };
      const lrs = ctx.core('limitranges');

      ctx.step('Setting up watch');
      const initial = await lrs.list({ labelSelector: `time=${value}` });
      expectEqual(initial.items.length, 0, 'LimitRanges with the new label before creation');
      const w = new WatchRecorder('limitranges', lrs.watch({ labelSelector: `time=${value}`, resourceVersion: initial.metadata?.resourceVersion, signal: ctx.signal }));
      ctx.defer(() => w.stop());

      ctx.step('Submitting a LimitRange');
      let lr = await lrs.create(limitRange);

      ctx.step('Verifying LimitRange creation was observed');
      await w.expectEvent('ADDED', { name: 'limit-range' });

      ctx.step('Fetching the LimitRange to ensure it has proper values');
      lr = await lrs.get('limit-range');
      let expected = { requests: defaultRequest, limits: defaultLimit };
      expectResources(expected, { requests: lr.spec?.limits?.[0]?.defaultRequest, limits: lr.spec?.limits?.[0]?.default }, 'LimitRange defaults');

      ctx.step('Creating a Pod with no resource requirements');
      await ctx.core('pods').create(newTestPod(ctx, 'pod-no-resources', {}, {}));
      ctx.step('Ensuring Pod has resource requirements applied from LimitRange');
      let pod = await ctx.core('pods').get('pod-no-resources');
      for (const c of pod.spec?.containers ?? []) expectResources(expected, c.resources, `container ${c.name} of pod-no-resources`);

      ctx.step('Creating a Pod with partial resource requirements');
      await ctx.core('pods').create(newTestPod(ctx, 'pod-partial-resources', getResourceList('', '150Mi', '150Gi'), getResourceList('300m', '', '')));
      ctx.step('Ensuring Pod has merged resource requirements applied from LimitRange');
      pod = await ctx.core('pods').get('pod-partial-resources');
      // A limit without a request defaults the request to the limit, so the LimitRange's
      // defaultRequest only applies where no limit is given.
      expected = { requests: getResourceList('300m', '150Mi', '150Gi'), limits: getResourceList('300m', '500Mi', '500Gi') };
      for (const c of pod.spec?.containers ?? []) expectResources(expected, c.resources, `container ${c.name} of pod-partial-resources`);

      ctx.step('Failing to create a Pod with less than min resources');
      await expectCreateFails(ctx, newTestPod(ctx, 'pfpod', getResourceList('10m', '50Mi', '50Gi'), {}), 'a pod with less than min resources');
      ctx.step('Failing to create a Pod with more than max resources');
      await expectCreateFails(ctx, newTestPod(ctx, 'pfpod', getResourceList('600m', '600Mi', '600Gi'), {}), 'a pod with more than max resources');

      ctx.step('Updating a LimitRange');
      const newMin = getResourceList('9m', '49Mi', '49Gi');
      lr.spec.limits[0].min = newMin;
      lr = await lrs.update(lr);

      ctx.step('Verifying LimitRange updating is effective');
      await ctx.waitFor(async () => {
        lr = await lrs.get('limit-range');
        return diffResourceList('min', newMin, lr.spec?.limits?.[0]?.min) === undefined;
      }, { timeoutMs: 20_000, intervalMs: 2000, message: 'LimitRange min to be updated' });

      ctx.step('Creating a Pod with less than former min resources');
      await ctx.core('pods').create(newTestPod(ctx, 'pfpod', getResourceList('10m', '50Mi', '50Gi'), {}));

      ctx.step('Failing to create a Pod with more than max resources');
      await expectCreateFails(ctx, newTestPod(ctx, 'pfpod', getResourceList('600m', '600Mi', '600Gi'), {}), 'a pod with more than max resources');

      ctx.step('Deleting a LimitRange');
      await lrs.delete('limit-range', { gracePeriodSeconds: 30 });

      ctx.step('Verifying the LimitRange was deleted');
      await ctx.waitFor(async () => (await lrs.list()).items.length === 0, { timeoutMs: 60_000, intervalMs: 5000, message: 'the LimitRange to be deleted' });

      ctx.step('Creating a Pod with more than former max resources');
      // The LimitRanger's live-lookup cache may keep the deleted object up to 30s, as upstream allows.
      let lastErr = '';
      await ctx.waitFor(async () => {
        try {
          await ctx.core('pods').create(newTestPod(ctx, 'pfpod2', getResourceList('600m', '600Mi', '600Gi'), {}));
          return true;
        } catch (e) {
          lastErr = String(e);
          return false;
        }
      }, { timeoutMs: 30_000, intervalMs: 5000, message: 'a pod with more than the former max resources to be admitted', describe: () => lastErr });
    },
  }),
];

/** Scheduling API specs: LimitRange collection (limit_range.go) and PriorityClass endpoints (preemption.go). */
import { defineCase } from '../framework/case.ts';
import { expectApiError, expectEqual, expectTrue } from '../framework/expect.ts';

export const cases = [
  defineCase(import.meta.url, {
    id: 'SC-02',
    codename: '[sig-scheduling] LimitRange should list, patch and delete a LimitRange by collection [Conformance]',
    async run(ctx) {
      const selector = `e2e-limitrange-${ctx.uid}=true`;
      const lr = (limits: Record<string, unknown>): Record<string, unknown> => ({ limits: [{ type: 'Container', ...limits }] });
      const spec = lr({ default: { cpu: '500m', memory: '500Mi' }, defaultRequest: { cpu: '100m', memory: '200Mi' }, max: { cpu: '1', memory: '1Gi' }, min: { cpu: '50m', memory: '100Mi' } });
      ctx.step('Creating LimitRange in the first namespace');
      const ns2 = await ctx.createNamespace('e2e-limitrange-2');
      await ctx.core('limitranges').create({ metadata: { name: `e2e-limitrange-${ctx.uid}`, labels: { [`e2e-limitrange-${ctx.uid}`]: 'true' } }, spec });
      ctx.step('Creating LimitRange in the second namespace');
      await ctx.core('limitranges', ns2).create({ metadata: { name: `e2e-limitrange-${ctx.uid}`, labels: { [`e2e-limitrange-${ctx.uid}`]: 'true' } }, spec });
      ctx.step('Listing all LimitRanges with label');
      const all = await ctx.api('', 'v1', 'limitranges').list({ labelSelector: selector });
      expectEqual(all.items.length, 2, 'LimitRanges listed across namespaces by label');
      ctx.step('Patching the LimitRange in the first namespace');
      const patched = await ctx.core('limitranges').patch(`e2e-limitrange-${ctx.uid}`, { metadata: { labels: { 'e2e-patched': 'true' } }, spec: lr({ default: { cpu: '600m', memory: '600Mi' }, defaultRequest: { cpu: '100m', memory: '200Mi' }, max: { cpu: '1', memory: '1Gi' }, min: { cpu: '50m', memory: '100Mi' } }) }, { type: 'strategic' });
      expectEqual(patched.spec?.limits?.[0]?.default, { cpu: '600m', memory: '600Mi' }, 'patched default limits');
      ctx.step('Deleting the LimitRanges in the first namespace by collection');
      await ctx.core('limitranges').deleteCollection({ labelSelector: selector });
      const left = await ctx.api('', 'v1', 'limitranges').list({ labelSelector: selector });
      expectEqual(left.items.map((x) => x.metadata?.namespace), [ns2], 'LimitRanges left (only in the second namespace)');
    },
  }),

  defineCase(import.meta.url, {
    id: 'SC-08',
    codename: '[sig-scheduling] SchedulerPreemption PriorityClass endpoints verify PriorityClass endpoints can be operated with different HTTP methods [Conformance] [Serial]',
    async run(ctx) {
      const pcs = ctx.api('scheduling.k8s.io', 'v1', 'priorityclasses');
      const names = [1, 2, 3].map((i) => `p${i}-${ctx.uid}`);
      ctx.defer(async () => {
        for (const n of names) await pcs.delete(n).catch(() => undefined);
      });
      for (const [i, n] of names.entries()) await pcs.create({ metadata: { name: n, labels: { [`e2e-pc-${ctx.uid}`]: 'true' } }, value: 100 + i, description: 'e2e' });
      ctx.step('listing PriorityClasses');
      const list = await pcs.list({ labelSelector: `e2e-pc-${ctx.uid}=true` });
      expectEqual(list.items.length, 3, 'PriorityClasses listed by label');
      ctx.step('patching an immutable field (value) must fail');
      await expectApiError(pcs.patch(names[0]!, { value: 999 }, { type: 'merge' }), { code: 422 }, 'patch PriorityClass value');
      ctx.step('updating an immutable field (value) must fail');
      const cur = await pcs.get(names[1]!);
      await expectApiError(pcs.update({ ...cur, value: 999 }), { code: 422 }, 'update PriorityClass value');
      ctx.step('patching and updating a mutable field (description) succeeds');
      const p = await pcs.patch(names[0]!, { description: 'patched' }, { type: 'merge' });
      expectEqual(p.description, 'patched', 'patched description');
      const cur2 = await pcs.get(names[2]!);
      const u = await pcs.update({ ...cur2, description: 'updated' });
      expectEqual(u.description, 'updated', 'updated description');
      expectTrue((await pcs.get(names[0]!)).value === 100, 'value unchanged after the rejected patch');
    },
  }),
];

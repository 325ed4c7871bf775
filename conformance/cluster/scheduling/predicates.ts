/** Scheduler predicates: upstream test/e2e/scheduling/predicates.go (SC-04, SC-05). */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { expectEqual, expectTrue } from '../framework/expect.ts';
import { waitForPodRunning } from '../framework/pods.ts';

export const cases = [
  defineCase(import.meta.url, {
    id: 'SC-05',
    codename: '[sig-scheduling] SchedulerPredicates validates that NodeSelector is respected if not matching [Conformance] [Serial]',
    async run(ctx) {
      const name = 'restricted-pod';
      ctx.step('Trying to schedule Pod with nonempty NodeSelector.');
      await ctx.core('pods').create({ metadata: { name, labels: { name: 'restricted' } }, spec: { nodeSelector: { label: 'nonempty' }, containers: [{ name, image: ctx.images.pause }] } });
      ctx.step('Waiting for a FailedScheduling event for the pod');
      const ev = await ctx.waitFor(
        async () => (await ctx.core('events').list({ fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name},reason=FailedScheduling` })).items[0],
        { timeoutMs: 60_000, message: `a FailedScheduling event for pod ${name} (scheduler)` },
      );
      expectTrue(/didn't match Pod's node affinity\/selector|node\(s\) didn't match/.test(ev.message ?? ''), `FailedScheduling event does not say the node selector did not match: ${ev.message}`);
      const p = await ctx.core('pods').get(name);
      expectEqual(p.spec?.nodeName ?? '', '', 'spec.nodeName of a pod whose nodeSelector matches no node');
    },
  }),

  defineCase(import.meta.url, {
    id: 'SC-04',
    codename: '[sig-scheduling] SchedulerPredicates validates that NodeSelector is respected if matching [Conformance] [Serial]',
    async run(ctx) {
      ctx.step('Trying to launch a pod without a label to get a node which can launch it.');
      await ctx.core('pods').create({ metadata: { name: 'without-label' }, spec: { containers: [{ name: 'without-label', image: ctx.images.pause }] } });
      const first = await waitForPodRunning(ctx, 'without-label');
      const nodeName: string = first.spec.nodeName;
      ctx.step('Explicitly delete pod here to free the resource it takes.');
      await ctx.core('pods').delete('without-label', { gracePeriodSeconds: 0 });
      const key = `kubernetes.io/e2e-${ctx.uid}`;
      ctx.step(`Trying to apply a random label on the found node: ${key}=42`);
      const nodes = ctx.api('', 'v1', 'nodes');
      await nodes.patch(nodeName, { metadata: { labels: { [key]: '42' } } }, { type: 'strategic' });
      ctx.defer(() => nodes.patch(nodeName, { metadata: { labels: { [key]: null } } }, { type: 'strategic' }));
      ctx.step('Trying to relaunch the pod, now with labels.');
      const pod: KubeObject = { metadata: { name: 'with-labels' }, spec: { nodeSelector: { [key]: '42' }, containers: [{ name: 'with-labels', image: ctx.images.pause }] } };
      await ctx.core('pods').create(pod);
      const p = await waitForPodRunning(ctx, 'with-labels');
      expectEqual(p.spec?.nodeName, nodeName, 'node the labelled pod was scheduled to');
    },
  }),
];

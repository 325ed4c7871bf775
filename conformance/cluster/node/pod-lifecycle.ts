/**
 * Pod and PodStatus lifecycle: upstream common/node/pods.go ("should run through the lifecycle
 * of Pods and PodStatus"). As upstream, a missed watch event is only logged; the gets after
 * each step carry the assertions. Images: pause where upstream runs agnhost, the test server
 * where upstream patches in httpd (both keep running).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { ApiError } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { expectEqual, fail } from '../framework/expect.ts';
import { POD_START_TIMEOUT_MS } from '../framework/pods.ts';
import { WatchRecorder } from '../framework/watch-recorder.ts';

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-50',
    codename: '[sig-node] Pods should run through the lifecycle of Pods and PodStatus [Conformance]',
    async run(ctx) {
      const name = 'pod-test';
      const labelsFlat = 'test-pod-static=true';
      const pods = ctx.core('pods');
      const image2 = ctx.images.testServer;
      const list = await ctx.api('', 'v1', 'pods').list({ labelSelector: labelsFlat });
      const w = new WatchRecorder('pods', pods.watch({ labelSelector: labelsFlat, resourceVersion: list.metadata?.resourceVersion, signal: ctx.signal }));
      ctx.defer(() => w.stop());
      const until = async (pred: (e: { type: string; object: KubeObject }) => boolean, what: string, timeoutMs: number): Promise<void> => {
        await w.waitForEvent(pred, what, timeoutMs).catch((e: unknown) => ctx.log(`failed to see ${what}: ${String(e)}`));
      };

      ctx.step('creating a Pod with a static label');
      await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { 'test-pod-static': 'true' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name, image: ctx.images.pause }] } });

      ctx.step('watching for Pod to be ready');
      await until((e) => e.object.metadata?.name === name && e.object.metadata?.namespace === ctx.ns && e.object.metadata?.labels?.['test-pod-static'] === 'true' && e.object.status?.phase === 'Running', 'the pod Running', POD_START_TIMEOUT_MS);
      const p = await pods.get(name);
      expectEqual(p.status?.phase, 'Running', `phase of Pod ${name}`);

      ctx.step('patching the Pod with a new Label and updated data');
      await pods.patch(name, { metadata: { labels: { 'test-pod': 'patched' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name, image: image2 }] } }, { type: 'strategic' });
      await until((e) => e.type === 'MODIFIED' && e.object.metadata?.labels?.['test-pod-static'] === 'true', 'a MODIFIED event', 30_000);

      ctx.step("getting the Pod and ensuring that it's patched");
      const pod = await pods.get(name);
      expectEqual(pod.metadata?.labels?.['test-pod'], 'patched', 'failed to patch Pod - label test-pod');
      expectEqual(pod.spec?.containers?.[0]?.image, image2, 'failed to patch Pod - image');

      ctx.step("replacing the Pod's status Ready condition to False");
      let updated: KubeObject | undefined;
      for (let i = 0; !updated; i++) {
        const st = await pods.get(name, { subresource: 'status' });
        let n = 0;
        for (const c of (st.status?.conditions ?? []) as KubeObject[]) {
          if ((c.type === 'Ready' || c.type === 'ContainersReady') && c.status === 'True') {
            c.status = 'False';
            n++;
          }
        }
        expectEqual(n, 2, 'failed to patch all relevant Pod conditions (Ready and ContainersReady True before the update)');
        try {
          updated = await pods.update(st, { subresource: 'status' });
        } catch (e) {
          if (i < 5 && e instanceof ApiError && e.code === 409) continue;
          throw e;
        }
      }

      ctx.step('check the Pod again to ensure its Ready conditions are False');
      const falseCount = (updated.status?.conditions ?? []).filter((c: KubeObject) => (c.type === 'Ready' || c.type === 'ContainersReady') && c.status === 'False').length;
      expectEqual(falseCount, 2, "failed to update PodStatus - field patch count doesn't match the total");

      ctx.step('deleting the Pod via a Collection with a LabelSelector');
      await pods.deleteCollection({ labelSelector: labelsFlat, gracePeriodSeconds: 1 });

      ctx.step('watching for the Pod to be deleted');
      await until((e) => e.type === 'DELETED' && e.object.metadata?.labels?.['test-pod-static'] === 'true', 'a DELETED event', 60_000);
      const after = await pods.get(name).then((x) => x, (e: unknown) => e);
      if (!(after instanceof ApiError)) fail(`pod ${name} found in namespace ${ctx.ns}, but it should be deleted: ${JSON.stringify(after)}`);
      expectEqual(after.code, 404, 'status code of getting the deleted pod');
    },
  }),
];

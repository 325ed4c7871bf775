/**
 * Watchers: upstream test/e2e/apimachinery/watch.go (AM-88..AM-92). Watches on ConfigMaps
 * selected by label, checked event by event, including resuming from a resourceVersion.
 */
import type { KubeObject, ResourceClient } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, fail } from '../framework/expect.ts';
import { WatchRecorder } from '../framework/watch-recorder.ts';

const LABEL = 'watch-this-configmap';

function configMaps(ctx: CaseContext): ResourceClient {
  return ctx.core('configmaps');
}

function watchConfigMaps(ctx: CaseContext, name: string, opts: { resourceVersion?: string; labelSelector: string }): WatchRecorder {
  const w = new WatchRecorder(name, configMaps(ctx).watch({ ...opts, signal: ctx.signal }));
  ctx.defer(() => w.stop());
  return w;
}

async function mutate(ctx: CaseContext, name: string, mutation: number, labels?: Record<string, string>): Promise<KubeObject> {
  const cms = configMaps(ctx);
  const cm = await cms.get(name);
  cm.data = { ...cm.data, mutation: String(mutation) };
  if (labels) cm.metadata = { ...cm.metadata, labels };
  return cms.update(cm);
}

const rvOf = (o: KubeObject): string => o.metadata?.resourceVersion ?? '';
const hasMutation = (n: string) => (o: KubeObject): string | undefined =>
  o.data?.mutation === n ? undefined : `expected data.mutation=${n}, got ${JSON.stringify(o.data)}`;

export const cases = [
  defineCase(import.meta.url, {
    id: 'AM-90',
    codename: '[sig-api-machinery] Watchers should observe add, update, and delete watch notifications on configmaps [Conformance]',
    async run(ctx) {
      const a = 'multiple-watchers-A';
      const b = 'multiple-watchers-B';
      ctx.step('creating a watch on configmaps with label A');
      const watchA = watchConfigMaps(ctx, 'A', { labelSelector: `${LABEL}=${a}` });
      ctx.step('creating a watch on configmaps with label B');
      const watchB = watchConfigMaps(ctx, 'B', { labelSelector: `${LABEL}=${b}` });
      ctx.step('creating a watch on configmaps with label A or B');
      const watchAB = watchConfigMaps(ctx, 'A-or-B', { labelSelector: `${LABEL} in (${a},${b})` });
      await new Promise((r) => setTimeout(r, 500));
      const cms = configMaps(ctx);
      ctx.step('creating a configmap with label A and ensuring the correct watchers observe the notification');
      const cmA = await cms.create({ metadata: { name: 'e2e-watch-test-configmap-a', labels: { [LABEL]: a } } });
      await watchA.expectEvent('ADDED', { name: cmA.metadata!.name!, resourceVersion: rvOf(cmA) });
      await watchAB.expectEvent('ADDED', { name: cmA.metadata!.name!, resourceVersion: rvOf(cmA) });
      ctx.step('modifying configmap A and ensuring the correct watchers observe the notification');
      const a1 = await mutate(ctx, 'e2e-watch-test-configmap-a', 1);
      await watchA.expectEvent('MODIFIED', { name: 'e2e-watch-test-configmap-a', resourceVersion: rvOf(a1), check: hasMutation('1') });
      await watchAB.expectEvent('MODIFIED', { name: 'e2e-watch-test-configmap-a', resourceVersion: rvOf(a1), check: hasMutation('1') });
      ctx.step('modifying configmap A again and ensuring the correct watchers observe the notification');
      const a2 = await mutate(ctx, 'e2e-watch-test-configmap-a', 2);
      await watchA.expectEvent('MODIFIED', { name: 'e2e-watch-test-configmap-a', resourceVersion: rvOf(a2), check: hasMutation('2') });
      await watchAB.expectEvent('MODIFIED', { name: 'e2e-watch-test-configmap-a', resourceVersion: rvOf(a2), check: hasMutation('2') });
      ctx.step('deleting configmap A and ensuring the correct watchers observe the notification');
      await cms.delete('e2e-watch-test-configmap-a');
      await watchA.expectEvent('DELETED', { name: 'e2e-watch-test-configmap-a' });
      await watchAB.expectEvent('DELETED', { name: 'e2e-watch-test-configmap-a' });
      ctx.step('creating a configmap with label B and ensuring the correct watchers observe the notification');
      const cmB = await cms.create({ metadata: { name: 'e2e-watch-test-configmap-b', labels: { [LABEL]: b } } });
      await watchB.expectEvent('ADDED', { name: 'e2e-watch-test-configmap-b', resourceVersion: rvOf(cmB) });
      await watchAB.expectEvent('ADDED', { name: 'e2e-watch-test-configmap-b', resourceVersion: rvOf(cmB) });
      await watchA.expectNoEvent(1000, 'configmap B does not match label A');
      ctx.step('deleting configmap B and ensuring the correct watchers observe the notification');
      await cms.delete('e2e-watch-test-configmap-b');
      await watchB.expectEvent('DELETED', { name: 'e2e-watch-test-configmap-b' });
      await watchAB.expectEvent('DELETED', { name: 'e2e-watch-test-configmap-b' });
      await watchA.expectNoEvent(1000, 'configmap B does not match label A');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-89',
    codename: '[sig-api-machinery] Watchers should be able to start watching from a specific resource version [Conformance]',
    async run(ctx) {
      const value = 'from-resource-version';
      const cms = configMaps(ctx);
      const name = 'e2e-watch-test-resource-version';
      ctx.step('creating a new configmap');
      await cms.create({ metadata: { name, labels: { [LABEL]: value } } });
      ctx.step('modifying the configmap once');
      const first = await mutate(ctx, name, 1);
      ctx.step('modifying the configmap a second time');
      const second = await mutate(ctx, name, 2);
      ctx.step('deleting the configmap');
      await cms.delete(name);
      ctx.step('creating a watch on configmaps from the resource version returned by the first update');
      const w = watchConfigMaps(ctx, 'from-first-update', { labelSelector: `${LABEL}=${value}`, resourceVersion: rvOf(first) });
      ctx.step('Expecting to observe notifications for all changes to the configmap after the first update');
      await w.expectEvent('MODIFIED', { name, resourceVersion: rvOf(second), check: hasMutation('2') });
      await w.expectEvent('DELETED', { name });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-88',
    codename: '[sig-api-machinery] Watchers should be able to restart watching from the last resource version observed by the previous watch [Conformance]',
    async run(ctx) {
      const value = 'watch-closed-and-restarted';
      const cms = configMaps(ctx);
      const name = 'e2e-watch-test-watch-closed';
      ctx.step('creating a watch on configmaps with a certain label');
      const w = watchConfigMaps(ctx, 'first', { labelSelector: `${LABEL}=${value}` });
      await new Promise((r) => setTimeout(r, 300));
      ctx.step('creating a new configmap');
      const created = await cms.create({ metadata: { name, labels: { [LABEL]: value } } });
      ctx.step('modifying the configmap once');
      const first = await mutate(ctx, name, 1);
      ctx.step('closing the watch once it receives two notifications');
      await w.expectEvent('ADDED', { name, resourceVersion: rvOf(created) });
      const last = await w.expectEvent('MODIFIED', { name, resourceVersion: rvOf(first), check: hasMutation('1') });
      w.stop();
      ctx.step('modifying the configmap a second time, while the watch is closed');
      const second = await mutate(ctx, name, 2);
      ctx.step('creating a new watch on configmaps from the last resource version observed by the first watch');
      const restarted = watchConfigMaps(ctx, 'restarted', { labelSelector: `${LABEL}=${value}`, resourceVersion: rvOf(last.object) });
      ctx.step('deleting the configmap');
      await cms.delete(name);
      ctx.step('Expecting to observe notifications for all changes to the configmap since the first watch closed');
      await restarted.expectEvent('MODIFIED', { name, resourceVersion: rvOf(second), check: hasMutation('2') });
      await restarted.expectEvent('DELETED', { name });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-91',
    codename: '[sig-api-machinery] Watchers should observe an object deletion if it stops meeting the requirements of the selector [Conformance]',
    async run(ctx) {
      const value = 'label-changed-and-restored';
      const cms = configMaps(ctx);
      const name = 'e2e-watch-test-label-changed';
      ctx.step('creating a watch on configmaps with a certain label');
      const w = watchConfigMaps(ctx, 'label', { labelSelector: `${LABEL}=${value}` });
      await new Promise((r) => setTimeout(r, 300));
      ctx.step('creating a new configmap');
      const created = await cms.create({ metadata: { name, labels: { [LABEL]: value } } });
      ctx.step('modifying the configmap once');
      const first = await mutate(ctx, name, 1);
      ctx.step('changing the label value of the configmap');
      await mutate(ctx, name, 1, { [LABEL]: 'wrong-value' });
      ctx.step("Expecting to observe a delete notification for the watched object");
      await w.expectEvent('ADDED', { name, resourceVersion: rvOf(created) });
      await w.expectEvent('MODIFIED', { name, resourceVersion: rvOf(first), check: hasMutation('1') });
      await w.expectEvent('DELETED', { name });
      ctx.step('modifying the configmap a second time');
      await mutate(ctx, name, 2, { [LABEL]: 'wrong-value' });
      ctx.step("Expecting not to observe a notification because the object no longer meets the selector's requirements");
      await w.expectNoEvent(2000, 'the object no longer matches the selector');
      ctx.step('changing the label value of the configmap back');
      const restored = await mutate(ctx, name, 2, { [LABEL]: value });
      ctx.step('modifying the configmap a third time');
      const third = await mutate(ctx, name, 3);
      ctx.step('deleting the configmap');
      await cms.delete(name);
      ctx.step('Expecting to observe an add notification for the watched object when the label value was restored');
      await w.expectEvent('ADDED', { name, resourceVersion: rvOf(restored), check: hasMutation('2') });
      await w.expectEvent('MODIFIED', { name, resourceVersion: rvOf(third), check: hasMutation('3') });
      await w.expectEvent('DELETED', { name });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-92',
    codename: '[sig-api-machinery] Watchers should receive events on concurrent watches in same order [Conformance]',
    async run(ctx) {
      const value = 'watch-consistency';
      const selector = `${LABEL}=${value}`;
      const cms = configMaps(ctx);
      ctx.step('getting a starting resourceVersion');
      const start = (await cms.list({ labelSelector: selector })).metadata.resourceVersion;
      ctx.step('starting a background goroutine to produce watch events');
      const total = 40;
      const producer = (async () => {
        const live: string[] = [];
        for (let i = 0; i < total; i++) {
          const op = live.length === 0 ? 0 : i % 3;
          if (op === 0) {
            const n = `e2e-watch-consistency-${i}`;
            await cms.create({ metadata: { name: n, labels: { [LABEL]: value } } });
            live.push(n);
          } else if (op === 1) {
            const n = live[i % live.length]!;
            await mutate(ctx, n, i);
          } else {
            const n = live.splice(i % live.length, 1)[0]!;
            await cms.delete(n);
          }
        }
      })();
      ctx.step('creating watches starting from each resource version of the events produced and verifying they all receive resource versions in the same order');
      const w0 = watchConfigMaps(ctx, 'from-start', { labelSelector: selector, resourceVersion: start });
      const followers: Array<{ from: number; w: WatchRecorder }> = [];
      const seen: string[] = [];
      for (let i = 0; i < total; i++) {
        const ev = await w0.waitForEvent(() => true, `event #${i + 1} of ${total}`);
        seen.push(rvOf(ev.object));
        if (i < total - 1 && i % 4 === 0) {
          followers.push({ from: i, w: watchConfigMaps(ctx, `from-${rvOf(ev.object)}`, { labelSelector: selector, resourceVersion: rvOf(ev.object) }) });
        }
      }
      await producer;
      for (const f of followers) {
        const got: string[] = [];
        for (let j = f.from + 1; j < total; j++) {
          const ev = await f.w.waitForEvent(() => true, `event #${j + 1} (after resourceVersion ${seen[f.from]})`);
          got.push(rvOf(ev.object));
        }
        if (got.join(',') !== seen.slice(f.from + 1).join(',')) {
          fail(`watch started at resourceVersion ${seen[f.from]} saw events in a different order or set than the first watch: got [${got.join(', ')}], want [${seen.slice(f.from + 1).join(', ')}]`);
        }
      }
      expectEqual(seen.length, total, 'events observed by the first watch');
    },
  }),
];

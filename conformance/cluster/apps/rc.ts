/**
 * ReplicationController lifecycle: upstream apps/rc.go ("should test the lifecycle of a
 * ReplicationController", "should surface a failure condition on a common issue like exceeded
 * quota"). Upstream's RetryWatcher is a WatchRecorder on the label-selected
 * watch, consumed in the same order; WatchEventSequenceVerifier's final check (every expected
 * event type found among the recorded ones) is kept. The pod runs the pause image where
 * upstream runs httpd; nothing is served.
 */
import type { KubeObject, WatchEvent } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { POD_START_TIMEOUT_MS } from '../framework/pods.ts';
import { WatchRecorder } from '../framework/watch-recorder.ts';

const EXPECTED_EVENTS = ['ADDED', 'MODIFIED', 'MODIFIED', 'MODIFIED', 'MODIFIED', 'DELETED'];

export const cases = [
  defineCase(import.meta.url, {
    id: 'AP-46',
    codename: '[sig-apps] ReplicationController should test the lifecycle of a ReplicationController [Conformance]',
    async run(ctx) {
      const name = 'rc-test';
      const initial = 1;
      const max = 2;
      const rcs = ctx.core('replicationcontrollers');
      const labelSelector = 'test-rc-static=true';
      const list = await rcs.list({ labelSelector });
      const w = new WatchRecorder('replicationcontrollers', rcs.watch({ labelSelector, resourceVersion: list.metadata?.resourceVersion, signal: ctx.signal }));
      ctx.defer(() => w.stop());
      ctx.defer(() => rcs.deleteCollection({ labelSelector }).catch(() => undefined));
      const actual: WatchEvent<KubeObject>[] = [];
      const record = async (type: string, what: string, timeoutMs = 60_000): Promise<void> => {
        actual.push(await w.waitForEvent((e) => e.type === type, what, timeoutMs));
      };

      ctx.step('creating a ReplicationController');
      await rcs.create({
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name, labels: { 'test-rc-static': 'true' } },
        spec: { replicas: initial, selector: { 'test-rc-static': 'true' }, template: { metadata: { name, labels: { 'test-rc-static': 'true' } }, spec: { containers: [{ name, image: ctx.images.pause }] } } },
      });
      ctx.step('waiting for RC to be added');
      await record('ADDED', 'RC added');

      ctx.step('waiting for available Replicas');
      await w.waitForEvent((e) => e.object.status?.replicas === initial && e.object.status?.readyReplicas === initial, `RC has reached ReadyReplicas count of ${initial}`, POD_START_TIMEOUT_MS);

      ctx.step('patching ReplicationController');
      const patched = await rcs.patch(name, { metadata: { labels: { 'test-rc': 'patched' } } }, { type: 'strategic' });
      expectEqual(patched.metadata?.labels?.['test-rc'], 'patched', 'failed to patch RC: label test-rc');
      ctx.step('waiting for RC to be modified');
      await record('MODIFIED', 'RC modified (label patch)');

      ctx.step('patching ReplicationController status');
      const st = await rcs.patch(name, { status: { readyReplicas: 0, availableReplicas: 0 } }, { type: 'strategic', subresource: 'status' });
      expectEqual(st.status?.readyReplicas ?? 0, 0, "ReplicationControllerStatus's readyReplicas");
      ctx.step('waiting for RC to be modified');
      await record('MODIFIED', 'RC modified (status patch)');

      ctx.step('waiting for available Replicas');
      await w.waitForEvent((e) => e.object.status?.replicas === initial, 'updated ready replica count', POD_START_TIMEOUT_MS);

      ctx.step('fetching ReplicationController status');
      const status = await rcs.get(name, { subresource: 'status' });
      expectEqual(status.status?.replicas, initial, 'ReplicationController status.replicas vs the initial replica count');

      ctx.step('patching ReplicationController scale');
      await rcs.patch(name, { spec: { replicas: max } }, { type: 'strategic', subresource: 'scale' });
      ctx.step('waiting for RC to be modified');
      await record('MODIFIED', 'RC modified (scale patch)');
      ctx.step("waiting for ReplicationController's scale to be the max amount");
      await w.waitForEvent((e) => e.object.metadata?.name === name && e.object.metadata?.namespace === ctx.ns && e.object.status?.replicas === max && e.object.status?.readyReplicas === max, `RC to have ${max} ready replicas`, POD_START_TIMEOUT_MS);

      ctx.step("fetching ReplicationController; ensuring that it's patched");
      const rc = await rcs.get(name);
      expectEqual(rc.metadata?.labels?.['test-rc'], 'patched', 'ReplicationController label from the earlier patch');

      rc.status = { ...rc.status, availableReplicas: 1, readyReplicas: 1 };
      ctx.step('updating ReplicationController status');
      await rcs.update(rc, { subresource: 'status' });
      ctx.step('waiting for RC to be modified');
      await record('MODIFIED', 'RC modified (status update)');

      ctx.step('listing all ReplicationControllers');
      const all = (await ctx.api('', 'v1', 'replicationcontrollers').list({ labelSelector: 'test-rc-static' })).items;
      expectTrue(all.length > 0, 'Expected to find a ReplicationController but none was found');
      ctx.step('checking that ReplicationController has expected values');
      const found = all.some((r) => r.metadata?.name === name && r.metadata?.namespace === ctx.ns && r.metadata?.labels?.['test-rc-static'] === 'true' && r.metadata?.labels?.['test-rc'] === 'patched');
      if (!found) fail(`ReplicationController doesn't have expected values; list: ${JSON.stringify(all.map((r) => r.metadata))}`);

      ctx.step('deleting ReplicationControllers by collection');
      await rcs.deleteCollection({ labelSelector });
      ctx.step('waiting for ReplicationController to have a DELETED watchEvent');
      await record('DELETED', 'RC deleted');

      // WatchEventSequenceVerifier: every expected event type must be among the recorded events.
      const left = actual.map((e) => e.type as string);
      for (const t of EXPECTED_EVENTS) {
        const i = left.indexOf(t);
        if (i < 0) fail(`watch event ${t} expected but not found; recorded: ${actual.map((e) => e.type).join(', ')}`);
        left.splice(i, 1);
      }
    },
  }),
  defineCase(import.meta.url, {
    id: 'AP-45',
    codename: '[sig-apps] ReplicationController should surface a failure condition on a common issue like exceeded quota [Conformance]',
    async run(ctx) {
      const name = 'condition-test';
      const rcs = ctx.core('replicationcontrollers');
      ctx.step(`Creating quota "${name}" that allows only two pods to run in the current namespace`);
      await ctx.core('resourcequotas').create({ metadata: { name }, spec: { hard: { pods: '2' } } });
      await ctx.waitFor(async () => (await ctx.core('resourcequotas').get(name)).status?.hard?.pods === '2', { timeoutMs: 60_000, intervalMs: 1000, message: `ResourceQuota ${name} status.hard.pods to be 2 (quota controller)` });

      ctx.step(`Creating rc "${name}" that asks for more than the allowed pod quota`);
      const created = await rcs.create({ metadata: { name }, spec: { replicas: 3, selector: { name }, template: { metadata: { labels: { name } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'httpd', image: ctx.images.testServer }] } } } });
      const failure = (rc: KubeObject): KubeObject | undefined => (rc.status?.conditions ?? []).find((c: KubeObject) => c.type === 'ReplicaFailure');

      ctx.step(`Checking rc "${name}" has the desired failure condition set`);
      let last: KubeObject | undefined;
      const waitCondition = (generation: number, want: boolean): Promise<unknown> =>
        ctx.waitFor(async () => {
          last = await rcs.get(name);
          if (generation > (last.status?.observedGeneration ?? 0)) return false;
          return !!failure(last) === want;
        }, { timeoutMs: 60_000, intervalMs: 1000, message: `rc ${name} ${want ? 'to have' : 'to have no'} ReplicaFailure condition`, describe: () => JSON.stringify(last?.status ?? {}) });
      await waitCondition(created.metadata!.generation!, true);

      ctx.step(`Scaling down rc "${name}" to satisfy pod quota`);
      const scaled = await ctx.waitFor(async () => {
        const rc = await rcs.get(name);
        rc.spec.replicas = 2;
        try {
          return await rcs.update(rc);
        } catch (err) {
          if ((err as { code?: number }).code === 409) return undefined;
          throw err;
        }
      }, { timeoutMs: 60_000, intervalMs: 200, message: `an update of rc ${name} without a conflict` });

      ctx.step(`Checking rc "${name}" has no failure condition set`);
      await waitCondition(scaled.metadata!.generation!, false);
    },
  }),
];

/**
 * Init containers on RestartAlways pods: upstream common/node/init_container.go. Upstream
 * watches the pod with watchtools.Until and a chain of conditions; here a WatchRecorder on a
 * field-selected pod watch runs the same conditions in order. (Upstream's checkInvariants
 * is handed an event list that is never filled, so it checks nothing; it is left out.)
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectDefined, expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { createPod, POD_START_TIMEOUT_MS } from '../framework/pods.ts';
import { WatchRecorder } from '../framework/watch-recorder.ts';

const debug = (o: unknown): string => JSON.stringify(o);

/** initPod is the spec's pod: two busybox init containers and a pause app container (cpu limit 100m). */
function initPod(ctx: CaseContext, name: string, init1: string, init2: string): KubeObject {
  return {
    metadata: { name, labels: { name: 'foo', time: String(Date.now() % 1_000_000_000) } },
    spec: {
      initContainers: [
        { name: 'init1', image: ctx.images.busybox, command: [init1] },
        { name: 'init2', image: ctx.images.busybox, command: [init2] },
      ],
      containers: [{ name: 'run1', image: ctx.images.pause, resources: { limits: { cpu: '100m' } } }],
    },
  };
}

/** watchPod creates the pod and returns a recorder of its watch events (from the create's resourceVersion). */
async function watchPod(ctx: CaseContext, pod: KubeObject): Promise<{ started: KubeObject; w: WatchRecorder }> {
  const started = await createPod(ctx, pod);
  const w = new WatchRecorder('pod', ctx.core('pods').watch({ fieldSelector: `metadata.name=${started.metadata?.name}`, resourceVersion: started.metadata?.resourceVersion, signal: ctx.signal }));
  ctx.defer(() => w.stop());
  return { started, w };
}

const initializedCondition = (p: KubeObject): KubeObject | undefined => (p.status?.conditions ?? []).find((c: KubeObject) => c.type === 'Initialized');

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-25',
    codename: '[sig-node] InitContainer should invoke init containers on a RestartAlways pod [Conformance] [NodeConformance]',
    async run(ctx) {
      ctx.step('creating the pod');
      const { w } = await watchPod(ctx, initPod(ctx, `pod-init-${ctx.uid}`, '/bin/true', '/bin/true'));
      const ev = await w.waitForEvent((e) => {
        if (e.type === 'DELETED') fail('pod was deleted while waiting for it to run');
        const phase = e.object.status?.phase;
        if (phase === 'Failed' || phase === 'Succeeded') fail(`pod terminated with phase ${phase}: ${debug(e.object.status)}`);
        return phase === 'Running';
      }, 'pod Running', POD_START_TIMEOUT_MS);
      const endPod = ev.object;
      expectEqual(endPod.status?.phase, 'Running', 'pod phase');
      const init = expectDefined(initializedCondition(endPod), 'Initialized condition');
      expectEqual(init.status, 'True', 'Initialized condition status');
      const statuses = (endPod.status?.initContainerStatuses ?? []) as KubeObject[];
      expectEqual(statuses.length, 2, 'number of init container statuses');
      for (const s of statuses) {
        expectTrue(s.ready === true, `init container ${s.name} should be in Ready status`);
        const t = expectDefined(s.state?.terminated, `terminated state of init container ${s.name}`);
        expectEqual(t.exitCode, 0, `exit code of init container ${s.name}`);
      }
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-28',
    codename: '[sig-node] InitContainer should not start app containers if init containers fail on a RestartAlways pod [Conformance] [NodeConformance]',
    async run(ctx) {
      ctx.step('creating the pod');
      const { w } = await watchPod(ctx, initPod(ctx, `pod-init-${ctx.uid}`, '/bin/false', '/bin/true'));
      const deadline = Date.now() + POD_START_TIMEOUT_MS;
      // check for the first container to fail at least once
      await w.waitForEvent((e) => {
        const t = e.object;
        for (const s of (t.status?.containerStatuses ?? []) as KubeObject[]) {
          if (!s.state?.waiting) fail(`container "${s.name}" should not be out of waiting: ${debug(s)}`);
          if (s.state.waiting.reason !== 'PodInitializing') fail(`container "${s.name}" should have reason PodInitializing: ${debug(s)}`);
        }
        const inits = (t.status?.initContainerStatuses ?? []) as KubeObject[];
        if (inits.length !== 2) return false;
        const second = inits[1];
        if (!second.state?.waiting) fail(`second init container should not be out of waiting: ${debug(second)}`);
        if (second.state.waiting.reason !== 'PodInitializing') fail(`second init container should have reason PodInitializing: ${debug(second)}`);
        const first = inits[0];
        if (first.state?.terminated && first.state.terminated.exitCode === 0) fail(`first init container should have exitCode != 0: ${debug(first)}`);
        return first.lastState?.terminated !== undefined;
      }, 'first init container restarted', Math.max(1000, deadline - Date.now()));
      // verify we get two restarts
      const ev = await w.waitForEvent((e) => ((e.object.status?.initContainerStatuses ?? [])[0]?.restartCount ?? 0) >= 3, 'init1 restartCount >= 3', Math.max(1000, deadline - Date.now()));
      const endPod = ev.object;
      expectEqual(endPod.status?.phase, 'Pending', 'pod phase');
      const init = expectDefined(initializedCondition(endPod), 'Initialized condition');
      expectEqual(init.status, 'False', 'Initialized condition status');
      expectEqual(init.reason, 'ContainersNotInitialized', 'Initialized condition reason');
      expectEqual(init.message, 'containers with incomplete status: [init1 init2]', 'Initialized condition message');
      expectEqual((endPod.status?.initContainerStatuses ?? []).length, 2, 'number of init container statuses');
    },
  }),
];

/**
 * Pods requesting a RuntimeClass: upstream common/node/runtimeclass.go. The RuntimeClass
 * names the handler upstream's PreconfiguredRuntimeClassHandler (`test-handler`); these specs
 * only check scheduling and the Overhead the RuntimeClass admission sets, not that the pod runs.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, expectTrue } from '../framework/expect.ts';
import { diagnosePod, POD_START_TIMEOUT_MS } from '../framework/pods.ts';

const PRECONFIGURED_HANDLER = 'test-handler';

/** createRuntimeClass creates `<ns>-<name>` with the handler (deleted after the case). */
async function createRuntimeClass(ctx: CaseContext, name: string, handler: string, overhead?: KubeObject): Promise<string> {
  const rcName = `${ctx.ns}-${name}`;
  const rc = await ctx.api('node.k8s.io', 'v1', 'runtimeclasses').create({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: rcName }, handler, ...(overhead ? { overhead } : {}) });
  ctx.defer(() => ctx.api('node.k8s.io', 'v1', 'runtimeclasses').delete(rcName).catch(() => undefined));
  return String(rc.metadata?.name);
}

/** newRuntimeClassPod is e2eruntimeclass.NewRuntimeClassPod. */
const newRuntimeClassPod = (ctx: CaseContext, rcName: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { generateName: 'test-runtimeclass-' },
  spec: { runtimeClassName: rcName, containers: [{ name: 'test', image: ctx.images.busybox, command: ['true'] }], restartPolicy: 'Never', automountServiceAccountToken: false },
});

/** waitForPodsScheduled is WaitForPodsWithLabelScheduled with an empty selector. */
async function waitForPodsScheduled(ctx: CaseContext): Promise<KubeObject[]> {
  let last: KubeObject[] = [];
  return ctx.waitFor(
    async () => {
      last = (await ctx.core('pods').list()).items;
      return last.length > 0 && last.every((p) => (p.status?.conditions ?? []).some((c: KubeObject) => c.type === 'PodScheduled' && c.status === 'True')) ? last : undefined;
    },
    { timeoutMs: POD_START_TIMEOUT_MS, intervalMs: 500, message: 'Failed to schedule Pod with the RuntimeClass', describe: () => last.map((p) => `${p.metadata?.name}: ${diagnosePod(p)}`).join('; ') },
  );
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-67',
    codename: '[sig-node] RuntimeClass should schedule a Pod requesting a RuntimeClass without PodOverhead [Conformance] [NodeConformance]',
    async run(ctx) {
      const rcName = await createRuntimeClass(ctx, 'preconfigured-handler', PRECONFIGURED_HANDLER);
      const pod = await ctx.core('pods').create(newRuntimeClassPod(ctx, rcName));
      const pods = await waitForPodsScheduled(ctx);
      expectEqual(pods.length, 1, 'number of pods in the namespace');
      expectEqual(pods[0].metadata?.name, pod.metadata?.name, 'scheduled pod name');
      const overhead = pods[0].spec?.overhead;
      expectTrue(overhead === undefined || Object.keys(overhead).length === 0, `Overhead should not be set, got ${JSON.stringify(overhead)}`);
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-66',
    codename: '[sig-node] RuntimeClass should schedule a Pod requesting a RuntimeClass and initialize its Overhead [Conformance] [NodeConformance]',
    async run(ctx) {
      const rcName = await createRuntimeClass(ctx, 'preconfigured-handler', PRECONFIGURED_HANDLER, { podFixed: { cpu: '10m', memory: '1Mi' } });
      const pod = await ctx.core('pods').create(newRuntimeClassPod(ctx, rcName));
      const pods = await waitForPodsScheduled(ctx);
      expectEqual(pods.length, 1, 'number of pods in the namespace');
      expectEqual(pods[0].metadata?.name, pod.metadata?.name, 'scheduled pod name');
      expectEqual(pods[0].spec?.overhead?.cpu, '10m', 'spec.overhead.cpu');
      expectEqual(pods[0].spec?.overhead?.memory, '1Mi', 'spec.overhead.memory');
    },
  }),
];

/**
 * Pod generation: upstream node/pods.go "Pods Extended (pod generation)". metadata.generation
 * starts at 1 whatever the client sends, grows by one per spec change (and on a graceful
 * delete), ignores metadata-only updates and client-set values; the kubelet reports the
 * generation it acted on as status.observedGeneration. Deviation: where upstream switches the
 * app container's image to nginx, this uses the pause image (nginx is not available here); the
 * app container is the test-server image running `pause` (upstream: agnhost, default `pause`).
 * Not here yet: "custom-set generation on new pods and graceful delete" (ND-N11).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, fail } from '../framework/expect.ts';
import { createPod, podPhase, waitForPod, waitForPodRunning } from '../framework/pods.ts';

const G = '[sig-node] Pods Extended (pod generation) Pod Generation';
/** POD_START_TIMEOUT_MS is upstream framework.PodStartTimeout. */
const POD_START_TIMEOUT_MS = 5 * 60_000;

function agnhostPod(ctx: CaseContext, name: string): KubeObject {
  return { metadata: { name }, spec: { containers: [{ name: 'agnhost-container', image: ctx.images.testServer, args: ['pause'] }] } };
}

/** updatePod is upstream PodClient.Update: get, mutate, update, retried on conflict. */
async function updatePod(ctx: CaseContext, name: string, mutate: (p: KubeObject) => void): Promise<KubeObject> {
  for (let i = 0; ; i++) {
    const p = await ctx.core('pods').get(name);
    mutate(p);
    try {
      return await ctx.core('pods').update(p);
    } catch (err) {
      if ((err as { code?: number }).code !== 409 || i >= 9) throw err;
    }
  }
}

/** waitForPodObservedGeneration is upstream e2epod.WaitForPodObservedGeneration. */
function waitForPodObservedGeneration(ctx: CaseContext, name: string, generation: number, timeoutMs: number): Promise<KubeObject> {
  return waitForPod(ctx, name, (p) => p.status?.observedGeneration === generation, `status.observedGeneration to be ${generation}`, { timeoutMs });
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-N13',
    codename: `${G} pod generation should start at 1 and increment per update [MinimumKubeletVersion:1.34] [Conformance]`,
    async run(ctx) {
      ctx.step('creating the pod');
      const podName = `pod-generation-${ctx.uid}`;
      const pod = agnhostPod(ctx, podName);
      pod.spec.initContainers = [{ name: 'init-container', image: ctx.images.busybox }];
      ctx.step('submitting the pod to kubernetes');
      await createPod(ctx, pod);
      const created = await waitForPodRunning(ctx, podName);
      expectEqual(created.metadata?.generation, 1, 'generation of the new pod');
      ctx.step('verifying pod generation bumps as expected');
      const tests: { name: string; update: (p: KubeObject) => void; bump: boolean }[] = [
        { name: 'empty update', update: () => {}, bump: false },
        { name: 'updating Tolerations to trigger generation bump', update: (p) => (p.spec.tolerations = [{ key: `foo-${ctx.uid}`, operator: 'Equal', value: 'bar', effect: 'NoSchedule' }]), bump: true },
        { name: 'updating ActiveDeadlineSeconds to trigger generation bump', update: (p) => (p.spec.activeDeadlineSeconds = 5000), bump: true },
        { name: 'updating container image to trigger generation bump', update: (p) => (p.spec.containers[0].image = ctx.images.pause), bump: true },
        { name: 'updating initContainer image to trigger generation bump', update: (p) => (p.spec.initContainers[0].image = ctx.images.pause), bump: true },
        { name: 'updates to pod metadata should not trigger generation bump', update: (p) => (p.metadata = { ...p.metadata, annotations: { key: 'value' } }), bump: false },
        { name: 'pod generation updated by client should be ignored', update: (p) => (p.metadata = { ...p.metadata, generation: 1 }), bump: false },
      ];
      let expected = 1;
      for (const tc of tests) {
        ctx.step(tc.name);
        await updatePod(ctx, podName, tc.update);
        const p = await ctx.core('pods').get(podName);
        if (tc.bump) expected++;
        expectEqual(p.metadata?.generation, expected, `generation after "${tc.name}"`);
        await waitForPodObservedGeneration(ctx, podName, expected, 20_000);
      }
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-N12',
    codename: `${G} issue 500 podspec updates and verify generation and observedGeneration eventually converge [MinimumKubeletVersion:1.34] [Conformance]`,
    timeoutMs: 10 * 60_000,
    async run(ctx) {
      ctx.step('creating the pod');
      const name = `pod-generation-${ctx.uid}`;
      const pod = agnhostPod(ctx, name);
      pod.metadata = { ...pod.metadata, labels: { time: String(Date.now()) } };
      pod.spec.activeDeadlineSeconds = 5000;
      ctx.step('submitting the pod to kubernetes');
      await createPod(ctx, pod);
      await waitForPodRunning(ctx, name);
      for (let i = 0; i < 499; i++) await updatePod(ctx, name, (p) => (p.spec.activeDeadlineSeconds -= 1));
      const expected = 500;
      await waitForPodObservedGeneration(ctx, name, expected, POD_START_TIMEOUT_MS);
      const p = await ctx.core('pods').get(name);
      expectEqual(p.metadata?.generation, expected, 'pod generation');
      if (podPhase(p) === 'Failed') fail(`pod ${name} failed: ${JSON.stringify(p.status)}`);
    },
  }),
];

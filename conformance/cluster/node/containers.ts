/**
 * Image defaults against a pod's command and args: upstream common/node/containers.go. The
 * test-server image stands in for agnhost: its entrypoint is `/usr/local/bin/test-server` and its
 * default command `serve` (upstream: `/agnhost` and `pause`, which prints "Paused"). Deviations:
 * the image defaults are recognised by test-server's start line; the args override runs the
 * `hostname` tool (upstream's `entrypoint-tester` echoes its argv, which test-server has no tool
 * for) and must print the pod's hostname; the entrypoint override runs `/bin/echo` where upstream
 * runs `/agnhost-2` (a copy of agnhost), so the output is the args alone.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail } from '../framework/expect.ts';
import { createPod, podLogs, testContainerOutput, waitForPodRunning } from '../framework/pods.ts';

const C = '[sig-node] Containers';
const NC = '[Conformance] [NodeConformance]';

/** entrypointTestPod is upstream's: one test-server container, restartPolicy Never, grace 1s. */
function entrypointTestPod(ctx: CaseContext, args?: string[]): KubeObject {
  return {
    metadata: { name: `client-containers-${ctx.uid}` },
    spec: {
      terminationGracePeriodSeconds: 1,
      restartPolicy: 'Never',
      containers: [{ name: 'agnhost-container', image: ctx.images.testServer, ...(args ? { args } : {}) }],
    },
  };
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-17',
    codename: `${C} should use the image defaults if command and args are blank ${NC}`,
    async run(ctx) {
      const pod = entrypointTestPod(ctx);
      const name = String(pod.metadata?.name);
      await createPod(ctx, pod);
      await waitForPodRunning(ctx, name);
      // the image's default `test-server serve` prints its start line (agnhost pause: "Paused")
      let logs = '';
      await ctx.waitFor(
        async () => {
          logs = await podLogs(ctx, name, 'agnhost-container');
          return logs.includes('test-server: HTTP on :8080');
        },
        { timeoutMs: 60_000, intervalMs: 1000, message: 'the image default command to log its start line', describe: () => `logs: ${JSON.stringify(logs)}` },
      ).catch((err: Error) => fail(err.message));
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-14',
    codename: `${C} should be able to override the image's default arguments (container cmd) ${NC}`,
    run: (ctx) => {
      const pod = entrypointTestPod(ctx, ['hostname']);
      return testContainerOutput(ctx, 'override arguments', pod, 0, [String(pod.metadata?.name)]);
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-15',
    codename: `${C} should be able to override the image's default command (container entrypoint) ${NC}`,
    run: (ctx) => {
      const pod = entrypointTestPod(ctx, ['entrypoint-tester']);
      pod.spec.containers[0].command = ['/bin/echo'];
      // the image's Cmd (`serve`) must not follow an overridden entrypoint
      return testContainerOutput(ctx, 'override command', pod, 0, [/^entrypoint-tester\n?$/]);
    },
  }),
];

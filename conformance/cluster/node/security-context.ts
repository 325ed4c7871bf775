/**
 * Security context specs not in pods.ts: upstream common/node/security_context.go.
 */
import { defineCase } from '../framework/case.ts';
import { fail } from '../framework/expect.ts';
import { createPod, podLogs, waitForPodSuccess } from '../framework/pods.ts';

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-74',
    codename: '[sig-node] Security Context When creating a pod with privileged should run the container as unprivileged when false [LinuxOnly] [Conformance] [NodeConformance]',
    async run(ctx) {
      const podName = `busybox-privileged-false-${ctx.uid}`;
      await createPod(ctx, {
        metadata: { name: podName },
        spec: { restartPolicy: 'Never', containers: [{ name: podName, image: ctx.images.busybox, command: ['sh', '-c', 'ip link add dummy0 type dummy || true'], securityContext: { privileged: false } }] },
      });
      await waitForPodSuccess(ctx, podName);
      const logs = await podLogs(ctx, podName, podName);
      ctx.log(`Got logs for pod "${podName}": ${JSON.stringify(logs)}`);
      if (!logs.includes('Operation not permitted')) fail(`unprivileged container shouldn't be able to create dummy device; log: ${JSON.stringify(logs)}`);
    },
  }),
];

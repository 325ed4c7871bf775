/**
 * Security context specs not in pods.ts: upstream common/node/security_context.go, and the
 * sysctl spec of common/node/sysctl.go. Deviation: upstream's AllowPrivilegeEscalation spec runs
 * the `nonewprivs` image (a setuid-root program printing its effective uid, which stays 1000);
 * here busybox prints its uid and the kernel's NoNewPrivs flag, which the runtime sets for
 * allowPrivilegeEscalation=false and which is what keeps a setuid binary from escalating.
 */
import { defineCase } from '../framework/case.ts';
import { fail } from '../framework/expect.ts';
import { createPod, diagnosePod, podLogs, podPhase, waitForPod, waitForPodSuccess } from '../framework/pods.ts';

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
  defineCase(import.meta.url, {
    id: 'ND-78',
    codename: '[sig-node] Security Context when creating containers with AllowPrivilegeEscalation should not allow privilege escalation when false [LinuxOnly] [Conformance] [NodeConformance]',
    async run(ctx) {
      const podName = `alpine-nnp-false-${ctx.uid}`;
      await createPod(ctx, {
        metadata: { name: podName },
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name: podName,
            image: ctx.images.busybox,
            command: ['sh', '-c', 'echo "Effective uid: $(id -u)"; grep NoNewPrivs /proc/self/status'],
            securityContext: { allowPrivilegeEscalation: false, runAsUser: 1000 },
          }],
        },
      });
      await waitForPodSuccess(ctx, podName);
      const logs = await podLogs(ctx, podName, podName);
      ctx.log(`Got logs for pod "${podName}": ${JSON.stringify(logs)}`);
      if (!logs.includes('Effective uid: 1000')) fail(`expected "Effective uid: 1000" in ${JSON.stringify(logs)}`);
      if (!/NoNewPrivs:\s*1/.test(logs)) fail(`expected the container to run with NoNewPrivs set; log: ${JSON.stringify(logs)}`);
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-80',
    codename: '[sig-node] Sysctls [LinuxOnly] should support sysctls [Environment:NotInUserNS] [Conformance] [NodeConformance]',
    async run(ctx) {
      const podName = `sysctl-${ctx.uid}`;
      ctx.step('Creating a pod with the kernel.shm_rmid_forced sysctl');
      await createPod(ctx, {
        metadata: { name: podName },
        spec: {
          restartPolicy: 'Never',
          securityContext: { sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }] },
          containers: [{ name: 'test-container', image: ctx.images.busybox, command: ['/bin/sysctl', 'kernel.shm_rmid_forced'] }],
        },
      });
      ctx.step('Waiting for pod completion');
      const p = await waitForPod(ctx, podName, (x) => ['Succeeded', 'Failed'].includes(podPhase(x)), 'to be no longer running');
      ctx.step('Checking that the pod succeeded');
      if (podPhase(p) !== 'Succeeded') fail(`pod ${podName} phase ${podPhase(p)}; ${diagnosePod(p)}`);
      ctx.step('Getting logs from the pod');
      const logs = await podLogs(ctx, podName, 'test-container');
      ctx.step('Checking that the sysctl is actually updated');
      if (!logs.includes('kernel.shm_rmid_forced = 1')) fail(`expected "kernel.shm_rmid_forced = 1" in ${JSON.stringify(logs)}`);
    },
  }),
];

/**
 * Container runtime black-box checks: upstream common/node/runtime.go ("when starting a
 * container that exits should run with the expected status"), with upstream's
 * ConformanceContainer reduced to the pod calls it makes.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { ApiError } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { expectEqual, fail } from '../framework/expect.ts';
import { isPodReady } from '../framework/pods.ts';

/** CONTAINER_STATUS_RETRY_TIMEOUT_MS is upstream's ContainerStatusRetryTimeout (5 minutes; here 2). */
const CONTAINER_STATUS_RETRY_TIMEOUT_MS = 120_000;

/** The script fails on its 1st run, succeeds on the 2nd and runs forever after that. */
const CMD_SCRIPT = (f: string): string => `
f=${f}
count=$(echo 'hello' >> $f ; wc -l $f | awk {'print $1'})
if [ $count -eq 1 ]; then
	exit 1
fi
if [ $count -eq 2 ]; then
	exit 0
fi
while true; do sleep 1; done
`;

const containerState = (s: KubeObject | undefined): string => (s?.running ? 'Running' : s?.terminated ? 'Terminated' : s?.waiting ? 'Waiting' : 'Unknown');

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-13',
    codename: '[sig-node] Container Runtime blackbox test when starting a container that exits should run with the expected status [Conformance] [NodeConformance]',
    timeoutMs: 3 * CONTAINER_STATUS_RETRY_TIMEOUT_MS,
    async run(ctx) {
      const testCases: Array<[name: string, restartPolicy: string, phase: string, state: string, restartCount: number, ready: boolean]> = [
        ['terminate-cmd-rpa', 'Always', 'Running', 'Running', 2, true],
        ['terminate-cmd-rpof', 'OnFailure', 'Succeeded', 'Terminated', 1, false],
        ['terminate-cmd-rpn', 'Never', 'Failed', 'Terminated', 0, false],
      ];
      const pods = ctx.core('pods');
      for (const [name, restartPolicy, phase, state, restartCount, ready] of testCases) {
        const podName = `${name}${ctx.uid}`;
        await pods.create({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: podName },
          spec: {
            restartPolicy,
            volumes: [{ name: 'restart-count', emptyDir: { medium: 'Memory' } }],
            containers: [{ name, image: ctx.images.busybox, command: ['sh', '-c', CMD_SCRIPT('/restart-count/restartCount')], volumeMounts: [{ mountPath: '/restart-count', name: 'restart-count' }] }],
          },
        });
        ctx.defer(() => pods.delete(podName, { gracePeriodSeconds: 0 }).catch(() => undefined));
        const status = async (): Promise<{ pod: KubeObject; cs: KubeObject }> => {
          const pod = await pods.get(podName);
          const cs = (pod.status?.containerStatuses ?? [])[0];
          if (!cs) throw new Error('no container status yet');
          return { pod, cs };
        };

        ctx.step(`Container '${name}': should get the expected 'RestartCount'`);
        let last = '';
        await ctx.waitFor(async () => {
          const s = await status().catch((e: unknown) => { last = String(e); return undefined; });
          if (!s) return false;
          last = `restartCount=${s.cs.restartCount} state=${JSON.stringify(s.cs.state)}`;
          return s.cs.restartCount === restartCount;
        }, { timeoutMs: CONTAINER_STATUS_RETRY_TIMEOUT_MS, intervalMs: 1000, message: `container ${name} restartCount to be ${restartCount}`, describe: () => last });

        ctx.step(`Container '${name}': should get the expected 'Phase'`);
        await ctx.waitFor(async () => {
          const p = await pods.get(podName);
          last = `phase=${p.status?.phase}`;
          return p.status?.phase === phase;
        }, { timeoutMs: CONTAINER_STATUS_RETRY_TIMEOUT_MS, intervalMs: 1000, message: `pod ${podName} phase to be ${phase}`, describe: () => last });

        ctx.step(`Container '${name}': should get the expected 'Ready' condition`);
        const { pod, cs } = await status();
        expectEqual(isPodReady(pod), ready, `pod ${podName} Ready condition`);

        ctx.step(`Container '${name}': should get the expected 'State'`);
        expectEqual(containerState(cs.state), state, `state of container ${name} (${JSON.stringify(cs.state)})`);

        ctx.step(`Container '${name}': should be possible to delete`);
        await pods.delete(podName, { gracePeriodSeconds: 0 });
        await ctx.waitFor(async () => {
          try {
            await pods.get(podName);
            return false;
          } catch (e) {
            if (e instanceof ApiError && e.code === 404) return true;
            throw e;
          }
        }, { timeoutMs: CONTAINER_STATUS_RETRY_TIMEOUT_MS, intervalMs: 1000, message: `pod ${podName} to be gone` }).catch((e: unknown) => fail(`pod ${podName} was not deleted: ${String(e)}`));
      }
    },
  }),
];

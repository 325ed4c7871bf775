/**
 * Ephemeral containers: upstream common/node/ephemeral_containers.go. An ephemeral container
 * added through the pods/ephemeralcontainers subresource (a strategic merge patch, as
 * PodClient.AddEphemeralContainerSync sends, or an update) must run in the existing pod: it
 * answers exec and writes its log. Commands go through pods/exec over WebSocket
 * (./websocket.ts). Deviation: the second ephemeral container of the update spec uses the
 * test-server image where upstream uses agnhost.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, fail } from '../framework/expect.ts';
import { createPod, podLogs, waitForPod, waitForPodRunning } from '../framework/pods.ts';
import { execOrFail } from './websocket.ts';

const E = '[sig-node] Ephemeral Containers';
const POD = 'ephemeral-containers-target-pod';
const EC_NAME = 'debugger';

async function createTargetPod(ctx: CaseContext): Promise<KubeObject> {
  ctx.step('creating a target pod');
  await createPod(ctx, { metadata: { name: POD }, spec: { containers: [{ name: 'test-container-1', image: ctx.images.busybox, command: ['/bin/sleep'], args: ['10000'] }] } });
  const pod = await waitForPodRunning(ctx, POD);
  expectEqual(pod.metadata?.generation, 1, 'pod generation after create');
  return pod;
}

/** addEphemeralContainerSync is upstream PodClient.AddEphemeralContainerSync: patch, then wait for the container to run. */
async function addEphemeralContainerSync(ctx: CaseContext, ec: KubeObject): Promise<void> {
  ctx.step('adding an ephemeral container');
  await ctx.core('pods').patch(POD, { spec: { ephemeralContainers: [ec] } }, { type: 'strategic', subresource: 'ephemeralcontainers' });
  await waitForPod(ctx, POD, (p) => !!(p.status?.ephemeralContainerStatuses ?? []).find((s: KubeObject) => s.name === ec.name)?.state?.running, `ephemeral container ${ec.name} to be running`, { timeoutMs: 60_000 });
}

/** checkEphemeralContainer is the shared part of both specs: generation 2, exec, log. */
async function checkEphemeralContainer(ctx: CaseContext): Promise<void> {
  await addEphemeralContainerSync(ctx, {
    name: EC_NAME,
    image: ctx.images.busybox,
    command: ['/bin/sh', '-c', 'while true; do echo polo; sleep 2; done'],
    stdin: true,
    tty: true,
  });
  ctx.step("verifying the pod's generation is 2");
  const pod = await ctx.core('pods').get(POD);
  expectEqual(pod.metadata?.generation, 2, 'pod generation after adding an ephemeral container');
  ctx.step('checking pod container endpoints');
  const output = await execOrFail(ctx, POD, EC_NAME, ['/bin/echo', 'marco']);
  if (!output.includes('marco')) fail(`exec in ephemeral container: expected "marco", got ${JSON.stringify(output)}`);
  let log = '';
  await ctx.waitFor(async () => (log = await podLogs(ctx, POD, EC_NAME)).includes('polo'), { timeoutMs: 30_000, intervalMs: 1000, message: 'the ephemeral container to log "polo"', describe: () => JSON.stringify(log) })
    .catch((err: Error) => fail(err.message));
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-24',
    codename: `${E} will start an ephemeral container in an existing pod [Conformance] [NodeConformance]`,
    async run(ctx) {
      await createTargetPod(ctx);
      await checkEphemeralContainer(ctx);
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-23',
    codename: `${E} should update the ephemeral containers in an existing pod [Conformance] [NodeConformance]`,
    async run(ctx) {
      await createTargetPod(ctx);
      await checkEphemeralContainer(ctx);
      ctx.step(`checking pod "${POD}" has only one ephemeralcontainer`);
      let verify = await ctx.core('pods').get(POD, { subresource: 'ephemeralcontainers' });
      expectEqual((verify.spec?.ephemeralContainers ?? []).length, 1, 'ephemeralContainer count');
      ctx.step(`adding another ephemeralcontainer to pod "${POD}"`);
      for (let attempt = 0; ; attempt++) {
        const podToUpdate = await ctx.core('pods').get(POD);
        podToUpdate.spec.ephemeralContainers = [...(podToUpdate.spec.ephemeralContainers ?? []), { name: 'debugger2', image: ctx.images.testServer, imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File' }];
        try {
          await ctx.core('pods').update(podToUpdate, { subresource: 'ephemeralcontainers' });
          break;
        } catch (err) {
          if ((err as { code?: number }).code !== 409 || attempt >= 4) throw err;
        }
      }
      ctx.step(`checking pod "${POD}" has only two ephemeralcontainers`);
      verify = await ctx.core('pods').get(POD, { subresource: 'ephemeralcontainers' });
      expectEqual((verify.spec?.ephemeralContainers ?? []).length, 2, 'ephemeralContainer count');
    },
  }),
];

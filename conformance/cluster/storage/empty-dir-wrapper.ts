/**
 * EmptyDir wrapper volumes: upstream storage/empty_dir_wrapper.go. "should not conflict": a pod
 * mounts a secret volume and a configMap volume (both written through an emptyDir-like
 * wrapper upstream) and must run; then it and its sources are deleted. "should not cause race
 * condition when used for configmaps": 50 ConfigMaps mounted as 50 volumes by the 5 pods of a
 * ReplicationController pinned to one node, three times; every pod must run. Deviation: the
 * "should not conflict" container is busybox `sleep` (upstream: agnhost), with the same mounts.
 */
import { isNotFound, type KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail } from '../framework/expect.ts';
import { createPod, podPhase, waitForPodRunning } from '../framework/pods.ts';

/** upstream wrappedVolumeRaceConfigMap{VolumeCount,IterationCount,PodCount}. */
const RACE_VOLUME_COUNT = 50;
const RACE_ITERATION_COUNT = 3;
const RACE_POD_COUNT = 5;

/** testNoWrappedVolumeRace is upstream's: an RC of `podCount` pods on one node, all Running, then deleted with its pods. */
async function testNoWrappedVolumeRace(ctx: CaseContext, volumes: KubeObject[], volumeMounts: KubeObject[], podCount: number): Promise<void> {
  const rcName = `wrapped-volume-race-${ctx.uniqueName('rc').slice(3)}`;
  const nodes = (await ctx.api('', 'v1', 'nodes').list()).items.filter((n) => !n.spec?.unschedulable);
  if (nodes.length === 0) fail('no schedulable node');
  const targetNode = String(nodes[0].metadata?.name);
  ctx.step('Creating RC which spawns configmap-volume pods');
  const rcs = ctx.core('replicationcontrollers');
  await rcs.create({
    metadata: { name: rcName },
    spec: {
      replicas: podCount,
      selector: { name: rcName },
      template: {
        metadata: { labels: { name: rcName } },
        spec: {
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [targetNode] }] }] } } },
          containers: [{ name: 'test-container', image: ctx.images.busybox, command: ['sleep', '10000'], resources: { requests: { cpu: '10m' } }, volumeMounts }],
          volumes,
        },
      },
    },
  });
  ctx.step('Ensuring each pod is running');
  let pods: KubeObject[] = [];
  await ctx.waitFor(
    async () => {
      pods = (await ctx.core('pods').list({ labelSelector: `name=${rcName}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
      const bad = pods.find((p) => ['Failed', 'Succeeded'].includes(podPhase(p)));
      if (bad) fail(`pod ${bad.metadata?.name} terminated with phase ${podPhase(bad)}`);
      return pods.length === podCount && pods.every((p) => podPhase(p) === 'Running');
    },
    { timeoutMs: 5 * 60_000, intervalMs: 1000, message: `the ${podCount} pods of ${rcName} to be Running`, describe: () => pods.map((p) => `${p.metadata?.name}=${podPhase(p)}`).join(', ') },
  );
  ctx.step(`deleting ReplicationController ${rcName} in namespace ${ctx.ns}, will wait for the garbage collector to delete the pods`);
  await rcs.delete(rcName, { propagationPolicy: 'Foreground' });
  await ctx.waitFor(async () => (await ctx.core('pods').list({ labelSelector: `name=${rcName}` })).items.length === 0, {
    timeoutMs: 5 * 60_000,
    intervalMs: 1000,
    message: `the pods of ${rcName} to be deleted`,
  });
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ST-43',
    codename: '[sig-storage] EmptyDir wrapper volumes should not conflict [Conformance]',
    async run(ctx) {
      const name = `wrapped-volume-race-${ctx.uid}`;
      const volumeName = 'secret-volume';
      const volumeMountPath = '/etc/secret-volume';
      const secretName = `secret-${ctx.uid}`;
      const configMapName = `configmap-${ctx.uid}`;
      await ctx.core('secrets').create({ metadata: { name: secretName }, data: { 'data-1': Buffer.from('value-1\n').toString('base64') } });
      await ctx.core('configmaps').create({ metadata: { name: configMapName }, data: { 'data-1': 'value-1' } });
      const podName = `pod-secrets-${ctx.uid}`;
      await createPod(ctx, {
        metadata: { name: podName },
        spec: {
          containers: [{
            name: 'secret-test',
            image: ctx.images.busybox,
            command: ['sleep', '10000'],
            volumeMounts: [{ name: volumeName, mountPath: volumeMountPath, readOnly: true }, { name: 'configmap-volume', mountPath: '/etc/configmap-volume' }],
          }],
          volumes: [{ name: volumeName, secret: { secretName } }, { name: 'configmap-volume', configMap: { name: configMapName } }],
        },
      });
      ctx.log(`pod ${name}: waiting for ${podName} to run`);
      await waitForPodRunning(ctx, podName);
      ctx.step('Cleaning up the secret');
      await ctx.core('secrets').delete(secretName);
      ctx.step('Cleaning up the configmap');
      await ctx.core('configmaps').delete(configMapName);
      ctx.step('Cleaning up the pod');
      await ctx.core('pods').delete(podName, { gracePeriodSeconds: 0 }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    },
  }),
  defineCase(import.meta.url, {
    id: 'ST-42',
    codename: '[sig-storage] EmptyDir wrapper volumes should not cause race condition when used for configmaps [Conformance] [Serial]',
    timeoutMs: 20 * 60_000,
    async run(ctx) {
      ctx.step(`Creating ${RACE_VOLUME_COUNT} configmaps`);
      const names: string[] = [];
      for (let i = 0; i < RACE_VOLUME_COUNT; i++) {
        const name = `racey-configmap-${i}`;
        await ctx.core('configmaps').create({ metadata: { name }, data: { 'data-1': 'value-1' } });
        names.push(name);
      }
      const volumes = names.map((n, i) => ({ name: `racey-configmap-${i}`, configMap: { name: n, items: [{ key: 'data-1', path: 'data-1' }] } }));
      const volumeMounts = names.map((_n, i) => ({ name: `racey-configmap-${i}`, mountPath: `/etc/config-${i}` }));
      for (let i = 0; i < RACE_ITERATION_COUNT; i++) await testNoWrappedVolumeRace(ctx, volumes, volumeMounts, RACE_POD_COUNT);
    },
  }),
];

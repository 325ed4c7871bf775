/**
 * EmptyDir wrapper volumes: upstream storage/empty_dir_wrapper.go "should not conflict". A pod
 * mounts a secret volume and a configMap volume (both written through an emptyDir-like
 * wrapper upstream) and must run; then it and its sources are deleted. Deviation: the
 * container is busybox `sleep` (upstream: agnhost), with the same two mounts.
 */
import { isNotFound } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { createPod, waitForPodRunning } from '../framework/pods.ts';

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
];

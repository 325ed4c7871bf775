/**
 * Sub paths of atomic-writer volumes: upstream storage/subpath.go ("Subpath Atomic writer
 * volumes"). A secret, configMap, downwardAPI or projected volume is mounted with `subPath`
 * naming one of its files at `/test-volume` (or over the image's `/etc/resolv.conf`), and the
 * container must read the file's content there. Deviation: upstream's SubpathTestPod (an init
 * container, agnhost `mounttest` readers and a probe volume, of which these cases keep only
 * the first container) is reduced to one busybox container running `cat`.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { testContainerOutput } from '../framework/pods.ts';

const S = '[sig-storage] Subpath Atomic writer volumes';
const VOLUME_PATH = '/test-volume';

/** setUpData is upstream's BeforeEach: my-secret and my-configmap. */
async function setUpData(ctx: CaseContext): Promise<void> {
  ctx.step('Setting up data');
  await ctx.core('secrets').create({ metadata: { name: 'my-secret' }, data: { 'secret-key': Buffer.from('secret-value').toString('base64') } });
  await ctx.core('configmaps').create({ metadata: { name: 'my-configmap' }, data: { 'configmap-key': 'configmap-value' } });
}

/** subpathTestPod mounts `source` with `subPath` at `mountPath` and prints the file there. */
function subpathTestPod(ctx: CaseContext, subPath: string, volumeType: string, source: KubeObject, mountPath = VOLUME_PATH): KubeObject {
  const suffix = `${volumeType.toLowerCase()}-${ctx.uid}`;
  return {
    metadata: { name: `pod-subpath-test-${suffix}` },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: `test-container-subpath-${suffix}`,
        image: ctx.images.busybox,
        command: ['sh', '-c', `cat ${mountPath}`],
        volumeMounts: [{ name: 'test-volume', mountPath, subPath }],
      }],
      volumes: [{ name: 'test-volume', ...source }],
    },
  };
}

/** testBasicSubpath is upstream TestBasicSubpath(File): the container prints `contents`. */
function testBasicSubpath(ctx: CaseContext, contents: string, pod: KubeObject): Promise<void> {
  ctx.step(`Creating pod ${pod.metadata?.name}`);
  return testContainerOutput(ctx, 'atomic-volume-subpath', pod, 0, [contents]);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ST-88',
    codename: `${S} should support subpaths with secret pod [Conformance]`,
    async run(ctx) {
      await setUpData(ctx);
      await testBasicSubpath(ctx, 'secret-value', subpathTestPod(ctx, 'secret-key', 'secret', { secret: { secretName: 'my-secret' } }));
    },
  }),
  defineCase(import.meta.url, {
    id: 'ST-84',
    codename: `${S} should support subpaths with configmap pod [Conformance]`,
    async run(ctx) {
      await setUpData(ctx);
      await testBasicSubpath(ctx, 'configmap-value', subpathTestPod(ctx, 'configmap-key', 'configmap', { configMap: { name: 'my-configmap' } }));
    },
  }),
  defineCase(import.meta.url, {
    id: 'ST-85',
    codename: `${S} should support subpaths with configmap pod with mountPath of existing file [Conformance]`,
    async run(ctx) {
      await setUpData(ctx);
      await testBasicSubpath(ctx, 'configmap-value', subpathTestPod(ctx, 'configmap-key', 'configmap', { configMap: { name: 'my-configmap' } }, '/etc/resolv.conf'));
    },
  }),
  defineCase(import.meta.url, {
    id: 'ST-86',
    codename: `${S} should support subpaths with downward pod [Conformance]`,
    async run(ctx) {
      await setUpData(ctx);
      const pod = subpathTestPod(ctx, 'downward/podname', 'downwardAPI', { downwardAPI: { items: [{ path: 'downward/podname', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } });
      await testBasicSubpath(ctx, String(pod.metadata?.name), pod);
    },
  }),
  defineCase(import.meta.url, {
    id: 'ST-87',
    codename: `${S} should support subpaths with projected pod [Conformance]`,
    async run(ctx) {
      await setUpData(ctx);
      await testBasicSubpath(ctx, 'configmap-value', subpathTestPod(ctx, 'projected/configmap-key', 'projected', {
        projected: { sources: [{ configMap: { name: 'my-configmap', items: [{ path: 'projected/configmap-key', key: 'configmap-key' }] } }] },
      }));
    },
  }),
];

/**
 * ConfigMap, Secret and Downward API volumes (the variants not in volumes.ts): upstream
 * common/storage/configmap_volume.go, secrets_volume.go and downwardapi_volume.go, with busybox
 * stand-ins for agnhost `mounttest` (framework/mounttest.ts).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { eventuallyLogContains, fileContentInLoop, mount } from '../framework/mounttest.ts';
import { createPod, waitForPodRunning } from '../framework/pods.ts';
import {
  b64,
  configMapUpdates,
  configMapVolumeTest,
  downwardModeTest,
  downwardResourceTest,
  downwardUpdateTest,
  multipleVolumes,
  NON_ROOT_TEST_USER_ID,
  optionalUpdates,
  secretVolumeTest,
} from '../framework/volume-specs.ts';

const CM = '[sig-storage] ConfigMap';
const S = '[sig-storage] Secrets';
const DA = '[sig-storage] Downward API volume';
const NC = '[Conformance] [NodeConformance]';
const LNC = `[LinuxOnly] ${NC}`;

export const cases = [
  defineCase(import.meta.url, {
    id: 'ST-05',
    codename: `${CM} binary data should be reflected in volume ${NC}`,
    async run(ctx) {
      const name = `configmap-test-upd-${ctx.uid}`;
      ctx.step(`Creating configMap with name ${name}`);
      await ctx.core('configmaps').create({ metadata: { name }, data: { 'data-1': 'value-1' }, binaryData: { 'dump.bin': Buffer.from([0xde, 0xca, 0xfe, 0xba, 0xd0, 0xfe, 0xff]).toString('base64') } });
      const podName = `pod-configmaps-${ctx.uid}`;
      const pod: KubeObject = {
        metadata: { name: podName },
        spec: {
          restartPolicy: 'Never',
          volumes: [{ name: 'configmap-volume', configMap: { name } }],
          containers: [
            { name: 'agnhost-container', image: ctx.images.busybox, command: ['sh', '-c', fileContentInLoop('/etc/configmap-volume/data-1')], volumeMounts: [mount('configmap-volume', '/etc/configmap-volume', true)] },
            { name: 'configmap-volume-binary-test', image: ctx.images.busybox, command: ['hexdump', '-C', '/etc/configmap-volume/dump.bin'], volumeMounts: [mount('configmap-volume', '/etc/configmap-volume', true)] },
          ],
        },
      };
      ctx.step('Creating the pod');
      await createPod(ctx, pod);
      await waitForPodRunning(ctx, podName);
      ctx.step('Waiting for pod with text data');
      await eventuallyLogContains(ctx, podName, 'agnhost-container', 'value-1');
      ctx.step('Waiting for pod with binary data');
      await eventuallyLogContains(ctx, podName, 'configmap-volume-binary-test', 'de ca fe ba d0 fe ff');
    },
  }),
  defineCase(import.meta.url, { id: 'ST-06', codename: `${CM} optional updates should be reflected in volume ${NC}`, run: (ctx) => optionalUpdates(ctx, 'configMap', false) }),
  defineCase(import.meta.url, { id: 'ST-08', codename: `${CM} should be consumable from pods in volume as non-root ${NC}`, run: (ctx) => configMapVolumeTest(ctx, { projected: false, mappings: false, asUser: true }) }),
  defineCase(import.meta.url, { id: 'ST-11', codename: `${CM} should be consumable from pods in volume with mappings and Item mode set ${LNC}`, run: (ctx) => configMapVolumeTest(ctx, { projected: false, mappings: true, asUser: false, mode: 0o400 }) }),
  defineCase(import.meta.url, { id: 'ST-12', codename: `${CM} should be consumable from pods in volume with mappings as non-root ${NC}`, run: (ctx) => configMapVolumeTest(ctx, { projected: false, mappings: true, asUser: true }) }),
  defineCase(import.meta.url, { id: 'ST-13', codename: `${CM} should be consumable in multiple volumes in the same pod ${NC}`, run: (ctx) => multipleVolumes(ctx, 'configMap', false) }),
  defineCase(import.meta.url, { id: 'ST-15', codename: `${CM} updates should be reflected in volume ${NC}`, run: (ctx) => configMapUpdates(ctx, false) }),

  defineCase(import.meta.url, { id: 'ST-16', codename: `${DA} should provide container's cpu limit ${NC}`, run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/cpu_limit', '2\n', true) }),
  defineCase(import.meta.url, { id: 'ST-17', codename: `${DA} should provide container's cpu request ${NC}`, run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/cpu_request', '1\n', true) }),
  defineCase(import.meta.url, { id: 'ST-18', codename: `${DA} should provide container's memory limit ${NC}`, run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/memory_limit', '67108864\n', true) }),
  defineCase(import.meta.url, { id: 'ST-19', codename: `${DA} should provide container's memory request ${NC}`, run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/memory_request', '33554432\n', true) }),
  defineCase(import.meta.url, { id: 'ST-20', codename: `${DA} should provide node allocatable (cpu) as default cpu limit if the limit is not set ${NC}`, run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/cpu_limit', /[1-9]/, false) }),
  defineCase(import.meta.url, { id: 'ST-21', codename: `${DA} should provide node allocatable (memory) as default memory limit if the limit is not set ${NC}`, run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/memory_limit', /[1-9]/, false) }),
  defineCase(import.meta.url, { id: 'ST-24', codename: `${DA} should set mode on item file ${LNC}`, run: (ctx) => downwardModeTest(ctx, false, 'item') }),
  defineCase(import.meta.url, { id: 'ST-25', codename: `${DA} should update annotations on modification ${NC}`, run: (ctx) => downwardUpdateTest(ctx, false, 'annotations') }),
  defineCase(import.meta.url, { id: 'ST-26', codename: `${DA} should update labels on modification ${NC}`, run: (ctx) => downwardUpdateTest(ctx, false, 'labels') }),

  defineCase(import.meta.url, { id: 'ST-74', codename: `${S} optional updates should be reflected in volume ${NC}`, run: (ctx) => optionalUpdates(ctx, 'secret', false) }),
  defineCase(import.meta.url, {
    id: 'ST-75',
    codename: `${S} should be able to mount in a volume regardless of a different secret existing with same name in different namespace ${NC}`,
    async run(ctx) {
      const ns2 = await ctx.createNamespace('secret-namespace');
      const name = `secret-test-${ctx.uid}`;
      await ctx.core('secrets', ns2).create({ metadata: { name }, data: { this_should_not_match_content_of_other_secret: b64('similarly_this_should_not_match_content_of_other_secret\n') } });
      await secretVolumeTest(ctx, { projected: false, mappings: false, secretName: name });
    },
  }),
  defineCase(import.meta.url, {
    id: 'ST-77',
    codename: `${S} should be consumable from pods in volume as non-root with defaultMode and fsGroup set ${LNC}`,
    run: (ctx) => secretVolumeTest(ctx, { projected: false, mappings: false, mode: 0o440, fsGroup: 1001, uid: NON_ROOT_TEST_USER_ID }),
  }),
  defineCase(import.meta.url, { id: 'ST-80', codename: `${S} should be consumable from pods in volume with mappings and Item Mode set ${LNC}`, run: (ctx) => secretVolumeTest(ctx, { projected: false, mappings: true, mode: 0o400 }) }),
  defineCase(import.meta.url, { id: 'ST-81', codename: `${S} should be consumable in multiple volumes in a pod ${NC}`, run: (ctx) => multipleVolumes(ctx, 'secret', false) }),
];

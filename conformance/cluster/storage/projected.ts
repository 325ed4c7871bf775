/**
 * Projected volumes: upstream common/storage/projected_configmap.go, projected_secret.go and
 * projected_downwardapi.go. Containers run busybox stand-ins for agnhost `mounttest` that
 * print the same lines (framework/mounttest.ts); upstream's mode regex also accepts a Windows
 * line, which does not apply here. As upstream, the Projected downwardAPI podname and
 * container-resource specs build their pods with the plain downwardAPI volume helpers
 * (downwardAPIVolumePodForSimpleTest, downwardAPIVolumeFor[Default]ContainerResources); only
 * the mode and update specs use a projected volume.
 */
import { defineCase } from '../framework/case.ts';
import {
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

const PC = '[sig-storage] Projected configMap';
const PS = '[sig-storage] Projected secret';
const PD = '[sig-storage] Projected downwardAPI';
const NC = '[Conformance] [NodeConformance]';
const LNC = `[LinuxOnly] ${NC}`;

export const cases = [
  defineCase(import.meta.url, { id: 'ST-47', codename: `${PC} optional updates should be reflected in volume ${NC}`, run: (ctx) => optionalUpdates(ctx, 'configMap', true) }),
  defineCase(import.meta.url, { id: 'ST-48', codename: `${PC} should be consumable from pods in volume ${NC}`, run: (ctx) => configMapVolumeTest(ctx, { projected: true, mappings: false, asUser: false }) }),
  defineCase(import.meta.url, { id: 'ST-49', codename: `${PC} should be consumable from pods in volume as non-root ${NC}`, run: (ctx) => configMapVolumeTest(ctx, { projected: true, mappings: false, asUser: true }) }),
  defineCase(import.meta.url, { id: 'ST-50', codename: `${PC} should be consumable from pods in volume with defaultMode set ${LNC}`, run: (ctx) => configMapVolumeTest(ctx, { projected: true, mappings: false, asUser: false, mode: 0o400 }) }),
  defineCase(import.meta.url, { id: 'ST-51', codename: `${PC} should be consumable from pods in volume with mappings ${NC}`, run: (ctx) => configMapVolumeTest(ctx, { projected: true, mappings: true, asUser: false }) }),
  defineCase(import.meta.url, { id: 'ST-52', codename: `${PC} should be consumable from pods in volume with mappings and Item mode set ${LNC}`, run: (ctx) => configMapVolumeTest(ctx, { projected: true, mappings: true, asUser: false, mode: 0o400 }) }),
  defineCase(import.meta.url, { id: 'ST-53', codename: `${PC} should be consumable from pods in volume with mappings as non-root ${NC}`, run: (ctx) => configMapVolumeTest(ctx, { projected: true, mappings: true, asUser: true }) }),
  defineCase(import.meta.url, { id: 'ST-54', codename: `${PC} should be consumable in multiple volumes in the same pod ${NC}`, run: (ctx) => multipleVolumes(ctx, 'configMap', true) }),
  defineCase(import.meta.url, { id: 'ST-55', codename: `${PC} updates should be reflected in volume ${NC}`, run: (ctx) => configMapUpdates(ctx, true) }),

  defineCase(import.meta.url, { id: 'ST-56', codename: `${PD} should provide container's cpu limit ${NC}`, run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/cpu_limit', '2\n', true) }),
  defineCase(import.meta.url, { id: 'ST-57', codename: `${PD} should provide container's cpu request ${NC}`, run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/cpu_request', '1\n', true) }),
  defineCase(import.meta.url, { id: 'ST-58', codename: `${PD} should provide container's memory limit ${NC}`, run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/memory_limit', '67108864\n', true) }),
  defineCase(import.meta.url, { id: 'ST-59', codename: `${PD} should provide container's memory request ${NC}`, run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/memory_request', '33554432\n', true) }),
  defineCase(import.meta.url, { id: 'ST-60', codename: `${PD} should provide node allocatable (cpu) as default cpu limit if the limit is not set ${NC}`, run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/cpu_limit', /[1-9]/, false) }),
  defineCase(import.meta.url, { id: 'ST-61', codename: `${PD} should provide node allocatable (memory) as default memory limit if the limit is not set ${NC}`, run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/memory_limit', /[1-9]/, false) }),
  defineCase(import.meta.url, {
    id: 'ST-62',
    codename: `${PD} should provide podname only ${NC}`,
    run: (ctx) => downwardResourceTest(ctx, false, '/etc/podinfo/podname', `downwardapi-volume-${ctx.uid}\n`, false),
  }),
  defineCase(import.meta.url, { id: 'ST-63', codename: `${PD} should set DefaultMode on files ${LNC}`, run: (ctx) => downwardModeTest(ctx, true, 'default') }),
  defineCase(import.meta.url, { id: 'ST-64', codename: `${PD} should set mode on item file ${LNC}`, run: (ctx) => downwardModeTest(ctx, true, 'item') }),
  defineCase(import.meta.url, { id: 'ST-65', codename: `${PD} should update annotations on modification ${NC}`, run: (ctx) => downwardUpdateTest(ctx, true, 'annotations') }),
  defineCase(import.meta.url, { id: 'ST-66', codename: `${PD} should update labels on modification ${NC}`, run: (ctx) => downwardUpdateTest(ctx, true, 'labels') }),

  defineCase(import.meta.url, { id: 'ST-67', codename: `${PS} optional updates should be reflected in volume ${NC}`, run: (ctx) => optionalUpdates(ctx, 'secret', true) }),
  defineCase(import.meta.url, { id: 'ST-68', codename: `${PS} should be consumable from pods in volume ${NC}`, run: (ctx) => secretVolumeTest(ctx, { projected: true, mappings: false }) }),
  defineCase(import.meta.url, {
    id: 'ST-69',
    codename: `${PS} should be consumable from pods in volume as non-root with defaultMode and fsGroup set ${LNC}`,
    run: (ctx) => secretVolumeTest(ctx, { projected: true, mappings: false, mode: 0o440, fsGroup: 1001, uid: NON_ROOT_TEST_USER_ID }),
  }),
  defineCase(import.meta.url, { id: 'ST-70', codename: `${PS} should be consumable from pods in volume with defaultMode set ${LNC}`, run: (ctx) => secretVolumeTest(ctx, { projected: true, mappings: false, mode: 0o400 }) }),
  defineCase(import.meta.url, { id: 'ST-71', codename: `${PS} should be consumable from pods in volume with mappings ${NC}`, run: (ctx) => secretVolumeTest(ctx, { projected: true, mappings: true }) }),
  defineCase(import.meta.url, { id: 'ST-72', codename: `${PS} should be consumable from pods in volume with mappings and Item Mode set ${LNC}`, run: (ctx) => secretVolumeTest(ctx, { projected: true, mappings: true, mode: 0o400 }) }),
  defineCase(import.meta.url, { id: 'ST-73', codename: `${PS} should be consumable in multiple volumes in a pod ${NC}`, run: (ctx) => multipleVolumes(ctx, 'secret', true) }),
];

/**
 * Pod builders and spec bodies shared by the configMap, secret and downwardAPI volume specs
 * and their projected variants (upstream common/storage/configmap_volume.go,
 * secrets_volume.go, downwardapi_volume.go, projected_configmap.go, projected_secret.go,
 * projected_downwardapi.go). Containers run busybox stand-ins for agnhost `mounttest`
 * (framework/mounttest.ts) that print the same lines.
 */
import type { KubeObject } from '#impl/client/index.ts';
import type { CaseContext } from './context.ts';
import { ApiError } from '#impl/client/index.ts';
import { createPod, testContainerOutput, waitForPodRunning } from './pods.ts';
import { eventuallyLogContains, fileContent, fileContentInLoop, fileMode, mount, mounttest } from './mounttest.ts';

/** NON_ROOT_TEST_USER_ID is upstream `nonRootTestUserID`. */
export const NON_ROOT_TEST_USER_ID = 1000;

/** b64 encodes a string for Secret data. */
export const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** modeString renders a permission mask like Go's `os.FileMode(mask).String()` for a regular file. */
export function modeString(mask: number): string {
  const bits = 'rwxrwxrwx';
  let out = '-';
  for (let i = 0; i < 9; i++) out += mask & (1 << (8 - i)) ? bits[i] : '-';
  return out;
}

/** fileModeLine is the Linux half of upstream `getFileModeRegex` (default mask 0644). */
export const fileModeLine = (p: string, mask?: number): string => `mode of file "${p}": ${modeString(mask ?? 0o644)}`;

/** newConfigMapData is upstream `newConfigMap`'s data. */
export const CONFIGMAP_DATA = { 'data-1': 'value-1', 'data-2': 'value-2', 'data-3': 'value-3' };

/** SECRET_DATA is upstream `secretForTest`'s data (base64). */
export const SECRET_DATA = { 'data-1': b64('value-1\n'), 'data-2': b64('value-2\n'), 'data-3': b64('value-3\n') };

/** updatePod is the e2e PodClient.Update: get, mutate, update, retried on conflict. */
export async function updatePod(ctx: CaseContext, name: string, mutate: (p: KubeObject) => void): Promise<KubeObject> {
  for (let i = 0; ; i++) {
    const p = await ctx.core('pods').get(name);
    mutate(p);
    try {
      return await ctx.core('pods').update(p);
    } catch (e) {
      if (i < 5 && e instanceof ApiError && e.code === 409) continue;
      throw e;
    }
  }
}

/** createSync is the e2e PodClient.CreateSync: create, then wait for Running. */
export async function createSync(ctx: CaseContext, pod: KubeObject): Promise<KubeObject> {
  await createPod(ctx, pod);
  return waitForPodRunning(ctx, String(pod.metadata?.name));
}

type Source = 'configMap' | 'secret';

/** sourceVolume builds a (possibly projected) configMap or secret volume. */
export function sourceVolume(source: Source, projected: boolean, name: string, extra: KubeObject = {}, volumeExtra: KubeObject = {}): KubeObject {
  if (projected) return { projected: { sources: [{ [source]: { name, ...extra } }], ...volumeExtra } };
  return source === 'configMap' ? { configMap: { name, ...extra, ...volumeExtra } } : { secret: { secretName: name, ...extra, ...volumeExtra } };
}

/**
 * optionalUpdates is the body of the "optional updates should be reflected in volume" specs:
 * three optional volumes (one whose object is deleted, one updated, one created later).
 */
export async function optionalUpdates(ctx: CaseContext, source: Source, projected: boolean): Promise<void> {
  const cm = source === 'configMap';
  const root = `/etc/${projected ? 'projected-' : ''}${cm ? 'configmap' : 'secret'}-volumes`;
  const p = cm ? 'cm' : 's';
  const kindWord = cm ? 'configMap' : 'secret';
  const resource = cm ? 'configmaps' : 'secrets';
  const data = (v: Record<string, string>): KubeObject => (cm ? { data: v } : { data: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, b64(x)])) });
  const names = { delete: `${p}-test-opt-del-${ctx.uid}`, update: `${p}-test-opt-upd-${ctx.uid}`, create: `${p}-test-opt-create-${ctx.uid}` };
  const containers = { delete: `del${p}-volume-test`, update: `upd${p}-volume-test`, create: `create${p}-volume-test` };
  const volumes = { delete: `delete${p}-volume`, update: `update${p}-volume`, create: `create${p}-volume` };
  const files = { delete: `${root}/delete/data-1`, update: `${root}/update/data-3`, create: `${root}/create/data-1` };

  ctx.step(`Creating ${kindWord} with name ${names.delete}`);
  await ctx.core(resource).create({ metadata: { name: names.delete }, ...data({ 'data-1': 'value-1' }) });
  ctx.step(`Creating ${kindWord} with name ${names.update}`);
  const upd = await ctx.core(resource).create({ metadata: { name: names.update }, ...data({ 'data-1': 'value-1' }) });

  const podName = `pod-${projected ? 'projected-' : ''}${cm ? 'configmaps' : 'secrets'}-${ctx.uid}`;
  const which = ['delete', 'update', 'create'] as const;
  const pod: KubeObject = {
    metadata: { name: podName },
    spec: {
      restartPolicy: 'Never',
      volumes: which.map((w) => ({ name: volumes[w], ...sourceVolume(source, projected, names[w], { optional: true }) })),
      containers: which.map((w) => ({ name: containers[w], image: ctx.images.busybox, command: ['sh', '-c', fileContentInLoop(files[w])], volumeMounts: [mount(volumes[w], `${root}/${w}`, true)] })),
    },
  };
  ctx.step('Creating the pod');
  await createSync(ctx, pod);

  await eventuallyLogContains(ctx, podName, containers.create, `Error reading file ${files.create}`);
  await eventuallyLogContains(ctx, podName, containers.update, `Error reading file ${files.update}`);
  await eventuallyLogContains(ctx, podName, containers.delete, 'value-1');

  ctx.step(`Deleting ${kindWord} ${names.delete}`);
  await ctx.core(resource).delete(names.delete);

  ctx.step(`Updating ${kindWord} ${names.update}`);
  const updated = { ...upd, metadata: { ...upd.metadata, resourceVersion: undefined }, ...data({ 'data-3': 'value-3' }) };
  await ctx.core(resource).update(updated);

  ctx.step(`Creating ${kindWord} with name ${names.create}`);
  await ctx.core(resource).create({ metadata: { name: names.create }, ...data({ 'data-1': 'value-1' }) });

  ctx.step('waiting to observe update in volume');
  await eventuallyLogContains(ctx, podName, containers.create, 'value-1');
  await eventuallyLogContains(ctx, podName, containers.update, 'value-3');
  await eventuallyLogContains(ctx, podName, containers.delete, `Error reading file ${files.delete}`);
}

/** configMapUpdates is the body of the "ConfigMap updates should be reflected in volume" specs. */
export async function configMapUpdates(ctx: CaseContext, projected: boolean): Promise<void> {
  const pre = projected ? 'projected-' : '';
  const name = `${pre}configmap-test-upd-${ctx.uid}`;
  const volumeName = `${pre}configmap-volume`;
  const mountPath = `/etc/${pre}configmap-volume`;
  ctx.step(projected ? `Creating projection with configMap that has name ${name}` : `Creating configMap with name ${name}`);
  const cm = await ctx.core('configmaps').create({ metadata: { name }, data: { 'data-1': 'value-1' } });
  const podName = `pod-${pre}configmaps-${ctx.uid}`;
  const pod: KubeObject = {
    metadata: { name: podName },
    spec: {
      restartPolicy: 'Never',
      volumes: [{ name: volumeName, ...sourceVolume('configMap', projected, name) }],
      containers: [{ name: 'agnhost-container', image: ctx.images.busybox, command: ['sh', '-c', fileContentInLoop(`${mountPath}/data-1`)], volumeMounts: [mount(volumeName, mountPath, true)] }],
    },
  };
  ctx.step('Creating the pod');
  await createSync(ctx, pod);
  await eventuallyLogContains(ctx, podName, 'agnhost-container', 'value-1');
  ctx.step(`Updating configmap ${name}`);
  await ctx.core('configmaps').update({ ...cm, metadata: { ...cm.metadata, resourceVersion: undefined }, data: { 'data-1': 'value-2' } });
  ctx.step('waiting to observe update in volume');
  await eventuallyLogContains(ctx, podName, 'agnhost-container', 'value-2');
}

/**
 * configMapVolumeTest is doConfigMapE2EWithoutMappings / WithMappings and their projected
 * twins: one configMap volume, content and (without fsGroup) mode of one file.
 */
export async function configMapVolumeTest(
  ctx: CaseContext,
  opts: { projected: boolean; mappings: boolean; asUser: boolean; mode?: number },
): Promise<void> {
  const pre = opts.projected ? 'projected-' : '';
  const name = `${pre}configmap-test-volume-${opts.mappings ? 'map-' : ''}${ctx.uid}`;
  const volumeName = `${pre}configmap-volume`;
  const mountPath = `/etc/${pre}configmap-volume`;
  ctx.step(`Creating configMap with name ${name}`);
  await ctx.core('configmaps').create({ metadata: { name }, data: CONFIGMAP_DATA });
  const file = opts.mappings ? `${mountPath}/path/to/data-2` : `${mountPath}/data-1`;
  let extra: KubeObject = {};
  let volumeExtra: KubeObject = {};
  if (opts.mappings) {
    // Upstream sets Items[0].Mode for the plain volume and the projected volume's DefaultMode.
    extra = { items: [{ key: 'data-2', path: 'path/to/data-2', ...(opts.mode !== undefined && !opts.projected ? { mode: opts.mode } : {}) }] };
    if (opts.mode !== undefined && opts.projected) volumeExtra = { defaultMode: opts.mode };
  } else if (opts.mode !== undefined) {
    volumeExtra = { defaultMode: opts.mode };
  }
  const pod: KubeObject = {
    metadata: { name: `pod-${pre}configmaps-${ctx.uid}` },
    spec: {
      restartPolicy: 'Never',
      securityContext: opts.asUser ? { runAsUser: NON_ROOT_TEST_USER_ID } : {},
      volumes: [{ name: volumeName, ...sourceVolume('configMap', opts.projected, name, extra, volumeExtra) }],
      containers: [{ name: 'agnhost-container', image: ctx.images.busybox, command: ['sh', '-c', mounttest(fileContent(file), fileMode(file))], volumeMounts: [mount(volumeName, mountPath, true)] }],
    },
  };
  const value = opts.mappings ? 'value-2' : 'value-1';
  await testContainerOutput(ctx, 'consume configMaps', pod, 0, [`content of file "${file}": ${value}`, fileModeLine(file, opts.mode)]);
}

/**
 * secretVolumeTest is doSecretE2EWithoutMapping / WithMapping and their projected twins.
 * `secretName` overrides the generated name (the "same name in a different namespace" spec).
 */
export async function secretVolumeTest(
  ctx: CaseContext,
  opts: { projected: boolean; mappings: boolean; mode?: number; fsGroup?: number; uid?: number; secretName?: string },
): Promise<void> {
  const pre = opts.projected ? 'projected-' : '';
  const name = opts.secretName ?? `${pre}secret-test-${opts.mappings ? 'map-' : ''}${ctx.uid}`;
  const volumeName = `${pre}secret-volume`;
  const mountPath = `/etc/${pre}secret-volume`;
  ctx.step(opts.projected ? `Creating projection with secret that has name ${name}` : `Creating secret with name ${name}`);
  await ctx.core('secrets').create({ metadata: { name }, data: SECRET_DATA });
  const file = opts.mappings ? `${mountPath}/new-path-data-1` : `${mountPath}/data-1`;
  let extra: KubeObject = {};
  let volumeExtra: KubeObject = {};
  if (opts.mappings) {
    extra = { items: [{ key: 'data-1', path: 'new-path-data-1', ...(opts.mode !== undefined && !opts.projected ? { mode: opts.mode } : {}) }] };
    if (opts.mode !== undefined && opts.projected) volumeExtra = { defaultMode: opts.mode };
  } else if (opts.mode !== undefined) {
    volumeExtra = { defaultMode: opts.mode };
  }
  const securityContext = opts.fsGroup !== undefined || opts.uid !== undefined ? { ...(opts.fsGroup !== undefined ? { fsGroup: opts.fsGroup } : {}), ...(opts.uid !== undefined ? { runAsUser: opts.uid } : {}) } : {};
  const pod: KubeObject = {
    metadata: { name: `pod-${pre}secrets-${ctx.uid}` },
    spec: {
      restartPolicy: 'Never',
      securityContext,
      volumes: [{ name: volumeName, ...sourceVolume('secret', opts.projected, name, extra, volumeExtra) }],
      containers: [{ name: `${pre}secret-volume-test`, image: ctx.images.busybox, command: ['sh', '-c', mounttest(fileContent(file), fileMode(file))], volumeMounts: [mount(volumeName, mountPath)] }],
    },
  };
  await testContainerOutput(ctx, 'consume secrets', pod, 0, [`content of file "${file}": value-1`, fileModeLine(file, opts.mode)]);
}

/**
 * multipleVolumes is the "should be consumable in multiple volumes in the same pod" spec body:
 * one object mounted through two volumes.
 */
export async function multipleVolumes(ctx: CaseContext, source: Source, projected: boolean): Promise<void> {
  const cm = source === 'configMap';
  const pre = projected ? 'projected-' : '';
  const base = `${pre}${cm ? 'configmap' : 'secret'}`;
  const name = `${base}-test-${cm ? 'volume-' : ''}${ctx.uid}`;
  ctx.step(`Creating ${cm ? 'configMap' : 'secret'} with name ${name}`);
  await ctx.core(cm ? 'configmaps' : 'secrets').create({ metadata: { name }, data: cm ? CONFIGMAP_DATA : SECRET_DATA });
  const v1 = `${base}-volume`;
  const v2 = `${base}-volume-2`;
  const file = `/etc/${v1}/data-1`;
  const script = cm ? fileContent(file) : mounttest(fileContent(file), fileMode(file));
  const pod: KubeObject = {
    metadata: { name: `pod-${pre}${cm ? 'configmaps' : 'secrets'}-${ctx.uid}` },
    spec: {
      restartPolicy: 'Never',
      volumes: [{ name: v1, ...sourceVolume(source, projected, name) }, { name: v2, ...sourceVolume(source, projected, name) }],
      containers: [{ name: cm ? `${base}-volume-test` : 'secret-volume-test', image: ctx.images.busybox, command: ['sh', '-c', script], volumeMounts: [mount(v1, `/etc/${v1}`, true), mount(v2, `/etc/${v2}`, true)] }],
    },
  };
  const expected = [`content of file "${file}": value-1`, ...(cm ? [] : [fileModeLine(file)])];
  await testContainerOutput(ctx, cm ? 'consume configMaps' : 'consume secrets', pod, 0, expected);
}

/** downwardItems are the base pod's downwardAPI items (podname and the four resource files). */
const downwardItems = (): KubeObject[] => [
  { path: 'podname', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
  ...['limits.cpu', 'requests.cpu', 'limits.memory', 'requests.memory'].map((r) => ({
    path: `${r.split('.')[1]}_${r.split('.')[0] === 'limits' ? 'limit' : 'request'}`,
    resourceFieldRef: { containerName: 'client-container', resource: r },
  })),
];

/**
 * downwardAPIPod is downwardAPIVolumeBasePod / projectedDownwardAPIVolumeBasePod with one
 * `client-container` running `script`; `labels`/`annotations` add those items as upstream's
 * applyLabelsAndAnnotations... does.
 */
export function downwardAPIPod(
  ctx: CaseContext,
  opts: { name: string; projected: boolean; script: string; resources?: KubeObject; labels?: Record<string, string>; annotations?: Record<string, string>; itemMode?: number; defaultMode?: number },
): KubeObject {
  const items = downwardItems();
  if (opts.itemMode !== undefined) items[0].mode = opts.itemMode;
  if (opts.labels && Object.keys(opts.labels).length > 0) items.push({ path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } });
  if (opts.annotations && Object.keys(opts.annotations).length > 0) items.push({ path: 'annotations', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.annotations' } });
  const dm = opts.defaultMode !== undefined ? { defaultMode: opts.defaultMode } : {};
  const volume = opts.projected ? { projected: { sources: [{ downwardAPI: { items } }], ...dm } } : { downwardAPI: { items, ...dm } };
  return {
    metadata: { name: opts.name, ...(opts.labels ? { labels: opts.labels } : {}), ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      restartPolicy: 'Never',
      volumes: [{ name: 'podinfo', ...volume }],
      containers: [{ name: 'client-container', image: ctx.images.busybox, command: ['sh', '-c', opts.script], ...(opts.resources ? { resources: opts.resources } : {}), volumeMounts: [mount('podinfo', '/etc/podinfo')] }],
    },
  };
}

/** CONTAINER_RESOURCES are downwardAPIVolumeBaseContainers' requests and limits. */
export const CONTAINER_RESOURCES = { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: '1250m', memory: '64Mi' } };

/** downwardResourceTest checks one resource file (`expected` as upstream: `2\n`, or a RegExp). */
export async function downwardResourceTest(ctx: CaseContext, projected: boolean, file: string, expected: string | RegExp, withResources: boolean): Promise<void> {
  const name = `downwardapi-volume-${ctx.uid}`;
  const pod = downwardAPIPod(ctx, { name, projected, script: fileContent(file), ...(withResources ? { resources: CONTAINER_RESOURCES } : {}) });
  await testContainerOutput(ctx, 'downward API volume plugin', pod, 0, [expected]);
}

/** downwardModeTest is the DefaultMode / item mode spec body (0400 -> -r--------). */
export async function downwardModeTest(ctx: CaseContext, projected: boolean, which: 'item' | 'default'): Promise<void> {
  const file = '/etc/podinfo/podname';
  const pod = downwardAPIPod(ctx, { name: `downwardapi-volume-${ctx.uid}`, projected, script: fileMode(file), ...(which === 'item' ? { itemMode: 0o400 } : { defaultMode: 0o400 }) });
  await testContainerOutput(ctx, 'downward API volume plugin', pod, 0, [`mode of file "${file}": -r--------`]);
}

/** downwardUpdateTest is the "should update labels/annotations on modification" spec body. */
export async function downwardUpdateTest(ctx: CaseContext, projected: boolean, which: 'labels' | 'annotations'): Promise<void> {
  const labels: Record<string, string> = which === 'labels' ? { key1: 'value1', key2: 'value2' } : {};
  const annotations: Record<string, string> = which === 'annotations' ? { builder: 'bar' } : {};
  const podName = `${which === 'labels' ? 'labelsupdate' : 'annotationupdate'}${ctx.uid}`;
  const pod = downwardAPIPod(ctx, { name: podName, projected, labels, annotations, script: fileContentInLoop(`/etc/podinfo/${which}`) });
  ctx.step('Creating the pod');
  await createSync(ctx, pod);
  await eventuallyLogContains(ctx, podName, 'client-container', which === 'labels' ? 'key1="value1"\n' : 'builder="bar"\n');
  await updatePod(ctx, podName, (p) => {
    const meta = (p.metadata ??= {});
    if (which === 'labels') meta.labels = { ...meta.labels, key3: 'value3' };
    else meta.annotations = { ...meta.annotations, builder: 'foo' };
  });
  await eventuallyLogContains(ctx, podName, 'client-container', which === 'labels' ? 'key3="value3"\n' : 'builder="foo"\n');
}

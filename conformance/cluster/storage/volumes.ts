/**
 * Volumes checked from inside a container: upstream common/storage/empty_dir.go,
 * configmap_volume.go, secrets_volume.go, downwardapi_volume.go and projected_combined.go.
 * Upstream reads files with agnhost `mounttest`; here a busybox shell prints the same lines
 * (`content of file "P": ...`, `perms of file "P": -rw-r--r--`, `mount type of "P": tmpfs`).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { testContainerOutput, shContainer } from '../framework/pods.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const NON_ROOT_UID = 1001;

/** report prints content and perms of a file like mounttest (`stat -L` follows atomic-writer symlinks). */
const report = (p: string): string => `echo "content of file \\"${p}\\": $(cat ${p})"; echo "perms of file \\"${p}\\": $(stat -L -c %A ${p})"`;
const mountType = (p: string): string => `echo "mount type of \\"${p}\\": $(awk '$2 == "${p}" {print $3}' /proc/mounts)"`;

function podWithVolume(ctx: CaseContext, name: string, volume: KubeObject, mountPath: string, script: string, podSecurity: KubeObject = {}, containerSecurity?: KubeObject): KubeObject {
  return {
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      securityContext: podSecurity,
      volumes: [{ name: 'test-volume', ...volume }],
      containers: [shContainer(ctx, 'test-container', script, { volumeMounts: [{ name: 'test-volume', mountPath }], ...(containerSecurity ? { securityContext: containerSecurity } : {}) })],
    },
  };
}

/** emptyDirCase mirrors doTest0644/0666/0777 (a new file with a mode, then its perms and content). */
function emptyDirCase(id: string, codename: string, user: 'root' | 'non-root', mode: '0644' | '0666' | '0777', medium: 'default' | 'tmpfs') {
  const perms = { '0644': '-rw-r--r--', '0666': '-rw-rw-rw-', '0777': '-rwxrwxrwx' }[mode];
  return defineCase(import.meta.url, {
    id,
    codename,
    run: (ctx) => {
      const f = '/test-volume/test-file';
      const script = [`umask 0`, `echo 'mount-tester new file' > ${f}`, `chmod ${mode} ${f}`, report(f), ...(medium === 'tmpfs' ? [mountType('/test-volume')] : [])].join('; ');
      const pod = podWithVolume(ctx, `pod-${ctx.uid}`, { emptyDir: medium === 'tmpfs' ? { medium: 'Memory' } : {} }, '/test-volume', script, {}, user === 'non-root' ? { runAsUser: NON_ROOT_UID } : undefined);
      const expected = [`perms of file "${f}": ${perms}`, `content of file "${f}": mount-tester new file`, ...(medium === 'tmpfs' ? ['mount type of "/test-volume": tmpfs'] : [])];
      return testContainerOutput(ctx, `emptydir ${mode} on ${medium}`, pod, 0, expected);
    },
  });
}

function emptyDirModeCase(id: string, codename: string, medium: 'default' | 'tmpfs') {
  return defineCase(import.meta.url, {
    id,
    codename,
    run: (ctx) => {
      const script = [`echo "perms of file \\"/test-volume\\": $(stat -c %A /test-volume)"`, ...(medium === 'tmpfs' ? [mountType('/test-volume')] : [])].join('; ');
      const pod = podWithVolume(ctx, `pod-${ctx.uid}`, { emptyDir: medium === 'tmpfs' ? { medium: 'Memory' } : {} }, '/test-volume', script);
      return testContainerOutput(ctx, `emptydir volume type on ${medium}`, pod, 0, ['perms of file "/test-volume": drwxrwxrwx', ...(medium === 'tmpfs' ? ['mount type of "/test-volume": tmpfs'] : [])]);
    },
  });
}

const ED = '[sig-storage] EmptyDir volumes should support';
const tags = '[LinuxOnly] [Conformance] [NodeConformance]';

export const cases = [
  emptyDirCase('ST-28', `${ED} (non-root,0644,default) ${tags}`, 'non-root', '0644', 'default'),
  emptyDirCase('ST-29', `${ED} (non-root,0644,tmpfs) ${tags}`, 'non-root', '0644', 'tmpfs'),
  emptyDirCase('ST-30', `${ED} (non-root,0666,default) ${tags}`, 'non-root', '0666', 'default'),
  emptyDirCase('ST-31', `${ED} (non-root,0666,tmpfs) ${tags}`, 'non-root', '0666', 'tmpfs'),
  emptyDirCase('ST-32', `${ED} (non-root,0777,default) ${tags}`, 'non-root', '0777', 'default'),
  emptyDirCase('ST-33', `${ED} (non-root,0777,tmpfs) ${tags}`, 'non-root', '0777', 'tmpfs'),
  emptyDirCase('ST-34', `${ED} (root,0644,default) ${tags}`, 'root', '0644', 'default'),
  emptyDirCase('ST-35', `${ED} (root,0644,tmpfs) ${tags}`, 'root', '0644', 'tmpfs'),
  emptyDirCase('ST-36', `${ED} (root,0666,default) ${tags}`, 'root', '0666', 'default'),
  emptyDirCase('ST-37', `${ED} (root,0666,tmpfs) ${tags}`, 'root', '0666', 'tmpfs'),
  emptyDirCase('ST-38', `${ED} (root,0777,default) ${tags}`, 'root', '0777', 'default'),
  emptyDirCase('ST-39', `${ED} (root,0777,tmpfs) ${tags}`, 'root', '0777', 'tmpfs'),
  emptyDirModeCase('ST-40', `[sig-storage] EmptyDir volumes volume on default medium should have the correct mode ${tags}`, 'default'),
  emptyDirModeCase('ST-41', `[sig-storage] EmptyDir volumes volume on tmpfs should have the correct mode ${tags}`, 'tmpfs'),

  defineCase(import.meta.url, {
    id: 'ST-27',
    codename: '[sig-storage] EmptyDir volumes pod should support shared volumes between containers [Conformance]',
    run: (ctx) => {
      const pod: KubeObject = {
        metadata: { name: `pod-sharedvolume-${ctx.uid}` },
        spec: {
          restartPolicy: 'Never',
          volumes: [{ name: 'shared-data', emptyDir: {} }],
          containers: [
            shContainer(ctx, 'busybox-main-container', 'while [ ! -f /usr/share/volumeshare/shareddata.txt ]; do sleep 1; done; cat /usr/share/volumeshare/shareddata.txt', { volumeMounts: [{ name: 'shared-data', mountPath: '/usr/share/volumeshare' }] }),
            shContainer(ctx, 'busybox-sub-container', "echo 'Hello from the busy-box sub-container' > /pod-data/shareddata.txt", { volumeMounts: [{ name: 'shared-data', mountPath: '/pod-data' }] }),
          ],
        },
      };
      return testContainerOutput(ctx, 'shared emptyDir between containers', pod, 0, ['Hello from the busy-box sub-container']);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ST-07',
    codename: '[sig-storage] ConfigMap should be consumable from pods in volume [Conformance] [NodeConformance]',
    async run(ctx) {
      const cm = `configmap-test-volume-${ctx.uid}`;
      ctx.step(`Creating configMap with name ${cm}`);
      await ctx.core('configmaps').create({ metadata: { name: cm }, data: { 'data-1': 'value-1', 'data-2': 'value-2', 'data-3': 'value-3' } });
      const p = '/etc/configmap-volume/data-1';
      await testContainerOutput(ctx, 'consume configMaps', podWithVolume(ctx, `pod-configmaps-${ctx.uid}`, { configMap: { name: cm } }, '/etc/configmap-volume', report(p)), 0, [`content of file "${p}": value-1`, `perms of file "${p}": -rw-r--r--`]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ST-10',
    codename: '[sig-storage] ConfigMap should be consumable from pods in volume with mappings [Conformance] [NodeConformance]',
    async run(ctx) {
      const cm = `configmap-test-volume-map-${ctx.uid}`;
      await ctx.core('configmaps').create({ metadata: { name: cm }, data: { 'data-1': 'value-1', 'data-2': 'value-2' } });
      const p = '/etc/configmap-volume/path/to/data-2';
      await testContainerOutput(ctx, 'consume configMaps', podWithVolume(ctx, `pod-configmaps-${ctx.uid}`, { configMap: { name: cm, items: [{ key: 'data-2', path: 'path/to/data-2' }] } }, '/etc/configmap-volume', report(p)), 0, [`content of file "${p}": value-2`, `perms of file "${p}": -rw-r--r--`]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ST-09',
    codename: '[sig-storage] ConfigMap should be consumable from pods in volume with defaultMode set [LinuxOnly] [Conformance] [NodeConformance]',
    async run(ctx) {
      const cm = `configmap-test-volume-${ctx.uid}`;
      await ctx.core('configmaps').create({ metadata: { name: cm }, data: { 'data-1': 'value-1' } });
      const p = '/etc/configmap-volume/data-1';
      await testContainerOutput(ctx, 'consume configMaps', podWithVolume(ctx, `pod-configmaps-${ctx.uid}`, { configMap: { name: cm, defaultMode: 0o400 } }, '/etc/configmap-volume', report(p)), 0, [`content of file "${p}": value-1`, `perms of file "${p}": -r--------`]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ST-76',
    codename: '[sig-storage] Secrets should be consumable from pods in volume [Conformance] [NodeConformance]',
    async run(ctx) {
      const s = `secret-test-${ctx.uid}`;
      await ctx.core('secrets').create({ metadata: { name: s }, data: { 'data-1': b64('value-1') } });
      const p = '/etc/secret-volume/data-1';
      await testContainerOutput(ctx, 'consume secrets', podWithVolume(ctx, `pod-secrets-${ctx.uid}`, { secret: { secretName: s } }, '/etc/secret-volume', report(p)), 0, [`content of file "${p}": value-1`, `perms of file "${p}": -rw-r--r--`]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ST-78',
    codename: '[sig-storage] Secrets should be consumable from pods in volume with defaultMode set [LinuxOnly] [Conformance] [NodeConformance]',
    async run(ctx) {
      const s = `secret-test-${ctx.uid}`;
      await ctx.core('secrets').create({ metadata: { name: s }, data: { 'data-1': b64('value-1') } });
      const p = '/etc/secret-volume/data-1';
      await testContainerOutput(ctx, 'consume secrets', podWithVolume(ctx, `pod-secrets-${ctx.uid}`, { secret: { secretName: s, defaultMode: 0o400 } }, '/etc/secret-volume', report(p)), 0, [`content of file "${p}": value-1`, `perms of file "${p}": -r--------`]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ST-79',
    codename: '[sig-storage] Secrets should be consumable from pods in volume with mappings [Conformance] [NodeConformance]',
    async run(ctx) {
      const s = `secret-test-map-${ctx.uid}`;
      await ctx.core('secrets').create({ metadata: { name: s }, data: { 'data-1': b64('value-1') } });
      const p = '/etc/secret-volume/new-path-data-1';
      await testContainerOutput(ctx, 'consume secrets', podWithVolume(ctx, `pod-secrets-${ctx.uid}`, { secret: { secretName: s, items: [{ key: 'data-1', path: 'new-path-data-1' }] } }, '/etc/secret-volume', report(p)), 0, [`content of file "${p}": value-1`, `perms of file "${p}": -rw-r--r--`]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ST-22',
    codename: '[sig-storage] Downward API volume should provide podname only [Conformance] [NodeConformance]',
    async run(ctx) {
      const name = `downwardapi-volume-${ctx.uid}`;
      const p = '/etc/podinfo/podname';
      await testContainerOutput(ctx, 'downward API volume plugin', podWithVolume(ctx, name, { downwardAPI: { items: [{ path: 'podname', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } }, '/etc/podinfo', `cat ${p}`), 0, [name]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ST-23',
    codename: '[sig-storage] Downward API volume should set DefaultMode on files [LinuxOnly] [Conformance] [NodeConformance]',
    async run(ctx) {
      const p = '/etc/podinfo/podname';
      await testContainerOutput(ctx, 'downward API volume plugin', podWithVolume(ctx, `downwardapi-volume-${ctx.uid}`, { downwardAPI: { defaultMode: 0o400, items: [{ path: 'podname', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } }, '/etc/podinfo', `echo "perms of file \\"${p}\\": $(stat -L -c %A ${p})"`), 0, [`perms of file "${p}": -r--------`]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ST-46',
    codename: '[sig-storage] Projected combined should project all components that make up the projection API [Projection] [Conformance] [NodeConformance]',
    async run(ctx) {
      const cm = `configmap-projected-all-test-volume-${ctx.uid}`;
      const s = `secret-projected-all-test-volume-${ctx.uid}`;
      await ctx.core('configmaps').create({ metadata: { name: cm }, data: { configmap_data: 'configmap-value-1' } });
      await ctx.core('secrets').create({ metadata: { name: s }, data: { secret_data: b64('secret-value-1') } });
      const name = `projected-volume-${ctx.uid}`;
      const volume = {
        projected: {
          sources: [
            { secret: { name: s, items: [{ key: 'secret_data', path: 'secret-data' }] } },
            { configMap: { name: cm, items: [{ key: 'configmap_data', path: 'configmap-data' }] } },
            { downwardAPI: { items: [{ path: 'podname', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } },
          ],
        },
      };
      await testContainerOutput(ctx, 'Check all projections for projected volume plugin', podWithVolume(ctx, name, volume, '/all', 'cat /all/podname /all/secret-data /all/configmap-data'), 0, [name, 'secret-value-1', 'configmap-value-1']);
    },
  }),
];

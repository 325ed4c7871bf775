/**
 * VolumeManager prepares a pod's volumes on the node before its containers start and tears them
 * down after they stopped (upstream: pkg/kubelet/volumemanager, with the volume plugins of
 * pkg/volume/emptydir, configmap, secret). Layout as upstream:
 * `<root>/pods/<uid>/volumes/kubernetes.io~<plugin>/<volume>`, plus the kubelet-managed
 * `<root>/pods/<uid>/etc-hosts` mounted at /etc/hosts.
 *
 * Supported now: emptyDir (disk, and `medium: Memory` as a tmpfs sized by `sizeLimit`),
 * configMap and secret (all keys or `items`, written once at setup; TODO #6 updates, modes),
 * downwardAPI (fieldRef items), projected configMap/secret/downwardAPI sources, hostPath.
 * Other sources get an empty directory and a warning (TODO #6: serviceAccountToken, PVCs).
 * Teardown unmounts whatever is mounted under the pod's folder, then removes it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Container, Pod, Volume } from '#generated/k8s/index.ts';
import type { DeepPartial, Mount } from '#generated/cri/api.ts';
import { SyncError } from '../container/sync-result.ts';
import { podFieldValue, type ConfigSource } from '../container-env.ts';
import { parseQuantity } from '#impl/apimachinery/resource/quantity.ts';

/** VolumeManagerOptions configure a {@link VolumeManager}. */
export interface VolumeManagerOptions {
  /** rootDir is the kubelet root (`--root-dir`). */
  rootDir: string;
  configSource: ConfigSource;
  warn?: (pod: Pod, message: string) => void;
}

/** pluginDirName maps a volume to upstream's escaped plugin folder name. */
export function pluginDirName(v: Volume): string {
  if (v.emptyDir) return 'kubernetes.io~empty-dir';
  if (v.configMap) return 'kubernetes.io~configmap';
  if (v.secret) return 'kubernetes.io~secret';
  if (v.projected) return 'kubernetes.io~projected';
  if (v.downwardAPI) return 'kubernetes.io~downward-api';
  if (v.hostPath) return 'kubernetes.io~host-path';
  return 'kubernetes.io~unsupported';
}

/** VolumeManager: see the module comment. */
export class VolumeManager {
  private readonly rootDir: string;
  private readonly source: ConfigSource;
  private readonly warn: VolumeManagerOptions['warn'];

  constructor(opts: VolumeManagerOptions) {
    this.rootDir = opts.rootDir;
    this.source = opts.configSource;
    this.warn = opts.warn;
  }

  /** podDir is `<root>/pods/<uid>`. */
  podDir(uid: string): string {
    return path.join(this.rootDir, 'pods', uid);
  }

  /** volumePath is where a pod's volume lives on the node. */
  volumePath(pod: Pod, v: Volume): string {
    if (v.hostPath) return v.hostPath.path;
    return path.join(this.podDir(pod.metadata?.uid ?? ''), 'volumes', pluginDirName(v), v.name);
  }

  /** waitForAttachAndMount sets up every volume of the pod; returns volume name -> host path. */
  async waitForAttachAndMount(pod: Pod, signal?: AbortSignal): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const ns = pod.metadata?.namespace ?? 'default';
    for (const v of pod.spec?.volumes ?? []) {
      const dir = this.volumePath(pod, v);
      out.set(v.name, dir);
      if (v.hostPath) continue;
      await mkdir(dir, { recursive: true, mode: 0o777 });
      if (v.emptyDir?.medium === 'Memory' && !isMountPoint(dir)) {
        const size = v.emptyDir.sizeLimit ? `,size=${parseQuantity(String(v.emptyDir.sizeLimit)).value()}` : '';
        const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, 'tmpfs', dir], { encoding: 'utf8' });
        if (r.status !== 0) throw new SyncError('CreateContainerConfigError', `mount tmpfs for volume "${v.name}": ${r.stderr || r.error?.message}`);
      }
      if (v.configMap) {
        const name = v.configMap.name ?? '';
        const cm = await this.source.getConfigMap(ns, name, signal);
        if (!cm && !v.configMap.optional) throw new SyncError('CreateContainerConfigError', `configmap "${name}" not found`);
        await writeItems(dir, cm?.data ?? {}, v.configMap.items, (s) => Buffer.from(s, 'utf8'));
      } else if (v.secret) {
        const name = v.secret.secretName ?? '';
        const s = await this.source.getSecret(ns, name, signal);
        if (!s && !v.secret.optional) throw new SyncError('CreateContainerConfigError', `secret "${name}" not found`);
        await writeItems(dir, s?.data ?? {}, v.secret.items, (x) => Buffer.from(x, 'base64'));
      } else if (v.projected) {
        for (const src of v.projected.sources ?? []) {
          if (src.configMap) {
            const cm = await this.source.getConfigMap(ns, src.configMap.name ?? '', signal);
            if (cm) await writeItems(dir, cm.data ?? {}, src.configMap.items, (s) => Buffer.from(s, 'utf8'));
          } else if (src.secret) {
            const s = await this.source.getSecret(ns, src.secret.name ?? '', signal);
            if (s) await writeItems(dir, s.data ?? {}, src.secret.items, (x) => Buffer.from(x, 'base64'));
          } else if (src.downwardAPI) {
            await writeDownwardAPI(dir, pod, src.downwardAPI.items ?? []);
          } else {
            this.warn?.(pod, `volume "${v.name}": projected source ${Object.keys(src).join(',')} not supported yet`);
          }
        }
      } else if (v.downwardAPI) {
        await writeDownwardAPI(dir, pod, v.downwardAPI.items ?? []);
      } else if (!v.emptyDir) {
        this.warn?.(pod, `volume "${v.name}": type not supported yet, using an empty directory`);
      }
    }
    return out;
  }

  /** ensureEtcHosts writes the kubelet-managed /etc/hosts of a pod (upstream makeHostsMount). */
  async ensureEtcHosts(pod: Pod, podIPs: string[], hostname: string): Promise<string> {
    const file = path.join(this.podDir(pod.metadata?.uid ?? ''), 'etc-hosts');
    const lines = [
      '# Kubernetes-managed hosts file.',
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'fe00::0\tip6-mcastprefix',
      'fe00::1\tip6-allnodes',
      'fe00::2\tip6-allrouters',
      ...podIPs.map((ip) => `${ip}\t${hostname}`),
      ...(pod.spec?.hostAliases ?? []).map((a) => `\n# Entries added by HostAliases.\n${a.ip}\t${(a.hostnames ?? []).join('\t')}`),
    ];
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o644 });
    return file;
  }

  /** makeMounts turns a container's volumeMounts into CRI mounts (upstream makeMounts). */
  makeMounts(pod: Pod, container: Container, volumes: Map<string, string>, etcHosts?: string): DeepPartial<Mount>[] {
    const mounts: DeepPartial<Mount>[] = [];
    for (const vm of container.volumeMounts ?? []) {
      const host = volumes.get(vm.name);
      if (!host) throw new SyncError('CreateContainerConfigError', `cannot find volume "${vm.name}" to mount into container "${container.name}"`);
      mounts.push({
        containerPath: vm.mountPath,
        hostPath: vm.subPath ? path.join(host, vm.subPath) : host,
        readonly: vm.readOnly ?? false,
      });
    }
    if (etcHosts && !pod.spec?.hostNetwork && !mounts.some((m) => m.containerPath === '/etc/hosts')) {
      mounts.push({ containerPath: '/etc/hosts', hostPath: etcHosts, readonly: false });
    }
    return mounts;
  }

  /** cleanupPod unmounts everything mounted under the pod's directory (tmpfs volumes), then removes it. */
  async cleanupPod(uid: string): Promise<void> {
    const dir = this.podDir(uid);
    for (const m of mountPointsUnder(dir)) spawnSync('umount', [m]);
    if (mountPointsUnder(dir).length) throw new Error(`cleanup pod ${uid}: volumes still mounted under ${dir}`);
    await rm(dir, { recursive: true, force: true });
  }
}

async function writeItems(
  dir: string,
  data: Record<string, string>,
  items: { key: string; path: string }[] | undefined,
  decode: (s: string) => Buffer,
): Promise<void> {
  const entries = items?.length ? items.filter((i) => i.key in data).map((i) => [i.path, data[i.key]] as const) : Object.entries(data);
  for (const [rel, value] of entries) {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, decode(value), { mode: 0o644 });
  }
}

/** mountPointsUnder lists mount points at or below `dir`, deepest first (from /proc/self/mounts). */
export function mountPointsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return [];
  }
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return text
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(prefix)))
    .sort((a, b) => b.length - a.length);
}

function isMountPoint(dir: string): boolean {
  return mountPointsUnder(dir).includes(dir);
}

/** writeDownwardAPI writes downward API items (fieldRef; resourceFieldRef TODO #6) into `dir`. */
async function writeDownwardAPI(dir: string, pod: Pod, items: { path: string; fieldRef?: { fieldPath: string } }[]): Promise<void> {
  for (const item of items) {
    if (!item.fieldRef) continue;
    const fp = item.fieldRef.fieldPath;
    let value: string;
    if (fp === 'metadata.labels' || fp === 'metadata.annotations') {
      const m = (fp === 'metadata.labels' ? pod.metadata?.labels : pod.metadata?.annotations) ?? {};
      value = Object.keys(m).sort().map((k) => `${k}="${m[k]}"`).join('\n');
    } else {
      value = podFieldValue(pod, fp, { nodeName: pod.spec?.nodeName ?? '', hostIPs: [], podIPs: [] });
    }
    const file = path.join(dir, item.path);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, value, { mode: 0o644 });
  }
}

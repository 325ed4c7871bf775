/**
 * VolumeManager prepares a pod's volumes on the node before its containers start, keeps the
 * API-backed ones current, and tears them down after the containers stopped (upstream:
 * pkg/kubelet/volumemanager, with the volume plugins of pkg/volume/emptydir, configmap, secret,
 * downwardapi, projected, hostpath, local). Layout as upstream:
 * `<root>/pods/<uid>/volumes/kubernetes.io~<plugin>/<volume>`, plus the kubelet-managed
 * `<root>/pods/<uid>/etc-hosts` mounted at /etc/hosts.
 *
 * - emptyDir: a 0777 directory (disk), or a tmpfs sized by `sizeLimit` for `medium: Memory`;
 *   with `fsGroup` the directory gets that group and setgid.
 * - configMap, secret, downwardAPI, projected (configMap, secret, downwardAPI,
 *   serviceAccountToken; clusterTrustBundle is skipped): written with the atomic writer
 *   (`..data` symlink to a timestamped directory) with `defaultMode`/per-item `mode` and
 *   `fsGroup` ownership. {@link VolumeManager.waitForAttachAndMount} re-writes them at most every
 *   `refreshPeriodMs` (and the kubelet calls it periodically), so changes of the source objects
 *   and token rotation reach running containers, as upstream's resync does.
 * - hostPath: the host path itself (`DirectoryOrCreate`/`FileOrCreate` create it).
 * - persistentVolumeClaim: the claim must be Bound; the bound PV's `hostPath.path` or
 *   `local.path` is mounted.
 * Teardown unmounts whatever is mounted under the pod's folder, then removes it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigMap, Container, DownwardAPIVolumeFile, KeyToPath, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Volume, VolumeProjection } from '#generated/k8s/index.ts';
import type { DeepPartial, Mount } from '#generated/cri/api.ts';
import { SyncError } from '../container/sync-result.ts';
import { podFieldValue, resourceFieldValue, type ConfigSource, type ResolvedEnv } from '../container-env.ts';
import { parseQuantity } from '#impl/apimachinery/resource/quantity.ts';
import type { TokenManager } from '../token/token-manager.ts';
import { writeAtomically, type FileProjection } from '../volume/util/atomic-writer.ts';
import { prepareSubPath, subPathOf } from '../volume/util/subpath.ts';

/** PersistentVolumeSource reads claims and volumes (the kubelet client); undefined = not found. */
export interface PersistentVolumeSource {
  getPVC(namespace: string, name: string, signal?: AbortSignal): Promise<PersistentVolumeClaim | undefined>;
  getPV(name: string, signal?: AbortSignal): Promise<PersistentVolume | undefined>;
}

/** VolumeManagerOptions configure a {@link VolumeManager}. */
export interface VolumeManagerOptions {
  /** rootDir is the kubelet root (`--root-dir`). */
  rootDir: string;
  configSource: ConfigSource;
  /** tokenManager issues projected service-account tokens (absent: such sources fail). */
  tokenManager?: TokenManager;
  /** pvSource resolves persistentVolumeClaim volumes (absent: such volumes fail). */
  pvSource?: PersistentVolumeSource;
  /** refreshPeriodMs: how often API-backed volumes are re-written (default 10 s; 0 = every call). */
  refreshPeriodMs?: number;
  /** now is the clock (ms). */
  now?: () => number;
  /** nodeName / hostIPs feed downward API items. */
  nodeName?: string;
  hostIPs?: string[];
  /** nodeAllocatable is the node's allocatable, for resourceFieldRefs to limits a container does not set. */
  nodeAllocatable?: () => Record<string, string>;
  warn?: (pod: Pod, message: string) => void;
}

/** VOLUME_DEFAULT_MODE is the API default of `defaultMode` (0644). */
export const VOLUME_DEFAULT_MODE = 0o644;

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

/** VolumeError is a failed volume setup; the kubelet reports it as a FailedMount event. */
export class VolumeError extends Error {
  readonly volume: string;
  constructor(volume: string, message: string, opts?: { cause?: unknown }) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${message}`, opts);
    this.volume = volume;
  }
}

/**
 * keyToPathPayload maps data to files (upstream MakePayload of the configmap/secret plugins):
 * every key, or only `items` (a missing key fails unless `optional`).
 */
export function keyToPathPayload(
  data: Record<string, Buffer>,
  items: KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean,
  what: 'configmap' | 'secret',
): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>();
  if (!items?.length) {
    for (const [k, v] of Object.entries(data)) out.set(k, { data: v, mode: defaultMode });
    return out;
  }
  for (const it of items) {
    const v = data[it.key];
    if (v === undefined) {
      if (optional) continue;
      throw new Error(what === 'configmap' ? `configmap references non-existent config key: ${it.key}` : `references non-existent secret key: ${it.key}`);
    }
    out.set(it.path, { data: v, mode: it.mode ?? defaultMode });
  }
  return out;
}

function configMapData(cm: ConfigMap | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(cm?.data ?? {})) out[k] = Buffer.from(v, 'utf8');
  for (const [k, v] of Object.entries((cm?.binaryData ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, 'base64');
  return out;
}

function secretData(s: Secret | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(s?.data ?? {})) out[k] = Buffer.from(v, 'base64');
  return out;
}

/** downwardAPIPayload renders downward API items (upstream CollectData). */
export function downwardAPIPayload(pod: Pod, items: DownwardAPIVolumeFile[], defaultMode: number, ctx: { nodeName: string; hostIPs: string[]; podIPs: string[]; nodeAllocatable?: Record<string, string> }): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>();
  for (const item of items) {
    let value: string;
    if (item.fieldRef) {
      const fp = item.fieldRef.fieldPath;
      if (fp === 'metadata.labels' || fp === 'metadata.annotations') {
        const m = (fp === 'metadata.labels' ? pod.metadata?.labels : pod.metadata?.annotations) ?? {};
        value = Object.keys(m).sort().map((k) => `${k}="${m[k]}"`).join('\n');
      } else {
        value = podFieldValue(pod, fp, ctx);
      }
    } else if (item.resourceFieldRef) {
      const r = item.resourceFieldRef;
      const c = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === r.containerName);
      if (!c) throw new Error(`container "${r.containerName ?? ''}" not found in pod`);
      value = resourceFieldValue(c, r.resource, r.divisor as string | undefined, ctx.nodeAllocatable);
    } else continue;
    out.set(item.path, { data: Buffer.from(value, 'utf8'), mode: item.mode ?? defaultMode });
  }
  return out;
}

interface PodVolumesState {
  volumes: Map<string, string>;
  refreshedAt: number;
}

/** VolumeManager: see the module comment. */
export class VolumeManager {
  private readonly rootDir: string;
  private readonly source: ConfigSource;
  private readonly warn: VolumeManagerOptions['warn'];
  private readonly o: VolumeManagerOptions;
  private readonly state = new Map<string, PodVolumesState>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(opts: VolumeManagerOptions) {
    this.o = opts;
    this.rootDir = opts.rootDir;
    this.source = opts.configSource;
    this.warn = opts.warn;
  }

  /** podDir is `<root>/pods/<uid>`. */
  podDir(uid: string): string {
    return path.join(this.rootDir, 'pods', uid);
  }

  /** volumePath is where a pod's volume lives on the node (PVCs: see {@link waitForAttachAndMount}). */
  volumePath(pod: Pod, v: Volume): string {
    if (v.hostPath) return v.hostPath.path;
    return path.join(this.podDir(pod.metadata?.uid ?? ''), 'volumes', pluginDirName(v), v.name);
  }

  /**
   * waitForAttachAndMount sets up (or refreshes) every volume of the pod and returns volume name ->
   * host path. Calls for one pod are serialized; within `refreshPeriodMs` of a successful setup
   * the previous result is returned unless `force`.
   */
  async waitForAttachAndMount(pod: Pod, signal?: AbortSignal, force = false): Promise<Map<string, string>> {
    const uid = pod.metadata?.uid ?? '';
    const prev = this.locks.get(uid) ?? Promise.resolve();
    const run = prev.catch(() => {}).then(() => this.setUpPod(pod, signal, force));
    this.locks.set(uid, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(uid) === run) this.locks.delete(uid);
    }
  }

  /** mountedVolumes returns the last set-up volumes of a pod (undefined before the first setup). */
  mountedVolumes(uid: string): Map<string, string> | undefined {
    return this.state.get(uid)?.volumes;
  }

  private async setUpPod(pod: Pod, signal: AbortSignal | undefined, force: boolean): Promise<Map<string, string>> {
    const uid = pod.metadata?.uid ?? '';
    const now = this.o.now?.() ?? Date.now();
    const st = this.state.get(uid);
    if (st && !force && now - st.refreshedAt < (this.o.refreshPeriodMs ?? 10_000)) return st.volumes;
    const out = new Map<string, string>();
    for (const v of pod.spec?.volumes ?? []) {
      try {
        out.set(v.name, await this.setUpVolume(pod, v, signal));
      } catch (err) {
        if (signal?.aborted || err instanceof VolumeError) throw err;
        throw new VolumeError(v.name, (err as Error).message, { cause: err });
      }
    }
    this.state.set(uid, { volumes: out, refreshedAt: now });
    return out;
  }

  private async setUpVolume(pod: Pod, v: Volume, signal: AbortSignal | undefined): Promise<string> {
    const ns = pod.metadata?.namespace ?? 'default';
    const fsGroup = pod.spec?.securityContext?.fsGroup;
    if (v.hostPath) {
      const type = v.hostPath.type ?? '';
      if (type === 'DirectoryOrCreate') await mkdir(v.hostPath.path, { recursive: true, mode: 0o755 });
      else if (type === 'FileOrCreate') {
        await mkdir(path.dirname(v.hostPath.path), { recursive: true });
        await writeFile(v.hostPath.path, '', { flag: 'a', mode: 0o644 });
      }
      return v.hostPath.path;
    }
    if (v.persistentVolumeClaim) return this.setUpPVC(ns, v.name, v.persistentVolumeClaim.claimName, signal);
    const dir = this.volumePath(pod, v);
    await mkdir(dir, { recursive: true });
    if (v.emptyDir) {
      if (v.emptyDir.medium === 'Memory' && !isMountPoint(dir)) {
        const size = v.emptyDir.sizeLimit ? `,size=${parseQuantity(String(v.emptyDir.sizeLimit)).value()}` : '';
        const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, 'tmpfs', dir], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`mount tmpfs: ${r.stderr || r.error?.message}`);
      }
      // upstream: emptyDir is world-writable (0777); fsGroup owns it with setgid.
      if (fsGroup !== undefined) {
        await chown(dir, 0, fsGroup);
        await chmod(dir, 0o2777);
      } else if (((await stat(dir)).mode & 0o777) !== 0o777) {
        await chmod(dir, 0o777);
      }
      return dir;
    }
    const ctx = { nodeName: pod.spec?.nodeName ?? this.o.nodeName ?? '', hostIPs: this.o.hostIPs ?? [], podIPs: (pod.status?.podIPs ?? []).map((p) => p.ip), nodeAllocatable: this.o.nodeAllocatable?.() };
    let payload: Map<string, FileProjection> | undefined;
    if (v.configMap) {
      const name = v.configMap.name ?? '';
      const cm = await this.source.getConfigMap(ns, name, signal);
      if (!cm && !v.configMap.optional) throw new Error(`configmap "${name}" not found`);
      payload = keyToPathPayload(configMapData(cm), v.configMap.items, v.configMap.defaultMode ?? VOLUME_DEFAULT_MODE, v.configMap.optional ?? false, 'configmap');
    } else if (v.secret) {
      const name = v.secret.secretName ?? '';
      const s = await this.source.getSecret(ns, name, signal);
      if (!s && !v.secret.optional) throw new Error(`secret "${name}" not found`);
      payload = keyToPathPayload(secretData(s), v.secret.items, v.secret.defaultMode ?? VOLUME_DEFAULT_MODE, v.secret.optional ?? false, 'secret');
    } else if (v.downwardAPI) {
      payload = downwardAPIPayload(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? VOLUME_DEFAULT_MODE, ctx);
    } else if (v.projected) {
      payload = new Map();
      const mode = v.projected.defaultMode ?? VOLUME_DEFAULT_MODE;
      for (const src of v.projected.sources ?? []) {
        for (const [k, f] of await this.projectedSource(pod, src, mode, ctx, signal)) payload.set(k, f);
      }
    } else {
      this.warn?.(pod, `volume "${v.name}": type not supported yet, using an empty directory`);
      return dir;
    }
    await writeAtomically(dir, payload, { fsGroup });
    return dir;
  }

  /** projectedSource renders one source of a projected volume (upstream projected.collectData). */
  private async projectedSource(pod: Pod, src: VolumeProjection, defaultMode: number, ctx: { nodeName: string; hostIPs: string[]; podIPs: string[]; nodeAllocatable?: Record<string, string> }, signal?: AbortSignal): Promise<Map<string, FileProjection>> {
    const ns = pod.metadata?.namespace ?? 'default';
    if (src.configMap) {
      const name = src.configMap.name ?? '';
      const cm = await this.source.getConfigMap(ns, name, signal);
      if (!cm && !src.configMap.optional) throw new Error(`couldn't get configMap ${ns}/${name}: configmaps "${name}" not found`);
      return cm ? keyToPathPayload(configMapData(cm), src.configMap.items, defaultMode, src.configMap.optional ?? false, 'configmap') : new Map();
    }
    if (src.secret) {
      const name = src.secret.name ?? '';
      const s = await this.source.getSecret(ns, name, signal);
      if (!s && !src.secret.optional) throw new Error(`couldn't get secret ${ns}/${name}: secrets "${name}" not found`);
      return s ? keyToPathPayload(secretData(s), src.secret.items, defaultMode, src.secret.optional ?? false, 'secret') : new Map();
    }
    if (src.downwardAPI) return downwardAPIPayload(pod, src.downwardAPI.items ?? [], defaultMode, ctx);
    if (src.serviceAccountToken) {
      const tm = this.o.tokenManager;
      if (!tm) throw new Error('no token manager: cannot project a service account token');
      const t = src.serviceAccountToken;
      const token = await tm.getServiceAccountToken({
        namespace: ns,
        serviceAccountName: pod.spec?.serviceAccountName || 'default',
        podName: pod.metadata?.name ?? '',
        podUID: pod.metadata?.uid ?? '',
        audience: t.audience,
        expirationSeconds: t.expirationSeconds ?? 3600,
      }, signal);
      return new Map([[t.path, { data: Buffer.from(token, 'utf8'), mode: defaultMode }]]);
    }
    // clusterTrustBundle and podCertificate sources: skipped (feature gates off, as upstream defaults).
    return new Map();
  }

  /** setUpPVC resolves a Bound claim to its PV's local path (hostPath or local). */
  private async setUpPVC(ns: string, volume: string, claimName: string, signal?: AbortSignal): Promise<string> {
    const src = this.o.pvSource;
    if (!src) throw new Error('persistentVolumeClaim volumes are not supported without an API client');
    const pvc = await src.getPVC(ns, claimName, signal);
    if (!pvc) throw new Error(`error processing PVC ${ns}/${claimName}: PVC ${claimName} not found`);
    if (pvc.status?.phase !== 'Bound' || !pvc.spec?.volumeName) throw new Error(`error processing PVC ${ns}/${claimName}: PVC is not bound`);
    const pv = await src.getPV(pvc.spec.volumeName, signal);
    if (!pv) throw new Error(`error processing PVC ${ns}/${claimName}: persistentvolume "${pvc.spec.volumeName}" not found`);
    const p = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (!p) throw new Error(`volume "${volume}": PV ${pv.metadata?.name} has no hostPath or local source (only those are supported on this node)`);
    if (pv.spec?.hostPath && (pv.spec.hostPath.type ?? '') === 'DirectoryOrCreate') await mkdir(p, { recursive: true });
    await stat(p).catch(() => { throw new Error(`path "${p}" of PV ${pv.metadata?.name} does not exist`); });
    return p;
  }

  /**
   * ensureEtcHosts writes the kubelet-managed /etc/hosts of a pod (upstream makeHostsMount): one
   * line per pod IP naming `hostDomainName` (the FQDN of a pod with a subdomain) then `hostname`.
   */
  async ensureEtcHosts(pod: Pod, podIPs: string[], hostname: string, hostDomainName?: string): Promise<string> {
    const file = path.join(this.podDir(pod.metadata?.uid ?? ''), 'etc-hosts');
    const lines = [
      '# Kubernetes-managed hosts file.',
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'fe00::0\tip6-mcastprefix',
      'fe00::1\tip6-allnodes',
      'fe00::2\tip6-allrouters',
      ...podIPs.map((ip) => (hostDomainName ? `${ip}\t${hostDomainName}\t${hostname}` : `${ip}\t${hostname}`)),
      ...(pod.spec?.hostAliases ?? []).map((a) => `\n# Entries added by HostAliases.\n${a.ip}\t${(a.hostnames ?? []).join('\t')}`),
    ];
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o644 });
    return file;
  }

  /**
   * makeMounts turns a container's volumeMounts into CRI mounts (upstream makeMounts): a
   * `subPath` (or `subPathExpr`, expanded against the container's resolved `env`) is validated,
   * created when missing and resolved inside the volume (../volume/util/subpath.ts).
   */
  async makeMounts(pod: Pod, container: Container, volumes: Map<string, string>, etcHosts?: string, env: readonly ResolvedEnv[] = []): Promise<DeepPartial<Mount>[]> {
    const mounts: DeepPartial<Mount>[] = [];
    for (const vm of container.volumeMounts ?? []) {
      const host = volumes.get(vm.name);
      if (!host) throw new SyncError('CreateContainerConfigError', `cannot find volume "${vm.name}" to mount into container "${container.name}"`);
      const subPath = subPathOf(vm, env);
      mounts.push({
        containerPath: vm.mountPath,
        hostPath: subPath ? await prepareSubPath(host, subPath, vm.name, container.name) : host,
        readonly: (vm.readOnly ?? false) || (pod.spec?.volumes ?? []).some((v) => v.name === vm.name && !!v.persistentVolumeClaim?.readOnly),
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
    this.state.delete(uid);
    this.o.tokenManager?.deleteServiceAccountToken(uid);
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

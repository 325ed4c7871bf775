/**
 * `kubets runtime up|down --data-dir DIR`: the node's container runtime as one unit. `up` builds
 * the local images, starts the registry (127.0.0.1, storage under DIR), pushes the images under
 * the names docker.io/registry.k8s.io mirroring resolves, writes containerd's config, registry
 * hosts and CNI config, starts containerd and waits for CRI. Idempotent: a second `up` reuses the
 * running processes (restarting containerd only if its config changed) and skips pushes whose
 * digests are already in the registry. `down` stops everything by pid and leaves no pods, shims
 * or mounts behind.
 *
 * Layout under DIR:
 * ```
 * runtime.json                      what `up` started (pids, registry address, CRI endpoint)
 * images/{pause,busybox,test-server}.tar, images.json
 * registry/{config.yml,data/,registry.pid,registry.log}
 * containerd/{config.toml,root/,state/,opt/,certs.d/<host>/hosts.toml,containerd.sock,containerd.pid,containerd.log}
 * cni/net.d/10-kubets.conflist
 * ```
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildImages, type BuiltImage } from '../images/build.ts';
import { PAUSE_IMAGE } from '../images/catalog.ts';
import { pushImages } from '../images/push.ts';
import { cniConflist, containerdConfig, registryHosts } from './containerd-config.ts';
import { containerdRunning, criVersion, startContainerd, stopContainerd, type StopContainerdResult } from './containerd.ts';
import { isAlive } from './process.ts';
import { REGISTRY_BINARY, manifestDigest, registryIsUp, startRegistry, stopRegistry } from './registry.ts';

/** RuntimePaths are the files and folders of one runtime under its data dir. */
export interface RuntimePaths {
  dataDir: string;
  stateFile: string;
  imagesDir: string;
  registryDir: string;
  containerdDir: string;
  config: string;
  root: string;
  state: string;
  optDir: string;
  certsDir: string;
  socket: string;
  pidFile: string;
  logFile: string;
  cniConfDir: string;
}

/** runtimePaths lays out a runtime under `dataDir` (absolute). */
export function runtimePaths(dataDir: string): RuntimePaths {
  const d = path.resolve(dataDir);
  const c = path.join(d, 'containerd');
  return {
    dataDir: d,
    stateFile: path.join(d, 'runtime.json'),
    imagesDir: path.join(d, 'images'),
    registryDir: path.join(d, 'registry'),
    containerdDir: c,
    config: path.join(c, 'config.toml'),
    root: path.join(c, 'root'),
    state: path.join(c, 'state'),
    optDir: path.join(c, 'opt'),
    certsDir: path.join(c, 'certs.d'),
    socket: path.join(c, 'containerd.sock'),
    pidFile: path.join(c, 'containerd.pid'),
    logFile: path.join(c, 'containerd.log'),
    cniConfDir: path.join(d, 'cni', 'net.d'),
  };
}

/** RuntimeInfo describes a running runtime; it is also what `runtime.json` holds. */
export interface RuntimeInfo {
  dataDir: string;
  /** endpoint is the CRI endpoint, `unix:///.../containerd.sock` (runtime and image service). */
  endpoint: string;
  socket: string;
  /** registry is `127.0.0.1:PORT`. */
  registry: string;
  registryPid: number;
  containerdPid: number;
  /** runtimeVersion as CRI `Version` reports it (e.g. `1.6.20~ds1`). */
  runtimeName: string;
  runtimeVersion: string;
  sandboxImage: string;
  /** images are the pushed references (`127.0.0.1:PORT/library/busybox:latest`, ...). */
  images: string[];
}

/** RuntimeUpOptions configure {@link runtimeUp}. */
export interface RuntimeUpOptions {
  dataDir: string;
  /** busybox binary for the images; default Debian's busybox-static. */
  busybox?: string;
  /** registryPort to use; default the previous one from runtime.json, else a free port. */
  registryPort?: number;
  /** log receives one line per step; default silent. */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** MAX_SOCKET_PATH is the longest unix socket path Linux accepts (sun_path minus the NUL). */
const MAX_SOCKET_PATH = 107;

/** readRuntimeInfo returns the runtime.json of `dataDir`, or undefined when absent. */
export async function readRuntimeInfo(dataDir: string): Promise<RuntimeInfo | undefined> {
  try {
    return JSON.parse(await readFile(runtimePaths(dataDir).stateFile, 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
}

async function writeIfChanged(file: string, content: string): Promise<boolean> {
  try {
    if ((await readFile(file, 'utf8')) === content) return false;
  } catch {
    /* absent */
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return true;
}

/** pushIfMissing pushes each image whose first repository does not already hold its digest. */
async function pushIfMissing(registry: string, images: BuiltImage[], signal?: AbortSignal): Promise<{ pushed: string[]; all: string[] }> {
  const todo: BuiltImage[] = [];
  for (const img of images) {
    const digests = await Promise.all(img.repositories.map((r) => manifestDigest(registry, r, signal).catch(() => undefined)));
    if (digests.some((d) => d !== img.digest)) todo.push(img);
  }
  const pushed = await pushImages({ registry, images: todo, signal });
  return { pushed: pushed.map((p) => p.reference), all: images.flatMap((i) => i.repositories.map((r) => `${registry}/${r}`)) };
}

/**
 * runtimeUp brings up (or confirms) registry + containerd for `dataDir` and returns how to reach
 * them. Safe to call when they are already running.
 */
export async function runtimeUp(opts: RuntimeUpOptions): Promise<RuntimeInfo> {
  const p = runtimePaths(opts.dataDir);
  const log = opts.log ?? (() => {});
  if (p.socket.length > MAX_SOCKET_PATH) {
    throw new Error(`data dir too long for a unix socket path (${p.socket.length} > ${MAX_SOCKET_PATH} bytes): ${p.socket}`);
  }
  for (const d of [p.imagesDir, p.registryDir, p.root, p.state, p.optDir, p.certsDir, p.cniConfDir]) {
    await mkdir(d, { recursive: true });
  }
  const previous = await readRuntimeInfo(p.dataDir);

  const images = await buildImages({ outDir: p.imagesDir, busybox: opts.busybox });
  log(`images: built ${images.map((i) => `${i.name} (${i.digest.slice(0, 19)})`).join(', ')} in ${p.imagesDir}`);

  const wantPort = opts.registryPort ?? (previous ? Number(previous.registry.split(':')[1]) : undefined);
  const registry = await startRegistry({ dir: p.registryDir, port: wantPort, signal: opts.signal });
  log(`registry: ${REGISTRY_BINARY} on ${registry.address} (pid ${registry.pid}), storage ${registry.paths.storage}`);

  const { pushed, all } = await pushIfMissing(registry.address, images, opts.signal);
  log(pushed.length ? `images: pushed ${pushed.join(', ')}` : `images: already in ${registry.address}`);

  let changed = false;
  for (const h of registryHosts(registry.address)) {
    await writeIfChanged(path.join(p.certsDir, h.dir, 'hosts.toml'), h.content);
  }
  changed = (await writeIfChanged(path.join(p.cniConfDir, '10-kubets.conflist'), cniConflist())) || changed;
  const config = containerdConfig({
    root: p.root,
    state: p.state,
    socket: p.socket,
    sandboxImage: PAUSE_IMAGE,
    cniConfDir: p.cniConfDir,
    registryConfigPath: p.certsDir,
    optDir: p.optDir,
  });
  changed = (await writeIfChanged(p.config, config)) || changed;

  let pid = await containerdRunning(p.pidFile);
  if (pid !== undefined && changed) {
    log(`containerd: config changed, restarting (pid ${pid})`);
    await stopContainerd({ socket: p.socket, pidFile: p.pidFile, dirs: [], removePods: false });
    pid = undefined;
  }
  if (pid !== undefined) {
    try {
      await criVersion(p.socket);
    } catch {
      log(`containerd: pid ${pid} does not answer CRI, restarting`);
      await stopContainerd({ socket: p.socket, pidFile: p.pidFile, dirs: [], removePods: false });
      pid = undefined;
    }
  }
  if (pid === undefined) {
    await rm(p.socket, { force: true });
    pid = await startContainerd({ config: p.config, socket: p.socket, pidFile: p.pidFile, logFile: p.logFile, signal: opts.signal });
    log(`containerd: started pid ${pid}, log ${p.logFile}`);
  } else {
    log(`containerd: already running (pid ${pid})`);
  }
  const version = await criVersion(p.socket, 5000);
  const info: RuntimeInfo = {
    dataDir: p.dataDir,
    endpoint: `unix://${p.socket}`,
    socket: p.socket,
    registry: registry.address,
    registryPid: registry.pid,
    containerdPid: pid,
    runtimeName: version.runtimeName,
    runtimeVersion: version.runtimeVersion,
    sandboxImage: PAUSE_IMAGE,
    images: all,
  };
  await writeFile(p.stateFile, `${JSON.stringify(info, null, 2)}\n`);
  return info;
}

/** RuntimeDownOptions configure {@link runtimeDown}. */
export interface RuntimeDownOptions {
  dataDir: string;
  /** removePods first removes every pod sandbox through CRI; default true. */
  removePods?: boolean;
  log?: (line: string) => void;
}

/** RuntimeDownResult says what {@link runtimeDown} stopped. */
export interface RuntimeDownResult extends StopContainerdResult {
  registryStopped: boolean;
}

/**
 * runtimeDown stops containerd (after removing its pods, unless told not to; then its leftover
 * shims and mounts) and the registry, each by the pid in its pid file. Data stays on disk; it is
 * a no-op when nothing runs.
 */
export async function runtimeDown(opts: RuntimeDownOptions): Promise<RuntimeDownResult> {
  const p = runtimePaths(opts.dataDir);
  const log = opts.log ?? (() => {});
  const r = await stopContainerd({ socket: p.socket, pidFile: p.pidFile, dirs: [p.root, p.state], removePods: opts.removePods });
  log(
    r.stopped
      ? `containerd: stopped (${r.podsRemoved} pods removed, ${r.shimsKilled.length} shims killed, ${r.unmounted.length} mounts released)`
      : 'containerd: not running',
  );
  for (const e of r.errors) log(`containerd: ${e}`);
  const registryStopped = await stopRegistry(p.registryDir);
  log(registryStopped ? 'registry: stopped' : 'registry: not running');
  await rm(p.stateFile, { force: true });
  return { ...r, registryStopped };
}

/** runtimeStatus reports whether the runtime of `dataDir` is up (both processes alive and answering). */
export async function runtimeStatus(dataDir: string): Promise<{ up: boolean; info?: RuntimeInfo; problems: string[] }> {
  const info = await readRuntimeInfo(dataDir);
  if (!info) return { up: false, problems: ['no runtime.json: run `kubets runtime up`'] };
  const problems: string[] = [];
  if (!isAlive(info.registryPid, REGISTRY_BINARY) || !(await registryIsUp(info.registry))) problems.push(`registry ${info.registry} is down`);
  if (!isAlive(info.containerdPid, 'containerd')) problems.push(`containerd pid ${info.containerdPid} is not running`);
  else await criVersion(info.socket).catch((err: unknown) => problems.push(`containerd CRI: ${(err as Error).message}`));
  return { up: problems.length === 0, info, problems };
}

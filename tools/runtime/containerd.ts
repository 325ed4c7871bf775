/**
 * Starting and stopping a containerd of kubets' own (config from `containerd-config.ts`), waiting
 * until its CRI service answers `Version`, and cleaning up what containerd leaves behind on a
 * stop (pod sandboxes, shims, mounts under its directories).
 */
import { readFile, readdir } from 'node:fs/promises';
import type { VersionResponse } from '#generated/cri/api.ts';
import { connectCri } from '#impl/cri/index.ts';
import { canConnect, isAlive, readPidFile, startDaemon, stopPidFile, stopProcess, tailFile, waitFor } from './process.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** CONTAINERD_BINARY is the containerd executable (Debian `containerd`, 1.6.20). */
export const CONTAINERD_BINARY = 'containerd';

/** StartContainerdOptions configure {@link startContainerd}. */
export interface StartContainerdOptions {
  config: string;
  socket: string;
  pidFile: string;
  logFile: string;
  /** timeoutMs to wait for CRI `Version`; default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * criVersion calls CRI `RuntimeService/Version` on a unix socket with a deadline and no retries
 * (readiness probing wants the first answer). Throws the CriError.
 */
export async function criVersion(socket: string, timeoutMs = 2000): Promise<VersionResponse> {
  const cri = connectCri({ endpoint: `unix://${socket}`, retry: { maxAttempts: 1 } });
  try {
    return await cri.runtime.version(undefined, { timeoutMs });
  } finally {
    cri.close();
  }
}

/**
 * startContainerd starts `containerd --config FILE` detached and waits until the socket accepts
 * connections and CRI `Version` succeeds. On failure it stops the process and throws with the
 * tail of containerd's log.
 */
export async function startContainerd(opts: StartContainerdOptions): Promise<number> {
  const env = { ...process.env, PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${process.env['PATH'] ?? ''}` };
  const pid = await startDaemon({
    command: CONTAINERD_BINARY,
    args: ['--config', opts.config],
    logFile: opts.logFile,
    pidFile: opts.pidFile,
    env,
  }).catch((err: unknown) => {
    throw new Error(`${(err as Error).message} (apt-get install containerd runc)`, { cause: err });
  });
  try {
    await waitFor(
      async () => {
        if (!isAlive(pid)) throw new Error('containerd exited');
        if (!(await canConnect(opts.socket))) return false;
        await criVersion(opts.socket);
        return true;
      },
      { timeoutMs: opts.timeoutMs ?? 30_000, what: `containerd CRI on ${opts.socket}`, signal: opts.signal },
    );
  } catch (err) {
    await stopProcess(pid, { graceMs: 3000 });
    const log = await tailFile(opts.logFile, 15);
    throw new Error(`${(err as Error).message}; containerd log:\n${log}`, { cause: err });
  }
  return pid;
}

/** containerdRunning returns the pid from `pidFile` when it is a live containerd, else undefined. */
export async function containerdRunning(pidFile: string): Promise<number | undefined> {
  const pid = await readPidFile(pidFile);
  return pid !== undefined && isAlive(pid, CONTAINERD_BINARY) ? pid : undefined;
}

/**
 * removeAllPodSandboxes stops and removes every pod sandbox (with its containers) through CRI, so
 * that stopping containerd leaves no shims, network namespaces or mounts behind. Errors per pod
 * are collected, not thrown.
 */
export async function removeAllPodSandboxes(socket: string, timeoutMs = 20_000): Promise<{ removed: number; errors: string[] }> {
  const cri = connectCri({ endpoint: `unix://${socket}`, defaultTimeoutMs: timeoutMs });
  const errors: string[] = [];
  let removed = 0;
  try {
    const list = await cri.runtime.listPodSandbox();
    for (const sb of list.items) {
      try {
        await cri.runtime.stopPodSandbox({ podSandboxId: sb.id });
        await cri.runtime.removePodSandbox({ podSandboxId: sb.id });
        removed++;
      } catch (err) {
        errors.push(`pod sandbox ${sb.id}: ${(err as Error).message}`);
      }
    }
  } catch (err) {
    errors.push(`list pod sandboxes: ${(err as Error).message}`);
  } finally {
    cri.close();
  }
  return { removed, errors };
}

/**
 * killShims stops the `containerd-shim-runc-v2` processes started for the containerd listening
 * on `socket` (their command line carries `-address <socket>`), each by pid. Shims outlive
 * containerd by design; after a `down` they would keep containers running.
 */
export async function killShims(socket: string): Promise<number[]> {
  const killed: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline: string[];
    try {
      cmdline = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0');
    } catch {
      continue;
    }
    if (!cmdline[0]?.includes('containerd-shim')) continue;
    const i = cmdline.indexOf('-address');
    if (i === -1 || cmdline[i + 1] !== socket) continue;
    const pid = Number(name);
    if (await stopProcess(pid, { graceMs: 2000, expect: 'containerd-shim' })) killed.push(pid);
  }
  return killed;
}

/**
 * unmountUnder lazily unmounts every mount point under `dir` (deepest first), e.g. overlay
 * rootfs and sandbox shm mounts left by a containerd that was killed. Returns the mount points.
 */
export async function unmountUnder(dir: string): Promise<string[]> {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  let info: string;
  try {
    info = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const points = info
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\(\d{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  const done: string[] = [];
  for (const p of [...new Set(points)]) {
    try {
      await execFileAsync('umount', ['-l', p]);
      done.push(p);
    } catch {
      /* already gone */
    }
  }
  return done;
}

/** StopContainerdOptions configure {@link stopContainerd}. */
export interface StopContainerdOptions {
  socket: string;
  pidFile: string;
  /** dirs whose leftover mounts are unmounted after the stop (root and state). */
  dirs: string[];
  /** removePods first stops and removes all pod sandboxes via CRI; default true. */
  removePods?: boolean;
}

/** StopContainerdResult says what {@link stopContainerd} did. */
export interface StopContainerdResult {
  stopped: boolean;
  podsRemoved: number;
  shimsKilled: number[];
  unmounted: string[];
  errors: string[];
}

/**
 * stopContainerd removes all pods (unless told not to), stops containerd by pid (SIGTERM, then
 * SIGKILL), kills its leftover shims, and unmounts what is left under `dirs`.
 */
export async function stopContainerd(opts: StopContainerdOptions): Promise<StopContainerdResult> {
  const result: StopContainerdResult = { stopped: false, podsRemoved: 0, shimsKilled: [], unmounted: [], errors: [] };
  const pid = await containerdRunning(opts.pidFile);
  if (pid !== undefined && (opts.removePods ?? true)) {
    const r = await removeAllPodSandboxes(opts.socket);
    result.podsRemoved = r.removed;
    result.errors.push(...r.errors);
  }
  result.stopped = await stopPidFile(opts.pidFile, { expect: CONTAINERD_BINARY, graceMs: 10_000 });
  result.shimsKilled = await killShims(opts.socket);
  for (const d of opts.dirs) result.unmounted.push(...(await unmountUnder(d)));
  return result;
}

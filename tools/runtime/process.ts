/**
 * Small process helpers for the real services kubets runs (registry, containerd): start detached
 * with a pid file and a log file, check liveness (guarding against pid reuse by matching the
 * command line), stop by pid (SIGTERM, then SIGKILL after a grace period), wait for a condition,
 * and find a free loopback port.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** StartDaemonOptions describe one long-running process. */
export interface StartDaemonOptions {
  command: string;
  args: string[];
  /** logFile receives stdout and stderr (appended). */
  logFile: string;
  /** pidFile is written with the pid once spawned. */
  pidFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * startDaemon spawns the process detached (own process group, not tied to this one's lifetime)
 * and returns its pid. Spawn errors (missing binary) are reported, not thrown asynchronously.
 */
export async function startDaemon(opts: StartDaemonOptions): Promise<number> {
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', (err) => reject(new Error(`start ${opts.command}: ${err.message}`, { cause: err })));
      child.once('spawn', () => resolve(child.pid ?? -1));
    });
    child.unref();
    await writeFile(opts.pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(fd);
  }
}

/** readPidFile returns the pid recorded in `pidFile`, or undefined. */
export async function readPidFile(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * isAlive reports whether `pid` is a running (non-zombie) process whose command line contains
 * `expect` (if given), so that a recycled pid is not mistaken for our daemon.
 */
export function isAlive(pid: number, expect?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    if (expect !== undefined) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      return cmdline.includes(expect);
    }
  } catch {
    return existsSync(`/proc/${pid}`);
  }
  return true;
}

/** StopOptions bound how long {@link stopProcess} waits. */
export interface StopOptions {
  /** graceMs before SIGKILL; default 10 s. */
  graceMs?: number;
  /** expect guards against pid reuse (see {@link isAlive}). */
  expect?: string;
}

/**
 * stopProcess sends SIGTERM to `pid`, waits up to the grace period for it to exit, then sends
 * SIGKILL. Returns false if the process was not running.
 */
export async function stopProcess(pid: number, opts: StopOptions = {}): Promise<boolean> {
  if (!isAlive(pid, opts.expect)) return false;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + (opts.graceMs ?? 10_000);
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(20);
  return true;
}

/** stopPidFile stops the process recorded in `pidFile` (if alive) and removes the file. */
export async function stopPidFile(pidFile: string, opts: StopOptions = {}): Promise<boolean> {
  const pid = await readPidFile(pidFile);
  const stopped = pid !== undefined ? await stopProcess(pid, opts) : false;
  await rm(pidFile, { force: true });
  return stopped;
}

/** WaitForOptions bound {@link waitFor}. */
export interface WaitForOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** what names the condition in the timeout error. */
  what: string;
}

/**
 * waitFor polls `check` until it returns true (errors count as false) or the timeout passes,
 * then throws `timed out after Nms waiting for <what>` with the last error as cause.
 */
export async function waitFor(check: () => Promise<boolean> | boolean, opts: WaitForOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${opts.timeoutMs}ms waiting for ${opts.what}`, { cause: last });
    }
    await sleep(opts.intervalMs ?? 100, undefined, { signal: opts.signal });
  }
}

/** freePort asks the kernel for a currently free TCP port on `host` (default 127.0.0.1). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** portIsFree reports whether `host:port` can be bound right now. */
export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** canConnect reports whether a stream connection to a unix socket path or `{host, port}` opens. */
export async function canConnect(target: string | { host: string; port: number }): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const sock = typeof target === 'string' ? net.connect(target) : net.connect(target.port, target.host);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** tailFile returns the last `lines` lines of a log file, for error messages ('' if unreadable). */
export async function tailFile(file: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

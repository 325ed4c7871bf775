/**
 * startEtcdServer runs a real, throwaway etcd for integration tests: its data lives in a temp
 * directory, it listens on free random loopback ports (client and peer), and `stop()` kills it by
 * PID and removes the directory.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/storage/etcd3/testserver (an embedded etcd); here
 * the Debian `etcd-server` binary (3.4) runs as a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** ETCD_BINARY is where Debian's etcd-server package installs etcd. */
export const ETCD_BINARY = '/usr/bin/etcd';

/** EtcdServerOptions configures `startEtcdServer`. */
export interface EtcdServerOptions {
  /** etcd binary (default `ETCD_BINARY`, or `$ETCD_BINARY`). */
  binary?: string;
  /** Parent of the temp data directory (default the OS temp dir). */
  baseDir?: string;
  /** `--experimental-watch-progress-notify-interval` (default '1s', so bookmarks are testable). */
  progressNotifyInterval?: string;
  /**
   * `--max-request-bytes` (default 1.5 MiB, etcd's and Kubernetes' object size limit). It bounds
   * requests only: responses (a big range) are limited by the client's receive limit.
   */
  maxRequestBytes?: number;
  /** How long to wait for /health (default 20 s). */
  startTimeoutMs?: number;
  /** Extra command-line flags. */
  extraArgs?: string[];
}

/** EtcdServer is a running etcd. */
export interface EtcdServer {
  /** Client URL, e.g. `http://127.0.0.1:40123`. */
  endpoint: string;
  pid: number;
  dataDir: string;
  /** Kills the process by PID (SIGTERM, then SIGKILL) and removes the data directory. */
  stop(): Promise<void>;
  /** Stops the process (keeping the data) and starts it again on the same ports; `pid` changes. */
  restart(): Promise<void>;
}

/** etcdAvailable tells whether the etcd binary exists (tests skip with a message otherwise). */
export function etcdAvailable(binary = process.env.ETCD_BINARY ?? ETCD_BINARY): boolean {
  return existsSync(binary);
}

/** freePort asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** startEtcdServer starts etcd and resolves once it reports healthy. Retries on port races. */
export async function startEtcdServer(opts: EtcdServerOptions = {}): Promise<EtcdServer> {
  const binary = opts.binary ?? process.env.ETCD_BINARY ?? ETCD_BINARY;
  if (!existsSync(binary)) throw new Error(`etcd binary not found at ${binary} (apt-get install -y etcd-server)`);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(binary, opts);
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`etcd did not start: ${String((lastError as Error)?.message ?? lastError)}`, { cause: lastError });
}

async function startOnce(binary: string, opts: EtcdServerOptions): Promise<EtcdServer> {
  const dataDir = mkdtempSync(join(opts.baseDir ?? tmpdir(), 'kubets-etcd-'));
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'kubets-test',
    '--data-dir', join(dataDir, 'data'),
    '--listen-client-urls', client,
    '--advertise-client-urls', client,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `kubets-test=${peer}`,
    '--initial-cluster-state', 'new',
    '--experimental-watch-progress-notify-interval', opts.progressNotifyInterval ?? '1s',
    '--max-request-bytes', String(opts.maxRequestBytes ?? 1_572_864),
    // kubeadm's value: snapshot (and trim the raft log) every 10,000 writes instead of 100,000.
    '--snapshot-count', '10000',
    // Keep the backend quota explicit (etcd's 2 GiB default), so a bench filling it fails clearly.
    '--quota-backend-bytes', String(2 * 1024 ** 3),
    '--log-level', 'warn',
    '--logger', 'zap',
    ...(opts.extraArgs ?? []),
  ];
  const timeoutMs = opts.startTimeoutMs ?? 20_000;
  let child: ChildProcess;
  try {
    child = await spawnHealthy(binary, args, client, timeoutMs);
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const server: EtcdServer = {
    endpoint: client,
    pid: child.pid!,
    dataDir,
    stop: () => stopChild(child, dataDir),
    async restart() {
      await stopChild(child, undefined);
      child = await spawnHealthy(binary, args, client, timeoutMs);
      server.pid = child.pid!;
    },
  };
  return server;
}

async function spawnHealthy(binary: string, args: string[], client: string, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`etcd exited early: ${stderr}`);
    try {
      const res = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (res.ok && body.health === 'true') return child;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  await stopChild(child, undefined);
  throw new Error(`etcd not healthy within ${timeoutMs} ms: ${stderr}`);
}

async function stopChild(child: ChildProcess, dataDir: string | undefined): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
    if (timedOut) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

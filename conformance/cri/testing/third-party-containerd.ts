/**
 * A "third-party" containerd for `kubets cri-validate`: a docker-registry and a containerd started
 * from the hand-written config in `third-party/` (not from tools/runtime), so the validator is
 * checked against a runtime the project did not configure. docker.io and registry.k8s.io mirror to
 * the local registry; whoever starts it fills the registry (normally with `kubets images push`).
 *
 * Everything lives under one temp dir; `stop()` kills both processes by PID and removes the dir.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../../tools/runtime/index.ts';

const execFileAsync = promisify(execFile);
const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'third-party');

/** ThirdPartyContainerdOptions configures startThirdPartyContainerd. */
export interface ThirdPartyContainerdOptions {
  /** dir is the state dir; default: a new temp dir (removed again by stop()). */
  dir?: string;
  /**
   * fillRegistry pushes images into the registry at `host:port` before containerd starts pulling;
   * default: `kubets images push --registry host:port`.
   */
  fillRegistry?: (registry: string, signal?: AbortSignal) => Promise<void>;
  /** startTimeoutMs bounds each wait for a socket or port (default 20 s). */
  startTimeoutMs?: number;
  /**
   * authRegistry also starts a second registry with htpasswd basic auth holding a copy of busybox,
   * for the pull-with-auth case (see `authImage`).
   */
  authRegistry?: boolean;
  /** signal aborts the start. */
  signal?: AbortSignal;
}

/** ThirdPartyContainerd is a running registry + containerd pair. */
export interface ThirdPartyContainerd {
  /** endpoint is the CRI endpoint, `unix:///…/containerd.sock`. */
  endpoint: string;
  /** registry is the local registry's `127.0.0.1:PORT`. */
  registry: string;
  /** dir is the state dir. */
  dir: string;
  /** containerdPid is containerd's PID (tests kill it to simulate a dying runtime). */
  containerdPid: number;
  /** authImage is busybox behind basic auth (with authRegistry). */
  authImage?: { image: string; username: string; password: string };
  /** stop kills containerd and the registry by PID, tears down the pods' leftovers and removes dir. */
  stop(): Promise<void>;
}

/** missingBinaries lists the binaries a third-party containerd needs that are not installed. */
export function missingBinaries(): string[] {
  const need = ['/usr/bin/containerd', '/usr/sbin/runc', '/usr/bin/docker-registry', '/usr/lib/cni/bridge'];
  return need.filter((p) => !existsSync(p));
}

function render(text: string, vars: Record<string, string>): string {
  return text.replace(/@@([A-Z_]+)@@/g, (m, k: string) => vars[k] ?? m);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`${what}: process exited with code ${child.exitCode}: ${log.slice(-2000)}`);
    }
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms (log: ${logFile})`);
}

/** kubetsImagesPush fills a registry the way an operator would: `kubets images push`. */
export async function kubetsImagesPush(registry: string, imagesDir: string, signal?: AbortSignal): Promise<void> {
  const root = path.resolve(fixtureDir, '..', '..', '..', '..');
  await execFileAsync(process.execPath, [path.join(root, 'bin', 'kubets.js'), 'images', 'push', '--registry', registry, '--dir', imagesDir], {
    cwd: root,
    signal,
    maxBuffer: 16 << 20,
  });
}

async function spawnLogged(cmd: string, args: string[], logFile: string): Promise<ChildProcess> {
  const { openSync } = await import('node:fs');
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: false });
  child.unref();
  return child;
}

async function killAndWait(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * startThirdPartyContainerd starts the registry, fills it, writes the hand-written containerd
 * config (mirrors for docker.io and registry.k8s.io, CNI bridge on a random 198.18.X.0/24) and
 * starts containerd, resolving once the CRI socket exists.
 */
export async function startThirdPartyContainerd(opts: ThirdPartyContainerdOptions = {}): Promise<ThirdPartyContainerd> {
  const ownDir = !opts.dir;
  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'kubets-crival-')));
  const timeout = opts.startTimeoutMs ?? 20_000;
  const children: ChildProcess[] = [];
  const suffix = Math.floor(Math.random() * 0xffff).toString(16);
  const bridge = `crival${suffix}`;
  const stop = async (): Promise<void> => {
    for (const c of children.reverse()) await killAndWait(c);
    // Sandboxes that outlived containerd leave shims behind; they exit when their task does.
    await execFileAsync('ip', ['link', 'del', bridge]).catch(() => undefined);
    if (ownDir) {
      await execFileAsync('umount', ['-R', '-l', path.join(dir, 'root')]).catch(() => undefined);
      await execFileAsync('umount', ['-R', '-l', path.join(dir, 'state')]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    }
  };
  try {
    const regPort = await freePort();
    const registry = `127.0.0.1:${regPort}`;
    await mkdir(path.join(dir, 'registry'), { recursive: true });
    await writeFile(
      path.join(dir, 'registry.yml'),
      `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'registry')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${registry}\n`,
    );
    const reg = await spawnLogged('/usr/bin/docker-registry', ['serve', path.join(dir, 'registry.yml')], path.join(dir, 'registry.log'));
    children.push(reg);
    await waitFor('registry', async () => (await fetch(`http://${registry}/v2/`).then((r) => r.ok).catch(() => false)), timeout, reg, path.join(dir, 'registry.log'));
    await (opts.fillRegistry ?? ((r, sig) => kubetsImagesPush(r, path.join(dir, 'images'), sig)))(registry, opts.signal);

    let authImage: ThirdPartyContainerd['authImage'];
    let authRegistry = '';
    if (opts.authRegistry) {
      const authPort = await freePort();
      authRegistry = `127.0.0.1:${authPort}`;
      const username = 'cri-validate';
      const password = `pw-${Math.random().toString(36).slice(2)}`;
      // bcrypt, as the registry's htpasswd auth requires (Python's crypt module has it on Debian 12).
      const { stdout: hash } = await execFileAsync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))', password]);
      await writeFile(path.join(dir, 'htpasswd'), `${username}:${hash.trim()}\n`);
      await mkdir(path.join(dir, 'registry-auth'), { recursive: true });
      await writeFile(
        path.join(dir, 'registry-auth.yml'),
        `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'registry-auth')}\nhttp:\n  addr: ${authRegistry}\nauth:\n  htpasswd:\n    realm: cri-validate\n    path: ${path.join(dir, 'htpasswd')}\n`,
      );
      const areg = await spawnLogged('/usr/bin/docker-registry', ['serve', path.join(dir, 'registry-auth.yml')], path.join(dir, 'registry-auth.log'));
      children.push(areg);
      await waitFor('auth registry', async () => (await fetch(`http://${authRegistry}/v2/`).then((r) => r.status === 401).catch(() => false)), timeout, areg, path.join(dir, 'registry-auth.log'));
      const image = `${authRegistry}/private/busybox:latest`;
      await execFileAsync('skopeo', ['--insecure-policy', 'copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', '--dest-creds', `${username}:${password}`, `docker://${registry}/library/busybox:latest`, `docker://${image}`], { signal: opts.signal });
      authImage = { image, username, password };
    }

    const third = Math.floor(200 + Math.random() * 50);
    const vars = { DIR: dir, BRIDGE: bridge, SUBNET: `198.18.${third}.0/24`, REGISTRY: registry };
    await mkdir(path.join(dir, 'cni'), { recursive: true });
    await writeFile(path.join(dir, 'config.toml'), render(await readFile(path.join(fixtureDir, 'config.toml'), 'utf8'), vars));
    await writeFile(path.join(dir, 'cni', '10-bridge.conflist'), render(await readFile(path.join(fixtureDir, '10-bridge.conflist'), 'utf8'), vars));
    const hostsTemplate = await readFile(path.join(fixtureDir, 'hosts.toml'), 'utf8');
    const mirrors: Array<[string, string]> = [
      ['docker.io', 'https://registry-1.docker.io'],
      ['registry.k8s.io', 'https://registry.k8s.io'],
      [registry, `http://${registry}`],
    ];
    if (authRegistry) mirrors.push([authRegistry, `http://${authRegistry}`]);
    for (const [host, server] of mirrors) {
      await mkdir(path.join(dir, 'certs.d', host), { recursive: true });
      const reg = host === authRegistry ? authRegistry : registry;
      await writeFile(path.join(dir, 'certs.d', host, 'hosts.toml'), render(hostsTemplate, { ...vars, REGISTRY: reg, UPSTREAM: host, UPSTREAM_SERVER: server }));
    }
    const ctrd = await spawnLogged('/usr/bin/containerd', ['--config', path.join(dir, 'config.toml')], path.join(dir, 'containerd.log'));
    children.push(ctrd);
    const sock = path.join(dir, 'containerd.sock');
    await waitFor('containerd', async () => (await stat(sock).then((s) => s.isSocket()).catch(() => false)), timeout, ctrd, path.join(dir, 'containerd.log'));
    return { endpoint: `unix://${sock}`, registry, dir, containerdPid: ctrd.pid ?? 0, authImage, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// Run directly to start one and keep it up until SIGINT/SIGTERM (used for the documented full run):
//   npx tsx conformance/cri/testing/third-party-containerd.ts [DIR]
// prints the endpoint and, for the pull-with-auth case, the --auth-* flags to pass to cri-validate.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const tp = await startThirdPartyContainerd({ dir: process.argv[2], authRegistry: true });
  const a = tp.authImage!;
  process.stdout.write(`endpoint=${tp.endpoint}\nregistry=${tp.registry}\ndir=${tp.dir}\npid=${process.pid}\n`);
  process.stdout.write(`flags=--runtime-endpoint ${tp.endpoint} --auth-image ${a.image} --auth-username ${a.username} --auth-password ${a.password}\n`);
  const done = async (): Promise<void> => {
    await tp.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void done());
  process.once('SIGTERM', () => void done());
  setInterval(() => undefined, 1 << 30);
}

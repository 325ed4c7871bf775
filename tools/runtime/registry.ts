/**
 * The local image registry: Debian's `docker-registry` (CNCF distribution 2.8) on 127.0.0.1,
 * plain HTTP, storage under the data dir. Started detached, stopped by pid.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  freePort,
  isAlive,
  portIsFree,
  readPidFile,
  startDaemon,
  stopPidFile,
  tailFile,
  waitFor,
} from './process.ts';

/** REGISTRY_BINARY is Debian's registry executable. */
export const REGISTRY_BINARY = 'docker-registry';

/** RegistryPaths are the files of one registry instance under `dir`. */
export interface RegistryPaths {
  dir: string;
  config: string;
  storage: string;
  pidFile: string;
  logFile: string;
}

/** registryPaths lays out a registry instance in `dir` (normally `<data-dir>/registry`). */
export function registryPaths(dir: string): RegistryPaths {
  return {
    dir,
    config: path.join(dir, 'config.yml'),
    storage: path.join(dir, 'data'),
    pidFile: path.join(dir, 'registry.pid'),
    logFile: path.join(dir, 'registry.log'),
  };
}

/** RegistryConfigOptions are the inputs of {@link registryConfig}. */
export interface RegistryConfigOptions {
  storage: string;
  /** addr is `HOST:PORT` to listen on. */
  addr: string;
  /** htpasswd enables basic auth with a bcrypt htpasswd file (for pull-with-auth tests). */
  htpasswd?: string;
}

/** registryConfig renders the distribution registry's YAML configuration. */
export function registryConfig(opts: RegistryConfigOptions): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(opts.storage)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${JSON.stringify(opts.addr)}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
  ];
  if (opts.htpasswd) {
    lines.push('auth:', '  htpasswd:', '    realm: kubets', `    path: ${JSON.stringify(opts.htpasswd)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** StartRegistryOptions configure {@link startRegistry}. */
export interface StartRegistryOptions {
  /** dir holds config, storage, pid and log (normally `<data-dir>/registry`). */
  dir: string;
  /** port to listen on (127.0.0.1); default: a free port. */
  port?: number;
  htpasswd?: string;
  /** timeoutMs to wait for `/v2/` to answer; default 20 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** RegistryInstance is a running registry. */
export interface RegistryInstance {
  pid: number;
  /** address is `127.0.0.1:PORT`, the `HOST:PORT` to push to and mirror from. */
  address: string;
  port: number;
  paths: RegistryPaths;
}

/** registryIsUp reports whether `GET http://address/v2/` answers (200, or 401 with auth). */
export async function registryIsUp(address: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const res = await fetch(`http://${address}/v2/`, { signal: signal ?? AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200 || res.status === 401;
  } catch {
    return false;
  }
}

/**
 * startRegistry starts `docker-registry serve` on 127.0.0.1 with storage under `dir` and waits
 * until it answers. If the pid file names a live registry, that one is returned as-is when it
 * listens on the requested port (idempotent); otherwise it is stopped first.
 */
export async function startRegistry(opts: StartRegistryOptions): Promise<RegistryInstance> {
  const paths = registryPaths(opts.dir);
  await mkdir(paths.storage, { recursive: true });
  const running = await readPidFile(paths.pidFile);
  if (running !== undefined && isAlive(running, REGISTRY_BINARY) && opts.port !== undefined) {
    const address = `127.0.0.1:${opts.port}`;
    if (await registryIsUp(address, opts.signal)) return { pid: running, address, port: opts.port, paths };
  }
  await stopPidFile(paths.pidFile, { expect: REGISTRY_BINARY });
  const port = opts.port !== undefined && (await portIsFree(opts.port)) ? opts.port : await freePort();
  const address = `127.0.0.1:${port}`;
  await writeFile(paths.config, registryConfig({ storage: paths.storage, addr: address, htpasswd: opts.htpasswd }));
  const pid = await startDaemon({
    command: REGISTRY_BINARY,
    args: ['serve', paths.config],
    logFile: paths.logFile,
    pidFile: paths.pidFile,
  }).catch((err: unknown) => {
    throw new Error(`${(err as Error).message} (apt-get install docker-registry)`, { cause: err });
  });
  try {
    await waitFor(
      async () => {
        if (!isAlive(pid)) throw new Error(`registry exited: ${await tailFile(paths.logFile, 10)}`);
        return await registryIsUp(address, opts.signal);
      },
      { timeoutMs: opts.timeoutMs ?? 20_000, what: `registry on ${address}`, signal: opts.signal },
    );
  } catch (err) {
    await stopPidFile(paths.pidFile);
    throw err;
  }
  return { pid, address, port, paths };
}

/** stopRegistry stops the registry whose pid file is in `dir`; false if none was running. */
export async function stopRegistry(dir: string): Promise<boolean> {
  return await stopPidFile(registryPaths(dir).pidFile, { expect: REGISTRY_BINARY });
}

/**
 * manifestDigest returns the digest the registry holds for `repository:tag` (HEAD on the
 * manifest), or undefined when absent. Used to skip pushes that would change nothing.
 */
export async function manifestDigest(address: string, repoTag: string, signal?: AbortSignal): Promise<string | undefined> {
  const i = repoTag.lastIndexOf(':');
  const repo = repoTag.slice(0, i);
  const tag = repoTag.slice(i + 1);
  const res = await fetch(`http://${address}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
    signal: signal ?? AbortSignal.timeout(5000),
  });
  if (res.status !== 200) return undefined;
  return res.headers.get('docker-content-digest') ?? undefined;
}

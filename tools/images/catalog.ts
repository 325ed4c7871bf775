/**
 * The images kubets builds locally from Debian's `busybox-static` (no network), their layers, and
 * the names they are pushed under. Layers are deterministic ({@link buildLayer}), so the same
 * busybox binary always gives the same digests; the busybox layer is shared by `busybox`,
 * `test-server` and `agnhost` (which adds the host's Node.js binary and its shared libraries).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage, buildLayer, type Image, type Layer } from './oci-image.ts';
import { pauseBinary } from './pause-elf.ts';
import type { TarEntry } from './tar-writer.ts';

const filesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'files');

/** BUSYBOX_CANDIDATES are where Debian's busybox-static puts its binary. */
export const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'] as const;

/** findBusybox returns the static busybox binary, or throws naming the package to install. */
export function findBusybox(explicit?: string): string {
  const found = explicit ?? BUSYBOX_CANDIDATES.find((p) => existsSync(p));
  if (!found || !existsSync(found)) throw new Error('busybox not found: apt-get install busybox-static');
  return found;
}

/** CatalogImage is one image kubets builds: its archive file name and registry names. */
export interface CatalogImage {
  /** name is the short name used for the archive (`${name}.tar`) and on the command line. */
  name: 'pause' | 'busybox' | 'test-server' | 'agnhost';
  /**
   * repositories are `repository:tag` names inside a registry. A runtime that mirrors
   * docker.io and registry.k8s.io to that registry resolves the `refs` below through them.
   */
  repositories: string[];
  /** refs are the fully qualified names manifests use (`busybox` normalizes to the first). */
  refs: string[];
  description: string;
}

/** PAUSE_IMAGE is the sandbox image reference containerd's `sandbox_image` points at. */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
/** BUSYBOX_IMAGE is what `image: busybox` normalizes to. */
export const BUSYBOX_IMAGE = 'docker.io/library/busybox:latest';
/** TEST_SERVER_IMAGE is the conformance test server (agnhost's role). */
export const TEST_SERVER_IMAGE = 'docker.io/kubets/test-server:1.0';

/** AGNHOST_IMAGE is the conformance test host (upstream agnhost's subcommands, files/agnhost). */
export const AGNHOST_IMAGE = 'docker.io/kubets/agnhost:1.0';

/** CATALOG lists the images in build order. */
export const CATALOG: readonly CatalogImage[] = [
  {
    name: 'pause',
    repositories: ['pause:3.10'],
    refs: [PAUSE_IMAGE],
    description: 'sandbox PID 1: reaps zombies, exits 0 on SIGTERM/SIGINT (tools/images/pause-elf.ts)',
  },
  {
    name: 'busybox',
    repositories: ['library/busybox:latest', 'library/busybox:1.35', 'e2e-test-images/busybox:1.29-2'],
    refs: [BUSYBOX_IMAGE, 'docker.io/library/busybox:1.35', 'registry.k8s.io/e2e-test-images/busybox:1.29-2'],
    description: "Debian's static busybox with every applet linked in /bin",
  },
  {
    name: 'test-server',
    repositories: ['kubets/test-server:1.0'],
    refs: [TEST_SERVER_IMAGE],
    description: 'busybox + test-server (HTTP /healthz, /hostname, echo, exit-with-code; TCP echo; gRPC health)',
  },
  {
    name: 'agnhost',
    repositories: ['kubets/agnhost:1.0'],
    refs: [AGNHOST_IMAGE],
    description: "busybox + the host's Node.js + /agnhost (webhook, crd-conversion-webhook, netexec, porter, serve-hostname, pause: tools/images/files/agnhost)",
  },
];

const dir = (p: string, mode = 0o755): TarEntry => ({ type: 'dir', path: p, mode });
const file = (p: string, content: string | Uint8Array, mode = 0o644): TarEntry => ({
  type: 'file',
  path: p,
  content: typeof content === 'string' ? Buffer.from(content) : content,
  mode,
});

/** busyboxApplets lists the applets compiled into `busybox` (from `busybox --list`), sorted. */
export function busyboxApplets(busybox: string): string[] {
  const out = execFileSync(busybox, ['--list'], { encoding: 'utf8' });
  return out.split('\n').map((s) => s.trim()).filter((s) => s && s !== 'busybox').sort();
}

/**
 * BUSYBOX_SHIMS are small sh scripts (files/busybox/) installed in /bin when the busybox build
 * lacks the applet: Debian's busybox-static has no `pgrep`, `pkill` or `ipcs`, which the CRI
 * validation cases use (critest's busybox image has them).
 */
export const BUSYBOX_SHIMS = ['ipcs', 'pgrep', 'pkill'] as const;

/**
 * busyboxRootfs returns the entries of a minimal root filesystem: the FHS skeleton, `/bin/busybox`
 * with one symlink per applet, {@link BUSYBOX_SHIMS} for missing applets, and
 * `/etc/passwd`/`/etc/group` with root, daemon, www-data and nobody.
 */
export function busyboxRootfs(busybox: string): TarEntry[] {
  const entries: TarEntry[] = [
    ...['bin', 'dev', 'etc', 'home', 'proc', 'sys', 'usr', 'usr/bin', 'usr/local', 'usr/local/bin', 'usr/sbin', 'var', 'var/spool', 'var/www'].map((p) => dir(p)),
    dir('root', 0o700),
    dir('tmp', 0o1777),
    dir('var/tmp', 0o1777),
    file('bin/busybox', readFileSync(busybox), 0o755),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n'),
    file('etc/group', 'root:x:0:\ndaemon:x:1:\nwww-data:x:33:\nnobody:x:65534:\n'),
  ];
  const applets = busyboxApplets(busybox);
  for (const applet of applets) {
    entries.push({ type: 'symlink', path: `bin/${applet}`, target: 'busybox' });
  }
  for (const shim of BUSYBOX_SHIMS) {
    if (!applets.includes(shim)) entries.push(file(`bin/${shim}`, readFileSync(path.join(filesDir, 'busybox', shim)), 0o755));
  }
  return entries;
}

/** testServerEntries returns the test-server layer: the script and its CGI programs. */
export function testServerEntries(): TarEntry[] {
  const src = path.join(filesDir, 'test-server');
  return [
    dir('srv'),
    dir('srv/test-server'),
    dir('srv/test-server/cgi-bin'),
    dir('usr'),
    dir('usr/local'),
    dir('usr/local/bin'),
    file('usr/local/bin/test-server', readFileSync(path.join(src, 'test-server')), 0o755),
    file('srv/test-server/cgi-bin/echo', readFileSync(path.join(src, 'cgi-bin', 'echo')), 0o755),
    file('srv/test-server/cgi-bin/exit', readFileSync(path.join(src, 'cgi-bin', 'exit')), 0o755),
    file('srv/test-server/grpc-health-conn', readFileSync(path.join(src, 'grpc-health-conn')), 0o755),
  ];
}

/** pauseEntries returns the pause image's single layer: `/pause` only. */
export function pauseEntries(): TarEntry[] {
  return [file('pause', pauseBinary(), 0o755)];
}

/**
 * sharedLibraries returns the files the dynamic loader maps for `binary`, as `ldd` lists them
 * (`libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6`, and the loader itself), in ldd's order.
 */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

/** parentDirs returns every ancestor directory entry of `paths` (no leading slash), once each. */
function parentDirs(paths: readonly string[]): TarEntry[] {
  const seen = new Set<string>();
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) seen.add(parts.slice(0, i).join('/'));
  }
  return [...seen].map((d) => dir(d));
}

/**
 * nodeRuntimeEntries returns a layer with the Node.js binary at `/usr/local/bin/node` and the
 * shared libraries it links (copied at the paths `ldd` names, symlinks resolved), so that a
 * busybox root can run it. `node` defaults to the running binary (`process.execPath`).
 */
export function nodeRuntimeEntries(node: string = process.execPath): TarEntry[] {
  const binary = realpathSync(node);
  const libs = sharedLibraries(binary).map((l) => ({ path: l.replace(/^\/+/, ''), source: l }));
  const paths = ['usr/local/bin/node', ...libs.map((l) => l.path)];
  return [
    ...parentDirs(paths),
    file('usr/local/bin/node', readFileSync(binary), 0o755),
    ...libs.map((l) => file(l.path, readFileSync(l.source), 0o755)),
  ];
}

/** agnhostEntries returns the agnhost layer: `/agnhost` (sh launcher) and the program. */
export function agnhostEntries(): TarEntry[] {
  const program = readFileSync(path.join(filesDir, 'agnhost', 'agnhost.mjs'));
  return [
    dir('usr'),
    dir('usr/local'),
    dir('usr/local/lib'),
    dir('usr/local/lib/agnhost'),
    file('usr/local/lib/agnhost/agnhost.mjs', program, 0o644),
    file('agnhost', '#!/bin/sh\nexec /usr/local/bin/node /usr/local/lib/agnhost/agnhost.mjs "$@"\n', 0o755),
    // porter's default --cert-file/--key-file: a self-signed test pair, as upstream's image carries.
    file('localhost.crt', readFileSync(path.join(filesDir, 'agnhost', 'localhost.crt')), 0o644),
    file('localhost.key', readFileSync(path.join(filesDir, 'agnhost', 'localhost.key')), 0o644),
  ];
}

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * buildCatalogImages builds the catalog's images in memory from the given busybox binary (and
 * Node.js binary, default the running one). `layerCacheDir` keeps the compressed Node.js layer
 * between builds (see {@link buildLayer}).
 */
export function buildCatalogImages(busybox: string, opts: { node?: string; layerCacheDir?: string } = {}): Record<CatalogImage['name'], Image> {
  const busyboxLayer: Layer = buildLayer(busyboxRootfs(busybox));
  const label = { 'org.opencontainers.image.vendor': 'kubets' };
  return {
    pause: buildImage({
      layers: [buildLayer(pauseEntries())],
      // upstream: build/pause/Dockerfile (USER 65535:65535, ENTRYPOINT ["/pause"])
      config: { User: '65535:65535', Entrypoint: ['/pause'], Labels: label },
    }),
    busybox: buildImage({
      layers: [busyboxLayer],
      config: { Env: [PATH_ENV], Cmd: ['sh'], Labels: label },
    }),
    'test-server': buildImage({
      layers: [busyboxLayer, buildLayer(testServerEntries())],
      config: {
        Env: [PATH_ENV],
        Entrypoint: ['/usr/local/bin/test-server'],
        Cmd: ['serve'],
        ExposedPorts: { '8080/tcp': {}, '8081/tcp': {} },
        Labels: label,
      },
    }),
    // upstream: test/images/agnhost/Dockerfile (ENTRYPOINT ["/agnhost"], CMD ["pause"])
    agnhost: buildImage({
      layers: [busyboxLayer, buildLayer(nodeRuntimeEntries(opts.node), { level: 1, ...(opts.layerCacheDir ? { cacheDir: opts.layerCacheDir } : {}) }), buildLayer(agnhostEntries())],
      config: { Env: [PATH_ENV], Entrypoint: ['/agnhost'], Cmd: ['pause'], Labels: label },
    }),
  };
}

import test from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { buildImages } from './build.ts';
import { BUSYBOX_CANDIDATES, CATALOG } from './catalog.ts';
import { buildLayer, sha256Digest } from './oci-image.ts';
import { readTar } from './tar-writer.ts';

const execFileAsync = promisify(execFile);
const hasBusybox = BUSYBOX_CANDIDATES.some((p) => existsSync(p));
const maybe = hasBusybox ? test : test.skip;
if (!hasBusybox) test('image build tests (skipped: busybox-static not installed)', (t) => t.pass());

interface Manifest { config: { digest: string }; layers: Array<{ digest: string; mediaType: string }> }
interface Config { config: { Entrypoint?: string[]; Cmd?: string[]; User?: string }; rootfs: { diff_ids: string[] } }

async function loadArchive(file: string) {
  const entries = readTar(await readFile(file));
  const blob = (digest: string): Buffer => {
    const e = entries.find((x) => x.path === `blobs/sha256/${digest.slice(7)}`);
    if (!e) throw new Error(`missing blob ${digest}`);
    return e.content;
  };
  const index = JSON.parse(entries.find((e) => e.path === 'index.json')!.content.toString()) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
  const manifest = JSON.parse(blob(index.manifests[0]!.digest).toString()) as Manifest;
  const config = JSON.parse(blob(manifest.config.digest).toString()) as Config;
  return { entries, index, manifest, config, blob };
}

let dirs: string[] = [];
test.after.always(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

maybe('two builds produce byte-identical archives', async (t) => {
  const a = await mkdtemp(path.join(os.tmpdir(), 'kubets-img-a-'));
  const b = await mkdtemp(path.join(os.tmpdir(), 'kubets-img-b-'));
  dirs.push(a, b);
  // One build without the layer cache, one through it: the same bytes either way.
  const ba = await buildImages({ outDir: a, layerCacheDir: '' });
  const bb = await buildImages({ outDir: b });
  t.deepEqual(ba.map((x) => x.digest), bb.map((x) => x.digest));
  for (const img of CATALOG) {
    t.true((await readFile(path.join(a, `${img.name}.tar`))).equals(await readFile(path.join(b, `${img.name}.tar`))), img.name);
  }
});

const imageCases = [
  { name: 'pause', entrypoint: ['/pause'], user: '65535:65535', files: ['pause'] },
  { name: 'busybox', cmd: ['sh'], files: ['bin/busybox', 'bin/sh', 'bin/httpd', 'bin/nc', 'bin/wget', 'bin/tar', 'bin/pgrep', 'bin/pkill', 'bin/ipcs', 'etc/passwd', 'tmp'] },
  { name: 'test-server', entrypoint: ['/usr/local/bin/test-server'], cmd: ['serve'], files: ['usr/local/bin/test-server', 'srv/test-server/cgi-bin/echo', 'srv/test-server/grpc-health-conn', 'bin/sh', 'bin/dd', 'bin/od'] },
  {
    name: 'agnhost',
    entrypoint: ['/agnhost'],
    cmd: ['pause'],
    files: ['agnhost', 'usr/local/lib/agnhost/agnhost.mjs', 'usr/local/bin/node', 'lib64/ld-linux-x86-64.so.2', 'lib/x86_64-linux-gnu/libc.so.6', 'lib/x86_64-linux-gnu/libstdc++.so.6', 'bin/sh'],
  },
] as const;

// One build serves every archive case (the agnhost image carries ~100 MB of Node.js).
let sharedBuild: Promise<Awaited<ReturnType<typeof buildImages>>> | undefined;
function buildOnce(): Promise<Awaited<ReturnType<typeof buildImages>>> {
  sharedBuild ??= mkdtemp(path.join(os.tmpdir(), 'kubets-img-')).then((dir) => {
    dirs.push(dir);
    return buildImages({ outDir: dir });
  });
  return sharedBuild;
}

for (const tc of imageCases) {
  maybe(`${tc.name} archive is a valid OCI layout with the expected config and files`, async (t) => {
    const built = await buildOnce();
    const img = built.find((b) => b.name === tc.name)!;
    const { entries, index, manifest, config, blob } = await loadArchive(img.archive);
    t.truthy(entries.find((e) => e.path === 'oci-layout'));
    t.is(index.manifests[0]!.digest, img.digest);
    t.is(sha256Digest(blob(img.digest)), img.digest, 'manifest blob matches its digest');
    if ('entrypoint' in tc) t.deepEqual(config.config.Entrypoint, [...tc.entrypoint]);
    if ('cmd' in tc) t.deepEqual(config.config.Cmd, [...tc.cmd]);
    if ('user' in tc) t.is(config.config.User, tc.user);
    const paths = new Set<string>();
    manifest.layers.forEach((l, i) => {
      const gz = blob(l.digest);
      t.is(sha256Digest(gz), l.digest);
      const tar = gunzipSync(gz);
      t.is(sha256Digest(tar), config.rootfs.diff_ids[i], 'diff_id is the digest of the uncompressed layer');
      for (const e of readTar(tar)) paths.add(e.path);
    });
    for (const f of tc.files) t.true(paths.has(f), `${f} in ${tc.name}`);
  });
}

const hasSkopeo = spawnSync('skopeo', ['--version']).status === 0;
(hasBusybox && hasSkopeo ? test : test.skip)('skopeo reads the oci-archive', async (t) => {
  const built = await buildOnce();
  const busybox = built.find((b) => b.name === 'busybox')!;
  const { stdout } = await execFileAsync('skopeo', ['--insecure-policy', 'inspect', '--raw', `oci-archive:${busybox.archive}`]);
  t.is(sha256Digest(Buffer.from(stdout)), busybox.digest);
});

test('buildLayer: a cached layer is read back with the same digests', async (t) => {
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'kubets-layer-cache-'));
  dirs.push(cacheDir);
  const entries = [{ type: 'file' as const, path: 'a.txt', content: Buffer.from('hello') }];
  const fresh = buildLayer(entries, { level: 1, cacheDir });
  const cachedFiles = await readdir(cacheDir);
  t.deepEqual(cachedFiles, [`${fresh.diffId.slice(7)}-gzip1.tar.gz`]);
  const again = buildLayer(entries, { level: 1, cacheDir });
  t.deepEqual(again.descriptor, fresh.descriptor);
  t.is(again.diffId, fresh.diffId);
  t.deepEqual(buildLayer(entries, { level: 1 }).descriptor, fresh.descriptor, 'same as an uncached build');
});

const isRoot = process.getuid?.() === 0;
const chroot = ['/usr/sbin/chroot', '/usr/bin/chroot'].find((p) => existsSync(p));
(hasBusybox && isRoot && chroot ? test : test.skip)('agnhost root filesystem runs Node.js and /agnhost under chroot', async (t) => {
  const built = await buildOnce();
  const agnhost = built.find((b) => b.name === 'agnhost')!;
  const { manifest, blob } = await loadArchive(agnhost.archive);
  const root = await mkdtemp(path.join(os.tmpdir(), 'kubets-agnhost-root-'));
  dirs.push(root);
  for (const l of manifest.layers) {
    const tarFile = path.join(root, '.layer.tar');
    await writeFile(tarFile, gunzipSync(blob(l.digest)));
    await execFileAsync('tar', ['-xf', tarFile, '-C', root]);
    await rm(tarFile);
  }
  const env = { PATH: '/usr/local/bin:/bin' };
  const { stdout } = await execFileAsync(chroot!, [root, '/usr/local/bin/node', '-e', 'console.log(process.versions.node)'], { env });
  t.is(stdout.trim(), process.versions.node);
  const usage = await execFileAsync(chroot!, [root, '/agnhost', 'help'], { env });
  t.regex(usage.stderr, /usage: agnhost/);
});

/**
 * `kubets images build [--out DIR]` and `kubets images push --registry HOST:PORT [--dir DIR]`:
 * the local OCI images (tools/images) built from busybox-static without network, and their push
 * with skopeo under the names a docker.io/registry.k8s.io-mirroring runtime resolves.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { CommandModule } from './index.ts';

/** defaultImagesDir is `$KUBETS_DATA_DIR/images`, else `/var/lib/kubets/images` as root, else `~/.kubets/images`. */
export function defaultImagesDir(): string {
  return path.join(defaultDataDir(), 'images');
}

/** defaultDataDir is the default `--data-dir` (ARCHITECTURE.md: `/var/lib/kubets` as root, else `~/.kubets`). */
export function defaultDataDir(): string {
  const env = process.env['KUBETS_DATA_DIR'];
  if (env) return path.resolve(env);
  if (process.getuid?.() === 0) return '/var/lib/kubets';
  return path.join(process.env['HOME'] ?? '.', '.kubets');
}

/** imagesCommand registers `kubets images build|push`. */
export const imagesCommand: CommandModule = {
  register(program: Command) {
    const images = program.command('images').description('build and push the local OCI images (pause, busybox, test-server)');
    images
      .command('build')
      .description('build the OCI archives from busybox-static (deterministic, no network)')
      .option('--out <dir>', 'output directory', defaultImagesDir())
      .option('--busybox <path>', 'static busybox binary (default /bin/busybox)')
      .action(async (o: { out: string; busybox?: string }) => {
        const { buildImages } = await import('../../../tools/images/build.ts');
        const built = await buildImages({ outDir: o.out, busybox: o.busybox });
        for (const b of built) process.stdout.write(`${b.archive}\t${b.digest}\t${b.refs.join(' ')}\n`);
      });
    images
      .command('push')
      .description('push the archives to a registry with skopeo (plain HTTP), under every catalog name')
      .requiredOption('--registry <host:port>', 'registry to push to, e.g. 127.0.0.1:5000')
      .option('--dir <dir>', 'directory with the archives (built first if missing)', defaultImagesDir())
      .option('--creds <user:password>', 'registry credentials')
      .option('--tls-verify', 'verify TLS (default: plain HTTP / no verification)', false)
      .action(async (o: { registry: string; dir: string; creds?: string; tlsVerify: boolean }) => {
        const { buildImages } = await import('../../../tools/images/build.ts');
        const { pushImages } = await import('../../../tools/images/push.ts');
        const built = await buildImages({ outDir: o.dir });
        const pushed = await pushImages({ registry: o.registry, images: built, creds: o.creds, tlsVerify: o.tlsVerify });
        for (const p of pushed) process.stdout.write(`pushed ${p.reference}\n`);
      });
  },
};

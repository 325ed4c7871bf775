/**
 * `kubets images push --registry HOST:PORT`: copies the built OCI archives into a registry with
 * `skopeo`, under every repository name of the catalog (`library/busybox:latest`, `pause:3.10`,
 * `kubets/test-server:1.0`, ...), over plain HTTP, keeping the manifest digests.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BuiltImage } from './build.ts';

const execFileAsync = promisify(execFile);

/** PushImagesOptions name the registry and the archives to push. */
export interface PushImagesOptions {
  /** registry is `HOST:PORT` (plain HTTP, e.g. `127.0.0.1:5000`). */
  registry: string;
  /** images are the archives from `buildImages`. */
  images: readonly Pick<BuiltImage, 'name' | 'archive' | 'repositories'>[];
  /** skopeo binary; default `skopeo` from PATH. */
  skopeo?: string;
  /** tlsVerify for the destination; default false (a local HTTP registry). */
  tlsVerify?: boolean;
  /** creds `user:password` for a registry with auth. */
  creds?: string;
  signal?: AbortSignal;
}

/** PushedImage is one `repository:tag` pushed, with its full reference in the registry. */
export interface PushedImage {
  name: string;
  reference: string;
}

/**
 * pushImages runs `skopeo copy oci-archive:FILE docker://REGISTRY/REPO:TAG` for every repository
 * of every image, one after the other. `--insecure-policy` skips the host's signature policy
 * (these are archives built locally, and Debian may ship no /etc/containers/policy.json).
 */
export async function pushImages(opts: PushImagesOptions): Promise<PushedImage[]> {
  const skopeo = opts.skopeo ?? 'skopeo';
  const pushed: PushedImage[] = [];
  for (const image of opts.images) {
    for (const repo of image.repositories) {
      const reference = `${opts.registry}/${repo}`;
      const args = [
        '--insecure-policy',
        'copy',
        '--quiet',
        '--preserve-digests',
        `--dest-tls-verify=${opts.tlsVerify ?? false}`,
        ...(opts.creds ? ['--dest-creds', opts.creds] : []),
        `oci-archive:${path.resolve(image.archive)}`,
        `docker://${reference}`,
      ];
      try {
        await execFileAsync(skopeo, args, { signal: opts.signal, maxBuffer: 16 * 1024 * 1024 });
      } catch (err) {
        const e = err as { code?: string; stderr?: string };
        if (e.code === 'ENOENT') throw new Error('skopeo not found: apt-get install skopeo', { cause: err });
        throw new Error(`push ${image.name} to ${reference}: ${(e.stderr ?? String(err)).trim()}`, { cause: err });
      }
      pushed.push({ name: image.name, reference });
    }
  }
  return pushed;
}

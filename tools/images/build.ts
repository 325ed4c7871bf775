/**
 * `kubets images build`: writes the catalog's images as OCI archives (`${outDir}/${name}.tar`)
 * plus `${outDir}/images.json` (names, refs, manifest digests). Same busybox and Node.js in, same
 * bytes out.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CATALOG, buildCatalogImages, findBusybox, type CatalogImage } from './catalog.ts';
import { ociArchive } from './oci-image.ts';

/** BuildImagesOptions say where to write the archives and which busybox to use. */
export interface BuildImagesOptions {
  outDir: string;
  /** busybox is the static busybox binary; default `/bin/busybox` or `/usr/bin/busybox`. */
  busybox?: string;
  /**
   * layerCacheDir keeps the compressed Node.js layer of the agnhost image between builds;
   * default `$KUBETS_IMAGE_CACHE`, else `<tmpdir>/kubets-image-cache` (shared by data dirs:
   * entries are named by content digest). Pass `''` to disable.
   */
  layerCacheDir?: string;
}

/** defaultLayerCacheDir is where {@link buildImages} keeps compressed layers by default. */
export function defaultLayerCacheDir(): string {
  return process.env['KUBETS_IMAGE_CACHE'] || path.join(os.tmpdir(), 'kubets-image-cache');
}

/** BuiltImage is one archive written by {@link buildImages}. */
export interface BuiltImage extends CatalogImage {
  /** archive is the absolute path of the `oci-archive` tar. */
  archive: string;
  /** digest is the manifest digest (`sha256:...`), the same wherever the image is pushed. */
  digest: string;
}

/** IMAGES_INDEX is the file name of the build summary written next to the archives. */
export const IMAGES_INDEX = 'images.json';

/**
 * buildImages writes every catalog image as an OCI archive under `outDir` and returns them in
 * catalog order. Rewriting identical content is harmless, so it is safe to call repeatedly.
 */
export async function buildImages(opts: BuildImagesOptions): Promise<BuiltImage[]> {
  const busybox = findBusybox(opts.busybox);
  const outDir = path.resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const layerCacheDir = opts.layerCacheDir ?? defaultLayerCacheDir();
  const images = buildCatalogImages(busybox, layerCacheDir ? { layerCacheDir } : {});
  const built: BuiltImage[] = [];
  for (const entry of CATALOG) {
    const image = images[entry.name];
    const archive = path.join(outDir, `${entry.name}.tar`);
    const tag = entry.repositories[0]?.split(':').pop() ?? 'latest';
    await writeFile(archive, ociArchive(image, tag));
    built.push({ ...entry, archive, digest: image.manifest.digest });
  }
  const summary = built.map((b) => ({ name: b.name, file: `${b.name}.tar`, digest: b.digest, repositories: b.repositories, refs: b.refs }));
  await writeFile(path.join(outDir, IMAGES_INDEX), `${JSON.stringify(summary, null, 2)}\n`);
  return built;
}

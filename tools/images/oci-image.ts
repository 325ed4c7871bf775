/**
 * Deterministic OCI image assembly: layers (gzip'd tars from {@link writeTar}), an image config, a
 * manifest, and an `oci-archive` tar (an OCI image layout: `oci-layout`, `index.json`,
 * `blobs/sha256/...`) that `skopeo copy oci-archive:FILE docker://...` and
 * `ctr images import` read. No timestamps other than the fixed `created` field end up in any blob.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeTar, type TarEntry } from './tar-writer.ts';

/** CREATED is the fixed image creation time (the Unix epoch), for reproducible digests. */
export const CREATED = '1970-01-01T00:00:00Z';

export const MEDIA_TYPES = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** Descriptor is an OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** Layer is one built layer: its compressed blob, descriptor and uncompressed diff ID. */
export interface Layer {
  blob: Buffer;
  descriptor: Descriptor;
  diffId: string;
}

/** ImageRunConfig is the subset of the OCI image config `config` object that we set. */
export interface ImageRunConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

/** Image is a built image: every blob by digest, plus its manifest descriptor. */
export interface Image {
  manifest: Descriptor;
  config: Descriptor;
  layers: Layer[];
  /** blobs maps `sha256:...` to content (manifest, config and layers). */
  blobs: Map<string, Buffer>;
}

/** sha256Digest returns `sha256:<hex>` of `data`. */
export function sha256Digest(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** BuildLayerOptions tune {@link buildLayer}. */
export interface BuildLayerOptions {
  /** gzip level, default 9 (large layers such as agnhost's Node.js runtime use 1). */
  level?: number;
  /**
   * cacheDir keeps compressed layers by the digest of their uncompressed tar (and level), so an
   * unchanged large layer is not compressed again: the tar is still built and hashed, the gzip
   * is read back. Files are written atomically (temp file + rename).
   */
  cacheDir?: string;
}

/**
 * buildLayer tars `entries` deterministically and gzips them (no name, mtime 0) at `level`
 * (default 9; 100 MB compress in ~2 s at level 1 instead of ~11 s at 9, just as deterministic).
 */
export function buildLayer(entries: readonly TarEntry[], opts: BuildLayerOptions = {}): Layer {
  const tar = writeTar(entries);
  const diffId = sha256Digest(tar);
  const level = opts.level ?? 9;
  let blob: Buffer | undefined;
  const cached = opts.cacheDir ? path.join(opts.cacheDir, `${diffId.slice('sha256:'.length)}-gzip${level}.tar.gz`) : undefined;
  if (cached && existsSync(cached)) blob = readFileSync(cached);
  if (!blob) {
    blob = gzipSync(tar, { level });
    if (cached) {
      mkdirSync(path.dirname(cached), { recursive: true });
      const tmp = `${cached}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      writeFileSync(tmp, blob);
      renameSync(tmp, cached);
    }
  }
  return {
    blob,
    diffId,
    descriptor: { mediaType: MEDIA_TYPES.layerGzip, digest: sha256Digest(blob), size: blob.length },
  };
}

/** BuildImageOptions describe an image: its layers (bottom first) and run config. */
export interface BuildImageOptions {
  layers: Layer[];
  config: ImageRunConfig;
  /** architecture defaults to `amd64` (the only one this project's binaries run on). */
  architecture?: string;
  /** annotations for the manifest (e.g. `org.opencontainers.image.title`). */
  annotations?: Record<string, string>;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** buildImage assembles config and manifest blobs over the given layers. */
export function buildImage(opts: BuildImageOptions): Image {
  const configBlob = json({
    created: CREATED,
    architecture: opts.architecture ?? 'amd64',
    os: 'linux',
    config: opts.config,
    rootfs: { type: 'layers', diff_ids: opts.layers.map((l) => l.diffId) },
    history: opts.layers.map(() => ({ created: CREATED, created_by: 'kubets tools/images' })),
  });
  const config: Descriptor = { mediaType: MEDIA_TYPES.config, digest: sha256Digest(configBlob), size: configBlob.length };
  const manifestBlob = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config,
    layers: opts.layers.map((l) => l.descriptor),
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  });
  const manifest: Descriptor = { mediaType: MEDIA_TYPES.manifest, digest: sha256Digest(manifestBlob), size: manifestBlob.length };
  const blobs = new Map<string, Buffer>();
  for (const l of opts.layers) blobs.set(l.descriptor.digest, l.blob);
  blobs.set(config.digest, configBlob);
  blobs.set(manifest.digest, manifestBlob);
  return { manifest, config, layers: opts.layers, blobs };
}

/**
 * ociArchive writes `image` as an OCI image layout in a tar (an `oci-archive`), with the manifest
 * in `index.json` annotated `org.opencontainers.image.ref.name = refName` (e.g. `latest`; skopeo
 * and ctr use it as the tag when the destination does not give one).
 */
export function ociArchive(image: Image, refName: string): Buffer {
  const index = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [{ ...image.manifest, annotations: { 'org.opencontainers.image.ref.name': refName } }],
  });
  const entries: TarEntry[] = [
    { type: 'file', path: 'oci-layout', content: json({ imageLayoutVersion: '1.0.0' }) },
    { type: 'file', path: 'index.json', content: index },
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
  ];
  for (const [digest, blob] of image.blobs) {
    entries.push({ type: 'file', path: `blobs/sha256/${digest.slice('sha256:'.length)}`, content: blob });
  }
  return writeTar(entries);
}

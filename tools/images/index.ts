/**
 * tools/images — local OCI images built from Debian's busybox-static, without network, byte for
 * byte reproducible (sorted tar entries, mtime 0, uid/gid 0, gzip level 9, fixed `created`).
 *
 * - `buildImages({ outDir })` writes `pause.tar`, `busybox.tar`, `test-server.tar`, `agnhost.tar` (oci-archive)
 *   and `images.json`; `kubets images build [--out DIR]`.
 * - `pushImages({ registry: 'HOST:PORT', images })` copies them with skopeo under every name in
 *   {@link CATALOG}: `pause:3.10`, `library/busybox:latest` (+ `:1.35`,
 *   `e2e-test-images/busybox:1.29-2`), `kubets/test-server:1.0`; `kubets images push --registry`.
 * - The images: **pause** is a hand-assembled 214-byte static ELF (pause-elf.ts: blocks
 *   SIGINT/SIGTERM/SIGCHLD, reaps every child on SIGCHLD, exits 0 on SIGINT/SIGTERM);
 *   **busybox** has every applet symlinked in /bin (plus sh shims for `pgrep`, `pkill`, `ipcs`,
 *   which Debian's build lacks); **test-server** adds
 *   `/usr/local/bin/test-server` (files/test-server/test-server: HTTP /healthz, /hostname,
 *   /cgi-bin/echo, /cgi-bin/exit?code=N on 8080, TCP echo on 8081, `exit CODE`, `pause`);
 *   **agnhost** (`kubets/agnhost:1.0`) adds the host's Node.js binary with the shared libraries
 *   `ldd` lists, and `/agnhost` running files/agnhost/agnhost.mjs: upstream agnhost's `webhook`
 *   (AdmissionReview handlers over HTTPS), `crd-conversion-webhook` (ConversionReview on
 *   /crdconvert), `netexec`, `porter`, `serve-hostname` and `pause` subcommands, same flag names.
 * - Building blocks for other images (e.g. a validator's fixtures with a different USER):
 *   `busyboxRootfs`, `buildLayer`, `buildImage`, `ociArchive`, `writeTar`.
 */
export { buildImages, defaultLayerCacheDir, IMAGES_INDEX, type BuildImagesOptions, type BuiltImage } from './build.ts';
export { pushImages, type PushImagesOptions, type PushedImage } from './push.ts';
export {
  CATALOG,
  PAUSE_IMAGE,
  BUSYBOX_IMAGE,
  TEST_SERVER_IMAGE,
  AGNHOST_IMAGE,
  BUSYBOX_CANDIDATES,
  BUSYBOX_SHIMS,
  findBusybox,
  busyboxApplets,
  busyboxRootfs,
  buildCatalogImages,
  pauseEntries,
  testServerEntries,
  nodeRuntimeEntries,
  agnhostEntries,
  sharedLibraries,
  type CatalogImage,
} from './catalog.ts';
export {
  buildImage,
  buildLayer,
  ociArchive,
  sha256Digest,
  CREATED,
  MEDIA_TYPES,
  type BuildImageOptions,
  type BuildLayerOptions,
  type Descriptor,
  type Image,
  type ImageRunConfig,
  type Layer,
} from './oci-image.ts';
export { pauseBinary } from './pause-elf.ts';
export { writeTar, readTar, type TarEntry, type TarOptions, type TarReadEntry } from './tar-writer.ts';

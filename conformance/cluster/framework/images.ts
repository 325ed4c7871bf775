/**
 * Test images. Upstream cases use agnhost/httpd/nginx from registry.k8s.io; here they use
 * busybox and the project's test server image, with names configurable so the suite can
 * run wherever other images are available (`--image-prefix`, `--test-images FILE`).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** TestImages names every image a case may start. */
export interface TestImages {
  /** A busybox image (sh, sleep, cat, httpd, nc, wget...). */
  busybox: string;
  /** The project's test server: HTTP /healthz and hostname echo, TCP echo, exit with a code. */
  testServer: string;
  /** A pause image (a container that just sleeps). */
  pause: string;
}

/** DEFAULT_TEST_IMAGES are the names used when nothing is configured. */
export const DEFAULT_TEST_IMAGES: TestImages = {
  busybox: 'busybox',
  testServer: 'kubets/test-server:1.0',
  pause: 'registry.k8s.io/pause:3.10',
};

/**
 * resolveTestImages applies `--test-images FILE` (YAML or JSON map with any of the keys of
 * {@link TestImages}) and then `--image-prefix P` (prepended as `P/name` to every image that
 * the file did not set explicitly).
 */
export function resolveTestImages(opts: { imagePrefix?: string; testImagesFile?: string }): TestImages {
  let fromFile: Partial<TestImages> = {};
  if (opts.testImagesFile) {
    const doc = parseYaml(readFileSync(opts.testImagesFile, 'utf8')) as Record<string, unknown> | null;
    for (const [k, v] of Object.entries(doc ?? {})) {
      if (!(k in DEFAULT_TEST_IMAGES)) throw new Error(`${opts.testImagesFile}: unknown image key "${k}" (known: ${Object.keys(DEFAULT_TEST_IMAGES).join(', ')})`);
      if (typeof v !== 'string' || v === '') throw new Error(`${opts.testImagesFile}: image "${k}" must be a non-empty string`);
      fromFile[k as keyof TestImages] = v;
    }
  }
  const prefix = opts.imagePrefix?.replace(/\/+$/, '');
  const out = { ...DEFAULT_TEST_IMAGES };
  for (const k of Object.keys(out) as Array<keyof TestImages>) {
    if (fromFile[k]) out[k] = fromFile[k]!;
    else if (prefix) out[k] = `${prefix}/${out[k]}`;
  }
  return out;
}

/**
 * agnhostImage is the agnhost test image (tools/images `kubets/agnhost:1.0`: webhook, netexec,
 * porter, ...), named next to the test server so `--image-prefix` applies;
 * `KUBETS_AGNHOST_IMAGE` overrides it.
 */
export function agnhostImage(ctx: { images: TestImages }): string {
  const env = process.env['KUBETS_AGNHOST_IMAGE'];
  if (env) return env;
  const ts = ctx.images.testServer;
  return /test-server(:[^/]*)?$/.test(ts) ? ts.replace(/test-server(:[^/]*)?$/, 'agnhost:1.0') : 'kubets/agnhost:1.0';
}

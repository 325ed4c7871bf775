/**
 * AtomicWriter writes a set of files into a volume directory so that a reader never sees a
 * half-updated set (upstream: pkg/volume/util/atomic_writer.go). Layout:
 *
 * ```
 * <dir>/..2026_11_27_05_10_00.123456789/<files>   the payload of one write
 * <dir>/..data -> ..2026_11_27_05_10_00.123456789  swapped with rename(2), atomic
 * <dir>/<top-level name> -> ..data/<top-level name> one user-visible symlink per top-level entry
 * ```
 *
 * A write with an unchanged payload (same paths, bytes and modes) does nothing; otherwise a new
 * timestamped directory is written, `..data` is switched to it, user-visible symlinks are added
 * or removed, and the old directory is deleted. With `fsGroup`, files and directories get that
 * group and group read (setgid on directories), as upstream SetVolumeOwnership does for
 * read-only volumes.
 */
import { chmod, chown, lchown, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** FileProjection is one file of a payload: its bytes and mode (upstream volumeutil.FileProjection). */
export interface FileProjection {
  data: Buffer;
  mode: number;
  /** fsUser is the owner uid (projected service-account tokens with a runAsUser); default root. */
  fsUser?: number;
}

/** DATA_DIR_NAME is the symlink to the current payload directory (upstream dataDirName). */
export const DATA_DIR_NAME = '..data';
const NEW_DATA_DIR_NAME = '..data_tmp';

/** AtomicWriterOptions configure {@link writeAtomically}. */
export interface AtomicWriterOptions {
  /** fsGroup (pod securityContext.fsGroup) owns every file and directory when set. */
  fsGroup?: number;
  /** now names the timestamped directory (injected for tests). */
  now?: () => Date;
}

/** validatePayloadPath rejects absolute paths, `..` elements and names starting with `..` (upstream validatePath). */
export function validatePayloadPath(p: string): string | undefined {
  if (p === '') return 'invalid path: must not be empty';
  if (p.length > 4096) return `invalid path: must be less than or equal to 4096 characters`;
  if (path.isAbsolute(p)) return `invalid path: must be relative path: ${p}`;
  const items = p.split('/');
  if (items.some((i) => i === '..')) return `invalid path: must not contain '..': ${p}`;
  if (items[0].startsWith('..')) return `invalid path: must not start with '..': ${p}`;
  return undefined;
}

/** timestampDirName renders upstream's `..2006_01_02_15_04_05.<nanos>` name. */
export function timestampDirName(d: Date, nanosSuffix = ''): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const base = `${d.getUTCFullYear()}_${p2(d.getUTCMonth() + 1)}_${p2(d.getUTCDate())}_${p2(d.getUTCHours())}_${p2(d.getUTCMinutes())}_${p2(d.getUTCSeconds())}`;
  return `..${base}.${String(d.getUTCMilliseconds()).padStart(3, '0')}${nanosSuffix}`;
}

let counter = 0;

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(() => true, () => false);
}

/** payloadUnchanged compares the current `..data` contents with the payload. */
async function payloadUnchanged(dataDir: string, payload: Map<string, FileProjection>, fsGroup: number | undefined): Promise<boolean> {
  const existing: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(dataDir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else existing.push(r);
    }
  };
  try {
    await walk('');
  } catch {
    return false;
  }
  if (existing.length !== payload.size) return false;
  for (const rel of existing) {
    const want = payload.get(rel);
    if (!want) return false;
    const file = path.join(dataDir, rel);
    const [st, bytes] = await Promise.all([stat(file), readFile(file)]);
    if ((st.mode & 0o7777) !== effectiveMode(want.mode, fsGroup) || !bytes.equals(want.data)) return false;
  }
  return true;
}

function effectiveMode(mode: number, fsGroup: number | undefined): number {
  // upstream SetVolumeOwnership on a read-only volume: files get at least group read.
  return fsGroup === undefined ? mode & 0o7777 : (mode | 0o440) & 0o7777;
}

/**
 * writeAtomically writes `payload` (relative path -> file) into `dir` with the layout of the
 * module comment. Returns true when something changed.
 */
export async function writeAtomically(dir: string, payload: Map<string, FileProjection>, opts: AtomicWriterOptions = {}): Promise<boolean> {
  for (const p of payload.keys()) {
    const bad = validatePayloadPath(p);
    if (bad) throw new Error(bad);
  }
  await mkdir(dir, { recursive: true });
  const dataLink = path.join(dir, DATA_DIR_NAME);
  let oldTsName = '';
  try {
    oldTsName = await readlink(dataLink);
  } catch {
    oldTsName = '';
  }
  if (oldTsName && (await payloadUnchanged(path.join(dir, oldTsName), payload, opts.fsGroup))) return false;

  const now = opts.now?.() ?? new Date();
  const tsName = timestampDirName(now, String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0') + String(counter++ % 10));
  const tsDir = path.join(dir, tsName);
  await mkdir(tsDir, { mode: 0o755 });
  await chmod(tsDir, 0o755);
  const dirs = new Set<string>();
  for (const [rel, f] of payload) {
    const file = path.join(tsDir, rel);
    const parent = path.dirname(file);
    if (parent !== tsDir) {
      await mkdir(parent, { recursive: true, mode: 0o755 });
      for (let d = parent; d !== tsDir; d = path.dirname(d)) dirs.add(d);
    }
    await writeFile(file, f.data);
    await chmod(file, effectiveMode(f.mode, opts.fsGroup));
    if (f.fsUser !== undefined || opts.fsGroup !== undefined) await chown(file, f.fsUser ?? 0, opts.fsGroup ?? 0);
  }
  if (opts.fsGroup !== undefined) {
    for (const d of [tsDir, ...dirs]) {
      await chown(d, 0, opts.fsGroup);
      await chmod(d, 0o2755 | 0o550);
    }
  }

  // Swap ..data: a new symlink renamed over the old one (rename(2) is atomic).
  const tmpLink = path.join(dir, NEW_DATA_DIR_NAME);
  await rm(tmpLink, { force: true });
  await symlink(tsName, tmpLink);
  if (opts.fsGroup !== undefined) await lchown(tmpLink, 0, opts.fsGroup);
  await rename(tmpLink, dataLink);

  // User-visible symlinks: one per top-level entry of the payload.
  const topLevel = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const name of topLevel) {
    const link = path.join(dir, name);
    if (await exists(link)) continue;
    await symlink(path.join(DATA_DIR_NAME, name), link);
  }
  for (const name of await readdir(dir)) {
    if (name.startsWith('..') || topLevel.has(name)) continue;
    const st = await lstat(path.join(dir, name));
    if (st.isSymbolicLink()) await rm(path.join(dir, name), { force: true });
  }
  if (oldTsName && oldTsName !== tsName) await rm(path.join(dir, oldTsName), { recursive: true, force: true });
  return true;
}

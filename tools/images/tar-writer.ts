/**
 * A deterministic POSIX ustar writer for image layers and OCI archives: entries are sorted by
 * path, every entry gets the same mtime (default 0, the Unix epoch), uid/gid default to 0 with
 * empty user/group names, and there are no extended headers, so the same input always yields
 * the same bytes (and the same sha256 digest).
 */

/** TarEntry is one file, directory or symlink of a tar stream. Paths have no leading slash. */
export type TarEntry =
  | { type: 'file'; path: string; content: Uint8Array; mode?: number; uid?: number; gid?: number }
  | { type: 'dir'; path: string; mode?: number; uid?: number; gid?: number }
  | { type: 'symlink'; path: string; target: string; uid?: number; gid?: number };

/** TarOptions are the knobs of {@link writeTar}. */
export interface TarOptions {
  /** mtime (seconds since the epoch) stamped on every entry; default 0. */
  mtime?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width includes the trailing NUL.
  const s = value.toString(8);
  if (s.length > width - 1) throw new Error(`tar: value ${value} does not fit in ${width - 1} octal digits`);
  return s.padStart(width - 1, '0') + '\0';
}

function splitName(p: string): { name: string; prefix: string } {
  if (Buffer.byteLength(p) <= 100) return { name: p, prefix: '' };
  // ustar: split at a slash so that prefix <= 155 and name <= 100 bytes.
  for (let i = p.length - 1; i > 0; i--) {
    if (p[i] !== '/') continue;
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { name, prefix };
  }
  throw new Error(`tar: path too long for ustar: ${p}`);
}

function header(entry: TarEntry, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const path = entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
  const { name, prefix } = splitName(path);
  const defaultMode = entry.type === 'dir' ? 0o755 : entry.type === 'symlink' ? 0o777 : 0o644;
  const mode = entry.type === 'symlink' ? 0o777 : (entry.mode ?? defaultMode);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 8, 'ascii');
  h.write(octal(entry.uid ?? 0, 8), 108, 8, 'ascii');
  h.write(octal(entry.gid ?? 0, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(mtime, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii'); // checksum placeholder
  h.write(entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2', 156, 1, 'ascii');
  if (entry.type === 'symlink') {
    if (Buffer.byteLength(entry.target) > 100) throw new Error(`tar: symlink target too long: ${entry.target}`);
    h.write(entry.target, 157, 100, 'utf8');
  }
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(octal(0, 8), 329, 8, 'ascii'); // devmajor
  h.write(octal(0, 8), 337, 8, 'ascii'); // devminor
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

/**
 * writeTar serializes `entries` (sorted by path; duplicates rejected) into one tar stream
 * terminated by two zero blocks.
 */
export function writeTar(entries: readonly TarEntry[], opts: TarOptions = {}): Buffer {
  const mtime = opts.mtime ?? 0;
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chunks: Buffer[] = [];
  let prev: string | undefined;
  for (const e of sorted) {
    if (e.path.startsWith('/') || e.path === '') throw new Error(`tar: path must be relative: "${e.path}"`);
    if (e.path === prev) throw new Error(`tar: duplicate entry ${e.path}`);
    prev = e.path;
    const content = e.type === 'file' ? e.content : new Uint8Array(0);
    chunks.push(header(e, content.length, mtime));
    if (content.length > 0) {
      chunks.push(Buffer.from(content.buffer, content.byteOffset, content.byteLength));
      const pad = (BLOCK - (content.length % BLOCK)) % BLOCK;
      if (pad) chunks.push(Buffer.alloc(pad, 0));
    }
  }
  chunks.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(chunks);
}

/** TarReadEntry is one entry as returned by {@link readTar} (enough for tests and OCI archives). */
export interface TarReadEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  target: string;
  content: Buffer;
}

function cstr(buf: Buffer, start: number, len: number): string {
  const slice = buf.subarray(start, start + len);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? len : nul).toString('utf8');
}

/** readTar parses a ustar stream (as written by {@link writeTar} or GNU tar without extensions). */
export function readTar(buf: Buffer): TarReadEntry[] {
  const out: TarReadEntry[] = [];
  let off = 0;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const name = cstr(h, 0, 100);
    const prefix = cstr(h, 345, 155);
    const size = parseInt(cstr(h, 124, 12).trim() || '0', 8);
    const flag = String.fromCharCode(h[156] ?? 48);
    const path = prefix ? `${prefix}/${name}` : name;
    out.push({
      path: path.replace(/\/$/, ''),
      type: flag === '0' || flag === '\0' ? 'file' : flag === '5' ? 'dir' : flag === '2' ? 'symlink' : 'other',
      mode: parseInt(cstr(h, 100, 8).trim() || '0', 8),
      uid: parseInt(cstr(h, 108, 8).trim() || '0', 8),
      gid: parseInt(cstr(h, 116, 8).trim() || '0', 8),
      mtime: parseInt(cstr(h, 136, 12).trim() || '0', 8),
      target: cstr(h, 157, 100),
      content: buf.subarray(off + BLOCK, off + BLOCK + size),
    });
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}

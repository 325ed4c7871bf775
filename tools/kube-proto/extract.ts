/**
 * `npm run proto:extract [-- --kubectl PATH] [--out DIR]` extracts the Kubernetes protobuf wire
 * schema from a kubectl binary and writes it to `proto/kubernetes/descriptors.binpb` (a binary
 * `google.protobuf.FileDescriptorSet`) plus `proto/kubernetes/README.md` (provenance).
 *
 * Why a binary: field numbers are not in the OpenAPI documents, and upstream's `generated.proto`
 * files are not vendored here. Every Go program built against k8s.io/api registers each
 * `generated.proto` as a gzipped `FileDescriptorProto` (gogo's `proto.RegisterFile`), so the
 * kubectl binary carries exactly the schema it speaks on the wire. The scan looks for gzip headers
 * (1f 8b 08), gunzips each candidate and keeps outputs that parse as a `FileDescriptorProto` whose
 * name starts with `k8s.io/` and ends with `.proto`.
 *
 * The output is deterministic: files are sorted by name and re-encoded with @bufbuild/protobuf
 * (unknown fields, i.e. gogoproto options, are kept as-is).
 *
 * It also writes `proto/kubernetes/openapiv2.binpb`: gnostic's `openapiv2/OpenAPIv2.proto`
 * (package `openapi.v2`, the wire schema of `/openapi/v2` served as
 * `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`) and its dependency
 * `google/protobuf/any.proto` (the well-known file as @bufbuild/protobuf ships it; kubectl's copy
 * is not stored contiguously). gnostic is a google.golang.org/protobuf file, which registers its
 * descriptor as a raw (not gzipped) byte string, so it is found by name instead
 * ({@link extractRawDescriptors}).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, file_google_protobuf_any, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** KUBECTL_DIR is where the machine keeps versioned kubectl binaries (`kubectl.1.NN`). */
export const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

/** newestKubectl returns the `kubectl.1.NN` in {@link KUBECTL_DIR} with the highest minor version. */
export function newestKubectl(dir = KUBECTL_DIR): string | undefined {
  if (!existsSync(dir)) return undefined;
  const versioned = readdirSync(dir)
    .map((f) => /^kubectl\.1\.(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  return versioned[0] ? path.join(dir, versioned[0][0]) : undefined;
}

/**
 * gunzipFirstMember inflates the gzip member starting at `at`, or returns undefined. Only the first
 * member: Go's registered descriptors sit back to back, and zlib's gunzip would run on into the
 * next one.
 */
function gunzipFirstMember(buf: Buffer, at: number): Buffer | undefined {
  const flags = buf[at + 3] ?? 0xff;
  if (flags & 0xe0) return undefined; // reserved bits set: not a gzip header
  let p = at + 10;
  if (flags & 0x04) p += 2 + (buf.readUInt16LE(p) || 0); // FEXTRA
  if (flags & 0x08) p = buf.indexOf(0, p) + 1; // FNAME
  if (flags & 0x10) p = buf.indexOf(0, p) + 1; // FCOMMENT
  if (flags & 0x02) p += 2; // FHCRC
  if (p <= at || p >= buf.length) return undefined;
  try {
    return inflateRawSync(buf.subarray(p));
  } catch {
    return undefined; // not a deflate stream
  }
}

/** extractDescriptors scans a Go binary for gzipped k8s.io `FileDescriptorProto`s, sorted by name. */
export function extractDescriptors(binary: Buffer): FileDescriptorProto[] {
  const byName = new Map<string, FileDescriptorProto>();
  for (let i = binary.indexOf(GZIP_MAGIC); i >= 0; i = binary.indexOf(GZIP_MAGIC, i + 1)) {
    const out = gunzipFirstMember(binary, i);
    if (!out) continue;
    // A FileDescriptorProto starts with field 1 (name), length-delimited: 0x0a <len> <name>.
    if (out[0] !== 0x0a) continue;
    let fd: FileDescriptorProto;
    try {
      fd = fromBinary(FileDescriptorProtoSchema, out);
    } catch {
      continue;
    }
    if (!fd.name.startsWith('k8s.io/') || !fd.name.endsWith('.proto')) continue;
    if (!byName.has(fd.name)) byName.set(fd.name, fd);
  }
  return [...byName.keys()].sort().map((n) => byName.get(n)!);
}

/** OPENAPI_V2_FILES are the raw descriptors kept for the `/openapi/v2` protobuf encoding. */
export const OPENAPI_V2_FILES = ['openapiv2/OpenAPIv2.proto'] as const;

/** Field numbers of `FileDescriptorProto` and their wire types (2 = length-delimited, 0 = varint). */
const FILE_DESCRIPTOR_FIELDS = new Map<number, number>([
  [1, 2], [2, 2], [3, 2], [4, 2], [5, 2], [6, 2], [7, 2], [8, 2], [9, 2], [10, 0], [11, 0], [12, 2], [14, 0],
]);

function readVarint(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let shift = 0, p = at; p < buf.length && shift < 50; shift += 7, p++) {
    const b = buf[p]!;
    value += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return { value, next: p + 1 };
  }
  return undefined;
}

/**
 * rawDescriptorEnd returns where the serialized `FileDescriptorProto` starting at `at` ends. Go
 * writes fields in field-number order, so the walk stops at the first tag that is not a
 * FileDescriptorProto field, goes backwards in number, or follows `syntax` (12) with anything but
 * `edition` (14): the bytes after the descriptor belong to the next constant in the binary.
 */
function rawDescriptorEnd(buf: Buffer, at: number): number {
  let p = at;
  let last = 0;
  for (;;) {
    const tag = readVarint(buf, p);
    if (!tag) return p;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value & 7;
    if (FILE_DESCRIPTOR_FIELDS.get(field) !== wire || field < last || (last === 12 && field !== 14) || last === 14) return p;
    const val = readVarint(buf, tag.next);
    if (!val) return p;
    const end = wire === 2 ? val.next + val.value : val.next;
    if (end > buf.length) return p;
    last = field;
    p = end;
  }
}

/**
 * extractRawDescriptors finds the `FileDescriptorProto`s named `names` that a Go binary embeds
 * uncompressed (google.golang.org/protobuf's `rawDesc`): each starts with field 1, the file name
 * (`0a <len> <name>`). Names not found are left out; the result is sorted by name.
 */
export function extractRawDescriptors(binary: Buffer, names: readonly string[]): FileDescriptorProto[] {
  const out: FileDescriptorProto[] = [];
  for (const name of [...names].sort()) {
    const head = Buffer.concat([Buffer.from([0x0a, Buffer.byteLength(name)]), Buffer.from(name)]);
    for (let i = binary.indexOf(head); i >= 0; i = binary.indexOf(head, i + 1)) {
      try {
        const fd = fromBinary(FileDescriptorProtoSchema, binary.subarray(i, rawDescriptorEnd(binary, i)));
        if (fd.name === name && fd.package !== '' && (fd.messageType.length > 0 || fd.enumType.length > 0)) {
          out.push(fd);
          break;
        }
      } catch {
        // not a descriptor: a string that happens to hold the name
      }
    }
  }
  return out;
}

/** kubectlVersion asks the binary for its client version (`v1.33.1`), or `unknown`. */
function kubectlVersion(bin: string): string {
  try {
    const out = execFileSync(bin, ['version', '--client', '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return String((JSON.parse(out) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

function readme(bin: string, version: string, files: FileDescriptorProto[]): string {
  return `# proto/kubernetes

\`descriptors.binpb\` is a binary \`google.protobuf.FileDescriptorSet\` holding the ${files.length} Kubernetes
\`generated.proto\` schemas (k8s.io/api, k8s.io/apimachinery, k8s.io/metrics), extracted from the
kubectl binary \`${path.basename(bin)}\` (\`${version}\`). Kubernetes is Apache-2.0 licensed; these
descriptors are upstream's, unchanged (only re-encoded in name order).

Why: clients built on client-go (kubectl included) send typed objects as
\`application/vnd.kubernetes.protobuf\` bodies without a JSON fallback. Field numbers are not in the
OpenAPI documents under \`spec/\`; every Go program built against k8s.io/api registers the gzipped
descriptors of these files, so the client binary carries exactly the wire schema it speaks.
\`tools/protobuf-gen/\` turns this set into \`generated/protobuf/\` (\`npm run generate\`), which the
apiserver's decoder (\`impl/apimachinery/runtime/serializer/protobuf/\`) uses.

Re-extract (from the newest \`${KUBECTL_DIR}/kubectl.1.*\`, or any kubectl):

    npm run proto:extract -- [--kubectl PATH]
    npm run generate

\`openapiv2.binpb\` is a second \`FileDescriptorSet\` with gnostic's \`openapiv2/OpenAPIv2.proto\`
(package \`openapi.v2\`, Apache-2.0), from the same binary, and its dependency
\`google/protobuf/any.proto\` (the well-known file as @bufbuild/protobuf ships it). kubectl
downloads \`/openapi/v2\` as \`application/com.github.proto-openapi.spec.v2@v1.0+protobuf\` (an
\`openapi.v2.Document\`) for client-side validation; the apiserver encodes that document with it
(\`impl/apiserver/openapi/openapi-v2-proto.ts\`).

Files:

${files.map((f) => `- \`${f.name}\``).join('\n')}
`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubectl: { type: 'string' },
      out: { type: 'string', default: path.join(repoRoot, 'proto', 'kubernetes') },
    },
  });
  const bin = values.kubectl ?? newestKubectl();
  if (!bin || !existsSync(bin)) throw new Error(`no kubectl binary found (looked in ${KUBECTL_DIR}); pass --kubectl PATH`);
  const binary = readFileSync(bin);
  const files = extractDescriptors(binary);
  if (!files.some((f) => f.name === 'k8s.io/api/core/v1/generated.proto')) {
    throw new Error(`${bin}: no k8s.io/api/core/v1/generated.proto descriptor found`);
  }
  const openapi = extractRawDescriptors(binary, OPENAPI_V2_FILES);
  if (openapi.length !== OPENAPI_V2_FILES.length) {
    throw new Error(`${bin}: found ${openapi.map((f) => f.name).join(', ') || 'none'} of ${OPENAPI_V2_FILES.join(', ')}`);
  }
  const outDir = path.resolve(values.out);
  mkdirSync(outDir, { recursive: true });
  const set = create(FileDescriptorSetSchema, { file: files });
  writeFileSync(path.join(outDir, 'descriptors.binpb'), toBinary(FileDescriptorSetSchema, set));
  writeFileSync(path.join(outDir, 'openapiv2.binpb'), toBinary(FileDescriptorSetSchema, create(FileDescriptorSetSchema, { file: [file_google_protobuf_any.proto, ...openapi] })));
  writeFileSync(path.join(outDir, 'README.md'), readme(bin, kubectlVersion(bin), files));
  process.stdout.write(`wrote ${files.length} descriptors (+ openapi.v2) from ${bin} to ${path.relative(process.cwd(), outDir) || '.'}/\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

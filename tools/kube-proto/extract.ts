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
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

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
  const files = extractDescriptors(readFileSync(bin));
  if (!files.some((f) => f.name === 'k8s.io/api/core/v1/generated.proto')) {
    throw new Error(`${bin}: no k8s.io/api/core/v1/generated.proto descriptor found`);
  }
  const outDir = path.resolve(values.out);
  mkdirSync(outDir, { recursive: true });
  const set = create(FileDescriptorSetSchema, { file: files });
  writeFileSync(path.join(outDir, 'descriptors.binpb'), toBinary(FileDescriptorSetSchema, set));
  writeFileSync(path.join(outDir, 'README.md'), readme(bin, kubectlVersion(bin), files));
  process.stdout.write(`wrote ${files.length} descriptors from ${bin} to ${path.relative(process.cwd(), outDir) || '.'}/\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

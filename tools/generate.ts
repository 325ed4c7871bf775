/**
 * `npm run generate [-- --spec DIR --proto FILE --out DIR]` regenerates everything in `generated/`
 * from the vendored inputs: Kubernetes types and the resource table from the OpenAPI documents
 * (`tools/openapi-gen/`), and the CRI types and gRPC stubs from `api.proto` (`tools/cri-gen/`).
 * Output is deterministic: running it twice changes nothing.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKubernetes } from './openapi-gen/generate.ts';
import { generateCri } from './cri-gen/generate.ts';
import { generateProtobuf } from './protobuf-gen/generate.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    spec: { type: 'string', default: path.join(root, 'spec') },
    proto: { type: 'string', default: path.join(root, 'proto', 'api.proto') },
    out: { type: 'string', default: path.join(root, 'generated') },
  },
});

const specDir = path.resolve(values.spec);
const protoFile = path.resolve(values.proto);
const outDir = path.resolve(values.out);

await generateKubernetes({ specDir, outDir });
await generateCri({ protoFile, outDir });
await generateProtobuf({ descriptorFile: path.join(root, 'proto', 'kubernetes', 'descriptors.binpb'), specDir, outDir, repoRoot: root });
const rel = (p: string): string => path.relative(process.cwd(), p) || '.';
process.stdout.write(`wrote ${rel(outDir)}/ from ${rel(specDir)}/ and ${rel(protoFile)}\n`);

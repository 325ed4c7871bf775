/**
 * `npm run spec-diff -- OLD_DIR NEW_DIR [--json]` prints what changed between two releases'
 * OpenAPI documents (group-versions, resources, kinds, definitions, fields). Use it before
 * replacing `spec/` with a new release, e.g.
 * `npm run spec-diff -- ../shared/kubernetes-openapi/1.34 spec`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadSpecDocuments } from '../openapi-gen/spec-documents.ts';
import { diffSpecs, formatSpecDiff } from './spec-diff.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
});

if (values.help || positionals.length !== 2) {
  process.stderr.write('usage: npm run spec-diff -- OLD_DIR NEW_DIR [--json]\n');
  process.exit(values.help ? 0 : 2);
}

const [oldDir, newDir] = positionals.map((p) => path.resolve(p)) as [string, string];
try {
  const [oldDocs, newDocs] = await Promise.all([loadSpecDocuments(oldDir), loadSpecDocuments(newDir)]);
  const diff = diffSpecs(oldDocs, newDocs);
  const out = values.json
    ? JSON.stringify(diff, null, 2) + '\n'
    : formatSpecDiff(diff, { old: positionals[0]!, new: positionals[1]! }) + '\n';
  process.stdout.write(out);
} catch (err) {
  process.stderr.write(`spec-diff: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

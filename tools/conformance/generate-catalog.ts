/**
 * generate-catalog builds `conformance/cluster/catalog.json` from the reference list
 * (`../shared/reference/upstream-conformance-1.32.md`: ID, testname, gist, tag), the upstream
 * codenames (`upstream-codenames.tsv`), newer releases' entries (`upstream-newer.tsv`) and
 * the case registry (status and file). Run: `npx tsx tools/conformance/generate-catalog.ts`
 * (`--check` exits non-zero when the committed file differs).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Catalog, CatalogEntry, FeasibilityTag } from '../../conformance/cluster/catalog.ts';
import { CATALOG_PATH } from '../../conformance/cluster/catalog.ts';
import type { ConformanceCase } from '../../conformance/cluster/framework/case.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '..', '..');

/** referencePath finds the reference list (`../shared` beside the repo, or `/work/shared`). */
export function referencePath(): string {
  const candidates = [join(repoRoot, '..', 'shared', 'reference', 'upstream-conformance-1.32.md'), '/work/shared/reference/upstream-conformance-1.32.md'];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`reference list not found in ${candidates.join(', ')}`);
  return found;
}

interface ReferenceRow { id: string; testname: string; gist: string; tag: FeasibilityTag; sig: string }

/** parseReference reads the per-area tables of the reference markdown (section 2). */
export function parseReference(md: string): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  let sig = '';
  let inAreas = false;
  for (const line of md.split('\n')) {
    if (line.startsWith('## 2.')) inAreas = true;
    else if (line.startsWith('## ') && inAreas) break;
    const h = /^### \[(sig-[a-z-]+)\]/.exec(line);
    if (h) sig = h[1] ?? '';
    if (!inAreas) continue;
    const m = /^\| ([A-Z]{2}-\d{2}) \| (.*) \| (.*) \| (F‡|F|N|M|X) \|$/.exec(line);
    if (m) rows.push({ id: m[1]!, testname: m[2]!.trim(), gist: m[3]!.trim(), tag: m[4] as FeasibilityTag, sig });
  }
  return rows;
}

function tsvRows(path: string): string[][] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => l.split('\t'));
}

const AREA_PREFIX: Record<string, string> = {
  'api-machinery': 'AM', apps: 'AP', architecture: 'AR', auth: 'AU', cli: 'CL', instrumentation: 'IN', network: 'NW', node: 'ND', scheduling: 'SC', storage: 'ST',
};

function markers(codename: string): Pick<CatalogEntry, 'serial' | 'slow' | 'disruptive'> {
  return { serial: codename.includes('[Serial]'), slow: codename.includes('[Slow]'), disruptive: codename.includes('[Disruptive]') };
}

/** buildCatalog merges the sources with the registered cases. */
export function buildCatalog(cases: readonly ConformanceCase[]): Catalog {
  const refPath = referencePath();
  const ref = parseReference(readFileSync(refPath, 'utf8'));
  const codenames = new Map(tsvRows(join(here, 'upstream-codenames.tsv')).map((r) => [r[0]!, { release: r[1]!, codename: r[2]! }]));
  const byCodename = new Map(cases.map((c) => [c.codename, c]));
  const entries: CatalogEntry[] = [];
  for (const row of ref) {
    const cn = codenames.get(row.id);
    if (!cn) throw new Error(`no codename for ${row.id} in upstream-codenames.tsv`);
    const area = row.sig.replace(/^sig-/, '');
    if (!cn.codename.startsWith(`[${row.sig}]`)) throw new Error(`${row.id}: codename ${cn.codename} is not in ${row.sig}`);
    const c = byCodename.get(cn.codename);
    entries.push({
      id: row.id, testname: row.testname, codename: cn.codename, area, tag: row.tag, gist: row.gist, release: cn.release, list: 'v1.32',
      ...markers(cn.codename), status: c ? 'implemented' : 'missing', ...(c ? { file: c.file } : {}),
    });
  }
  const listSize = entries.length;
  const counters = new Map<string, number>();
  for (const r of tsvRows(join(here, 'upstream-newer.tsv'))) {
    const [sig, testname, release, tag, codename] = r as [string, string, string, FeasibilityTag, string];
    const area = sig.replace(/^sig-/, '');
    const n = (counters.get(area) ?? 0) + 1;
    counters.set(area, n);
    const c = byCodename.get(codename);
    entries.push({
      id: `${AREA_PREFIX[area] ?? 'XX'}-N${String(n).padStart(2, '0')}`, testname, codename, area, tag, gist: testname, release, list: 'newer',
      ...markers(codename), status: c ? 'implemented' : 'missing', ...(c ? { file: c.file } : {}),
    });
  }
  return {
    sources: [
      'shared/reference/upstream-conformance-1.32.md (IDs, testnames, gists, tags)',
      'tools/conformance/upstream-codenames.tsv (codenames and releases from kubernetes/kubernetes test/conformance/testdata/conformance.yaml)',
      'tools/conformance/upstream-newer.tsv (entries added after the v1.32 list)',
      'conformance/cluster/registry.ts (status, file)',
    ],
    listSize,
    entries,
  };
}

/** renderCatalog is the committed JSON text. */
export function renderCatalog(cat: Catalog): string {
  return JSON.stringify(cat, null, 2) + '\n';
}

async function main(): Promise<void> {
  const { cases } = await import('../../conformance/cluster/registry.ts');
  const text = renderCatalog(buildCatalog(cases));
  if (process.argv.includes('--check')) {
    const current = existsSync(CATALOG_PATH) ? readFileSync(CATALOG_PATH, 'utf8') : '';
    if (current !== text) {
      process.stderr.write('conformance/cluster/catalog.json is stale: run npx tsx tools/conformance/generate-catalog.ts\n');
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(CATALOG_PATH, text);
  const cat = JSON.parse(text) as Catalog;
  const impl = cat.entries.filter((e) => e.status === 'implemented').length;
  process.stdout.write(`wrote ${CATALOG_PATH}: ${cat.entries.length} entries (${cat.listSize} in the v1.32 list), ${impl} implemented\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();

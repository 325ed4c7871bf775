import test from 'ava';
import { readFileSync } from 'node:fs';
import { buildCatalog, renderCatalog } from '../../tools/conformance/generate-catalog.ts';
import { CATALOG_PATH, loadCatalog } from './catalog.ts';
import { cases } from './registry.ts';

test('the catalog holds all 408 upstream v1.32 conformance tests with tags and unique codenames', (t) => {
  const cat = loadCatalog();
  const listed = cat.entries.filter((e) => e.list === 'v1.32');
  t.is(cat.listSize, 408);
  t.is(listed.length, 408);
  t.is(new Set(cat.entries.map((e) => e.codename)).size, cat.entries.length, 'codenames are unique');
  t.is(new Set(cat.entries.map((e) => e.id)).size, cat.entries.length, 'ids are unique');
  const dupNames = listed.filter((e, i) => listed.findIndex((x) => x.testname === e.testname) !== i);
  t.true(dupNames.length > 0, 'upstream has duplicate testnames, told apart by codename');
  for (const e of cat.entries) t.true(['F', 'F‡', 'N', 'M', 'X'].includes(e.tag), `${e.id} tag`);
  t.deepEqual(
    Object.fromEntries(['api-machinery', 'apps', 'node', 'storage'].map((a) => [a, listed.filter((e) => e.area === a).length])),
    { 'api-machinery': 93, apps: 54, node: 88, storage: 90 },
  );
});

test('catalog.json is up to date with the case registry (run tools/conformance/generate-catalog.ts)', (t) => {
  t.is(readFileSync(CATALOG_PATH, 'utf8'), renderCatalog(buildCatalog(cases)));
});

test('every registered case names a catalog entry by id and codename, once', (t) => {
  const cat = loadCatalog();
  const byCodename = new Map(cat.entries.map((e) => [e.codename, e]));
  const seen = new Set<string>();
  for (const c of cases) {
    const e = byCodename.get(c.codename);
    t.truthy(e, `case ${c.id} codename is not in the catalog: ${c.codename}`);
    t.is(e?.id, c.id, `case ${c.id} is registered under catalog id ${e?.id}`);
    t.is(e?.status, 'implemented');
    t.is(e?.file, c.file);
    t.false(seen.has(c.codename), `duplicate case ${c.id}`);
    seen.add(c.codename);
  }
  t.is(cat.entries.filter((e) => e.status === 'implemented').length, cases.length);
});

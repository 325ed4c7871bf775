import test from 'ava';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { RestClient, parseKubeconfig } from '#impl/client/index.ts';
import { startTestTLSServer, type TestTLSServer } from '#impl/client/testing/tls-server.ts';
import { defineCase, type ConformanceCase } from '../framework/case.ts';
import { expectEqual, skip } from '../framework/expect.ts';
import { DEFAULT_TEST_IMAGES } from '../framework/images.ts';
import { loadCatalog } from '../catalog.ts';
import { renderJUnit } from './junit.ts';
import { runSuite } from './run-suite.ts';
import { selectCases } from './select.ts';
import { renderSummaryTable, summarize } from './summary.ts';
import { parseDuration } from './duration.ts';
import { renderCatalogList } from './list.ts';

/** A tiny fake apiserver: namespaces (generateName, label selector), /version, no ServiceAccounts. */
function fakeApiserver(opts: { keepNamespaces?: boolean }) {
  const namespaces = new Map<string, { metadata: { name: string; labels: Record<string, string> }; status: { phase: string } }>();
  let n = 0;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'https://x');
    const send = (code: number, body: unknown): void => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const notFound = (what: string): void => send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${what} not found` });
    if (url.pathname === '/version') return send(200, { major: '1', minor: '35', gitVersion: 'v1.35.0-fake' });
    if (url.pathname.includes('/serviceaccounts/')) return notFound('serviceaccounts "default"');
    if (url.pathname === '/api/v1/namespaces' && req.method === 'POST') {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { metadata: { generateName: string; labels: Record<string, string> } };
      const name = `${body.metadata.generateName}${String(++n).padStart(5, '0')}`;
      const ns = { metadata: { name, labels: body.metadata.labels }, status: { phase: 'Active' } };
      namespaces.set(name, ns);
      return send(201, ns);
    }
    if (url.pathname === '/api/v1/namespaces' && req.method === 'GET') {
      const [k, v] = (url.searchParams.get('labelSelector') ?? '').split('=');
      return send(200, { kind: 'NamespaceList', metadata: {}, items: [...namespaces.values()].filter((x) => !k || x.metadata.labels[k] === v) });
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(url.pathname);
    if (m && req.method === 'DELETE') {
      const ns = namespaces.get(m[1]!);
      if (!ns) return notFound(`namespaces "${m[1]}"`);
      if (opts.keepNamespaces) ns.status.phase = 'Terminating';
      else namespaces.delete(m[1]!);
      return send(200, ns);
    }
    if (m && req.method === 'GET') return namespaces.has(m[1]!) ? send(200, namespaces.get(m[1]!)) : notFound(`namespaces "${m[1]}"`);
    return notFound(url.pathname);
  };
}

const catalog = loadCatalog();
const byId = new Map(catalog.entries.map((e) => [e.id, e]));
const codename = (id: string): string => byId.get(id)!.codename;

function fakeCases(): ConformanceCase[] {
  return [
    defineCase(import.meta.url, { id: 'AM-93', codename: codename('AM-93'), async run(ctx) { ctx.step('passes'); } }),
    defineCase(import.meta.url, { id: 'AM-88', codename: codename('AM-88'), async run() { expectEqual(1, 2, 'watch event count <fails> & "quotes"'); } }),
    defineCase(import.meta.url, { id: 'AM-89', codename: codename('AM-89'), async run() { skip('needs two nodes'); } }),
    defineCase(import.meta.url, { id: 'AM-90', codename: codename('AM-90'), timeoutMs: 300, async run(ctx) { ctx.step('hanging forever'); await new Promise(() => {}); } }),
    defineCase(import.meta.url, { id: 'AM-68', codename: codename('AM-68'), async run(ctx) { await ctx.createNamespace('extra'); } }),
  ];
}

let srv: TestTLSServer;
let leaky: TestTLSServer;
test.before(async () => {
  const normal = fakeApiserver({});
  const keeping = fakeApiserver({ keepNamespaces: true });
  srv = await startTestTLSServer((req, res) => void normal(req, res));
  leaky = await startTestTLSServer((req, res) => void keeping(req, res));
});
test.after.always(async () => {
  await srv.close();
  await leaky.close();
});

test('runSuite: pass, fail, skip, per-case timeout, serial cases, cleanup and a JUnit XML that parses', async (t) => {
  const client = new RestClient(parseKubeconfig(srv.kubeconfig));
  const run = await runSuite({ client, cases: fakeCases(), images: DEFAULT_TEST_IMAGES, parallel: 3, namespaceDeletionTimeoutMs: 2000, nodeSchedulableTimeoutMs: 0 });
  client.close();
  const status = Object.fromEntries(run.results.map((r) => [r.id, r.status]));
  t.deepEqual(status, { 'AM-93': 'passed', 'AM-88': 'failed', 'AM-89': 'skipped', 'AM-90': 'failed', 'AM-68': 'passed' });
  t.regex(run.results.find((r) => r.id === 'AM-90')!.message!, /case timed out after 0.3s \(during: STEP: hanging forever\)/);
  t.is(run.results.find((r) => r.id === 'AM-68')!.namespaces.length, 2);
  t.deepEqual(run.leftoverNamespaces, []);
  t.is(run.serverVersion, 'v1.35.0-fake');

  const xml = renderJUnit(run, catalog);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
    testsuites: { testsuite: { tests: string; failures: string; skipped: string; time: string; testcase: Array<{ name: string; status: string; failure?: { message: string } }> } };
  };
  const suite = doc.testsuites.testsuite;
  t.is(suite.tests, '408');
  t.is(suite.failures, '2');
  t.is(suite.skipped, String(408 - 4));
  t.true(Number(suite.time) >= 0);
  const failed = suite.testcase.find((c) => c.name === codename('AM-88'));
  t.is(failed?.status, 'failed');
  t.regex(failed?.failure?.message ?? '', /watch event count <fails> & "quotes": expected 2, got 1/);

  const table = renderSummaryTable(summarize(run, catalog));
  t.regex(table, /api-machinery\s+93\s+93\s+\d+\s+2\s+2\s+1/);
  t.regex(table, /total\s+408\s+388/);
});

test('runSuite reports namespaces left behind', async (t) => {
  const client = new RestClient(parseKubeconfig(leaky.kubeconfig));
  const run = await runSuite({ client, cases: fakeCases().slice(0, 1), images: DEFAULT_TEST_IMAGES, namespaceDeletionTimeoutMs: 600, nodeSchedulableTimeoutMs: 0 });
  client.close();
  t.is(run.leftoverNamespaces.length, 1);
  t.regex(run.leftoverNamespaces[0]!, /^am-93-\d+ \(Terminating\)$/);
});

const selectCasesTable = [
  { name: 'no filters selects all', focus: undefined, skip: undefined, want: ['AM-93', 'AM-88', 'AM-89', 'AM-90', 'AM-68'] },
  { name: 'focus by id', focus: 'AM-8[89]', skip: undefined, want: ['AM-88', 'AM-89'] },
  { name: 'focus by codename text', focus: 'Watchers', skip: undefined, want: ['AM-88', 'AM-89', 'AM-90'] },
  { name: 'skip Serial', focus: undefined, skip: '\\[Serial\\]', want: ['AM-93', 'AM-88', 'AM-89', 'AM-90'] },
  { name: 'focus and skip', focus: 'Watchers', skip: 'restart', want: ['AM-89', 'AM-90'] },
];
for (const tc of selectCasesTable) {
  test(`selectCases: ${tc.name}`, (t) => {
    t.deepEqual(selectCases(fakeCases(), { focus: tc.focus, skip: tc.skip }).map((c) => c.id), tc.want);
  });
}

const durations = [
  { in: '90s', ms: 90_000 },
  { in: '5m', ms: 300_000 },
  { in: '1h30m', ms: 5_400_000 },
  { in: '250ms', ms: 250 },
  { in: '1500', ms: 1500 },
];
for (const tc of durations) test(`parseDuration ${tc.in}`, (t) => t.is(parseDuration(tc.in), tc.ms));
test('parseDuration rejects garbage', (t) => {
  t.throws(() => parseDuration('5 minutes'), { message: /invalid duration/ });
});

test('--list prints every v1.32 entry with its status', (t) => {
  const out = renderCatalogList(catalog).trimEnd().split('\n');
  t.is(out.length, 409);
  t.regex(out.at(-1)!, /^408 entries, \d+ implemented$/);
  t.true(out.some((l) => l.startsWith('AM-88   F  implemented [sig-api-machinery] Watchers')));
});

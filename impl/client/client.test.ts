import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ApiError,
  RestClient,
  WaitTimeoutError,
  isConflict,
  isNotFound,
  loadKubeconfig,
  parseKubeconfig,
  waitFor,
} from './index.ts';
import { startTestTLSServer, type TestTLSServer } from './testing/tls-server.ts';

interface Seen { method: string; url: string; contentType: string | undefined; body: string; auth: string | undefined }

let srv: TestTLSServer;
const seen: Seen[] = [];

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function handler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks).toString();
  seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body, auth: req.headers.authorization });
  const url = new URL(req.url ?? '/', 'https://x');
  if (url.pathname === '/api/v1/namespaces/ns1/configmaps/missing') {
    send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'configmaps "missing" not found', details: { name: 'missing', kind: 'configmaps' } });
    return;
  }
  if (url.pathname === '/api/v1/namespaces/ns1/configmaps/stale' && req.method === 'PUT') {
    send(res, 409, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409, message: 'the object has been modified' });
    return;
  }
  if (url.pathname === '/plain-error') {
    res.writeHead(503);
    res.end('overloaded');
    return;
  }
  if (url.searchParams.get('watch') === '1') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '1' } } }) + '\n');
    res.write(JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '2' } } }).slice(0, 20));
    setTimeout(() => {
      res.write(JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '2' } } }).slice(20) + '\n');
      if (url.searchParams.get('labelSelector') === 'end') res.end();
    }, 20);
    return;
  }
  if (url.pathname === '/slow') {
    setTimeout(() => send(res, 200, {}), 2000);
    return;
  }
  send(res, 200, { echo: { method: req.method, path: url.pathname, query: url.search, body: body ? JSON.parse(body) : null } });
}

test.before(async () => {
  srv = await startTestTLSServer((req, res) => void handler(req, res));
});
test.after.always(async () => {
  await srv.close();
});

function client(): RestClient {
  return new RestClient(parseKubeconfig(srv.kubeconfig));
}

test.serial('kubeconfig: inline data, current-context, namespace and token file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-kc-'));
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  writeFileSync(join(dir, 'token'), 'secret-token\n');
  writeFileSync(join(dir, 'config'), [
    'current-context: b',
    'clusters:',
    '- {name: c1, cluster: {server: "https://10.0.0.1:6443/", certificate-authority: ca.crt, insecure-skip-tls-verify: true}}',
    'users:',
    '- {name: u1, user: {tokenFile: token}}',
    'contexts:',
    '- {name: a, context: {cluster: c1}}',
    '- {name: b, context: {cluster: c1, user: u1, namespace: team}}',
  ].join('\n'));
  const cfg = loadKubeconfig({ path: join(dir, 'config') });
  t.is(cfg.server, 'https://10.0.0.1:6443');
  t.is(cfg.ca?.toString(), 'CA');
  t.is(cfg.token, 'secret-token');
  t.is(cfg.namespace, 'team');
  t.true(cfg.insecureSkipTLSVerify);
  const a = loadKubeconfig({ path: join(dir, 'config'), context: 'a' });
  t.is(a.token, undefined);
  t.throws(() => loadKubeconfig({ path: join(dir, 'config'), context: 'nope' }), { message: /context "nope" not found/ });
});

test.serial('kubeconfig: client cert data is decoded', (t) => {
  const cfg = parseKubeconfig(srv.kubeconfig);
  t.true(cfg.cert?.toString().includes('BEGIN CERTIFICATE'));
  t.true(cfg.key?.toString().includes('PRIVATE KEY'));
});

const pathCases = [
  { name: 'core namespaced', gvr: ['', 'v1', 'pods'], ns: 'a', n: 'p', sub: 'status', want: '/api/v1/namespaces/a/pods/p/status' },
  { name: 'group namespaced list', gvr: ['apps', 'v1', 'deployments'], ns: 'a', n: undefined, sub: undefined, want: '/apis/apps/v1/namespaces/a/deployments' },
  { name: 'cluster scoped', gvr: ['', 'v1', 'namespaces'], ns: undefined, n: 'x', sub: 'finalize', want: '/api/v1/namespaces/x/finalize' },
  { name: 'all namespaces', gvr: ['', 'v1', 'configmaps'], ns: undefined, n: undefined, sub: undefined, want: '/api/v1/configmaps' },
] as const;
for (const tc of pathCases) {
  test.serial(`path: ${tc.name}`, (t) => {
    let r = client().resource(tc.gvr[0], tc.gvr[1], tc.gvr[2]);
    if (tc.ns) r = r.namespace(tc.ns);
    t.is(r.path(tc.n, tc.sub), tc.want);
  });
}

test.serial('create/get/list over mutual TLS with query parameters', async (t) => {
  const c = client();
  const cms = c.resource('', 'v1', 'configmaps').namespace('ns1');
  const created = await cms.create({ metadata: { name: 'x' } }, { fieldValidation: 'Strict', dryRun: 'All' });
  t.deepEqual(created.echo.method, 'POST');
  t.is(created.echo.path, '/api/v1/namespaces/ns1/configmaps');
  t.regex(created.echo.query, /dryRun=All/);
  t.regex(created.echo.query, /fieldValidation=Strict/);
  const listed = (await cms.list({ labelSelector: 'a=b', limit: 5 })) as unknown as { echo: { query: string } };
  t.regex(listed.echo.query, /labelSelector=a%3Db/);
  t.regex(listed.echo.query, /limit=5/);
  c.close();
});

const patchCases = [
  { type: 'merge', ct: 'application/merge-patch+json' },
  { type: 'json', ct: 'application/json-patch+json' },
  { type: 'strategic', ct: 'application/strategic-merge-patch+json' },
  { type: 'apply', ct: 'application/apply-patch+yaml' },
] as const;
for (const tc of patchCases) {
  test.serial(`patch sends ${tc.type} content type`, async (t) => {
    const c = client();
    seen.length = 0;
    await c.resource('apps', 'v1', 'deployments').namespace('n').patch('d', { spec: {} }, { type: tc.type, fieldManager: 'm', force: tc.type === 'apply' ? true : undefined });
    t.is(seen[0]?.contentType, tc.ct);
    t.is(seen[0]?.method, 'PATCH');
    c.close();
  });
}

test.serial('Status errors become typed ApiError', async (t) => {
  const c = client();
  const cms = c.resource('', 'v1', 'configmaps').namespace('ns1');
  const err = await t.throwsAsync(cms.get('missing'), { instanceOf: ApiError });
  t.true(isNotFound(err));
  t.is(err?.code, 404);
  t.is(err?.details?.name, 'missing');
  const conflict = await t.throwsAsync(cms.update({ metadata: { name: 'stale', resourceVersion: '1' } }), { instanceOf: ApiError });
  t.true(isConflict(conflict));
  const plain = await t.throwsAsync(c.request({ path: '/plain-error' }), { instanceOf: ApiError });
  t.is(plain?.reason, 'ServiceUnavailable');
  t.is(plain?.status.message, 'overloaded');
  c.close();
});

test.serial('delete sends DeleteOptions body', async (t) => {
  const c = client();
  seen.length = 0;
  await c.resource('', 'v1', 'pods').namespace('n').delete('p', { propagationPolicy: 'Foreground', gracePeriodSeconds: 0 });
  t.deepEqual(JSON.parse(seen[0]?.body ?? '{}'), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', gracePeriodSeconds: 0 });
  c.close();
});

test.serial('request timeout aborts', async (t) => {
  const c = client();
  await t.throwsAsync(c.request({ path: '/slow', timeoutMs: 100 }), { message: /timed out/ });
  c.close();
});

test.serial('watch yields events split across chunks and ends with the stream', async (t) => {
  const c = client();
  const w = c.resource('', 'v1', 'configmaps').namespace('ns1').watch({ labelSelector: 'end' });
  const rvs: string[] = [];
  for await (const ev of w) rvs.push(`${ev.type}:${ev.object.metadata?.resourceVersion}`);
  t.deepEqual(rvs, ['ADDED:1', 'MODIFIED:2']);
  c.close();
});

test.serial('watch stops on abort', async (t) => {
  const c = client();
  const ctrl = new AbortController();
  const w = c.resource('', 'v1', 'configmaps').namespace('ns1').watch({ signal: ctrl.signal });
  let n = 0;
  for await (const _ of w) {
    n++;
    if (n === 2) ctrl.abort();
  }
  t.is(n, 2);
  c.close();
});

test.serial('waitFor returns the first truthy value and times out with the message', async (t) => {
  let i = 0;
  t.is(await waitFor(() => (++i >= 3 ? 'ok' : undefined), { intervalMs: 5 }), 'ok');
  const err = await t.throwsAsync(waitFor(() => false, { timeoutMs: 50, intervalMs: 10, message: 'pod Running', describe: () => 'phase=Pending' }), { instanceOf: WaitTimeoutError });
  t.regex(err?.message ?? '', /pod Running; last state: phase=Pending/);
  const ctrl = new AbortController();
  setTimeout(() => ctrl.abort(new Error('test over')), 20);
  await t.throwsAsync(waitFor(() => false, { timeoutMs: 5000, intervalMs: 5, signal: ctrl.signal }), { message: /^test over while waiting for condition/ });
});

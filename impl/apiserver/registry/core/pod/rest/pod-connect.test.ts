import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls, { type TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import WebSocket, { WebSocketServer } from 'ws';
import { newSqliteStorage } from '#impl/storage/sqlite/store.ts';
import { startApiServer, type RunningApiServer } from '../../../../server.ts';
import { TestClient } from '../../../../testing/test-client.ts';

/** A fake kubelet: containerLogs (plain, follow, error), a WebSocket echo for exec/attach/portForward, healthz. */
let kubelet: https.Server;
let kubeletPort = 0;
const seen: Array<{ url: string; user: string }> = [];
let srv: RunningApiServer;
let c: TestClient;
let dir: string;

function kubeletHandler(req: IncomingMessage, res: ServerResponse): void {
  const sock = req.socket as TLSSocket;
  const user = sock.authorized ? String(sock.getPeerCertificate().subject.CN) : '';
  seen.push({ url: req.url ?? '', user });
  const url = new URL(req.url ?? '/', 'https://kubelet');
  if (!user) {
    res.writeHead(401).end('Unauthorized');
    return;
  }
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    return;
  }
  if (url.pathname === '/containerLogs/default/one/c1') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    if (url.searchParams.get('follow') !== 'true') {
      res.end('line 1\nline 2\n');
      return;
    }
    res.write('first\n');
    setTimeout(() => res.end('second\n'), 150);
    return;
  }
  if (url.pathname === '/containerLogs/default/two/b') {
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 400, reason: 'BadRequest', message: 'container "b" in pod "two" is waiting to start: ContainerCreating' }));
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found');
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubets-pod-connect-'));
  srv = await startApiServer({ dataDir: dir, securePort: 0, storage: newSqliteStorage({ path: ':memory:' }), log: () => {} });
  await srv.ready;
  c = new TestClient(srv.url, srv.pki);
  const pems = await generate([{ name: 'commonName', value: 'fake-kubelet' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' } as Parameters<typeof generate>[1]);
  kubelet = https.createServer({ cert: pems.cert, key: pems.private, ca: srv.pki.caCert, requestCert: true, rejectUnauthorized: false }, kubeletHandler);
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (ps) => (ps.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
  kubelet.on('upgrade', (req: IncomingMessage, socket, head) => {
    seen.push({ url: req.url ?? '', user: String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '') });
    if (String(req.headers.upgrade).toLowerCase() === 'spdy/3.1') {
      // Not real SPDY framing: the apiserver must not care, it only pipes bytes.
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n');
      if (head.length) socket.write(head);
      socket.pipe(socket);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(`path ${new URL(req.url ?? '/', 'https://k').pathname}`);
      ws.on('message', (m, binary) => ws.send(m, { binary }));
    });
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', () => r()));
  kubeletPort = (kubelet.address() as AddressInfo).port;
  const node = await c.post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  if (node.status !== 201) throw new Error(node.text);
  const st = await c.patch('/api/v1/nodes/n1/status', { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'n1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } } }, 'application/merge-patch+json');
  if (st.status !== 200) throw new Error(st.text);
  const pod = (name: string, containers: string[], nodeName?: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { ...(nodeName ? { nodeName } : {}), containers: containers.map((n) => ({ name: n, image: 'busybox', ports: [{ containerPort: 8080 }] })) },
  });
  const down = await c.post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'down' } });
  if (down.status !== 201) throw new Error(down.text);
  await c.patch('/api/v1/nodes/down/status', { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 1 } } } }, 'application/merge-patch+json');
  for (const p of [pod('one', ['c1'], 'n1'), pod('two', ['a', 'b'], 'n1'), pod('pending', ['c1']), pod('orphan', ['c1'], 'down')]) {
    const r = await c.post('/api/v1/namespaces/default/pods', p);
    if (r.status !== 201) throw new Error(r.text);
  }
});

test.after.always(async () => {
  c?.close();
  kubelet?.closeAllConnections();
  kubelet?.close();
  await srv?.stop();
  await srv?.storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const P = '/api/v1/namespaces/default/pods';

interface LogCase {
  name: string;
  path: string;
  code: number;
  text?: string;
  message?: string | RegExp;
  /** The URL the kubelet saw. */
  kubeletUrl?: string;
}

const logCases: LogCase[] = [
  { name: 'single container, plain', path: `${P}/one/log`, code: 200, text: 'line 1\nline 2\n', kubeletUrl: '/containerLogs/default/one/c1' },
  { name: 'options pass through to the kubelet', path: `${P}/one/log?container=c1&tailLines=5&timestamps=true&limitBytes=10&sinceSeconds=3&previous=true`, code: 200, kubeletUrl: '/containerLogs/default/one/c1?previous=true&timestamps=true&sinceSeconds=3&tailLines=5&limitBytes=10' },
  { name: 'follow streams every chunk', path: `${P}/one/log?follow=true`, code: 200, text: 'first\nsecond\n', kubeletUrl: '/containerLogs/default/one/c1?follow=true' },
  { name: 'missing pod is 404', path: `${P}/nope/log`, code: 404, message: 'pods "nope" not found' },
  { name: 'two containers need a name', path: `${P}/two/log`, code: 400, message: 'a container name must be specified for pod two, choose one of: [a b]' },
  { name: 'unknown container is 400', path: `${P}/one/log?container=zz`, code: 400, message: 'container zz is not valid for pod one' },
  { name: 'kubelet 400 keeps its message', path: `${P}/two/log?container=b`, code: 400, message: 'container "b" in pod "two" is waiting to start: ContainerCreating' },
  { name: 'unscheduled pod has an empty log', path: `${P}/pending/log`, code: 200, text: '' },
  { name: 'negative tailLines is 422', path: `${P}/one/log?tailLines=-1`, code: 422, message: /tailLines: Invalid value: -1: must be greater than or equal to 0/ },
  { name: 'sinceSeconds with sinceTime is 422', path: `${P}/one/log?sinceSeconds=1&sinceTime=2026-01-01T00:00:00Z`, code: 422, message: /at most one of `sinceTime` or `sinceSeconds` may be specified/ },
  { name: 'unreachable kubelet is 503', path: `${P}/orphan/log`, code: 503, message: /^error trying to reach service: dial tcp 127\.0\.0\.1:1: / },
  { name: 'non-numeric tailLines is 400', path: `${P}/one/log?tailLines=x`, code: 400 },
];

for (const tc of logCases) {
  test.serial(`pods/log: ${tc.name}`, async (t) => {
    seen.length = 0;
    const r = await c.get(tc.path);
    t.is(r.status, tc.code, r.text);
    if (tc.text !== undefined) t.is(r.text, tc.text);
    if (tc.code === 200) t.regex(String(r.headers['content-type']), /^text\/plain/);
    if (tc.message !== undefined) {
      if (typeof tc.message === 'string') t.is(r.json?.message, tc.message);
      else t.regex(r.json?.message ?? '', tc.message);
      t.is(r.json?.kind, 'Status');
    }
    if (tc.kubeletUrl !== undefined) {
      t.is(seen[0]?.url, tc.kubeletUrl);
      t.is(seen[0]?.user, 'kube-apiserver-kubelet-client');
    }
  });
}

function wsConnect(path: string): Promise<{ ws: WebSocket; first: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(new URL(path, srv.url.replace(/^https/, 'wss')), ['v5.channel.k8s.io'], { ca: srv.pki.caCert, cert: srv.pki.adminCert, key: srv.pki.adminKey });
    ws.once('message', (m) => resolve({ ws, first: m.toString() }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => reject(Object.assign(new Error(body), { status: res.statusCode })));
    });
  });
}

interface StreamCase {
  name: string;
  path: string;
  kubeletPath: string;
}

const streamCases: StreamCase[] = [
  { name: 'exec', path: `${P}/one/exec?command=echo&command=hi&stdout=true&stderr=true`, kubeletPath: '/exec/default/one/c1' },
  { name: 'attach', path: `${P}/two/attach?container=a&stdout=true`, kubeletPath: '/attach/default/two/a' },
  { name: 'portforward', path: `${P}/one/portforward?ports=8080,9090`, kubeletPath: '/portForward/default/one?port=8080&port=9090' },
];

for (const tc of streamCases) {
  test.serial(`${tc.name}: the WebSocket upgrade is piped both ways to the kubelet`, async (t) => {
    seen.length = 0;
    const { ws, first } = await wsConnect(tc.path);
    t.is(ws.protocol, 'v5.channel.k8s.io');
    t.is(first, `path ${tc.kubeletPath.split('?')[0]}`);
    const echoed = new Promise<Buffer>((r) => ws.once('message', (m) => r(m as Buffer)));
    ws.send(Buffer.from([1, 104, 105]));
    t.deepEqual([...(await echoed)], [1, 104, 105]);
    ws.close();
    t.is(seen[0]?.user, 'kube-apiserver-kubelet-client');
    t.true(seen[0]!.url.startsWith(tc.kubeletPath));
  });
}

interface StreamErrorCase {
  name: string;
  path: string;
  status: number;
  message: RegExp;
}

const streamErrors: StreamErrorCase[] = [
  { name: 'exec into an unscheduled pod', path: `${P}/pending/exec?command=sh&stdout=true`, status: 400, message: /pod pending does not have a host assigned/ },
  { name: 'exec without a command', path: `${P}/one/exec?stdout=true`, status: 400, message: /you must specify at least 1 command/ },
  { name: 'exec with two containers and none named', path: `${P}/two/exec?command=sh&stdout=true`, status: 400, message: /choose one of: \[a b\]/ },
  { name: 'exec into a missing pod', path: `${P}/nope/exec?command=sh&stdout=true`, status: 404, message: /pods "nope" not found/ },
];

for (const tc of streamErrors) {
  test.serial(`upgrade error: ${tc.name}`, async (t) => {
    const err = await t.throwsAsync(wsConnect(tc.path));
    t.is((err as Error & { status?: number }).status, tc.status);
    t.regex(JSON.parse(err!.message).message, tc.message);
  });
}

test.serial('exec without an upgrade is 400', async (t) => {
  const r = await c.post(`${P}/one/exec?command=sh&stdout=true`, undefined);
  t.is(r.status, 400);
  t.is(r.json?.message, 'Upgrade request required');
});

test.serial('nodes/proxy reaches the kubelet with the client cert', async (t) => {
  seen.length = 0;
  const r = await c.get('/api/v1/nodes/n1/proxy/healthz');
  t.is(r.status, 200, r.text);
  t.is(r.text, 'ok');
  t.is(seen[0]?.url, '/healthz');
  t.is(seen[0]?.user, 'kube-apiserver-kubelet-client');
  const missing = await c.get('/api/v1/nodes/n1/proxy/nothing');
  t.is(missing.status, 404);
  t.is(missing.text, '404 page not found');
});

test.serial('pods/proxy refuses pods without a routable IP', async (t) => {
  const r = await c.get(`${P}/one/proxy/`);
  t.is(r.status, 400);
  t.is(r.json?.message, 'address not allowed');
});

test.serial('nodes/proxy to a missing node is 404', async (t) => {
  const r = await c.get('/api/v1/nodes/zz/proxy/healthz');
  t.is(r.status, 404);
});

test.serial('exec: a SPDY/3.1 upgrade is piped as raw bytes', async (t) => {
  const sock = tls.connect({ host: '127.0.0.1', port: srv.port, ca: srv.pki.caCert, cert: srv.pki.adminCert, key: srv.pki.adminKey, servername: 'localhost', checkServerIdentity: () => undefined });
  await new Promise((r) => sock.once('secureConnect', r));
  sock.write(`POST ${P}/one/exec?command=sh&stdin=true&stdout=true HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n\r\n`);
  let got = '';
  await new Promise<void>((resolve) => {
    sock.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n') && !got.includes('frame')) sock.write('frame-bytes');
      if (got.includes('frame-bytes')) resolve();
    });
  });
  sock.destroy();
  t.regex(got, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  t.regex(got, /Upgrade: SPDY\/3\.1/);
  t.true(got.endsWith('frame-bytes'));
});

/** wsRead opens a WebSocket with `protocols` and collects messages until the server closes. */
function wsRead(path: string, protocols: string[]): Promise<{ protocol: string; messages: Array<{ data: Buffer; binary: boolean }>; code: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(new URL(path, srv.url.replace(/^https/, 'wss')), protocols, { ca: srv.pki.caCert, cert: srv.pki.adminCert, key: srv.pki.adminKey });
    const messages: Array<{ data: Buffer; binary: boolean }> = [];
    ws.on('message', (m, binary) => messages.push({ data: Buffer.isBuffer(m) ? m : Buffer.from(m as ArrayBuffer), binary }));
    ws.once('close', (code) => resolve({ protocol: ws.protocol, messages, code }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => reject(Object.assign(new Error(body), { status: res.statusCode })));
    });
  });
}

const wsLogCases: { name: string; path: string; protocols: string[]; protocol: string; binary: boolean; text: string }[] = [
  { name: 'binary.k8s.io sends raw binary frames', path: `${P}/one/log`, protocols: ['binary.k8s.io'], protocol: 'binary.k8s.io', binary: true, text: 'line 1\nline 2\n' },
  { name: 'base64.binary.k8s.io sends base64 text frames', path: `${P}/one/log`, protocols: ['base64.binary.k8s.io'], protocol: 'base64.binary.k8s.io', binary: false, text: 'line 1\nline 2\n' },
  { name: 'no subprotocol is binary', path: `${P}/one/log`, protocols: [], protocol: '', binary: true, text: 'line 1\nline 2\n' },
  { name: 'follow streams until the log ends', path: `${P}/one/log?follow=true`, protocols: ['binary.k8s.io'], protocol: 'binary.k8s.io', binary: true, text: 'first\nsecond\n' },
];
for (const tc of wsLogCases) {
  test.serial(`pods/log over WebSocket: ${tc.name}`, async (t) => {
    const r = await wsRead(tc.path, tc.protocols);
    t.is(r.protocol, tc.protocol);
    t.is(r.code, 1000);
    t.true(r.messages.length > 0);
    t.true(r.messages.every((m) => m.binary === tc.binary));
    const text = r.messages.map((m) => (tc.binary ? m.data.toString('utf8') : Buffer.from(m.data.toString('utf8'), 'base64').toString('utf8'))).join('');
    t.is(text, tc.text);
  });
}

test.serial('pods/log over WebSocket: an unsupported subprotocol is 400', async (t) => {
  const err = await t.throwsAsync(wsRead(`${P}/one/log`, ['v4.channel.k8s.io']));
  t.is((err as Error & { status?: number }).status, 400);
  t.regex(err!.message, /requested protocol\(s\) are not supported/);
});

test.serial('pods/log over WebSocket: a kubelet error is a Status before the upgrade', async (t) => {
  const err = await t.throwsAsync(wsRead(`${P}/two/log?container=b`, ['binary.k8s.io']));
  t.is((err as Error & { status?: number }).status, 400);
  t.regex(err!.message, /is waiting to start/);
});

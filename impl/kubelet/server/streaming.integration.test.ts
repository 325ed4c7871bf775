/**
 * Integration test of the kubelet server's exec/attach/portForward endpoints against a real
 * containerd 1.6 (tools/runtime in a temp dir): a sandbox with busybox and the test server made
 * through CRI, a kubelet server that knows the pod, then WebSocket `v4.channel.k8s.io` sessions to
 * the KUBELET's URLs — with the client certificate it requires (raw `ws`), and through impl/cri's
 * streaming clients (a second server without client-cert auth, since those clients take no TLS
 * options). Skips (with the reason) when the Debian packages or root are missing.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { Pod } from '#generated/k8s/index.ts';
import { ensurePki, type Pki } from '#impl/apiserver/pki.ts';
import { connectCri, openPortForward, runRemoteCommand, type CriClients } from '#impl/cri/index.ts';
import { decodeFrame, encodeFrame, toBuffer } from '#impl/cri/streaming/channel-protocol.ts';
import { runtimeDown, runtimeUp } from '../../../tools/runtime/index.ts';
import { TEST_SERVER_IMAGE } from '../../../tools/images/index.ts';
import { startKubeletServer, type RunningKubeletServer } from './server.ts';
import { criStreamingHost } from './streaming.ts';

const missing = ['containerd', 'runc', 'docker-registry', 'skopeo', 'busybox'].filter(
  (bin) => spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status !== 0,
);
if (process.getuid?.() !== 0) missing.push('root');
const skipReason = missing.length ? `needs ${missing.join(', ')} (apt-get install containerd runc containernetworking-plugins busybox-static docker-registry skopeo iptables)` : '';
const it = skipReason ? test.serial.skip : test.serial;
if (skipReason) test(`kubelet streaming integration skipped: ${skipReason}`, (t) => t.pass());

const dataDir = skipReason ? '' : mkdtempSync('/tmp/kubets-kstream-');
const uid = `uid-${Date.now()}`;
const pod: Pod = {
  metadata: { name: 'streamer', namespace: 'default', uid },
  spec: { containers: [{ name: 'shell', image: 'busybox' }, { name: 'server', image: TEST_SERVER_IMAGE }, { name: 'idle', image: 'busybox' }] },
};
let cri: CriClients;
let pki: Pki;
let secured: RunningKubeletServer;
let open: RunningKubeletServer;
let sandboxId = '';
const containers: { id: string; name: string; state: string }[] = [];

test.before(async () => {
  if (skipReason) return;
  const info = await runtimeUp({ dataDir });
  cri = connectCri({ endpoint: info.endpoint, defaultTimeoutMs: 60_000 });
  pki = await ensurePki({ dataDir });
  const sandboxConfig = {
    metadata: { name: 'streamer', namespace: 'default', uid, attempt: 0 },
    hostname: 'streamer',
    logDirectory: path.join(dataDir, 'logs', uid),
    linux: {},
  };
  sandboxId = (await cri.runtime.runPodSandbox({ config: sandboxConfig })).podSandboxId;
  const run = async (name: string, config: Record<string, unknown>): Promise<void> => {
    const { containerId } = await cri.runtime.createContainer({ podSandboxId: sandboxId, sandboxConfig, config: { metadata: { name }, logPath: `${name}.log`, ...config } });
    await cri.runtime.startContainer({ containerId });
    containers.push({ id: containerId, name, state: 'running' });
  };
  await cri.image.pullImage({ image: { image: 'busybox' } });
  await cri.image.pullImage({ image: { image: TEST_SERVER_IMAGE } });
  await run('shell', { image: { image: 'busybox' }, command: ['sleep', '3600'] });
  await run('server', { image: { image: TEST_SERVER_IMAGE } });
  // Wait for the test server to listen (its /healthz from the shell container, same netns).
  for (let i = 0; i < 100; i++) {
    const r = await cri.runtime.execSync({ containerId: containers[0]?.id ?? '', cmd: ['wget', '-qO-', 'http://127.0.0.1:8080/healthz'], timeout: '5' });
    if (Buffer.from(r.stdout).toString() === 'ok') break;
    await sleep(100);
  }
  const streaming = criStreamingHost(
    { getPodStatus: async () => ({ sandboxStatuses: [{ id: sandboxId, ready: true }], containerStatuses: containers }) },
    cri.runtime,
  );
  const host = { getPods: () => [pod], containerLog: async () => undefined, streaming };
  const cert = { cert: pki.servingCert, key: pki.servingKey };
  secured = await startKubeletServer({ host, address: '127.0.0.1', port: 0, cert, clientCA: pki.caCert });
  open = await startKubeletServer({ host, address: '127.0.0.1', port: 0, cert });
});

test.after.always(async () => {
  if (skipReason) return;
  await secured?.close();
  await open?.close();
  if (sandboxId) await cri.runtime.stopPodSandbox({ podSandboxId: sandboxId }).catch(() => {});
  if (sandboxId) await cri.runtime.removePodSandbox({ podSandboxId: sandboxId }).catch(() => {});
  cri?.close();
  await runtimeDown({ dataDir });
  rmSync(dataDir, { recursive: true, force: true });
});

interface WsOutcome {
  status?: number;
  body?: string;
  stdout: string;
  error: string;
}

/** wsSession runs one v4.channel.k8s.io session with a client certificate (or none) until it ends. */
function wsSession(port: number, pathAndQuery: string, withCert: boolean, send?: (ws: WebSocket) => void): Promise<WsOutcome> {
  const tlsOpts = withCert ? { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey } : { ca: pki.caCert };
  const ws = new WebSocket(`wss://127.0.0.1:${port}${pathAndQuery}`, ['v4.channel.k8s.io'], { ...tlsOpts, perMessageDeflate: false, handshakeTimeout: 10_000 });
  const out: WsOutcome = { stdout: '', error: '' };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (ws.terminate(), reject(new Error('session timed out'))), 20_000);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => (clearTimeout(timer), resolve({ ...out, status: res.statusCode, body })));
    });
    ws.on('open', () => send?.(ws));
    ws.on('message', (raw: Buffer) => {
      const f = decodeFrame(toBuffer(raw));
      if (f?.channel === 1) out.stdout += f.data.toString();
      if (f?.channel === 3) out.error += f.data.toString();
    });
    ws.on('error', (err) => (clearTimeout(timer), reject(err)));
    ws.on('close', () => (clearTimeout(timer), resolve({ ...out, status: 101 })));
  });
}

it('exec echo hi through the kubelet, with the client certificate', async (t) => {
  const r = await wsSession(secured.port, '/exec/default/streamer/shell?command=echo&command=hi&stdout=1&stderr=1', true);
  t.is(r.status, 101, r.body);
  t.is(r.stdout, 'hi\n');
  t.regex(r.error, /"status":"Success"/);
});

it('exec with the pod uid in the path and a non-zero exit code', async (t) => {
  const r = await wsSession(secured.port, `/exec/default/streamer/${uid}/shell?command=sh&command=-c&command=echo%20x%3Bexit%203&stdout=true`, true);
  t.is(r.stdout, 'x\n');
  t.regex(r.error, /NonZeroExitCode/);
});

const refusals = [
  { name: 'no client certificate: 401', path: '/exec/default/streamer/shell?command=true&stdout=1', cert: false, status: 401 },
  { name: 'unknown pod: 404', path: '/exec/default/nope/shell?command=true&stdout=1', cert: true, status: 404, body: /pods \\"nope\\" not found/ },
  { name: 'wrong uid: 404', path: '/exec/default/streamer/other-uid/shell?command=true&stdout=1', cert: true, status: 404 },
  { name: 'unknown container: 404', path: '/exec/default/streamer/nope?command=true&stdout=1', cert: true, status: 404 },
  { name: 'container not running: 400', path: '/exec/default/streamer/idle?command=true&stdout=1', cert: true, status: 400, body: /not running/ },
  { name: 'no stream: 400', path: '/exec/default/streamer/shell?command=true', cert: true, status: 400, body: /at least 1 of stdin, stdout, stderr/ },
  { name: 'bad port: 400', path: '/portForward/default/streamer?port=x', cert: true, status: 400, body: /invalid port value/ },
];
for (const tc of refusals) {
  it(`refused before the upgrade: ${tc.name}`, async (t) => {
    const r = await wsSession(secured.port, tc.path, tc.cert);
    t.is(r.status, tc.status, r.body);
    if (tc.body) t.regex(r.body ?? '', tc.body);
  });
}

it('attach to the test server reads its output stream', async (t) => {
  // The session opens and stays open; close it from the client once it is established.
  const r = await wsSession(secured.port, '/attach/default/streamer/server?stdout=1&stderr=1', true, (ws) => setTimeout(() => ws.close(), 300));
  t.is(r.status, 101, r.body);
});

it('portForward to the test server TCP echo port, with the client certificate', async (t) => {
  let echoed = '';
  const r = await wsSession(secured.port, '/portForward/default/streamer?port=8081', true, (ws) => {
    ws.send(encodeFrame(0, 'echo me\n'));
    ws.on('message', (raw: Buffer) => {
      const f = decodeFrame(toBuffer(raw));
      // The first frame on each channel is the port number (uint16 LE); later data frames are the stream.
      if (f?.channel === 0 && f.data.length > 0 && !(f.data.length === 2 && f.data.readUInt16LE(0) === 8081)) echoed += f.data.toString();
      if (echoed.includes('\n')) ws.close();
    });
  });
  t.is(r.status, 101, r.body);
  t.is(echoed, 'echo me\n');
});

it('impl/cri clients against the kubelet URLs (server without client-cert auth)', async (t) => {
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  const base = `https://127.0.0.1:${open.port}`;
  const out = await runRemoteCommand({ url: `${base}/exec/default/streamer/shell?command=sh&command=-c&command=read%20l%3Becho%20got%20$l&stdin=1&stdout=1`, stdin: 'hi\n', timeoutMs: 20_000 });
  t.is(out.stdout.toString(), 'got hi\n');
  t.is(out.exitCode, 0);

  const stream = await openPortForward({ url: `${base}/portForward/default/streamer`, port: 8081 });
  const echoed = await new Promise<string>((resolve, reject) => {
    let got = '';
    stream.on('data', (c: Buffer) => {
      got += c.toString();
      if (got.includes('\n')) resolve(got);
    });
    stream.on('error', reject);
    stream.write('through the kubelet\n');
  });
  stream.destroy();
  t.is(echoed, 'through the kubelet\n');
});

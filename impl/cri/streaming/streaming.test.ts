import test from 'ava';
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { exitCodeFromStatus, runRemoteCommand, RemoteCommandError } from './remotecommand.ts';
import { openPortForward, PortForwardError } from './portforward.ts';

/** fakeStreamingServer answers like containerd's streaming server would, per path. */
async function fakeStreamingServer(handler: (ws: WebSocket, url: URL) => void): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(404).end('no such token');
  });
  const wss = new WebSocketServer({
    server,
    handleProtocols: (p) => (p.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
    verifyClient: (info, cb) => (/^\/(exec|attach|portforward)\//.test(info.req.url ?? '') ? cb(true) : cb(false, 404, 'Not Found')),
  });
  wss.on('connection', (ws, req) => handler(ws, new URL(req.url ?? '/', 'http://x')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  return {
    base: `http://127.0.0.1:${addr.port}`,
    close: () => new Promise<void>((r) => { wss.close(); server.close(() => r()); }),
  };
}

const frame = (ch: number, s: string | Buffer): Buffer => Buffer.concat([Buffer.from([ch]), Buffer.from(s)]);

test('exec: stdin reaches the command, stdout/stderr are split, exit code parsed from v4 status', async (t) => {
  const srv = await fakeStreamingServer((ws) => {
    for (const ch of [1, 2, 3]) ws.send(frame(ch, '')); // the server's initial empty frames
    ws.on('message', (raw: Buffer) => {
      if (raw[0] !== 0) return;
      ws.send(frame(1, `got ${raw.subarray(1).toString()}`));
      ws.send(frame(2, 'warn\n'));
      ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } })));
      ws.close(1000);
    });
  });
  try {
    const out = await runRemoteCommand({ url: `${srv.base}/exec/tok`, stdin: 'hello\n', timeoutMs: 5000 });
    t.is(out.stdout.toString(), 'got hello\n');
    t.is(out.stderr.toString(), 'warn\n');
    t.is(out.exitCode, 7);
  } finally {
    await srv.close();
  }
});

const statusCases = [
  { name: 'Success is exit code 0', status: { status: 'Success' as const }, exitCode: 0 },
  { name: 'NonZeroExitCode carries the code', status: { status: 'Failure' as const, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '42' }] } }, exitCode: 42 },
  { name: 'other failures throw', status: { status: 'Failure' as const, message: 'container not running' }, throws: /container not running/ },
];
for (const tc of statusCases) {
  test(`exitCodeFromStatus: ${tc.name}`, (t) => {
    if ('throws' in tc) t.throws(() => exitCodeFromStatus(tc.status), { instanceOf: RemoteCommandError, message: tc.throws });
    else t.is(exitCodeFromStatus(tc.status).exitCode, tc.exitCode);
  });
}

test('exec: an unknown token is a clear error', async (t) => {
  const srv = await fakeStreamingServer(() => {});
  try {
    await t.throwsAsync(runRemoteCommand({ url: `${srv.base}/missing`, timeoutMs: 2000 }), { instanceOf: RemoteCommandError, message: /answered 404/ });
  } finally {
    await srv.close();
  }
});

test('exec: timeout ends a hanging session', async (t) => {
  const srv = await fakeStreamingServer(() => {});
  try {
    await t.throwsAsync(runRemoteCommand({ url: `${srv.base}/exec/tok`, timeoutMs: 200 }), { message: /timed out after 200ms/ });
  } finally {
    await srv.close();
  }
});

test('port-forward: the port prefix is stripped and bytes echo through', async (t) => {
  let requestedPort = '';
  const srv = await fakeStreamingServer((ws, url) => {
    requestedPort = url.searchParams.get('port') ?? '';
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(Number(requestedPort));
    ws.send(frame(0, prefix));
    ws.send(frame(1, prefix));
    ws.on('message', (raw: Buffer) => {
      if (raw[0] === 0) ws.send(frame(0, Buffer.from(raw.subarray(1).toString().toUpperCase())));
      ws.close(1000);
    });
  });
  try {
    const s = await openPortForward({ url: `${srv.base}/portforward/tok`, port: 8081 });
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.write('ping');
    await new Promise((r) => s.on('end', r));
    t.is(requestedPort, '8081');
    t.is(Buffer.concat(chunks).toString(), 'PING');
  } finally {
    await srv.close();
  }
});

test('port-forward: text on the error channel fails the stream', async (t) => {
  const srv = await fakeStreamingServer((ws) => {
    const prefix = Buffer.from([0x50, 0x00]);
    ws.send(frame(0, prefix));
    ws.send(frame(1, Buffer.concat([prefix, Buffer.from('connection refused')])));
    ws.close(1000);
  });
  try {
    const s = await openPortForward({ url: `${srv.base}/portforward/tok`, port: 80 });
    s.resume();
    const err = await new Promise<Error>((r) => s.on('error', r));
    t.true(err instanceof PortForwardError);
    t.regex(err.message, /connection refused/);
  } finally {
    await srv.close();
  }
});

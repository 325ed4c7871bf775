import test from 'ava';
import http, { type IncomingMessage } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Pod } from '#generated/k8s/index.ts';
import { StatusError } from '#impl/apimachinery/errors.ts';
import { criStreamingHost, findPod, parseStreamingRequest, type StreamingRuntimeService } from './streaming.ts';
import { proxyUpgrade, requestHead } from './upgrade-proxy.ts';

const parseCases: { name: string; url: string; want?: unknown; error?: RegExp }[] = [
  {
    name: 'exec by name',
    url: '/exec/ns/p/c?command=echo&command=hi&stdout=1&stderr=true',
    want: { kind: 'exec', namespace: 'ns', pod: 'p', uid: undefined, container: 'c', command: ['echo', 'hi'], options: { stdin: false, stdout: true, stderr: true, tty: false } },
  },
  {
    name: 'exec with uid; tty drops stderr',
    url: '/exec/ns/p/u1/c?command=sh&stdin=1&stdout=1&stderr=1&tty=1',
    want: { kind: 'exec', namespace: 'ns', pod: 'p', uid: 'u1', container: 'c', command: ['sh'], options: { stdin: true, stdout: true, stderr: false, tty: true } },
  },
  { name: 'attach', url: '/attach/ns/p/c?stdout=1', want: { kind: 'attach', namespace: 'ns', pod: 'p', uid: undefined, container: 'c', options: { stdin: false, stdout: true, stderr: false, tty: false } } },
  { name: 'portForward with ports', url: '/portForward/ns/p?port=80&port=8080', want: { kind: 'portForward', namespace: 'ns', pod: 'p', uid: undefined, ports: [80, 8080] } },
  { name: 'portForward with uid, no ports', url: '/portForward/ns/p/u1', want: { kind: 'portForward', namespace: 'ns', pod: 'p', uid: 'u1', ports: [] } },
  { name: 'no stream is a 400', url: '/exec/ns/p/c?command=true', error: /at least 1 of stdin, stdout, stderr/ },
  { name: 'bad port is a 400', url: '/portForward/ns/p?port=0', error: /invalid port value "0"/ },
  { name: 'exec without container is not a streaming path', url: '/exec/ns/p', want: undefined },
  { name: 'other paths', url: '/pods', want: undefined },
];
for (const tc of parseCases) {
  test(`parseStreamingRequest: ${tc.name}`, (t) => {
    const url = new URL(tc.url, 'https://kubelet');
    if (tc.error) {
      const err = t.throws(() => parseStreamingRequest(url));
      t.true(err instanceof StatusError && err.code === 400);
      t.regex(err?.message ?? '', tc.error);
    } else t.deepEqual(parseStreamingRequest(url), tc.want);
  });
}

const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'i' }, { name: 'idle', image: 'i' }] } };

test('findPod: 404 for another uid', (t) => {
  const r = parseStreamingRequest(new URL('https://k/attach/ns/p/u2/c?stdout=1'))!;
  const err = t.throws(() => findPod([pod], r));
  t.is((err as StatusError).code, 404);
  t.is(err?.message, 'pods "p" not found');
});

test('criStreamingHost: CRI requests and container errors', async (t) => {
  const calls: unknown[] = [];
  const rs = {
    exec: async (req: unknown) => (calls.push(['exec', req]), { url: 'http://rt/exec/1' }),
    attach: async (req: unknown) => (calls.push(['attach', req]), { url: 'http://rt/attach/1' }),
    portForward: async (req: unknown) => (calls.push(['portForward', req]), { url: 'http://rt/pf/1' }),
  } as unknown as StreamingRuntimeService;
  const host = criStreamingHost(
    { getPodStatus: async () => ({ sandboxStatuses: [{ id: 'old', ready: false }, { id: 'sb', ready: true }], containerStatuses: [{ id: 'cid', name: 'c', state: 'running' }, { id: 'x', name: 'idle', state: 'exited' }] }) },
    rs,
  );
  const o = { stdin: true, stdout: true, stderr: false, tty: true };
  t.is(await host.getExec(pod, 'c', ['sh'], o), 'http://rt/exec/1');
  t.is(await host.getAttach(pod, 'c', o), 'http://rt/attach/1');
  t.is(await host.getPortForward(pod, [80]), 'http://rt/pf/1');
  t.deepEqual(calls, [
    ['exec', { containerId: 'cid', cmd: ['sh'], ...o }],
    ['attach', { containerId: 'cid', ...o }],
    ['portForward', { podSandboxId: 'sb', port: [80] }],
  ]);
  t.is((await t.throwsAsync<StatusError>(host.getExec(pod, 'nope', ['sh'], o)))?.code, 404);
  t.regex((await t.throwsAsync<StatusError>(host.getExec(pod, 'idle', ['sh'], o)))?.message ?? '', /container idle is not running in pod p/);
});

test('requestHead rewrites Host and keeps the upgrade headers', (t) => {
  const head = requestHead('POST', new URL('http://127.0.0.1:9/exec/tok?x=1'), ['Host', 'kubelet:10250', 'Connection', 'Upgrade', 'Upgrade', 'SPDY/3.1', 'X-Stream-Protocol-Version', 'v4.channel.k8s.io']);
  t.is(head, 'POST /exec/tok?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
});

test('proxyUpgrade relays the 101 and pipes bytes both ways', async (t) => {
  // The "runtime": answers the upgrade, then echoes upper-cased bytes.
  const seen: string[] = [];
  const runtime = net.createServer((s) => {
    let buf = '';
    s.on('data', (c: Buffer) => {
      if (!buf.includes('\r\n\r\n')) {
        buf += c.toString();
        if (buf.includes('\r\n\r\n')) {
          seen.push(buf.split('\r\n\r\n')[0] ?? '');
          s.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n');
          const rest = buf.split('\r\n\r\n')[1];
          if (rest) s.write(rest.toUpperCase());
        }
      } else s.write(c.toString().toUpperCase());
    });
  });
  await new Promise<void>((r) => runtime.listen(0, '127.0.0.1', r));
  const rtPort = (runtime.address() as AddressInfo).port;
  const front = http.createServer();
  front.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => void proxyUpgrade({ target: `http://127.0.0.1:${rtPort}/exec/tok`, req, socket, head }));
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const port = (front.address() as AddressInfo).port;
  try {
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = http.request({ port, host: '127.0.0.1', path: '/exec/ns/p/c', headers: { Connection: 'Upgrade', Upgrade: 'test' } });
      req.on('upgrade', (res, socket) => {
        t.is(res.statusCode, 101);
        socket.write('hello');
        socket.on('data', (c: Buffer) => {
          resolve(c.toString());
          socket.destroy();
        });
      });
      req.on('error', reject);
      req.end();
    });
    t.is(echoed, 'HELLO');
    t.regex(seen[0] ?? '', new RegExp(`^GET /exec/tok HTTP/1.1\r\nHost: 127.0.0.1:${rtPort}\r\n`));
    t.regex(seen[0] ?? '', /Upgrade: test/);
  } finally {
    front.closeAllConnections();
    front.close();
    runtime.close();
  }
});

test('proxyUpgrade rejects when the runtime cannot be dialled', async (t) => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const fake = { method: 'GET', rawHeaders: [] } as unknown as IncomingMessage;
  await t.throwsAsync(proxyUpgrade({ target: `http://127.0.0.1:${port}/x`, req: fake, socket: new net.Socket() }), { message: /dial 127\.0\.0\.1:\d+: .*ECONNREFUSED/ });
});

/**
 * Runs the test-server image's gRPC health responder (files/test-server/grpc-health-conn) on
 * this host with the static busybox and checks it against the kubelet's gRPC prober and a plain
 * @grpc/grpc-js client. Skipped without busybox-static.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { grpcProbe } from '../../impl/kubelet/prober/grpc-probe.ts';
import { BUSYBOX_CANDIDATES } from './catalog.ts';

const busybox = BUSYBOX_CANDIDATES.find((p) => existsSync(p));
const filesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'files', 'test-server');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** startResponder runs `test-server grpc-health` under busybox sh, with a PATH of busybox applets. */
async function startResponder(): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(busybox!, ['sh', path.join(filesDir, 'test-server'), 'grpc-health', `--port=${port}`], {
    env: { TEST_SERVER_GRPC_CONN: path.join(filesDir, 'grpc-health-conn'), PATH: '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // wait until it accepts connections (generous: the machine may be loaded)
  const until = Date.now() + 30_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return { port, proc };
    if (Date.now() > until) throw new Error('grpc-health responder did not listen');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const maybe = busybox ? test.serial : test.skip;
if (!busybox) test('grpc-health responder tests (skipped: busybox-static not installed)', (t) => t.pass());

const probeCases: { name: string; service?: string }[] = [
  { name: 'no service', service: undefined },
  { name: 'a named service', service: 'etcd' },
];
for (const tc of probeCases) {
  maybe(`grpc-health: the kubelet prober sees SERVING (${tc.name})`, async (t) => {
    const { port, proc } = await startResponder();
    t.teardown(() => proc.kill());
    // two probes in a row: each is a fresh connection, served by a fresh `nc -e` child
    for (let i = 0; i < 2; i++) {
      const r = await grpcProbe({ host: '127.0.0.1', port, service: tc.service, timeoutMs: 20_000 });
      t.deepEqual(r, { result: 'success', output: 'service healthy' });
    }
  });
}

maybe('grpc-health: several calls on one connection are all answered', async (t) => {
  const { port, proc } = await startResponder();
  t.teardown(() => proc.kill());
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  const call = () =>
    new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), { deadline: Date.now() + 20_000 }, (err, res) => (err ? reject(err) : resolve(res!))),
    );
  for (let i = 0; i < 3; i++) t.deepEqual([...(await call())], [0x08, 1]);
});

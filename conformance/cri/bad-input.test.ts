/**
 * Bad input for `kubets cri-validate` and `kubets cri-bench`: a wrong endpoint, sockets that are not
 * CRI servers, a runtime that never answers, and a runtime that dies mid-run. Each must end with a
 * clear error within its deadline and a non-zero exit code. Needs no containerd: the servers here
 * are plain Node sockets and the faulty runtime in fake mode.
 */
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { startFaultyRuntime } from './testing/faulty-runtime.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kubets = path.join(root, 'bin', 'kubets.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cri-bad-input-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runKubets(args: string[], timeoutMs = 60_000): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [kubets, ...args], { cwd: root, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function listenUnix(server: net.Server | http.Server, file: string): Promise<void> {
  rmSync(file, { force: true });
  return new Promise((resolve) => server.listen(file, resolve));
}

const endpointCases: Array<{ name: string; setup: (tag: string) => Promise<{ endpoint: string; close?: () => void }>; want: RegExp; extra?: string[] }> = [
  {
    name: 'a socket path that does not exist',
    setup: async () => ({ endpoint: `unix://${path.join(dir, 'missing.sock')}` }),
    want: /cannot reach a CRI runtime at unix:\/\/.*missing\.sock: .*missing\.sock does not exist/,
  },
  {
    name: 'a path that is a regular file, not a socket',
    setup: async () => ({ endpoint: `unix://${path.join(root, 'package.json')}` }),
    want: /package\.json is not a unix socket/,
  },
  {
    name: 'an HTTP/1.1 server on a unix socket',
    setup: async (tag) => {
      const file = path.join(dir, `http-${tag}.sock`);
      const srv = http.createServer((_req, res) => res.end('hello'));
      await listenUnix(srv, file);
      return { endpoint: `unix://${file}`, close: () => srv.close() };
    },
    want: /cannot reach a CRI runtime at unix:\/\/.*http-[\w-]+\.sock: the endpoint is not a gRPC\/CRI server/,
  },
  {
    name: 'a gRPC server without the CRI services',
    setup: async (tag) => {
      const file = path.join(dir, `grpc-${tag}.sock`);
      rmSync(file, { force: true });
      const srv = new grpc.Server();
      await new Promise<void>((resolve, reject) => srv.bindAsync(`unix://${file}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
      return { endpoint: `unix://${file}`, close: () => srv.forceShutdown() };
    },
    want: /does not implement runtime\.v1\.RuntimeService\/Version \(not a CRI v1 runtime\)/,
  },
  {
    name: 'a server that accepts connections and never answers',
    setup: async (tag) => {
      const file = path.join(dir, `silent-${tag}.sock`);
      const socks: net.Socket[] = [];
      const srv = net.createServer((s) => socks.push(s));
      await listenUnix(srv, file);
      return { endpoint: `unix://${file}`, close: () => (socks.forEach((s) => s.destroy()), srv.close()) };
    },
    extra: ['--connect-timeout', '2s'],
    want: /cannot reach a CRI runtime at unix:\/\/.*silent-[\w-]+\.sock: (no answer to Version within 2s|the endpoint is not a gRPC\/CRI server|DEADLINE_EXCEEDED|UNAVAILABLE)/,
  },
  {
    name: 'a TCP endpoint nobody listens on',
    setup: async () => {
      const srv = net.createServer();
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      const port = (srv.address() as net.AddressInfo).port;
      await new Promise((r) => srv.close(r));
      return { endpoint: `127.0.0.1:${port}` };
    },
    extra: ['--connect-timeout', '3s'],
    want: /cannot reach a CRI runtime at 127\.0\.0\.1:\d+: (UNAVAILABLE|no answer)/,
  },
  {
    name: 'an endpoint with an unsupported scheme',
    setup: async () => ({ endpoint: 'npipe:////./pipe/containerd' }),
    want: /unsupported CRI endpoint "npipe:/,
  },
];

for (const tc of endpointCases) {
  for (const cmd of ['cri-validate', 'cri-bench'] as const) {
    // Serial: each test starts a CLI process; 16 at once on 2 cores would measure the machine, not the CLI.
    test.serial(`${cmd}: ${tc.name} -> clear error, non-zero exit, no hang`, async (t) => {
      const { endpoint, close } = await tc.setup(cmd);
      try {
        const r = await runKubets([cmd, '--runtime-endpoint', endpoint, ...(tc.extra ?? [])], 60_000);
        t.not(r.code, 0, `exit code (stderr: ${r.stderr})`);
        t.not(r.code, null, 'the command must exit by itself, not be killed by the test timeout');
        t.regex(r.stderr, tc.want);
        t.true(r.ms < 45_000, `took ${r.ms} ms`);
      } finally {
        close?.();
      }
    });
  }
}

test.serial('cri-validate: the runtime dying mid-run fails the remaining cases quickly and exits non-zero', async (t) => {
  const sock = path.join(dir, 'dying.sock');
  const fake = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'conformance/cri/testing/faulty-runtime.ts'), '--listen', sock, '--delay', '1500'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    if (fake.exitCode === null) fake.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    fake.stdout!.on('data', (b: Buffer) => b.toString().includes('listening') && resolve());
    fake.once('exit', (c) => reject(new Error(`faulty runtime exited with ${c}`)));
  });
  const started = Date.now();
  const child = spawn(process.execPath, [kubets, 'cri-validate', '--runtime-endpoint', `unix://${sock}`, '--focus', 'PodSandbox', '--timeout', '60s'], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    // Once the validator is past its preflight and running cases (the fake takes 1.5 s per
    // RunPodSandbox), kill the runtime with SIGKILL, like a crash, while a call is in flight.
    if (stdout.includes('CRI runtime faulty-fake') && fake.exitCode === null) setTimeout(() => fake.kill('SIGKILL'), 700);
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  const r = { code, stdout, stderr };
  t.log(stderr);
  t.not(r.code, 0);
  t.not(r.code, null, 'the validator must exit by itself');
  t.regex(r.stdout, /CRI runtime faulty-fake 0\.0\.1/);
  t.regex(r.stdout, /UNAVAILABLE|not run: the runtime stopped answering/);
  t.regex(r.stdout, /\d+ passed, [1-9]\d* failed/);
  t.true(Date.now() - started < 60_000, `took ${Date.now() - started} ms`);
});

test.serial('cri-validate: a working runtime endpoint with a wrong image endpoint -> clear error, exit 2', async (t) => {
  const rt = await startFaultyRuntime({ socketPath: path.join(dir, 'rt-only.sock') });
  t.teardown(() => rt.stop());
  const r = await runKubets(['cri-validate', '--runtime-endpoint', rt.endpoint, '--image-endpoint', `unix://${path.join(dir, 'no-image.sock')}`], 30_000);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /cannot reach a CRI image service at unix:\/\/.*no-image\.sock: .*does not exist/);
});

test.serial('cri-bench: the runtime dying mid-run stops the benchmark with a clear error, non-zero exit', async (t) => {
  const sock = path.join(dir, 'dying-bench.sock');
  const fake = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'conformance/cri/testing/faulty-runtime.ts'), '--listen', sock, '--delay', '300'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    if (fake.exitCode === null) fake.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    fake.stdout!.on('data', (b: Buffer) => b.toString().includes('listening') && resolve());
    fake.once('exit', (c) => reject(new Error(`faulty runtime exited with ${c}`)));
  });
  const started = Date.now();
  const child = spawn(process.execPath, [kubets, 'cri-bench', '--runtime-endpoint', `unix://${sock}`, '--iterations', '200'], { cwd: root });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    // Progress lines (`\r3/220`) mean iterations are running: crash the runtime now.
    if (/\r[1-9]\d*\/\d+/.test(stderr) && fake.exitCode === null) fake.kill('SIGKILL');
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  t.not(code, 0);
  t.not(code, null, 'cri-bench must exit by itself');
  t.regex(stderr, /error: the runtime stopped answering after \d+ complete iterations: \w+: .*Unavailable/);
  t.true(Date.now() - started < 60_000, `took ${Date.now() - started} ms`);
});

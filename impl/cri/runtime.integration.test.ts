/**
 * Integration test against a real containerd 1.6 started by tools/runtime in a temp dir: Version,
 * Status, PullImage through the docker.io / registry.k8s.io mirrors, a pod with busybox and the
 * test server, ExecSync, streaming Exec with stdin, Attach, PortForward, pod networking; then `down`
 * removes everything. Skips (with the reason) when the Debian packages or root are missing.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runtimeDown, runtimeUp, type RuntimeInfo } from '../../tools/runtime/index.ts';
import { BUSYBOX_IMAGE, PAUSE_IMAGE, TEST_SERVER_IMAGE } from '../../tools/images/index.ts';
import { connectCri, forwardLocalPort, NotFoundError, openPortForward, openRemoteCommand, runRemoteCommand, type CriClients } from './index.ts';

const missing = ['containerd', 'runc', 'docker-registry', 'skopeo', 'busybox'].filter(
  (bin) => spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status !== 0,
);
if (process.getuid?.() !== 0) missing.push('root');
const skipReason = missing.length ? `needs ${missing.join(', ')} (apt-get install containerd runc containernetworking-plugins busybox-static docker-registry skopeo iptables)` : '';
const it = skipReason ? test.serial.skip : test.serial;
if (skipReason) test(`CRI integration skipped: ${skipReason}`, (t) => t.pass());

const dataDir = skipReason ? '' : mkdtempSync('/tmp/kubets-rt-');
let info: RuntimeInfo;
let cri: CriClients;

test.before(async () => {
  if (skipReason) return;
  info = await runtimeUp({ dataDir });
  cri = connectCri({ endpoint: info.endpoint, defaultTimeoutMs: 60_000 });
});

test.after.always(async () => {
  if (skipReason) return;
  cri?.close();
  await runtimeDown({ dataDir });
  rmSync(dataDir, { recursive: true, force: true });
});

function shimsFor(socket: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        return (cmd[0] ?? '').includes('containerd-shim') && cmd.includes(socket);
      } catch {
        return false;
      }
    })
    .map(Number);
}

it('Version reports containerd 1.6.20 and CRI v1', async (t) => {
  const v = await cri.runtime.version();
  t.is(v.runtimeName, 'containerd');
  t.true(v.runtimeVersion.startsWith('1.6.20'), v.runtimeVersion);
  t.is(v.runtimeApiVersion, 'v1');
});

it('Status: RuntimeReady and NetworkReady', async (t) => {
  const s = await cri.runtime.status({});
  const cond = Object.fromEntries((s.status?.conditions ?? []).map((c) => [c.type, c.status]));
  t.deepEqual(cond, { RuntimeReady: true, NetworkReady: true });
});

it('runtime up is idempotent: a second up reuses both processes', async (t) => {
  const again = await runtimeUp({ dataDir });
  t.is(again.containerdPid, info.containerdPid);
  t.is(again.registryPid, info.registryPid);
  t.is(again.endpoint, info.endpoint);
});

const pullCases = [
  { name: 'busybox (docker.io mirror, short name)', image: 'busybox', tag: BUSYBOX_IMAGE },
  { name: 'registry.k8s.io/pause:3.10 (registry.k8s.io mirror)', image: PAUSE_IMAGE, tag: PAUSE_IMAGE },
  { name: 'the test server', image: TEST_SERVER_IMAGE, tag: TEST_SERVER_IMAGE },
  { name: 'by the local registry name', image: '', tag: '' },
];
for (const tc of pullCases) {
  it(`PullImage ${tc.name}`, async (t) => {
    const image = tc.image || `${info.registry}/library/busybox:latest`;
    const tag = tc.tag || image;
    const res = await cri.image.pullImage({ image: { image } });
    t.regex(res.imageRef, /^sha256:[0-9a-f]{64}$/);
    const st = await cri.image.imageStatus({ image: { image } });
    t.is(st.image?.id, res.imageRef);
    t.true(st.image?.repoTags.includes(tag), `${st.image?.repoTags.join(',')} includes ${tag}`);
  });
}

it('PullImage of a missing image is NotFound', async (t) => {
  const err = await t.throwsAsync(cri.image.pullImage({ image: { image: 'docker.io/library/does-not-exist:1' } }));
  t.true(err instanceof NotFoundError, `${err?.name}: ${err?.message}`);
});

it('pod lifecycle: sandbox + busybox + test-server, ExecSync, Exec, PortForward, networking', async (t) => {
  const uid = `uid-${Date.now()}`;
  const sandboxConfig = {
    metadata: { name: 'integration', namespace: 'default', uid, attempt: 0 },
    hostname: 'integration-pod',
    logDirectory: path.join(dataDir, 'logs', uid),
    linux: {},
  };
  const { podSandboxId } = await cri.runtime.runPodSandbox({ config: sandboxConfig });
  try {
    const sb = await cri.runtime.podSandboxStatus({ podSandboxId });
    const ip = sb.status?.network?.ip ?? '';
    t.regex(ip, /^198\.18\.\d+\.\d+$/, 'pod IP from the CNI bridge range');

    const { containerId } = await cri.runtime.createContainer({
      podSandboxId,
      sandboxConfig,
      config: { metadata: { name: 'shell' }, image: { image: 'busybox' }, command: ['sleep', '3600'], logPath: 'shell.log' },
    });
    await cri.runtime.startContainer({ containerId });
    const server = await cri.runtime.createContainer({
      podSandboxId,
      sandboxConfig,
      config: { metadata: { name: 'server' }, image: { image: TEST_SERVER_IMAGE }, logPath: 'server.log' },
    });
    await cri.runtime.startContainer({ containerId: server.containerId });

    const sync = await cri.runtime.execSync({ containerId, cmd: ['sh', '-c', 'hostname; echo oops >&2; exit 3'], timeout: '10' });
    t.is(Buffer.from(sync.stdout).toString(), 'integration-pod\n');
    t.is(Buffer.from(sync.stderr).toString(), 'oops\n');
    t.is(sync.exitCode, 3);

    const { url } = await cri.runtime.exec({ containerId, cmd: ['sh', '-c', 'read line; echo "got $line"; echo e >&2; exit 5'], stdin: true, stdout: true, stderr: true });
    const out = await runRemoteCommand({ url, stdin: 'hello\n', timeoutMs: 20_000 });
    t.is(out.stdout.toString(), 'got hello\n');
    t.is(out.stderr.toString(), 'e\n');
    t.is(out.exitCode, 5);

    // The test server: wait for /healthz over the pod network, from the shell container (localhost
    // in the shared network namespace) and from the host (pod IP).
    let healthz = '';
    for (let i = 0; i < 50 && healthz !== 'ok'; i++) {
      const r = await cri.runtime.execSync({ containerId, cmd: ['wget', '-qO-', 'http://127.0.0.1:8080/healthz'], timeout: '5' });
      healthz = Buffer.from(r.stdout).toString();
      if (healthz !== 'ok') await sleep(100);
    }
    t.is(healthz, 'ok', 'test-server /healthz via localhost in the pod');
    const fromHost = await fetch(`http://${ip}:8080/hostname`, { signal: AbortSignal.timeout(5000) });
    t.is(await fromHost.text(), 'integration-pod', 'test-server /hostname via the pod IP');

    // PortForward: raw stream to the TCP echo port, then a local listener to the HTTP port.
    const pf = await cri.runtime.portForward({ podSandboxId, port: [8081] });
    const stream = await openPortForward({ url: pf.url, port: 8081 });
    const echoed = await new Promise<string>((resolve, reject) => {
      let got = '';
      stream.on('data', (c: Buffer) => {
        got += c.toString();
        if (got.includes('\n')) resolve(got);
      });
      stream.on('error', reject);
      stream.write('echo me\n');
    });
    stream.destroy();
    t.is(echoed, 'echo me\n');

    const local = await forwardLocalPort({
      port: 8080,
      newUrl: async () => (await cri.runtime.portForward({ podSandboxId, port: [8080] })).url,
    });
    try {
      const res = await fetch(`http://127.0.0.1:${local.port}/cgi-bin/echo?msg=through%20port-forward`, { signal: AbortSignal.timeout(5000) });
      t.is(await res.text(), 'through port-forward');
    } finally {
      await local.close();
    }

    // pgrep (a shim in the busybox image) sees the container's sleep.
    const pg = await cri.runtime.execSync({ containerId, cmd: ['pgrep', '-x', 'sleep'], timeout: '5' });
    t.is(pg.exitCode, 0);
    t.regex(Buffer.from(pg.stdout).toString(), /^\d+\n$/);

    // Attach: a `cat` container with stdin open echoes what the session writes.
    const catC = await cri.runtime.createContainer({
      podSandboxId,
      sandboxConfig,
      config: { metadata: { name: 'cat' }, image: { image: 'busybox' }, command: ['cat'], stdin: true, logPath: 'cat.log' },
    });
    await cri.runtime.startContainer({ containerId: catC.containerId });
    const att = await cri.runtime.attach({ containerId: catC.containerId, stdin: true, stdout: true, stderr: true });
    let attached = '';
    const gotEcho = new Promise<void>((resolve) => {
      void openRemoteCommand({
        url: att.url,
        timeoutMs: 20_000,
        stdout: {
          write: (c: Buffer) => {
            attached += c.toString();
            if (attached.includes('attached bytes\n')) resolve();
          },
        },
      }).then((session) => {
        session.write('attached bytes\n');
        void gotEcho.then(() => session.close());
        session.done.catch(() => {});
      });
    });
    await gotEcho;
    t.is(attached, 'attached bytes\n');

    // test-server exit CODE: the container exits with that code.
    const exiter = await cri.runtime.createContainer({
      podSandboxId,
      sandboxConfig,
      config: { metadata: { name: 'exiter' }, image: { image: TEST_SERVER_IMAGE }, args: ['exit', '42'], logPath: 'exiter.log' },
    });
    await cri.runtime.startContainer({ containerId: exiter.containerId });
    let exitCode = -1;
    for (let i = 0; i < 50 && exitCode === -1; i++) {
      const es = await cri.runtime.containerStatus({ containerId: exiter.containerId });
      if (es.status?.state === 2 /* CONTAINER_EXITED */) exitCode = es.status.exitCode;
      else await sleep(100);
    }
    t.is(exitCode, 42);

    await cri.runtime.stopContainer({ containerId, timeout: '1' });
    const st = await cri.runtime.containerStatus({ containerId });
    t.is(st.status?.state, 2 /* CONTAINER_EXITED */);
  } finally {
    await cri.runtime.stopPodSandbox({ podSandboxId });
    await cri.runtime.removePodSandbox({ podSandboxId });
  }
  const left = await cri.runtime.listPodSandbox({ filter: { id: podSandboxId } });
  t.deepEqual(left.items, []);
});

it('runtime down with a running pod removes it and leaves no shims behind', async (t) => {
  const uid = `uid-down-${Date.now()}`;
  const cfg = { metadata: { name: 'leftover', namespace: 'default', uid, attempt: 0 }, logDirectory: path.join(dataDir, 'logs', uid), linux: {} };
  const { podSandboxId } = await cri.runtime.runPodSandbox({ config: cfg });
  t.truthy(podSandboxId);
  t.true(shimsFor(info.socket).length > 0, 'a shim runs for the pod');
  const r = await runtimeDown({ dataDir });
  t.is(r.podsRemoved, 1);
  t.true(r.stopped && r.registryStopped);
  t.deepEqual(shimsFor(info.socket), []);
  // Bring it back for after.always's symmetric down (and to prove up after down works).
  info = await runtimeUp({ dataDir });
  cri.close();
  cri = connectCri({ endpoint: info.endpoint });
  t.is((await cri.runtime.version()).runtimeName, 'containerd');
});

/**
 * Streaming (critest streaming.go, streaming_linux.go): Exec, Attach and PortForward return URLs
 * on the runtime's streaming server; the bytes go through impl/cri's WebSocket
 * (`v4.channel.k8s.io`) client, so every case checks real bytes both ways.
 */
import { randomBytes } from 'node:crypto';
import { NamespaceMode } from '#generated/cri/api.ts';
import { forwardLocalPort, openPortForward, openRemoteCommand, runRemoteCommand } from '#impl/cri/index.ts';
import { defineCases } from '../framework/case.ts';
import { expectEqual, expectMatch, expectTrue, fail } from '../framework/expect.ts';
import { sleep, type Framework, type Pod } from '../framework/framework.ts';
import { freeLocalPort, httpGet } from '../framework/net.ts';
import { webServer } from './networking.ts';

const D = '[k8s.io] Streaming runtime should support streaming interfaces';

function checkUrl(url: string, what: string): void {
  expectMatch(url, /^(https?|wss?):\/\/[^/]+\/.+/, `${what}: URL`);
}

async function execStream(f: Framework, containerId: string, cmd: string[], o: { tty?: boolean; stdin?: string }): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const { url } = await f.runtime.exec({ containerId, cmd, tty: !!o.tty, stdin: o.stdin !== undefined, stdout: true, stderr: !o.tty }, { signal: f.signal });
  checkUrl(url, 'Exec');
  const r = await runRemoteCommand({ url, stdin: o.stdin, timeoutMs: 30_000, signal: f.signal });
  return { stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), exitCode: r.exitCode };
}

async function portForwardHttp(f: Framework, pod: Pod, port: number, want: string): Promise<void> {
  const fwd = await forwardLocalPort({
    newUrl: async () => (await f.runtime.portForward({ podSandboxId: pod.id, port: [port] }, { signal: f.signal })).url,
    port,
    localPort: await freeLocalPort(),
  });
  f.defer('close port-forward', () => fwd.close());
  await f.eventually(`GET through the port-forward to pod port ${port}`, async () => {
    const r = await httpGet(`http://127.0.0.1:${fwd.port}/hostname`, 5_000, f.signal).catch((err: Error) => fail(err.message));
    expectEqual(r.status, 200, 'HTTP status through the port-forward');
    expectEqual(r.body, want, 'body through the port-forward');
  });
}

/** streamingCases are the Exec, Attach and PortForward with real bytes cases. */
export const streamingCases = defineCases([
  {
    name: `${D} runtime should support exec with tty=false and stdin=false [Conformance]`,
    async run(f) {
      const pod = await f.newPod('exec-notty');
      const c = await f.runContainer(pod, 'exec-notty');
      const r = await execStream(f, c, ['echo', '-n', 'hello'], {});
      expectEqual(r, { stdout: 'hello', stderr: '', exitCode: 0 }, 'Exec of `echo -n hello` (tty=false, stdin=false)');
    },
  },
  {
    name: `${D} runtime should support exec with tty=true and stdin=true [Conformance]`,
    async run(f) {
      const pod = await f.newPod('exec-tty');
      const c = await f.runContainer(pod, 'exec-tty');
      const r = await execStream(f, c, ['echo', '-n', 'hello'], { tty: true, stdin: '' });
      expectTrue(r.stdout.includes('hello'), `Exec with a TTY: stdout ${JSON.stringify(r.stdout)} does not contain "hello"`);
      expectEqual(r.exitCode, 0, 'Exec with a TTY: exit code');
    },
  },
  {
    name: '[kubets] Streaming exec with a TTY should apply terminal resize events',
    async run(f) {
      const pod = await f.newPod('exec-resize');
      const c = await f.runContainer(pod, 'exec-resize');
      const { url } = await f.runtime.exec({ containerId: c, cmd: ['sh', '-c', 'sleep 1; stty size'], tty: true, stdin: true, stdout: true }, { signal: f.signal });
      let out = '';
      const session = await openRemoteCommand({ url, stdout: { write: (b) => (out += b.toString('utf8')) }, timeoutMs: 30_000, signal: f.signal });
      session.resize(123, 45);
      const r = await session.done;
      expectEqual(r.exitCode, 0, 'exit code of `stty size`');
      expectEqual(out.trim(), '45 123', '`stty size` after a 123x45 resize event');
    },
  },
  {
    name: '[kubets] Streaming exec should round-trip stdin and report a non-zero exit code',
    async run(f) {
      const pod = await f.newPod('exec-stdin');
      const c = await f.runContainer(pod, 'exec-stdin');
      const payload = randomBytes(3000).toString('base64').slice(0, 4000);
      const r = await execStream(f, c, ['sh', '-c', `head -c ${payload.length}; echo -n done >&2; exit 5`], { stdin: payload });
      expectEqual(r.stdout.length, payload.length, 'bytes echoed back from stdin');
      expectTrue(r.stdout === payload, 'the bytes echoed back differ from the bytes sent on stdin');
      expectEqual({ stderr: r.stderr, exitCode: r.exitCode }, { stderr: 'done', exitCode: 5 }, 'stderr and exit code of the exec');
    },
  },
  {
    name: `${D} runtime should support attach [Conformance]`,
    async run(f) {
      const pod = await f.newPod('attach');
      const c = await f.createContainer(pod, f.containerConfig('attach', { command: ['/bin/sh'], stdin: true, stdinOnce: true, tty: false }));
      await f.startContainer(c);
      await f.waitForState(c, 1 /* CONTAINER_RUNNING */);
      const { url } = await f.runtime.attach({ containerId: c, stdin: true, stdout: true, stderr: true, tty: false }, { signal: f.signal });
      checkUrl(url, 'Attach');
      let out = '';
      const session = await openRemoteCommand({ url, stdout: { write: (b) => (out += b.toString('utf8')) }, stderr: { write: (b) => (out += b.toString('utf8')) }, timeoutMs: 30_000, signal: f.signal });
      f.defer('close attach', async () => session.close());
      session.done.catch(() => undefined);
      session.write('echo -n hello\n');
      await f.eventually('attached output', async () => expectEqual(out, 'hello', 'stdout of `echo -n hello` written through Attach'), 10_000);
      await sleep(3000, f.signal);
      expectEqual(out, 'hello', 'output 3 s after the attached command (nothing extra expected)');
    },
  },
  {
    name: `${D} runtime should support portforward [Conformance]`,
    async run(f) {
      const hostname = `pf-${f.uid()}`;
      const pod = await f.newPod('portforward', { hostname });
      await webServer(f, pod);
      await portForwardHttp(f, pod, 80, hostname);
    },
  },
  {
    name: '[kubets] Streaming portforward should carry bytes both ways to a TCP echo server',
    async run(f) {
      const pod = await f.newPod('portforward-echo');
      await webServer(f, pod);
      const payload = randomBytes(64 * 1024);
      const got = await f.eventually('echo through PortForward', async () => {
        const { url } = await f.runtime.portForward({ podSandboxId: pod.id, port: [8081] }, { signal: f.signal });
        checkUrl(url, 'PortForward');
        // Stream errors (the echo server may not listen yet) become failures, so eventually retries.
        const stream = await openPortForward({ url, port: 8081, signal: f.signal }).catch((err: Error) => fail(`open port-forward: ${err.message}`));
        const chunks: Buffer[] = [];
        let n = 0;
        const done = new Promise<void>((resolve, reject) => {
          stream.on('data', (b: Buffer) => {
            chunks.push(b);
            n += b.length;
            if (n >= payload.length) resolve();
          });
          stream.on('error', reject);
          stream.on('end', () => resolve());
          setTimeout(() => resolve(), 10_000);
        });
        stream.write(payload);
        await done.catch((err: Error) => fail(`port-forward stream: ${err.message}`));
        stream.destroy();
        const buf = Buffer.concat(chunks);
        expectEqual(buf.length, payload.length, 'bytes echoed back through PortForward');
        return buf;
      });
      expectTrue(got.equals(payload), 'the bytes echoed back through PortForward differ from the bytes sent');
    },
  },
  {
    name: `${D} runtime should support portforward in host network`,
    async run(f) {
      const port = await freeLocalPort();
      const pod = await f.newPod('portforward-hostnet', {
        linux: { cgroupParent: '', securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
      });
      await webServer(f, pod, { args: ['serve', `--http-port=${port}`, '--tcp-port=0'] });
      const hostname = (await f.execOk((await f.runtime.listContainers({ filter: { podSandboxId: pod.id } })).containers[0]!.id, 'hostname')).trim();
      await portForwardHttp(f, pod, port, hostname);
    },
  },
]);

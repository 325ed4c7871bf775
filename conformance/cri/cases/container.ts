/**
 * Container: lifecycle, attributes, ExecSync, stats, volumes and logs (critest container.go), plus
 * List filters, status fields, restart by attempt, command/args/env/workdir and read-only mounts.
 */
import { rename, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ContainerState } from '#generated/cri/api.ts';
import type { ContainerStats } from '#generated/cri/api.ts';
import { defineCases } from '../framework/case.ts';
import { expectContains, expectEqual, expectGrpcError, expectMatch, expectSubset, expectTrue, fail } from '../framework/expect.ts';
import { Framework, sleep, type Pod } from '../framework/framework.ts';

const D = '[k8s.io] Container runtime should support basic operations on container';
const V = '[k8s.io] Container runtime should support adding volume and device';
const L = '[k8s.io] Container runtime should support log';

async function listContainerIds(f: Framework, filter: Parameters<Framework['runtime']['listContainers']>[0]): Promise<string[]> {
  return (await f.runtime.listContainers(filter, { signal: f.signal })).containers.map((c) => c.id);
}

function checkStats(s: ContainerStats | undefined, id: string, what: string): void {
  if (!s) fail(`${what}: no stats for container ${id}`);
  expectEqual(s.attributes?.id, id, `${what}: attributes.id`);
  expectTrue(s.attributes?.metadata?.name, `${what}: attributes.metadata.name is empty`);
  expectTrue(s.cpu && s.cpu.timestamp !== '0', `${what}: cpu.timestamp is zero or cpu stats are missing`);
  expectTrue(s.memory && s.memory.timestamp !== '0', `${what}: memory.timestamp is zero or memory stats are missing`);
}

async function stopWithin(f: Framework, id: string, timeoutS: number): Promise<void> {
  const started = Date.now();
  await f.runtime.stopContainer({ containerId: id, timeout: String(timeoutS) }, { signal: f.signal, timeoutMs: (timeoutS + 30) * 1000 });
  const took = (Date.now() - started) / 1000;
  expectTrue(took <= timeoutS + 5, `StopContainer(timeout=${timeoutS}s) took ${took.toFixed(1)}s`);
}

async function volumeCase(f: Framework, useSymlink: boolean): Promise<void> {
  const pod = await f.newPod('volume');
  const dir = await f.tempDir('volume');
  await writeFile(path.join(dir, 'testVolume.file'), 'x');
  let hostPath = dir;
  if (useSymlink) {
    hostPath = `${dir}-symlink`;
    await symlink(dir, hostPath);
    f.defer(`remove ${hostPath}`, () => import('node:fs/promises').then((fs) => fs.rm(hostPath, { force: true })));
  }
  const c = await f.runContainer(pod, 'container-with-volume', { mounts: [{ hostPath, containerPath: hostPath, selinuxRelabel: true }] });
  const out = await f.execOk(c, `ls ${hostPath}`);
  expectContains(out, 'testVolume.file', `listing the mounted host path ${hostPath} in the container`);
}

async function waitExited(f: Framework, pod: Pod, prefix: string, script: string, over: Parameters<Framework['containerConfig']>[1] = {}): Promise<{ id: string; logPath: string }> {
  const logPath = `${prefix}.log`;
  const id = await f.createContainer(pod, f.containerConfig(prefix, { command: ['sh', '-c', script], logPath, ...over }));
  await f.startContainer(id);
  await f.waitForState(id, ContainerState.CONTAINER_EXITED, undefined, `after its command (${JSON.stringify(script || over.args)}) ended`);
  return { id, logPath };
}

/** containerCases are the container lifecycle, attributes, ExecSync, stats, volumes and logs cases. */
export const containerCases = defineCases([
  {
    name: `${D} runtime should support creating container [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-for-create');
      const id = await f.createContainer(pod, f.containerConfig('container-for-create'));
      expectTrue((await listContainerIds(f, { filter: { id } })).includes(id), `ListContainers(id=${id}) does not list the created container`);
      expectEqual(ContainerState[(await f.containerStatus(id)).state], 'CONTAINER_CREATED', 'state of a created container');
    },
  },
  {
    name: `${D} runtime should support preserving container attributes [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-attrs');
      const cfg = f.containerConfig('container-with-attributes');
      const labels = { foo: 'bar', 'io.kubernetes.container.name': cfg.metadata!.name, 'io.kubernetes.pod.name': pod.config.metadata!.name };
      cfg.labels = labels;
      cfg.annotations = { abc: 'def' };
      const id = await f.createContainer(pod, cfg);
      const st = await f.containerStatus(id);
      expectEqual(st.metadata, cfg.metadata, 'ContainerStatus.metadata');
      expectSubset(st.labels, labels, 'ContainerStatus.labels');
      expectSubset(st.annotations, { abc: 'def' }, 'ContainerStatus.annotations');
      const list = (await f.runtime.listContainers({ filter: { id } }, { signal: f.signal })).containers;
      expectEqual(list.length, 1, `ListContainers(id=${id}) item count`);
      expectEqual(list[0]!.metadata, cfg.metadata, 'ListContainers item metadata');
      expectEqual(list[0]!.podSandboxId, pod.id, 'ListContainers item pod_sandbox_id');
      expectSubset(list[0]!.labels, labels, 'ListContainers item labels');
      expectSubset(list[0]!.annotations, { abc: 'def' }, 'ListContainers item annotations');
    },
  },
  {
    name: `${D} runtime should support starting container [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-for-start');
      const id = await f.createContainer(pod, f.containerConfig('container-for-start-test'));
      await f.startContainer(id);
      await f.waitForState(id, ContainerState.CONTAINER_RUNNING);
    },
  },
  {
    name: `${D} runtime should support stopping container [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-for-stop');
      const id = await f.runContainer(pod, 'container-for-stop-test');
      await stopWithin(f, id, 60);
      await f.waitForState(id, ContainerState.CONTAINER_EXITED, undefined, 'after StopContainer returned');
    },
  },
  {
    name: `${D} runtime should support removing created container [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-for-remove-created');
      const id = await f.createContainer(pod, f.containerConfig('container-for-remove-test'));
      await f.runtime.removeContainer({ containerId: id }, { signal: f.signal });
      expectTrue(!(await listContainerIds(f, { filter: { id } })).includes(id), 'ListContainers still lists the removed container');
    },
  },
  {
    name: `${D} runtime should support removing running container [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-for-remove-running');
      const id = await f.runContainer(pod, 'container-for-remove-running-test');
      await f.runtime.removeContainer({ containerId: id }, { signal: f.signal, timeoutMs: 90_000 });
      expectTrue(!(await listContainerIds(f, { filter: { id } })).includes(id), 'ListContainers still lists the removed running container');
    },
  },
  {
    name: `${D} runtime should support removing stopped container [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-for-remove-stopped');
      const id = await f.runContainer(pod, 'container-for-remove-stopped-test');
      await stopWithin(f, id, 60);
      await f.runtime.removeContainer({ containerId: id }, { signal: f.signal });
      expectTrue(!(await listContainerIds(f, { filter: { id } })).includes(id), 'ListContainers still lists the removed stopped container');
    },
  },
  {
    name: `${D} runtime should support execSync [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-for-execSync');
      const id = await f.runContainer(pod, 'container-for-execSync-test');
      const r = await f.execSync(id, ['echo', '-n', 'hello']);
      expectEqual(r.stdout, 'hello', 'ExecSync stdout of `echo -n hello`');
      expectEqual(r.stderr, '', 'ExecSync stderr of `echo -n hello`');
      expectEqual(r.exitCode, 0, 'ExecSync exit code of `echo -n hello`');
    },
  },
  {
    name: `${D} runtime should support execSync with timeout [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-for-execSync-timeout');
      const id = await f.runContainer(pod, 'container-for-execSync-timeout-test');
      const started = Date.now();
      await expectGrpcError(
        f.runtime.execSync({ containerId: id, cmd: ['sleep', '4321'], timeout: '1' }, { signal: f.signal, timeoutMs: 30_000 }),
        'ExecSync(`sleep 4321`, timeout=1s)',
      );
      const took = (Date.now() - started) / 1000;
      expectTrue(took < 15, `ExecSync with a 1s timeout returned after ${took.toFixed(1)}s`);
      await f.eventually('the timed-out exec process should be gone', async () => {
        const out = await f.execOk(id, 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline 2>/dev/null; echo; done | grep "^sleep 4321" || true');
        expectEqual(out.trim(), '', 'processes still running `sleep 4321`');
      }, 10_000);
    },
  },
  {
    name: '[kubets] Container ExecSync should return stdout, stderr and the exit code separately',
    async run(f) {
      const pod = await f.newPod('execsync-streams');
      const id = await f.runContainer(pod, 'execsync-streams');
      const r = await f.execSync(id, ['sh', '-c', 'echo -n out; echo -n err >&2; exit 3']);
      expectEqual({ stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode }, { stdout: 'out', stderr: 'err', exitCode: 3 }, 'ExecSync result');
      const big = await f.execSync(id, ['sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done']);
      const lines = big.stdout.trimEnd().split('\n');
      expectEqual(lines.length, 2000, 'ExecSync line count of a 2000-line output');
      expectEqual(lines[1999], 'line-1999', 'last line of a 2000-line ExecSync output');
    },
  },
  {
    name: '[kubets] Container ExecSync should fail for a command that does not exist',
    async run(f) {
      const pod = await f.newPod('execsync-missing');
      const id = await f.runContainer(pod, 'execsync-missing');
      let r: Awaited<ReturnType<Framework['execSync']>> | undefined;
      try {
        r = await f.execSync(id, ['/no/such/binary']);
      } catch {
        return; // an error is an acceptable answer
      }
      expectTrue(r.exitCode !== 0, `ExecSync of a missing binary exited 0 (stdout ${JSON.stringify(r.stdout)})`);
    },
  },
  {
    name: `${D} runtime should support listing container stats [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-stats');
      const id = await f.runContainer(pod, 'container-for-stats');
      const r = await f.runtime.containerStats({ containerId: id }, { signal: f.signal });
      checkStats(r.stats, id, 'ContainerStats');
    },
  },
  {
    name: `${D} runtime should support listing stats for started containers [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-list-stats');
      const id = await f.runContainer(pod, 'container-for-list-stats');
      const r = await f.runtime.listContainerStats({ filter: { id } }, { signal: f.signal });
      checkStats(r.stats.find((s) => s.attributes?.id === id), id, `ListContainerStats(id=${id})`);
    },
  },
  {
    name: `${D} runtime should support listing stats for started containers when filter is nil [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-list-stats-nil');
      const id = await f.runContainer(pod, 'container-for-list-stats-nil');
      const r = await f.runtime.listContainerStats({}, { signal: f.signal });
      checkStats(r.stats.find((s) => s.attributes?.id === id), id, 'ListContainerStats(nil filter)');
    },
  },
  {
    name: `${D} runtime should support listing stats for three created containers when filter is nil. [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-list-stats-three');
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push(await f.createContainer(pod, f.containerConfig(`container-for-stats-${i}`)));
      const r = await f.runtime.listContainerStats({}, { signal: f.signal });
      for (const id of ids) {
        const s = r.stats.find((x) => x.attributes?.id === id);
        if (!s) fail(`ListContainerStats(nil filter) misses created container ${id}`);
      }
    },
  },
  {
    name: `${D} runtime should support listing stats for containers filtered by labels [Conformance]`,
    async run(f) {
      const pod = await f.newPod('container-stats-labels');
      const id = await f.runContainer(pod, 'container-for-stats-labels', { labels: { foo: 'bar' } });
      const hit = await f.runtime.listContainerStats({ filter: { podSandboxId: pod.id, labelSelector: { foo: 'bar' } } }, { signal: f.signal });
      checkStats(hit.stats.find((s) => s.attributes?.id === id), id, 'ListContainerStats(label foo=bar)');
      const miss = await f.runtime.listContainerStats({ filter: { podSandboxId: pod.id, labelSelector: { foo: 'baz' } } }, { signal: f.signal });
      expectTrue(!miss.stats.some((s) => s.attributes?.id === id), 'ListContainerStats(label foo=baz) lists a container labelled foo=bar');
    },
  },
  {
    name: `${V} runtime should support starting container with volume [Conformance]`,
    run: (f) => volumeCase(f, false),
  },
  {
    name: `${V} runtime should support starting container with volume when host path is a symlink [Conformance]`,
    run: (f) => volumeCase(f, true),
  },
  {
    name: `${L} runtime should support starting container with log [Conformance]`,
    async run(f) {
      const pod = await f.podWithLogDir('PodSandbox-with-log-directory');
      const { logPath } = await waitExited(f, pod, 'container-with-log', 'echo "hello World"');
      const lines = await f.readLog(pod, logPath);
      expectEqual(Framework.logText(lines), 'hello World\n', `stdout in the CRI log ${logPath}`);
      const ts = Date.parse(lines[0]!.time);
      expectTrue(Math.abs(Date.now() - ts) < 10 * 60_000, `log line timestamp ${lines[0]!.time} is not close to now`);
    },
  },
  {
    name: `${L} runtime should support reopening container log [Conformance]`,
    async run(f) {
      const pod = await f.podWithLogDir('PodSandbox-reopen-log');
      const logPath = 'reopen.log';
      const id = await f.createContainer(pod, f.containerConfig('container-reopen-log-test', {
        command: ['sh', '-c', 'trap "exit 0" TERM; while true; do echo hello; sleep 0.2; done'],
        logPath,
      }));
      await f.startContainer(id);
      await f.eventually('container log should be generated', async () => expectTrue((await f.readLog(pod, logPath)).length > 0, 'log is empty'));
      const full = path.join(pod.config.logDirectory, logPath);
      await rename(full, `${full}.new`);
      await f.runtime.reopenContainerLog({ containerId: id }, { signal: f.signal });
      await stat(full).catch(() => fail(`ReopenContainerLog did not create a new log file at ${full}`));
      await f.eventually('the new log file should receive lines', async () => expectTrue((await f.readLog(pod, logPath)).length > 0, 'new log is empty'));
      const oldLen = (await f.readLog(pod, `${logPath}.new`)).length;
      await sleep(2000, f.signal);
      expectEqual((await f.readLog(pod, `${logPath}.new`)).length, oldLen, 'line count of the renamed (old) log after reopening');
    },
  },
  {
    name: '[kubets] Container log should carry stdout and stderr in the CRI log format',
    async run(f) {
      const pod = await f.podWithLogDir('log-streams');
      const { logPath } = await waitExited(f, pod, 'log-streams', 'echo to-out; echo to-err >&2; printf partial');
      const lines = await f.readLog(pod, logPath);
      expectEqual(Framework.logText(lines, 'stdout'), 'to-out\npartial', 'stdout lines (a last line without newline is tagged P)');
      expectEqual(Framework.logText(lines, 'stderr'), 'to-err\n', 'stderr lines');
      expectTrue(lines.some((l) => l.tag === 'P' && l.message === 'partial'), 'a line without a trailing newline should be tagged P');
    },
  },
  {
    name: '[kubets] Container should report exit code, reason and timestamps of an exited container',
    async run(f) {
      const pod = await f.newPod('status-exit');
      const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
      const failing = await waitExited(f, pod, 'exit-7', 'sleep 1; exit 7');
      const st = await f.containerStatus(failing.id);
      expectEqual(st.exitCode, 7, 'exit code of `exit 7`');
      expectEqual(st.reason, 'Error', 'reason of a container that exited non-zero');
      const [c, s, e] = [BigInt(st.createdAt), BigInt(st.startedAt), BigInt(st.finishedAt)];
      expectTrue(c > t0, `created_at ${st.createdAt} is not a recent time in ns`);
      expectTrue(s >= c, `started_at ${st.startedAt} is before created_at ${st.createdAt}`);
      expectTrue(e > s, `finished_at ${st.finishedAt} is not after started_at ${st.startedAt}`);
      // containerd stamps started_at when its task start returns, which can lag the process by a
      // few hundred ms on a loaded host; a runtime that reports real times still shows most of the second.
      expectTrue(e - s >= 500_000_000n, `finished_at - started_at is ${(e - s) / 1_000_000n} ms for a container that slept 1 s`);
      const ok = await waitExited(f, pod, 'exit-0', 'exit 0');
      const st0 = await f.containerStatus(ok.id);
      expectEqual({ exitCode: st0.exitCode, reason: st0.reason }, { exitCode: 0, reason: 'Completed' }, 'exit code and reason of `exit 0`');
      expectTrue(st0.imageRef !== '', 'ContainerStatus.image_ref is empty');
    },
  },
  {
    name: '[kubets] Container should list containers filtered by state, pod and label',
    async run(f) {
      const pod = await f.newPod('list-filters');
      const other = await f.newPod('list-filters-other');
      const running = await f.runContainer(pod, 'running', { labels: { role: 'run' } });
      const created = await f.createContainer(pod, f.containerConfig('created', { labels: { role: 'new' } }));
      const elsewhere = await f.createContainer(other, f.containerConfig('elsewhere', { labels: { role: 'new' } }));
      const inPod = await listContainerIds(f, { filter: { podSandboxId: pod.id } });
      expectEqual([...inPod].sort(), [running, created].sort(), `ListContainers(pod_sandbox_id=${pod.id})`);
      const runningIds = await listContainerIds(f, { filter: { podSandboxId: pod.id, state: { state: ContainerState.CONTAINER_RUNNING } } });
      expectEqual(runningIds, [running], 'ListContainers(state=RUNNING) in the pod');
      const createdIds = await listContainerIds(f, { filter: { podSandboxId: pod.id, state: { state: ContainerState.CONTAINER_CREATED } } });
      expectEqual(createdIds, [created], 'ListContainers(state=CREATED) in the pod');
      const labelled = await listContainerIds(f, { filter: { labelSelector: { role: 'new', 'io.kubernetes.pod.name': 'none' } } });
      expectEqual(labelled, [], 'ListContainers with a label that no container has');
      const newOnes = (await listContainerIds(f, { filter: { labelSelector: { role: 'new' } } })).filter((x) => [running, created, elsewhere].includes(x));
      expectEqual([...newOnes].sort(), [created, elsewhere].sort(), 'ListContainers(label role=new)');
    },
  },
  {
    name: '[kubets] Container should create a new container for a restart with the next attempt',
    async run(f) {
      const pod = await f.newPod('restart-attempt');
      const name = `restarted-${f.uid()}`;
      const first = await f.createContainer(pod, f.containerConfig('x', { metadata: { name, attempt: 0 }, command: ['sh', '-c', 'exit 1'] }));
      await f.startContainer(first);
      await f.waitForState(first, ContainerState.CONTAINER_EXITED);
      const second = await f.createContainer(pod, f.containerConfig('x', { metadata: { name, attempt: 1 } }));
      expectTrue(second !== first, 'the restarted container got the same ID as the first attempt');
      await f.startContainer(second);
      await f.waitForState(second, ContainerState.CONTAINER_RUNNING);
      const st1 = await f.containerStatus(first);
      const st2 = await f.containerStatus(second);
      expectEqual(st1.metadata, { name, attempt: 0 }, 'metadata of attempt 0');
      expectEqual(st2.metadata, { name, attempt: 1 }, 'metadata of attempt 1');
      expectEqual(ContainerState[st1.state], 'CONTAINER_EXITED', 'state of attempt 0 after the restart');
      await expectGrpcError(
        f.runtime.createContainer({ podSandboxId: pod.id, config: f.containerConfig('x', { metadata: { name, attempt: 1 } }), sandboxConfig: pod.config }, { signal: f.signal }),
        'CreateContainer with a name+attempt that already exists in the pod',
      );
    },
  },
  {
    name: '[kubets] Container should run the command with args, env and working dir',
    async run(f) {
      const pod = await f.podWithLogDir('cmd-args-env');
      const { logPath } = await waitExited(f, pod, 'cmd-args-env', '', {
        command: ['sh', '-c'],
        args: ['echo "args=$0,$1 env=$GREETING,$EMPTY. pwd=$(pwd)"', 'first', 'second'],
        envs: [{ key: 'GREETING', value: Buffer.from('hi there') }, { key: 'EMPTY', value: Buffer.from('') }],
        workingDir: '/tmp/work-dir',
      });
      const out = Framework.logText(await f.readLog(pod, logPath));
      expectEqual(out, 'args=first,second env=hi there,. pwd=/tmp/work-dir\n', 'output of a container with command+args+env+working_dir');
    },
  },
  {
    name: '[kubets] Container should use the image default command when none is given',
    async run(f) {
      const pod = await f.podWithLogDir('image-default-cmd');
      const id = await f.createContainer(pod, f.containerConfig('image-default-cmd', { command: [], args: ['sh', '-c', 'echo from-args'], logPath: 'c.log' }));
      await f.startContainer(id);
      await f.waitForState(id, ContainerState.CONTAINER_EXITED);
      expectEqual(Framework.logText(await f.readLog(pod, 'c.log')), 'from-args\n', 'output when only args are set');
    },
  },
  {
    name: '[kubets] Container should mount a host path read-only',
    async run(f) {
      const pod = await f.newPod('ro-mount');
      const dir = await f.tempDir('ro-mount');
      await writeFile(path.join(dir, 'data'), 'from-host');
      const rw = await f.tempDir('rw-mount');
      const id = await f.runContainer(pod, 'ro-mount', {
        mounts: [
          { hostPath: dir, containerPath: '/ro', readonly: true },
          { hostPath: rw, containerPath: '/rw' },
        ],
      });
      expectEqual(await f.execOk(id, 'cat /ro/data'), 'from-host', 'reading the read-only mount');
      const w = await f.execSync(id, ['sh', '-c', 'echo x > /ro/new']);
      expectTrue(w.exitCode !== 0, 'writing into a read-only host path mount succeeded');
      expectMatch(w.stderr, /Read-only file system/i, 'error when writing into a read-only mount');
      await f.execOk(id, 'echo from-container > /rw/out');
      const { readFile } = await import('node:fs/promises');
      expectEqual((await readFile(path.join(rw, 'out'), 'utf8')).trim(), 'from-container', 'host view of a file written into a read-write mount');
      const st = await f.containerStatus(id);
      const ro = st.mounts.find((m) => m.containerPath === '/ro');
      if (ro) expectTrue(ro.readonly, 'ContainerStatus.mounts reports /ro as read-write');
    },
  },
  {
    name: '[kubets] Container ExecSync should fail in a container that is not running',
    async run(f) {
      const pod = await f.newPod('execsync-exited');
      const id = await f.createContainer(pod, f.containerConfig('execsync-exited', { command: ['true'] }));
      await expectGrpcError(f.runtime.execSync({ containerId: id, cmd: ['echo', 'hi'], timeout: '5' }, { signal: f.signal }), 'ExecSync in a CREATED (never started) container');
      await f.startContainer(id);
      await f.waitForState(id, ContainerState.CONTAINER_EXITED);
      await expectGrpcError(f.runtime.execSync({ containerId: id, cmd: ['echo', 'hi'], timeout: '5' }, { signal: f.signal }), 'ExecSync in an EXITED container');
    },
  },
  {
    name: '[kubets] Container events should stream the lifecycle events of a container',
    async run(f) {
      const ctl = new AbortController();
      const onAbort = (): void => ctl.abort();
      f.signal.addEventListener('abort', onAbort, { once: true });
      f.defer('stop the event stream', async () => {
        f.signal.removeEventListener('abort', onAbort);
        ctl.abort();
      });
      const events = f.runtime.getContainerEvents(ctl.signal);
      const seen: Array<{ id: string; type: number }> = [];
      let streamError: unknown;
      const reader = (async () => {
        try {
          for await (const e of events) seen.push({ id: e.containerId, type: e.containerEventType });
        } catch (err) {
          streamError = err;
        }
      })();
      // The first read tells whether the RPC exists at all.
      for (let i = 0; i < 20 && !streamError; i++) await sleep(100, f.signal);
      if (streamError) await f.orSkipUnimplemented(Promise.reject(streamError), 'GetContainerEvents');
      const pod = await f.newPod('events');
      const id = await f.runContainer(pod, 'events');
      await f.eventually('CONTAINER_CREATED and CONTAINER_STARTED events', async () => {
        if (streamError) fail(`GetContainerEvents stream failed: ${String(streamError)}`);
        const types = seen.filter((e) => e.id === id).map((e) => e.type);
        expectTrue(types.includes(0) && types.includes(1), `events for container ${id}: ${JSON.stringify(types)} (want CREATED=0 and STARTED=1)`);
      }, 15_000);
      ctl.abort();
      await reader;
    },
  },
  {
    name: '[kubets] Container should checkpoint a running container when the runtime supports it',
    async run(f) {
      const pod = await f.newPod('checkpoint');
      const id = await f.runContainer(pod, 'checkpoint');
      const dir = await f.tempDir('checkpoint');
      await f.orSkipUnimplemented(f.runtime.checkpointContainer({ containerId: id, location: path.join(dir, 'checkpoint.tar'), timeout: '60' }, { signal: f.signal }), 'CheckpointContainer');
      await stat(path.join(dir, 'checkpoint.tar')).catch(() => fail('CheckpointContainer succeeded but wrote no archive at the requested location'));
    },
  },
]);

/**
 * Linux container features (critest container_linux.go): mount propagation, OOM kill, read-only
 * mounts, plus resources (UpdateContainerResources with the cgroup values checked from inside)
 * and sandbox stats, which critest does not exercise.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ContainerState, MountPropagation, NamespaceMode } from '#generated/cri/api.ts';
import { defineCases } from '../framework/case.ts';
import { expectEqual, expectTrue, fail } from '../framework/expect.ts';
import type { Framework } from '../framework/framework.ts';

const execFileAsync = promisify(execFile);
const P = '[k8s.io] Container Mount Propagation';
const R = '[k8s.io] Container Mount Readonly';

async function sh(cmd: string): Promise<string> {
  return (await execFileAsync('sh', ['-c', cmd])).stdout;
}

/**
 * propagationCase mounts a shared host dir into a privileged container with the given
 * propagation, then checks which mounts cross: host -> container and container -> host.
 */
async function propagationCase(f: Framework, propagation: MountPropagation, hostToContainer: boolean, containerToHost: boolean): Promise<void> {
  const dir = await f.tempDir('propagation');
  const src = path.join(dir, 'src');
  await mkdir(src);
  // A bind mount of the dir onto itself, made rshared, so propagation has a peer group to use.
  await sh(`mount --bind ${src} ${src} && mount --make-rshared ${src}`);
  f.defer(`umount ${src}`, () => sh(`umount -R -l ${src}`));
  const pod = await f.newPod('mount-propagation', { linux: { cgroupParent: '', securityContext: { privileged: true } } });
  const id = await f.runContainer(pod, 'mount-propagation', {
    mounts: [{ hostPath: src, containerPath: '/mnt/prop', propagation }],
    linux: { securityContext: { privileged: true } },
  });
  const st = await f.containerStatus(id, true);
  const m = st.mounts.find((x) => x.containerPath === '/mnt/prop');
  if (m) expectEqual(MountPropagation[m.propagation], MountPropagation[propagation], 'ContainerStatus.mounts propagation');

  // host -> container
  const fromHost = path.join(src, 'from-host');
  await mkdir(fromHost);
  await sh(`mount -t tmpfs cri-validate-host ${fromHost} && touch ${fromHost}/host-file`);
  f.defer(`umount ${fromHost}`, () => sh(`umount -l ${fromHost}`).catch(() => undefined));
  const seen = (await f.execSync(id, ['test', '-f', '/mnt/prop/from-host/host-file'])).exitCode === 0;
  expectEqual(seen, hostToContainer, `a host mount made after start is visible in the container (propagation ${MountPropagation[propagation]})`);

  // container -> host
  await f.execOk(id, 'mkdir -p /mnt/prop/from-ctr && mount -t tmpfs cri-validate-ctr /mnt/prop/from-ctr && touch /mnt/prop/from-ctr/ctr-file');
  const onHost = existsSync(path.join(src, 'from-ctr', 'ctr-file'));
  if (onHost) f.defer('umount from-ctr', () => sh(`umount -l ${path.join(src, 'from-ctr')}`).catch(() => undefined));
  expectEqual(onHost, containerToHost, `a container mount is visible on the host (propagation ${MountPropagation[propagation]})`);
}

function cgroupV1(): boolean {
  return existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes') || existsSync('/sys/fs/cgroup/cpu/cpu.shares') || existsSync('/sys/fs/cgroup/cpu,cpuacct');
}

const MEM_FILE = 'f=/sys/fs/cgroup/memory/memory.limit_in_bytes; [ -f $f ] || f=/sys/fs/cgroup/memory.max; cat $f';
const CPU_FILE = 'if [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us) $(cat /sys/fs/cgroup/cpu/cpu.shares)"; else echo "$(cat /sys/fs/cgroup/cpu.max) $(cat /sys/fs/cgroup/cpu.weight)"; fi';

/** containerLinuxCases are the mount propagation, OOM, read-only mounts, resources and stats cases. */
export const containerLinuxCases = defineCases([
  {
    name: `${P} mount with 'rprivate' should not support propagation`,
    run: (f) => propagationCase(f, MountPropagation.PROPAGATION_PRIVATE, false, false),
  },
  {
    name: `${P} mount with 'rshared' should support propagation from host to container and vice versa`,
    run: (f) => propagationCase(f, MountPropagation.PROPAGATION_BIDIRECTIONAL, true, true),
  },
  {
    name: `${P} mount with 'rslave' should support propagation from host to container`,
    run: (f) => propagationCase(f, MountPropagation.PROPAGATION_HOST_TO_CONTAINER, true, false),
  },
  {
    name: '[k8s.io] Container OOM should terminate with exitCode 137 and reason OOMKilled',
    async run(f) {
      const limit = String(15 * 1024 * 1024);
      const swap = existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes') || !cgroupV1();
      const pod = await f.newPod('oom');
      const id = await f.createContainer(pod, f.containerConfig('oom', {
        command: ['sh', '-c', 'dd if=/dev/zero of=/dev/null bs=20M count=1'],
        linux: { resources: { memoryLimitInBytes: limit, ...(swap ? { memorySwapLimitInBytes: limit } : {}) } },
      }));
      await f.startContainer(id);
      await f.waitForState(id, ContainerState.CONTAINER_EXITED);
      // The runtime may see the task's exit before its OOM event (containerd handles them as two
      // events), so the reason is allowed a few seconds to settle.
      await f.eventually('OOMKilled reason', async () => {
        const st = await f.containerStatus(id);
        expectEqual({ exitCode: st.exitCode, reason: st.reason }, { exitCode: 137, reason: 'OOMKilled' }, 'exit code and reason of a container over its 15 MiB memory limit');
      }, 10_000);
    },
  },
  {
    name: `${R} should support non-recursive readonly mounts`,
    async run(f) {
      const dir = await f.tempDir('ro-nonrecursive');
      const sub = path.join(dir, 'tmpfs');
      await mkdir(sub);
      await sh(`mount -t tmpfs cri-validate-sub ${sub}`);
      f.defer(`umount ${sub}`, () => sh(`umount -l ${sub}`));
      const pod = await f.newPod('ro-nonrecursive');
      const id = await f.runContainer(pod, 'ro-nonrecursive', { mounts: [{ hostPath: dir, containerPath: '/mnt/ro', readonly: true }] });
      expectTrue((await f.execSync(id, ['touch', '/mnt/ro/file'])).exitCode !== 0, 'writing into the read-only mount succeeded');
      expectEqual((await f.execSync(id, ['touch', '/mnt/ro/tmpfs/file'])).exitCode, 0, 'writing into a submount of a (non-recursive) read-only mount (exit code)');
    },
  },
  {
    name: `${R} should support recursive readonly mounts`,
    async run(f) {
      const st = await f.runtime.status({ verbose: false }, { signal: f.signal });
      const h = st.runtimeHandlers.find((x) => x.name === (f.suite.options.runtimeHandler || ''));
      if (!h?.features?.recursiveReadOnlyMounts) f.skip('the runtime handler does not advertise recursive_read_only_mounts in Status.runtime_handlers');
      const dir = await f.tempDir('rro');
      const sub = path.join(dir, 'tmpfs');
      await mkdir(sub);
      await sh(`mount -t tmpfs cri-validate-rro ${sub}`);
      f.defer(`umount ${sub}`, () => sh(`umount -l ${sub}`));
      const pod = await f.newPod('rro');
      const id = await f.runContainer(pod, 'rro', { mounts: [{ hostPath: dir, containerPath: '/mnt/rro', readonly: true, recursiveReadOnly: true }] });
      expectTrue((await f.execSync(id, ['touch', '/mnt/rro/tmpfs/file'])).exitCode !== 0, 'writing into a submount of a recursive read-only mount succeeded');
    },
  },
  {
    name: '[kubets] Resources container should see the cgroup limits it was created with',
    async run(f) {
      const pod = await f.newPod('resources-create');
      const id = await f.runContainer(pod, 'resources-create', {
        linux: { resources: { cpuPeriod: '100000', cpuQuota: '50000', cpuShares: '512', memoryLimitInBytes: String(64 * 1024 * 1024) } },
      });
      expectEqual((await f.execOk(id, MEM_FILE)).trim(), String(64 * 1024 * 1024), 'memory limit inside the container');
      const cpu = (await f.execOk(id, CPU_FILE)).trim();
      if (cgroupV1()) expectEqual(cpu, '50000 100000 512', 'cpu quota, period and shares inside the container');
      else expectTrue(cpu.startsWith('50000 100000'), `cpu.max inside the container is ${cpu}`);
    },
  },
  {
    name: '[kubets] Resources UpdateContainerResources should change the cgroup limits seen inside',
    async run(f) {
      const pod = await f.newPod('resources-update');
      const id = await f.runContainer(pod, 'resources-update', {
        linux: { resources: { cpuPeriod: '100000', cpuQuota: '20000', cpuShares: '256', memoryLimitInBytes: String(64 * 1024 * 1024) } },
      });
      const newMem = String(96 * 1024 * 1024);
      await f.runtime.updateContainerResources({
        containerId: id,
        linux: { cpuPeriod: '100000', cpuQuota: '70000', cpuShares: '768', memoryLimitInBytes: newMem },
      }, { signal: f.signal });
      expectEqual((await f.execOk(id, MEM_FILE)).trim(), newMem, 'memory limit inside the container after UpdateContainerResources');
      const cpu = (await f.execOk(id, CPU_FILE)).trim();
      if (cgroupV1()) expectEqual(cpu, '70000 100000 768', 'cpu quota, period and shares after UpdateContainerResources');
      else expectTrue(cpu.startsWith('70000 100000'), `cpu.max after the update is ${cpu}`);
      const st = await f.containerStatus(id);
      const r = st.resources?.linux;
      if (r) expectEqual(r.memoryLimitInBytes, newMem, 'ContainerStatus.resources.linux.memory_limit_in_bytes after the update');
    },
  },
  {
    name: '[kubets] Resources UpdateContainerResources should fail for an unknown container',
    async run(f) {
      try {
        await f.runtime.updateContainerResources({ containerId: 'cri-validate-no-such-container', linux: { cpuShares: '512' } }, { signal: f.signal });
      } catch {
        return;
      }
      fail('UpdateContainerResources of an unknown container succeeded');
    },
  },
  {
    name: '[kubets] Stats runtime should support PodSandboxStats and ListPodSandboxStats',
    async run(f) {
      // A sandbox needs a cgroup parent for sandbox-level stats (the kubelet always sets one).
      const parent = `/cri-validate-${f.uid()}`;
      const pod = await f.newPod('pod-stats', { labels: { 'cri-validate/stats': f.uid() }, linux: { cgroupParent: parent } });
      f.defer(`remove cgroup ${parent}`, () => sh(`for d in /sys/fs/cgroup/*${parent} /sys/fs/cgroup${parent}; do [ -d "$d" ] && rmdir "$d"; done; true`));
      const c = await f.runContainer(pod, 'pod-stats');
      const one = await f.orSkipUnimplemented(f.runtime.podSandboxStats({ podSandboxId: pod.id }, { signal: f.signal }), 'PodSandboxStats');
      const s = one.stats;
      if (!s) fail('PodSandboxStats: no stats');
      expectEqual(s.attributes?.id, pod.id, 'PodSandboxStats attributes.id');
      expectEqual(s.attributes?.metadata, pod.config.metadata, 'PodSandboxStats attributes.metadata');
      const l = s.linux;
      if (!l) fail('PodSandboxStats: no linux stats');
      expectTrue(l.cpu && l.cpu.timestamp !== '0', 'PodSandboxStats: cpu stats missing or timestamp 0');
      expectTrue(l.memory && l.memory.timestamp !== '0', 'PodSandboxStats: memory stats missing or timestamp 0');
      expectTrue(l.containers.some((x) => x.attributes?.id === c), `PodSandboxStats: container ${c} missing from linux.containers`);
      const list = await f.runtime.listPodSandboxStats({ filter: { labelSelector: pod.config.labels } }, { signal: f.signal });
      expectEqual(list.stats.map((x) => x.attributes?.id), [pod.id], 'ListPodSandboxStats by label selector');
    },
  },
  {
    name: '[kubets] Stats container stats should report the memory it uses',
    async run(f) {
      const pod = await f.newPod('ctr-memory');
      const id = await f.runContainer(pod, 'ctr-memory', { command: ['sh', '-c', 'mkdir -p /dev/shm/x; dd if=/dev/zero of=/dev/shm/x/fill bs=1M count=24 2>/dev/null; trap "exit 0" TERM; while true; do sleep 1; done'] });
      await f.eventually('working set of a container holding 24 MiB in tmpfs', async () => {
        const s = (await f.runtime.containerStats({ containerId: id }, { signal: f.signal })).stats;
        const ws = Number(s?.memory?.workingSetBytes?.value ?? 0);
        expectTrue(ws >= 20 * 1024 * 1024, `ContainerStats memory.working_set_bytes is ${ws}, expected at least 20 MiB`);
      }, 15_000);
    },
  },
  {
    name: '[kubets] Container a host-network container should keep its own filesystem and see the host hostname',
    async run(f) {
      // Sharing the host's network (and UTS) namespace must not share its mount namespace.
      const pod = await f.newPod('hostnet-mounts', { linux: { cgroupParent: '', securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } } });
      const id = await f.runContainer(pod, 'hostnet-mounts', { linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } } });
      const marker = `/tmp/cri-validate-${f.uid()}`;
      await writeFile(marker, 'host');
      f.defer(`rm ${marker}`, () => import('node:fs/promises').then((fs) => fs.rm(marker, { force: true })));
      expectTrue((await f.execSync(id, ['test', '-e', marker])).exitCode !== 0, `host file ${marker} is visible in a host-network container's filesystem`);
      const hostHostname = (await readFile('/proc/sys/kernel/hostname', 'utf8')).trim();
      expectEqual((await f.execOk(id, 'hostname')).trim(), hostHostname, 'hostname of a host-network container without a pod hostname');
    },
  },
]);

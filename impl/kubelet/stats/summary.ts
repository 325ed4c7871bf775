/**
 * The stats summary served at `/stats/summary` and read by the eviction manager (upstream:
 * pkg/kubelet/server/stats/summary.go with the CRI stats provider of pkg/kubelet/stats and the
 * `k8s.io/kubelet/pkg/apis/stats/v1alpha1` types). Sources:
 * - node CPU and memory from the root cgroup (cgroup v1 `cpuacct.usage`, `memory.usage_in_bytes`,
 *   `memory.stat`), memory capacity from /proc/meminfo; working set = usage - inactive_file and
 *   available = capacity - working set, as cAdvisor and the eviction manager compute them;
 * - node `fs` from statfs(2) of the kubelet root dir, `runtime.imageFs` from CRI ImageFsInfo plus
 *   statfs of its mount point;
 * - pods and containers from CRI ListContainerStats (containerd 1.6 serves it; it has no
 *   ListPodSandboxStats), pod CPU and memory summed over its containers.
 * usageNanoCores is computed from two samples (the previous call's), as cAdvisor does.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { ContainerState } from '#generated/cri/api.ts';
import type { RuntimeService, ImageService } from '../kuberuntime/cri-services.ts';
import { KUBERNETES_POD_NAMESPACE_LABEL, KUBERNETES_POD_NAME_LABEL, KUBERNETES_POD_UID_LABEL } from '../kuberuntime/labels.ts';

/** CPUStats (stats/v1alpha1). */
export interface CPUStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds?: number;
}
/** MemoryStats (stats/v1alpha1). */
export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}
/** FsStats (stats/v1alpha1). */
export interface FsStats {
  time: string;
  availableBytes?: number;
  capacityBytes?: number;
  usedBytes?: number;
  inodesFree?: number;
  inodes?: number;
  inodesUsed?: number;
}
/** ContainerStats (stats/v1alpha1). */
export interface ContainerStatsSummary {
  name: string;
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
  rootfs?: FsStats;
}
/** PodStats (stats/v1alpha1). */
export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStatsSummary[];
  cpu?: CPUStats;
  memory?: MemoryStats;
  'ephemeral-storage'?: FsStats;
}
/** NodeStats (stats/v1alpha1). */
export interface NodeStats {
  nodeName: string;
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
  fs?: FsStats;
  runtime?: { imageFs?: FsStats; containerFs?: FsStats };
  rlimit?: { time: string; maxpid?: number; curproc?: number };
}
/** Summary is the `/stats/summary` body. */
export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}

/** StatsProviderOptions configure a {@link StatsProvider}. */
export interface StatsProviderOptions {
  nodeName: string;
  rootDir: string;
  runtime: Pick<RuntimeService, 'listContainerStats' | 'listContainers'>;
  images: Pick<ImageService, 'imageFsInfo'>;
  now: () => number;
  /** cgroupRoot is where the v1 controllers are mounted (tests point it at a fixture). */
  cgroupRoot?: string;
  /** procRoot is /proc (tests point it at a fixture). */
  procRoot?: string;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function readKeyed(file: string): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [k, v] = line.trim().split(/[\s:]+/);
      if (k && v !== undefined) out.set(k, Number(v));
    }
  } catch {
    // absent: empty
  }
  return out;
}

/** fsStats reads statfs(2) of a path as FsStats. */
export function fsStats(p: string, time: string): FsStats | undefined {
  try {
    const s = statfsSync(p);
    const capacity = s.blocks * s.bsize;
    const available = s.bavail * s.bsize;
    return { time, availableBytes: available, capacityBytes: capacity, usedBytes: capacity - s.bfree * s.bsize, inodesFree: s.ffree, inodes: s.files, inodesUsed: s.files - s.ffree };
  } catch {
    return undefined;
  }
}

/** StatsProvider: see the module comment. */
export class StatsProvider {
  private readonly o: StatsProviderOptions;
  private lastCpu: { at: number; usage: number } | undefined;
  private readonly bootTime: number;

  constructor(o: StatsProviderOptions) {
    this.o = o;
    const btime = readKeyed(`${o.procRoot ?? '/proc'}/stat`).get('btime');
    this.bootTime = btime ? btime * 1000 : o.now();
  }

  /** nodeMemory reads node memory stats (capacity from meminfo, usage from the root memory cgroup). */
  nodeMemory(time: string): MemoryStats {
    const cg = this.o.cgroupRoot ?? '/sys/fs/cgroup';
    const meminfo = readKeyed(`${this.o.procRoot ?? '/proc'}/meminfo`);
    const capacity = (meminfo.get('MemTotal') ?? 0) * 1024;
    const stat = readKeyed(`${cg}/memory/memory.stat`);
    let usage = readNumber(`${cg}/memory/memory.usage_in_bytes`);
    if (usage === undefined) usage = capacity - (meminfo.get('MemAvailable') ?? 0) * 1024;
    const inactive = stat.get('total_inactive_file') ?? 0;
    const workingSet = Math.max(0, usage - inactive);
    return { time, availableBytes: Math.max(0, capacity - workingSet), usageBytes: usage, workingSetBytes: workingSet, rssBytes: stat.get('total_rss'), pageFaults: stat.get('total_pgfault'), majorPageFaults: stat.get('total_pgmajfault') };
  }

  /** nodeCPU reads the root cpuacct usage and the rate since the previous call. */
  nodeCPU(time: string, now: number): CPUStats {
    const usage = readNumber(`${this.o.cgroupRoot ?? '/sys/fs/cgroup'}/cpuacct/cpuacct.usage`);
    if (usage === undefined) return { time };
    let nanoCores: number | undefined;
    if (this.lastCpu && now > this.lastCpu.at) nanoCores = Math.round(((usage - this.lastCpu.usage) / (now - this.lastCpu.at)) * 1000);
    this.lastCpu = { at: now, usage };
    return { time, usageCoreNanoSeconds: usage, usageNanoCores: nanoCores };
  }

  /** imageFs reads CRI ImageFsInfo and the capacity of its mount point. */
  async imageFs(time: string, signal?: AbortSignal): Promise<FsStats | undefined> {
    const info = await this.o.images.imageFsInfo({}, { signal }).catch(() => undefined);
    const fs = info?.imageFilesystems?.[0];
    if (!fs) return undefined;
    const base = fs.fsId?.mountpoint ? fsStats(fs.fsId.mountpoint, time) : undefined;
    return { ...(base ?? { time }), usedBytes: Number(fs.usedBytes?.value ?? base?.usedBytes ?? 0), inodesUsed: fs.inodesUsed?.value !== undefined ? Number(fs.inodesUsed.value) : base?.inodesUsed };
  }

  /** podStats lists per-pod stats from CRI ListContainerStats. */
  async podStats(signal?: AbortSignal): Promise<PodStats[]> {
    const [res, running] = await Promise.all([
      this.o.runtime.listContainerStats({}, { signal }),
      this.o.runtime.listContainers({ filter: { state: { state: ContainerState.CONTAINER_RUNNING } } }, { signal }),
    ]);
    // upstream removeTerminatedContainers: stats of exited containers (init containers, old instances) are dropped.
    const live = new Set(running.containers.map((c) => c.id));
    const pods = new Map<string, PodStats>();
    for (const c of res.stats) {
      if (!live.has(c.attributes?.id ?? '')) continue;
      const labels = c.attributes?.labels ?? {};
      const uid = labels[KUBERNETES_POD_UID_LABEL];
      if (!uid) continue;
      let p = pods.get(uid);
      if (!p) {
        p = { podRef: { name: labels[KUBERNETES_POD_NAME_LABEL] ?? '', namespace: labels[KUBERNETES_POD_NAMESPACE_LABEL] ?? '', uid }, startTime: rfc3339(this.o.now()), containers: [] };
        pods.set(uid, p);
      }
      const cpuTime = c.cpu?.timestamp ? Number(BigInt(c.cpu.timestamp) / 1_000_000n) : this.o.now();
      const memTime = c.memory?.timestamp ? Number(BigInt(c.memory.timestamp) / 1_000_000n) : this.o.now();
      const num = (v: { value: string } | undefined): number | undefined => (v ? Number(v.value) : undefined);
      p.containers.push({
        name: c.attributes?.metadata?.name ?? '',
        startTime: rfc3339(this.o.now()),
        cpu: { time: rfc3339(cpuTime), usageCoreNanoSeconds: num(c.cpu?.usageCoreNanoSeconds), usageNanoCores: num(c.cpu?.usageNanoCores) },
        memory: { time: rfc3339(memTime), workingSetBytes: num(c.memory?.workingSetBytes), usageBytes: num(c.memory?.usageBytes), rssBytes: num(c.memory?.rssBytes), availableBytes: num(c.memory?.availableBytes), pageFaults: num(c.memory?.pageFaults), majorPageFaults: num(c.memory?.majorPageFaults) },
        rootfs: c.writableLayer ? { time: rfc3339(this.o.now()), usedBytes: num(c.writableLayer.usedBytes), inodesUsed: num(c.writableLayer.inodesUsed) } : undefined,
      });
    }
    const sum = (xs: (number | undefined)[]): number => xs.reduce<number>((a, b) => a + (b ?? 0), 0);
    const time = rfc3339(this.o.now());
    for (const p of pods.values()) {
      p.cpu = { time, usageCoreNanoSeconds: sum(p.containers.map((c) => c.cpu?.usageCoreNanoSeconds)), usageNanoCores: sum(p.containers.map((c) => c.cpu?.usageNanoCores)) };
      p.memory = { time, workingSetBytes: sum(p.containers.map((c) => c.memory?.workingSetBytes)), usageBytes: sum(p.containers.map((c) => c.memory?.usageBytes)), rssBytes: sum(p.containers.map((c) => c.memory?.rssBytes)) };
      p['ephemeral-storage'] = { time, usedBytes: sum(p.containers.map((c) => c.rootfs?.usedBytes)) };
    }
    return [...pods.values()];
  }

  /** summary builds the whole Summary (upstream summaryProviderImpl.Get). */
  async summary(signal?: AbortSignal): Promise<Summary> {
    const now = this.o.now();
    const time = rfc3339(now);
    const [imageFs, pods] = await Promise.all([this.imageFs(time, signal), this.podStats(signal).catch(() => [])]);
    const procs = readNumber(`${this.o.procRoot ?? '/proc'}/sys/kernel/pid_max`);
    return {
      node: {
        nodeName: this.o.nodeName,
        startTime: rfc3339(this.bootTime),
        cpu: this.nodeCPU(time, now),
        memory: this.nodeMemory(time),
        fs: fsStats(this.o.rootDir, time),
        runtime: { imageFs, containerFs: imageFs },
        rlimit: { time, maxpid: procs },
      },
      pods,
    };
  }
}

/**
 * The eviction manager (upstream: pkg/kubelet/eviction/eviction_manager.go and helpers.go),
 * hard thresholds only. Every monitoring period it reads the stats summary, compares the
 * signals with `--eviction-hard` (`memory.available`, `nodefs.available`, `nodefs.inodesFree`,
 * `imagefs.available`), and:
 * - reports MemoryPressure / DiskPressure for the node status, held for the pressure transition
 *   period after the last observation (upstream 5 min);
 * - for a disk signal, first reclaims node-level resources (dead containers, unused images);
 * - if a threshold is still met, evicts one pod: ranked (upstream rankMemoryPressure /
 *   rankDiskPressure) by whether its usage exceeds its requests, then by priority (lowest
 *   first), then by usage above requests — so BestEffort pods go first. The pod is failed with
 *   reason `Evicted` and upstream's message, and killed with grace period 0.
 */
import type { Pod } from '#generated/k8s/index.ts';
import { parseQuantity } from '#impl/apimachinery/resource/quantity.ts';
import type { PodStats, Summary } from '../stats/summary.ts';

/** Signal is an eviction signal name (upstream evictionapi.Signal). */
export type Signal = 'memory.available' | 'nodefs.available' | 'nodefs.inodesFree' | 'imagefs.available';

/** Threshold is one `--eviction-hard` entry: a quantity or a percentage of capacity. */
export interface Threshold {
  signal: Signal;
  quantity?: number;
  percentage?: number;
}

/** DEFAULT_EVICTION_HARD is upstream's default `--eviction-hard`. */
export const DEFAULT_EVICTION_HARD = 'memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%';

const SIGNALS: readonly Signal[] = ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'imagefs.available'];

/** parseThresholds parses `signal<quantity|percent,...` (upstream ParseThresholdConfig, hard only). */
export function parseThresholds(spec: string): Threshold[] {
  const out: Threshold[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-zA-Z.]+)<(.+)$/.exec(part);
    if (!m) throw new Error(`invalid eviction threshold syntax ${part}, expected <signal><operator><value>`);
    const signal = m[1] as Signal;
    if (!SIGNALS.includes(signal)) throw new Error(`unsupported eviction signal ${m[1]}`);
    const v = m[2].trim();
    if (v.endsWith('%')) {
      const pct = Number(v.slice(0, -1));
      if (!(pct >= 0 && pct <= 100)) throw new Error(`eviction percentage threshold ${signal} must be >= 0% and <= 100%: ${v}`);
      out.push({ signal, percentage: pct / 100 });
    } else {
      out.push({ signal, quantity: parseQuantity(v).value() });
    }
  }
  return out;
}

/** Observation is a signal's available amount and capacity. */
export interface Observation {
  available: number;
  capacity: number;
}

/** makeSignalObservations reads the signals from a summary (upstream makeSignalObservations). */
export function makeSignalObservations(s: Summary): Map<Signal, Observation> {
  const out = new Map<Signal, Observation>();
  const mem = s.node.memory;
  if (mem?.availableBytes !== undefined && mem.workingSetBytes !== undefined) out.set('memory.available', { available: mem.availableBytes, capacity: mem.availableBytes + mem.workingSetBytes });
  const fs = s.node.fs;
  if (fs?.availableBytes !== undefined && fs.capacityBytes) out.set('nodefs.available', { available: fs.availableBytes, capacity: fs.capacityBytes });
  if (fs?.inodesFree !== undefined && fs.inodes) out.set('nodefs.inodesFree', { available: fs.inodesFree, capacity: fs.inodes });
  const img = s.node.runtime?.imageFs;
  if (img?.availableBytes !== undefined && img.capacityBytes) out.set('imagefs.available', { available: img.availableBytes, capacity: img.capacityBytes });
  return out;
}

/** thresholdValue resolves a threshold to an amount for a capacity. */
export function thresholdValue(t: Threshold, capacity: number): number {
  return t.quantity ?? Math.floor((t.percentage ?? 0) * capacity);
}

/** thresholdsMet returns the thresholds whose signal is below them (upstream thresholdsMet). */
export function thresholdsMet(thresholds: Threshold[], obs: Map<Signal, Observation>): Threshold[] {
  return thresholds.filter((t) => {
    const o = obs.get(t.signal);
    return o !== undefined && o.available < thresholdValue(t, o.capacity);
  });
}

/** resourceOf maps a signal to the resource it starves. */
export function resourceOf(signal: Signal): 'memory' | 'ephemeral-storage' | 'inodes' {
  return signal === 'memory.available' ? 'memory' : signal === 'nodefs.inodesFree' ? 'inodes' : 'ephemeral-storage';
}

function podRequest(pod: Pod, resource: string): number {
  let total = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = (c.resources?.requests as Record<string, unknown> | undefined)?.[resource];
    if (r !== undefined) total += parseQuantity(String(r)).value();
  }
  return total;
}

function podUsage(stats: PodStats | undefined, resource: string): number {
  if (!stats) return 0;
  if (resource === 'memory') return stats.memory?.workingSetBytes ?? 0;
  return stats['ephemeral-storage']?.usedBytes ?? 0;
}

/** rankForEviction orders pods, first to evict first (upstream rankMemoryPressure / rankDiskPressure). */
export function rankForEviction(pods: Pod[], stats: Map<string, PodStats>, resource: string): Pod[] {
  const info = pods.map((pod) => {
    const uid = pod.metadata?.uid ?? '';
    const usage = podUsage(stats.get(uid), resource);
    const request = podRequest(pod, resource);
    return { pod, exceeds: usage > request, priority: pod.spec?.priority ?? 0, over: usage - request };
  });
  info.sort((a, b) => Number(b.exceeds) - Number(a.exceeds) || a.priority - b.priority || b.over - a.over);
  return info.map((i) => i.pod);
}

function formatBytes(n: number): string {
  for (const [unit, f] of [['Pi', 1024 ** 5], ['Ti', 1024 ** 4]] as const) if (n >= f && n % f === 0) return `${n / f}${unit}`;
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3}Gi`;
  if (n >= 1024 ** 2 && n % 1024 ** 2 === 0) return `${n / 1024 ** 2}Mi`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}Ki`;
  return String(n);
}

/** evictionMessage renders upstream's message ("The node was low on resource: memory. ..."). */
export function evictionMessage(t: Threshold, obs: Observation, pod: Pod, stats: PodStats | undefined): string {
  const resource = resourceOf(t.signal);
  let msg = `The node was low on resource: ${resource}. Threshold quantity: ${formatBytes(thresholdValue(t, obs.capacity))}, available: ${formatBytes(Math.max(0, obs.available))}. `;
  if (resource === 'memory') {
    for (const c of stats?.containers ?? []) {
      const spec = pod.spec?.containers?.find((x) => x.name === c.name);
      const req = (spec?.resources?.requests as Record<string, unknown> | undefined)?.memory;
      const usage = c.memory?.workingSetBytes ?? 0;
      const request = req !== undefined ? parseQuantity(String(req)).value() : 0;
      if (usage > request) msg += `Container ${c.name} was using ${formatBytes(usage)}, request is ${req ?? 0}, has larger consumption of ${resource}. `;
    }
  }
  return msg.trim();
}

/** EvictionManagerOptions configure an {@link EvictionManager}. */
export interface EvictionManagerOptions {
  thresholds: Threshold[];
  summary: (signal?: AbortSignal) => Promise<Summary>;
  /** activePods are the pods that may be evicted (running, not terminal, not static/critical). */
  activePods: () => Pod[];
  /** evictPod fails the pod with the reason and message and kills it (grace 0). */
  evictPod: (pod: Pod, message: string) => void;
  /** reclaimNodeResources frees disk (container GC, image GC) before pods are evicted. */
  reclaimNodeResources?: (signal?: AbortSignal) => Promise<void>;
  now: () => number;
  /** pressureTransitionPeriodMs (`--eviction-pressure-transition-period`, default 5 min). */
  pressureTransitionPeriodMs?: number;
}

/** EvictionManager: see the module comment. */
export class EvictionManager {
  private readonly o: EvictionManagerOptions;
  private readonly lastObserved = new Map<'memory' | 'disk', number>();

  constructor(o: EvictionManagerOptions) {
    this.o = o;
  }

  private pressure(kind: 'memory' | 'disk'): boolean {
    const at = this.lastObserved.get(kind);
    return at !== undefined && this.o.now() - at < (this.o.pressureTransitionPeriodMs ?? 300_000);
  }

  /** isUnderMemoryPressure / isUnderDiskPressure feed the node conditions. */
  isUnderMemoryPressure(): boolean {
    return this.pressure('memory');
  }
  isUnderDiskPressure(): boolean {
    return this.pressure('disk');
  }

  /** synchronize runs one pass (upstream synchronize); returns the evicted pod, if any. */
  async synchronize(signal?: AbortSignal): Promise<Pod | undefined> {
    if (this.o.thresholds.length === 0) return undefined;
    let summary = await this.o.summary(signal);
    let obs = makeSignalObservations(summary);
    let met = thresholdsMet(this.o.thresholds, obs);
    for (const t of met) this.lastObserved.set(t.signal === 'memory.available' ? 'memory' : 'disk', this.o.now());
    if (met.length === 0) return undefined;
    if (met.every((t) => t.signal !== 'memory.available') && this.o.reclaimNodeResources) {
      await this.o.reclaimNodeResources(signal);
      summary = await this.o.summary(signal);
      obs = makeSignalObservations(summary);
      met = thresholdsMet(this.o.thresholds, obs);
      if (met.length === 0) return undefined;
    }
    // upstream: memory first, then the order of the thresholds.
    const t = met.find((x) => x.signal === 'memory.available') ?? met[0];
    const stats = new Map(summary.pods.map((p) => [p.podRef.uid, p]));
    const ranked = rankForEviction(this.o.activePods(), stats, resourceOf(t.signal) === 'memory' ? 'memory' : 'ephemeral-storage');
    const victim = ranked[0];
    if (!victim) return undefined;
    this.o.evictPod(victim, evictionMessage(t, obs.get(t.signal) as Observation, victim, stats.get(victim.metadata?.uid ?? '')));
    return victim;
  }
}

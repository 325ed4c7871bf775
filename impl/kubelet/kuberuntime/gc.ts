/**
 * Container and sandbox garbage collection (upstream: pkg/kubelet/kuberuntime/kuberuntime_gc.go
 * with the defaults of pkg/kubelet/container/container_gc.go): every `ContainerGCPeriod` (1 min)
 * - exited containers older than `minAge` beyond the newest `maxPerPodContainer` (1) per
 *   (pod, container name) are removed; with `maxContainers` >= 0 the oldest go first until
 *   the total fits;
 * - not-ready sandboxes of pods that still exist are removed except the newest one; every
 *   sandbox of a pod that is gone (`isPodDeleted`) is removed once it has no running container.
 * The newest dead container is what `lastState` is read from, so it is kept.
 */
import type { RuntimeService } from './cri-services.ts';

/** GCPolicy is upstream's GCPolicy (ages in ms). */
export interface GCPolicy {
  minAgeMs: number;
  maxPerPodContainer: number;
  /** maxContainers < 0: no global limit. */
  maxContainers: number;
}

/** DEFAULT_GC_POLICY is the kubelet's default (minimum age 0, 1 dead container per container, no global limit). */
export const DEFAULT_GC_POLICY: GCPolicy = { minAgeMs: 0, maxPerPodContainer: 1, maxContainers: -1 };

/** DeadContainer is an exited container with its creation time. */
export interface DeadContainer {
  id: string;
  podUID: string;
  name: string;
  createdAt: number;
}

/**
 * evictableContainers picks the dead containers to remove (pure): per (pod, name) all but the
 * newest `maxPerPodContainer`, then the oldest of the rest while over `maxContainers`.
 */
export function evictableContainers(dead: DeadContainer[], policy: GCPolicy, now: number): string[] {
  const old = dead.filter((c) => now - c.createdAt >= policy.minAgeMs);
  const groups = new Map<string, DeadContainer[]>();
  for (const c of old) {
    const k = `${c.podUID}/${c.name}`;
    groups.set(k, [...(groups.get(k) ?? []), c]);
  }
  const evict: DeadContainer[] = [];
  const kept: DeadContainer[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => b.createdAt - a.createdAt);
    const keep = policy.maxPerPodContainer < 0 ? g.length : policy.maxPerPodContainer;
    kept.push(...g.slice(0, keep));
    evict.push(...g.slice(keep));
  }
  if (policy.maxContainers >= 0 && kept.length > policy.maxContainers) {
    kept.sort((a, b) => a.createdAt - b.createdAt);
    evict.push(...kept.slice(0, kept.length - policy.maxContainers));
  }
  return evict.map((c) => c.id);
}

/** ContainerGCOptions configure {@link garbageCollect}. */
export interface ContainerGCOptions {
  runtime: Pick<RuntimeService, 'listContainers' | 'listPodSandbox' | 'removeContainer' | 'removePodSandbox'>;
  policy?: GCPolicy;
  now: number;
  /** isPodDeleted: the API no longer has the pod and its worker finished. */
  isPodDeleted: (uid: string) => boolean;
  signal?: AbortSignal;
}

/** garbageCollect runs one GC pass; returns the removed container and sandbox ids. */
export async function garbageCollect(opts: ContainerGCOptions): Promise<{ containers: string[]; sandboxes: string[] }> {
  const policy = opts.policy ?? DEFAULT_GC_POLICY;
  const [containers, sandboxes] = await Promise.all([opts.runtime.listContainers({}, { signal: opts.signal }), opts.runtime.listPodSandbox({}, { signal: opts.signal })]);
  const dead: DeadContainer[] = containers.containers
    .filter((c) => c.state === 2 /* CONTAINER_EXITED */ && c.labels['io.kubernetes.pod.uid'])
    .map((c) => ({ id: c.id, podUID: c.labels['io.kubernetes.pod.uid'], name: c.metadata?.name ?? '', createdAt: Number(BigInt(c.createdAt || '0') / 1_000_000n) }));
  const removedContainers = evictableContainers(dead, policy, opts.now);
  for (const id of removedContainers) await opts.runtime.removeContainer({ containerId: id }, { signal: opts.signal });

  const removedSandboxes: string[] = [];
  const byPod = new Map<string, typeof sandboxes.items>();
  for (const s of sandboxes.items) {
    const uid = s.labels['io.kubernetes.pod.uid'];
    if (!uid) continue;
    byPod.set(uid, [...(byPod.get(uid) ?? []), s]);
  }
  const liveContainersOf = new Map<string, number>();
  for (const c of containers.containers) if (c.state !== 2 && !removedContainers.includes(c.id)) liveContainersOf.set(c.podSandboxId, (liveContainersOf.get(c.podSandboxId) ?? 0) + 1);
  for (const [uid, list] of byPod) {
    list.sort((a, b) => Number(BigInt(b.createdAt || '0') - BigInt(a.createdAt || '0')));
    const deleted = opts.isPodDeleted(uid);
    list.forEach((s, i) => {
      if (s.state === 0 /* SANDBOX_READY */) return;
      if (liveContainersOf.get(s.id)) return;
      if (deleted || i > 0) removedSandboxes.push(s.id);
    });
  }
  for (const id of removedSandboxes) await opts.runtime.removePodSandbox({ podSandboxId: id }, { signal: opts.signal });
  return { containers: removedContainers, sandboxes: removedSandboxes };
}

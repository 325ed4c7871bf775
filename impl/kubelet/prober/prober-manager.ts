/**
 * ProberManager keeps one {@link ProbeWorker} per (pod, container, probe type) and answers
 * what the probes decided (upstream: pkg/kubelet/prober/prober_manager.go):
 * - `isReady` / `isStarted` feed `ready` and `started` of the container statuses and so the
 *   Ready and ContainersReady conditions;
 * - `livenessFailed` / `startupFailed` make computePodActions kill and restart the container;
 * - every change calls `onChange(pod)` so the kubelet re-syncs the pod at once, and every
 *   failure `onUnhealthy(pod, container, type, output)` for the `Unhealthy` event.
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { Clock } from '#impl/apimachinery/util/clock/index.ts';
import type { RuntimeService } from '../kuberuntime/cri-services.ts';
import { isRestartableInitContainer } from '../types/pod-update.ts';
import type { ProbeResult } from './prober.ts';
import { ProbeWorker, type ContainerRuntimeInfo, type ProbeType } from './worker.ts';

/** ProberManagerOptions configure a {@link ProberManager}. */
export interface ProberManagerOptions {
  clock: Clock;
  runtime: Pick<RuntimeService, 'execSync'>;
  /** containerInfo reads a container's state (id, running, start time, pod IP) from the kubelet's status. */
  containerInfo: (pod: Pod, containerName: string) => Omit<ContainerRuntimeInfo, 'started'> | undefined;
  onChange: (pod: Pod) => void;
  onUnhealthy?: (pod: Pod, container: string, type: ProbeType, output: string) => void;
  /** onProbeError hears probes that errored (result unknown), for the `Unhealthy` "probe errored" event. */
  onProbeError?: (pod: Pod, container: string, type: ProbeType, output: string) => void;
}

const PROBE_TYPES: ProbeType[] = ['startup', 'liveness', 'readiness'];

/** ProberManager: see the module comment. */
export class ProberManager {
  private readonly o: ProberManagerOptions;
  /** workers by `uid/container/type`. */
  private readonly workers = new Map<string, ProbeWorker>();

  constructor(opts: ProberManagerOptions) {
    this.o = opts;
  }

  private key(uid: string, container: string, type: ProbeType): string {
    return `${uid}/${container}/${type}`;
  }

  /** addPod starts workers for every probe of the pod's containers and sidecars (idempotent). */
  addPod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    // upstream AddPod: regular containers and restartable init containers have probes.
    const probed = [...(pod.spec?.initContainers ?? []).filter((c) => isRestartableInitContainer(c)), ...(pod.spec?.containers ?? [])];
    for (const c of probed) {
      for (const type of PROBE_TYPES) {
        const probe = type === 'liveness' ? c.livenessProbe : type === 'readiness' ? c.readinessProbe : c.startupProbe;
        const key = this.key(uid, c.name, type);
        if (!probe || this.workers.has(key)) continue;
        const w = new ProbeWorker({
          pod,
          container: c,
          probeType: type,
          probe,
          clock: this.o.clock,
          runtime: this.o.runtime,
          info: () => {
            const i = this.o.containerInfo(pod, c.name);
            return i && { ...i, started: this.isStarted(uid, c.name, i.containerId, i.running) };
          },
          onResult: (_w, result: ProbeResult, outcome, changed) => {
            if (result === 'failure' && outcome) this.o.onUnhealthy?.(pod, c.name, type, outcome.output);
            if (changed) this.o.onChange(pod);
          },
          onError: (outcome) => this.o.onProbeError?.(pod, c.name, type, outcome.output),
        });
        this.workers.set(key, w);
        w.start();
      }
    }
  }

  /** removePod stops the pod's workers. */
  removePod(uid: string): void {
    for (const [k, w] of this.workers) {
      if (k.startsWith(`${uid}/`)) {
        w.stop();
        this.workers.delete(k);
      }
    }
  }

  /** cleanupPods stops workers of pods not in `keep`. */
  cleanupPods(keep: ReadonlySet<string>): void {
    for (const k of this.workers.keys()) {
      const uid = k.slice(0, k.indexOf('/'));
      if (!keep.has(uid)) this.removePod(uid);
    }
  }

  private result(uid: string, container: string, type: ProbeType, containerId: string): ProbeResult | undefined {
    const w = this.workers.get(this.key(uid, container, type));
    if (!w) return undefined;
    return w.containerId === containerId ? w.result : undefined;
  }

  /** isStarted: no startup probe, or it succeeded for this container ID. */
  isStarted(uid: string, container: string, containerId: string, running: boolean): boolean {
    if (!running) return false;
    if (!this.workers.has(this.key(uid, container, 'startup'))) return true;
    return this.result(uid, container, 'startup', containerId) === 'success';
  }

  /** isReady: started and (no readiness probe, or it succeeded for this container ID). */
  isReady(uid: string, container: string, containerId: string, running: boolean): boolean {
    if (!this.isStarted(uid, container, containerId, running)) return false;
    if (!this.workers.has(this.key(uid, container, 'readiness'))) return true;
    return this.result(uid, container, 'readiness', containerId) === 'success';
  }

  /** probeFailed reports a liveness or startup failure of this container ID: restart it. */
  probeFailed(uid: string, container: string, containerId: string): 'liveness' | 'startup' | undefined {
    if (this.result(uid, container, 'liveness', containerId) === 'failure') return 'liveness';
    if (this.result(uid, container, 'startup', containerId) === 'failure') return 'startup';
    return undefined;
  }
}

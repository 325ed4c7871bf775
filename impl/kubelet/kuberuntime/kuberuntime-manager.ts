/**
 * KubeGenericRuntimeManager turns a pod spec into CRI calls (upstream:
 * pkg/kubelet/kuberuntime/kuberuntime_manager.go). `computePodActions` is a pure function from
 * (pod, runtime PodStatus) to the actions of one sync; `syncPod` executes them in upstream order:
 *
 * 1. kill the pod's sandbox and containers if the sandbox changed (or nothing is left to run),
 *    else kill the containers that must go;
 * 2. create the sandbox if needed (RunPodSandbox with the full PodSandboxConfig);
 * 3. start the next init container, if any is pending (one at a time, in order);
 * 4. start the containers to start: CrashLoopBackOff check, image pull, config, CreateContainer,
 *    StartContainer. A failure of one container does not stop the others.
 *
 * Errors of step 4 are returned per container as SyncErrors, so the status shows the upstream
 * waiting reason (ErrImagePull, CrashLoopBackOff, CreateContainerConfigError, ...).
 */
import type { Container, Pod } from '#generated/k8s/index.ts';
import { ContainerState as CriContainerState, NamespaceMode, PodSandboxState, type ContainerStatus as CriContainerStatus, type DeepPartial, type PodSandboxConfig } from '#generated/cri/api.ts';
import type { Clock } from '#impl/apimachinery/util/clock/index.ts';
import {
  findContainerStatus,
  type ContainerState,
  type ContainerStatus,
  type PodStatus,
  type RuntimePod,
  type SandboxStatus,
} from '../container/runtime.ts';
import { SyncError, isSyncError } from '../container/sync-result.ts';
import { makeEnvironmentVariables, type ConfigSource, type ResolvedEnv } from '../container-env.ts';
import type { ImageManager } from '../images/image-manager.ts';
import { isRestartableInitContainer } from '../types/pod-update.ts';
import { Backoff } from '../util/backoff.ts';
import type { VolumeManager } from '../volumemanager/volume-manager.ts';
import { generateContainerConfig, hashContainer } from './container.ts';
import type { RuntimeService } from './cri-services.ts';
import { runLifecycleHandler } from './lifecycle-handlers.ts';
import { createTerminationMessageFile, readLogTail, readTerminationMessageFile } from './termination-message.ts';
import {
  CONTAINER_HASH_LABEL,
  CONTAINER_TERMINATION_MESSAGE_PATH_LABEL,
  CONTAINER_TERMINATION_MESSAGE_POLICY_LABEL,
  KUBERNETES_CONTAINER_NAME_LABEL,
  KUBERNETES_POD_NAMESPACE_LABEL,
  KUBERNETES_POD_NAME_LABEL,
  KUBERNETES_POD_UID_LABEL,
} from './labels.ts';
import { buildPodLogsDirectory, generatePodSandboxConfig, podHostname, type SandboxConfigContext } from './sandbox.ts';

/** MINIMUM_GRACE_PERIOD_SECONDS is the shortest stop timeout the kubelet gives a container (upstream minimumGracePeriodInSeconds). */
export const MINIMUM_GRACE_PERIOD_SECONDS = 2;

/** ContainerToKill says why a container is killed. */
export interface ContainerToKill {
  name: string;
  message: string;
}

/** PodActions are the actions of one sync (upstream `podActions`). */
export interface PodActions {
  killPod: boolean;
  createSandbox: boolean;
  sandboxID: string;
  attempt: number;
  /**
   * initContainersToStart are indexes in spec.initContainers to start, in order: the next regular
   * init container and/or sidecars (restartable init containers) to (re)start.
   */
  initContainersToStart: number[];
  /** containersToStart are indexes in spec.containers. */
  containersToStart: number[];
  /**
   * ephemeralContainersToStart are indexes in spec.ephemeralContainers that have never run
   * (upstream EphemeralContainersToStart): ephemeral containers are started once, never restarted.
   */
  ephemeralContainersToStart: number[];
  /** containersToKill maps container id -> why. */
  containersToKill: Map<string, ContainerToKill>;
}

/** restartPolicy returns the pod's restart policy with the API default. */
export function restartPolicy(pod: Pod): 'Always' | 'OnFailure' | 'Never' {
  return (pod.spec?.restartPolicy as 'Always' | 'OnFailure' | 'Never' | undefined) ?? 'Always';
}

/** containerSucceeded reports whether the newest status of the container exited 0. */
export function containerSucceeded(c: Container, status: PodStatus): boolean {
  const cs = findContainerStatus(status, c.name);
  return cs?.state === 'exited' && cs.exitCode === 0;
}

/** shouldContainerBeRestarted applies the restart policy (upstream ShouldContainerBeRestarted). */
export function shouldContainerBeRestarted(c: Container, pod: Pod, status: PodStatus): boolean {
  const cs = findContainerStatus(status, c.name);
  if (!cs) return true;
  if (cs.state === 'running') return false;
  if (cs.state === 'unknown' || cs.state === 'created') return true;
  const policy = restartPolicy(pod);
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && cs.exitCode === 0) return false;
  return true;
}

/** podSandboxChanged decides whether a (new) sandbox is needed (upstream podSandboxChanged). */
export function podSandboxChanged(pod: Pod, status: PodStatus): { createSandbox: boolean; attempt: number; sandboxID: string } {
  const sandboxes = status.sandboxStatuses;
  if (sandboxes.length === 0) return { createSandbox: true, attempt: 0, sandboxID: '' };
  const latest = sandboxes[0];
  const ready = sandboxes.filter((s) => s.ready).length;
  if (ready > 1 || !latest.ready) return { createSandbox: true, attempt: latest.attempt + 1, sandboxID: latest.id };
  const hostNetwork = pod.spec?.hostNetwork ?? false;
  if (latest.hostNetwork !== hostNetwork) return { createSandbox: true, attempt: latest.attempt + 1, sandboxID: latest.id };
  if (!hostNetwork && latest.ips.length === 0) return { createSandbox: true, attempt: latest.attempt + 1, sandboxID: latest.id };
  return { createSandbox: false, attempt: latest.attempt, sandboxID: latest.id };
}

/**
 * ProbeResults are what the prober manager decided for a running container, as computePodActions
 * needs them: `failed` for liveness/startup failures (restart), `started` for the startup probe
 * (a sidecar must be started before the next init container runs).
 */
export interface ProbeResults {
  failed?: ProbeFailed;
  /** started: the startup probe succeeded, or the container has none. Default: always started. */
  started?: (containerName: string, containerId: string) => boolean;
}

/**
 * computeInitContainerActions fills in the init container step and returns whether the pod is
 * initialized (upstream computeInitContainerActions, with restartable init containers).
 *
 * Walks the init containers from the last one with a status backwards: regular init containers
 * must exit 0 in order; a restartable one (sidecar) counts as done once it is started (running, and
 * its startup probe passed when it has one), and is restarted whenever it exits, is unknown, fails
 * its liveness/startup probe or its spec changed, also after the pod is initialized.
 */
function computeInitContainerActions(pod: Pod, status: PodStatus, changes: PodActions, probes: ProbeResults): boolean {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return true;
  // A created or running main container means the init containers ran before (their statuses may be gone).
  let podHasInitialized = (pod.spec?.containers ?? []).some((c) => {
    const st = findContainerStatus(status, c.name)?.state;
    return st === 'created' || st === 'running';
  });
  let previouslyInitialized = podHasInitialized;
  const toStart: number[] = [];
  const kill = (cs: ContainerStatus, message: string): void => {
    changes.containersToKill.set(cs.id, { name: cs.name, message });
  };
  for (let i = inits.length - 1; i >= 0; i--) {
    const c = inits[i];
    const sidecar = isRestartableInitContainer(c);
    const cs = findContainerStatus(status, c.name);
    if (!cs) {
      if (previouslyInitialized && sidecar) toStart.push(i);
      continue;
    }
    if (previouslyInitialized && !sidecar) continue; // only sidecars are kept running after initialization
    switch (cs.state) {
      case 'created':
        toStart.push(i);
        break;
      case 'running': {
        if (!sidecar) break; // wait for it to finish
        const failed = probes.failed?.(c.name, cs.id);
        if (c.startupProbe && !(probes.started?.(c.name, cs.id) ?? true)) {
          if (failed === 'startup') {
            kill(cs, `Init container ${c.name} failed startup probe`);
            toStart.push(i);
          }
          break;
        }
        if (i === inits.length - 1) podHasInitialized = true;
        else if (!previouslyInitialized) toStart.push(i + 1);
        if (cs.hash !== '' && cs.hash !== hashContainer(c)) {
          kill(cs, `Init container ${c.name} definition changed`);
          toStart.push(i);
          break;
        }
        if (failed === 'liveness') {
          kill(cs, `Init container ${c.name} failed liveness probe`);
          toStart.push(i);
        }
        break;
      }
      case 'exited':
        if (sidecar) {
          toStart.push(i);
        } else if (cs.exitCode !== 0) {
          if (restartPolicy(pod) === 'Never') {
            changes.killPod = true;
            changes.initContainersToStart = [];
            return false;
          }
          toStart.push(i);
        } else if (i === inits.length - 1) {
          podHasInitialized = true;
        } else {
          toStart.push(i + 1);
        }
        break;
      default:
        if (!sidecar && restartPolicy(pod) === 'Never') {
          changes.killPod = true;
          changes.initContainersToStart = [];
          return false;
        }
        kill(cs, 'Init container is in unknown state, try killing it before restart');
        toStart.push(i);
    }
    previouslyInitialized = true;
  }
  if (!previouslyInitialized) toStart.push(0);
  // The walk went backwards; start them in spec order, each once.
  changes.initContainersToStart = [...new Set(toStart)].sort((a, b) => a - b);
  return podHasInitialized;
}

/** ProbeFailed reports a liveness/startup failure of a running container (from the prober manager). */
export type ProbeFailed = (containerName: string, containerId: string) => 'liveness' | 'startup' | undefined;

/** computePodActions: see the module comment. Pure given the probe results. */
export function computePodActions(pod: Pod, status: PodStatus, probeResults?: ProbeFailed | ProbeResults): PodActions {
  const probes: ProbeResults = typeof probeResults === 'function' ? { failed: probeResults } : (probeResults ?? {});
  const probeFailed = probes.failed;
  const sb = podSandboxChanged(pod, status);
  const changes: PodActions = {
    killPod: sb.createSandbox,
    createSandbox: sb.createSandbox,
    sandboxID: sb.sandboxID,
    attempt: sb.attempt,
    initContainersToStart: [],
    containersToStart: [],
    ephemeralContainersToStart: [],
    containersToKill: new Map(),
  };
  const containers = pod.spec?.containers ?? [];
  const policy = restartPolicy(pod);
  if (changes.createSandbox) {
    // A finished pod whose sandbox went away is not brought back (upstream: "pod is done").
    if (policy === 'Never' && sb.attempt !== 0 && status.containerStatuses.length > 0) {
      changes.createSandbox = false;
      return changes;
    }
    const toStart = containers.flatMap((c, i) => (policy === 'OnFailure' && containerSucceeded(c, status) ? [] : [i]));
    if (policy === 'OnFailure' && sb.attempt !== 0 && toStart.length === 0 && status.containerStatuses.length > 0) {
      changes.createSandbox = false;
      return changes;
    }
    if ((pod.spec?.initContainers ?? []).length > 0) {
      changes.initContainersToStart = [0];
      return changes;
    }
    changes.containersToStart = toStart;
    return changes;
  }

  // Ephemeral containers may be started even if initialization is not yet complete (upstream).
  (pod.spec?.ephemeralContainers ?? []).forEach((ec, idx) => {
    if (!findContainerStatus(status, ec.name)) changes.ephemeralContainersToStart.push(idx);
  });

  if (!computeInitContainerActions(pod, status, changes, probes) || changes.killPod) return changes;

  let keepCount = 0;
  containers.forEach((c, idx) => {
    const cs = findContainerStatus(status, c.name);
    if (!cs || cs.state !== 'running') {
      if (cs && (cs.state === 'unknown' || cs.state === 'created')) {
        changes.containersToKill.set(cs.id, { name: c.name, message: `Container is in ${cs.state} state, try killing it before restart` });
      }
      if (shouldContainerBeRestarted(c, pod, status)) changes.containersToStart.push(idx);
      return;
    }
    if (cs.hash !== '' && cs.hash !== hashContainer(c)) {
      changes.containersToKill.set(cs.id, { name: c.name, message: `Container ${c.name} definition changed` });
      changes.containersToStart.push(idx);
      return;
    }
    const failed = probeFailed?.(c.name, cs.id);
    if (failed) {
      changes.containersToKill.set(cs.id, { name: c.name, message: `Container ${c.name} failed ${failed} probe, will be restarted` });
      if (policy !== 'Never') changes.containersToStart.push(idx);
      return;
    }
    keepCount++;
  });
  if (keepCount === 0 && changes.containersToStart.length === 0) {
    changes.killPod = true;
    // Sidecars do not keep a finished pod alive (upstream: do not restart them then).
    changes.initContainersToStart = [];
  }
  return changes;
}

/** formatDuration renders milliseconds like Go's time.Duration.String for whole seconds ("10s", "1m20s", "5m0s"). */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}

/** formatPod renders `name_namespace(uid)` (upstream format.Pod). */
export function formatPod(pod: Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
}

/** PodSyncResult is what {@link KubeGenericRuntimeManager.syncPod} did. */
export interface PodSyncResult {
  actions: PodActions;
  /** containerErrors maps container name -> the failure of its start (shown as waiting reason). */
  containerErrors: Map<string, SyncError>;
  /** startedContainers names containers started successfully in this sync. */
  startedContainers: string[];
  /** error is a pod-level failure (sandbox creation, kill); the sync should be retried. */
  error?: Error;
}

/** KubeGenericRuntimeManagerOptions configure a {@link KubeGenericRuntimeManager}. */
export interface KubeGenericRuntimeManagerOptions {
  runtimeService: RuntimeService;
  imageManager: ImageManager;
  volumeManager: VolumeManager;
  configSource: ConfigSource;
  clock: Clock;
  sandboxContext: SandboxConfigContext;
  /** runtimeName is the `containerID` scheme (CRI Version runtimeName, `containerd`). */
  runtimeName: string;
  nodeName: string;
  nodeIPs: string[];
  /** nodeAllocatable is the node's allocatable, for resourceFieldRefs to limits a container does not set. */
  nodeAllocatable?: () => Record<string, string>;
  /** crashLoopBackoffInitialMs / MaxMs: upstream 10 s doubling to 5 min. */
  crashLoopBackoffInitialMs?: number;
  crashLoopBackoffMaxMs?: number;
  /** serviceEnv returns the service variables of a pod (throws a SyncError until services are known). */
  serviceEnv?: (pod: Pod) => ResolvedEnv[];
  /** probeFailed reports liveness/startup failures of running containers (the prober manager). */
  probeFailed?: (pod: Pod, containerName: string, containerId: string) => 'liveness' | 'startup' | undefined;
  /** probeStarted reports whether a running container passed its startup probe (or has none). */
  probeStarted?: (pod: Pod, containerName: string, containerId: string) => boolean;
  /** onEvent hears container lifecycle events (Created, Started, Killing, BackOff, Failed...). */
  onEvent?: (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string) => void;
}

function nsToMs(ns: string | undefined): number {
  if (!ns || ns === '0') return 0;
  return Number(BigInt(ns) / 1_000_000n);
}

function toState(s: CriContainerState): ContainerState {
  switch (s) {
    case CriContainerState.CONTAINER_CREATED: return 'created';
    case CriContainerState.CONTAINER_RUNNING: return 'running';
    case CriContainerState.CONTAINER_EXITED: return 'exited';
    default: return 'unknown';
  }
}

/** KubeGenericRuntimeManager: see the module comment. */
export class KubeGenericRuntimeManager {
  private readonly rs: RuntimeService;
  private readonly o: KubeGenericRuntimeManagerOptions;
  /** backOff is the CrashLoopBackOff state, keyed like upstream getStableKey. */
  readonly backOff: Backoff;
  /** runtimeName is the `containerID` scheme, updated from CRI Version once known. */
  runtimeName: string;

  constructor(opts: KubeGenericRuntimeManagerOptions) {
    this.o = opts;
    this.rs = opts.runtimeService;
    this.runtimeName = opts.runtimeName;
    this.backOff = new Backoff({
      initialMs: opts.crashLoopBackoffInitialMs ?? 10_000,
      maxMs: opts.crashLoopBackoffMaxMs ?? 300_000,
      clock: opts.clock,
    });
  }

  /** getPods lists the pods the runtime holds, from ListPodSandbox and ListContainers (PLEG relist, cleanup). */
  async getPods(signal?: AbortSignal): Promise<RuntimePod[]> {
    const [sandboxes, containers] = await Promise.all([this.rs.listPodSandbox({}, { signal }), this.rs.listContainers({}, { signal })]);
    const pods = new Map<string, RuntimePod>();
    const get = (labels: Record<string, string>): RuntimePod | undefined => {
      const uid = labels[KUBERNETES_POD_UID_LABEL];
      if (!uid) return undefined;
      let p = pods.get(uid);
      if (!p) {
        p = { uid, name: labels[KUBERNETES_POD_NAME_LABEL] ?? '', namespace: labels[KUBERNETES_POD_NAMESPACE_LABEL] ?? '', sandboxes: [], containers: [] };
        pods.set(uid, p);
      }
      return p;
    };
    for (const s of sandboxes.items) get(s.labels)?.sandboxes.push({ id: s.id, ready: s.state === PodSandboxState.SANDBOX_READY });
    for (const c of containers.containers) {
      get(c.labels)?.containers.push({ id: c.id, name: c.metadata?.name ?? c.labels[KUBERNETES_CONTAINER_NAME_LABEL] ?? '', state: toState(c.state), sandboxId: c.podSandboxId });
    }
    return [...pods.values()];
  }

  /** getPodStatus reads everything the runtime knows about one pod (upstream GetPodStatus). */
  async getPodStatus(uid: string, name: string, namespace: string, signal?: AbortSignal): Promise<PodStatus> {
    const sel = { labelSelector: { [KUBERNETES_POD_UID_LABEL]: uid } };
    const [sandboxes, containers] = await Promise.all([
      this.rs.listPodSandbox({ filter: sel }, { signal }),
      this.rs.listContainers({ filter: sel }, { signal }),
    ]);
    // Status calls for every sandbox and container go out together (they are independent reads).
    const sandboxStatuses: SandboxStatus[] = (await Promise.all(sandboxes.items.map(async (s): Promise<SandboxStatus | undefined> => {
      try {
        const st = (await this.rs.podSandboxStatus({ podSandboxId: s.id }, { signal })).status;
        if (!st) return undefined;
        const hostNetwork = st.linux?.namespaces?.options?.network === NamespaceMode.NODE;
        const ready = st.state === PodSandboxState.SANDBOX_READY;
        const ips = ready && st.network?.ip ? [st.network.ip, ...(st.network.additionalIps ?? []).map((a) => a.ip)] : [];
        return { id: s.id, ready, attempt: st.metadata?.attempt ?? 0, createdAt: nsToMs(st.createdAt), ips, hostNetwork };
      } catch (err) {
        if ((err as { reason?: string }).reason === 'NotFound') return undefined; // removed meanwhile
        throw err;
      }
    }))).filter((x): x is SandboxStatus => !!x);
    sandboxStatuses.sort((a, b) => b.createdAt - a.createdAt);
    const containerStatuses: ContainerStatus[] = (await Promise.all(containers.containers.map(async (c): Promise<ContainerStatus | undefined> => {
      try {
        const st = (await this.rs.containerStatus({ containerId: c.id }, { signal })).status;
        if (!st) return undefined;
        let message = st.message;
        if (st.state === CriContainerState.CONTAINER_EXITED) {
          message = (await this.terminationMessage(st)) || st.message;
        }
        return {
          id: st.id,
          runtime: this.runtimeName,
          name: st.metadata?.name ?? '',
          state: toState(st.state),
          createdAt: nsToMs(st.createdAt),
          startedAt: nsToMs(st.startedAt),
          finishedAt: nsToMs(st.finishedAt),
          exitCode: st.exitCode,
          image: st.image?.userSpecifiedImage || st.image?.image || '',
          imageRef: st.imageRef,
          imageId: st.imageId || st.image?.image || '',
          restartCount: st.metadata?.attempt ?? 0,
          reason: st.reason,
          message,
          hash: st.annotations[CONTAINER_HASH_LABEL] ?? '',
          logPath: st.logPath,
          ...(st.user?.linux ? { user: { uid: Number(st.user.linux.uid), gid: Number(st.user.linux.gid), supplementalGroups: (st.user.linux.supplementalGroups ?? []).map(Number) } } : {}),
        };
      } catch (err) {
        if ((err as { reason?: string }).reason === 'NotFound') return undefined;
        throw err;
      }
    }))).filter((x): x is ContainerStatus => !!x);
    containerStatuses.sort((a, b) => b.createdAt - a.createdAt || b.restartCount - a.restartCount);
    const ready = sandboxStatuses.find((s) => s.ready);
    return { uid, name, namespace, ips: ready?.ips ?? [], sandboxStatuses, containerStatuses, timestamp: this.o.clock.now() };
  }

  /** terminationMessage reads an exited container's message (file, or log tail per policy). */
  private async terminationMessage(st: CriContainerStatus): Promise<string> {
    const tmPath = st.annotations[CONTAINER_TERMINATION_MESSAGE_PATH_LABEL];
    const policy = st.annotations[CONTAINER_TERMINATION_MESSAGE_POLICY_LABEL];
    let msg = '';
    const mount = tmPath ? st.mounts.find((m) => m.containerPath === tmPath) : undefined;
    if (mount) msg = await readTerminationMessageFile(mount.hostPath);
    if (!msg && policy === 'FallbackToLogsOnError' && st.exitCode !== 0 && st.logPath) msg = await readLogTail(st.logPath);
    return msg;
  }

  /** syncPod: see the module comment. */
  async syncPod(pod: Pod, status: PodStatus, signal: AbortSignal): Promise<PodSyncResult> {
    const probeFailed = this.o.probeFailed;
    const probeStarted = this.o.probeStarted;
    const actions = computePodActions(pod, status, {
      failed: probeFailed && ((name, id) => probeFailed(pod, name, id)),
      started: probeStarted && ((name, id) => probeStarted(pod, name, id)),
    });
    const result: PodSyncResult = { actions, containerErrors: new Map(), startedContainers: [] };
    try {
      if (actions.killPod) {
        await this.killPod(pod, status, undefined, signal);
      } else {
        for (const [id, k] of actions.containersToKill) {
          this.o.onEvent?.(pod, 'Normal', 'Killing', k.message.includes('probe') ? k.message : `Stopping container ${k.name}`);
          await this.killContainer(pod, id, undefined, signal, k.name);
        }
      }
      let sandboxID = actions.sandboxID;
      let podIPs = status.ips;
      if (actions.createSandbox) {
        const config = generatePodSandboxConfig(pod, actions.attempt, this.o.sandboxContext);
        try {
          sandboxID = (await this.rs.runPodSandbox({ config }, { signal })).podSandboxId;
        } catch (err) {
          const msg = `Failed to create pod sandbox: ${(err as { details?: string }).details ?? (err as Error).message}`;
          this.o.onEvent?.(pod, 'Warning', 'FailedCreatePodSandBox', msg);
          throw new Error(msg, { cause: err });
        }
        const st = (await this.rs.podSandboxStatus({ podSandboxId: sandboxID }, { signal })).status;
        podIPs = st?.network?.ip ? [st.network.ip, ...(st.network.additionalIps ?? []).map((a) => a.ip)] : [];
      }
      if (!actions.createSandbox && !actions.killPod && actions.initContainersToStart.length === 0 && actions.containersToStart.length === 0 && actions.ephemeralContainersToStart.length === 0) {
        return result;
      }
      if (actions.killPod && !actions.createSandbox) return result;
      const sandboxConfig = generatePodSandboxConfig(pod, actions.attempt, this.o.sandboxContext);
      const volumes = await this.o.volumeManager.waitForAttachAndMount(pod, signal);
      const hostname = podHostname(pod);
      // With a subdomain the pod's FQDN leads its /etc/hosts line (upstream GeneratePodHostNameAndDomain).
      const hostDomainName = pod.spec?.subdomain ? `${hostname}.${pod.spec.subdomain}.${pod.metadata?.namespace}.svc.${this.o.sandboxContext.clusterDomain}` : undefined;
      const etcHosts = pod.spec?.hostNetwork ? undefined : await this.o.volumeManager.ensureEtcHosts(pod, podIPs, hostname, hostDomainName);
      const start = async (c: Container): Promise<boolean> => {
        try {
          await this.startContainer(pod, c, status, sandboxID, sandboxConfig, podIPs, volumes, etcHosts, signal);
          result.startedContainers.push(c.name);
          return true;
        } catch (err) {
          if (signal.aborted) throw err;
          result.containerErrors.set(c.name, isSyncError(err) ? err : new SyncError('RunContainerError', (err as Error).message, { cause: err }));
          return false;
        }
      };
      // upstream step 5: ephemeral containers (an EphemeralContainer is a Container plus targetContainerName).
      for (const idx of actions.ephemeralContainersToStart) await start((pod.spec?.ephemeralContainers ?? [])[idx] as Container);
      // upstream step 6: a regular init container that fails to start aborts the sync; a sidecar does not.
      for (const idx of actions.initContainersToStart) {
        const c = (pod.spec?.initContainers ?? [])[idx];
        if (!(await start(c)) && !isRestartableInitContainer(c)) return result;
      }
      for (const idx of actions.containersToStart) await start((pod.spec?.containers ?? [])[idx]);
    } catch (err) {
      if (signal.aborted) throw err;
      result.error = err as Error;
    }
    return result;
  }

  /**
   * startContainer runs one container: CrashLoopBackOff check, image, env, mounts, create,
   * start (upstream startContainer + doBackOff).
   */
  private async startContainer(
    pod: Pod,
    c: Container,
    status: PodStatus,
    sandboxID: string,
    sandboxConfig: DeepPartial<PodSandboxConfig>,
    podIPs: string[],
    volumes: Map<string, string>,
    etcHosts: string | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const previous = findContainerStatus(status, c.name);
    // Only a container of the current sandbox counts for the restart count and back-off.
    if (previous && previous.state === 'exited') {
      const key = `${pod.metadata?.name}_${pod.metadata?.namespace}_${pod.metadata?.uid}_${c.name}_${hashContainer(c)}`;
      if (this.backOff.isInBackOffSince(key, previous.finishedAt)) {
        const msg = `back-off ${formatDuration(this.backOff.get(key))} restarting failed container=${c.name} pod=${formatPod(pod)}`;
        this.o.onEvent?.(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${formatPod(pod)}`);
        throw new SyncError('CrashLoopBackOff', msg);
      }
      this.backOff.next(key, previous.finishedAt);
    }
    const restartCount = previous ? previous.restartCount + 1 : 0;
    const imageRef = await this.o.imageManager.ensureImageExists(pod, c, signal);
    const serviceEnv = this.o.serviceEnv?.(pod);
    let env: ResolvedEnv[];
    let mounts: Awaited<ReturnType<VolumeManager['makeMounts']>>;
    try {
      env = await makeEnvironmentVariables(pod, c, this.o.configSource, { nodeName: this.o.nodeName, hostIPs: this.o.nodeIPs, podIPs, serviceEnv, nodeAllocatable: this.o.nodeAllocatable?.() }, signal);
      mounts = await this.o.volumeManager.makeMounts(pod, c, volumes, etcHosts, env);
    } catch (err) {
      // upstream: events.FailedToCreateContainer "Error: %v" for a CreateContainerConfigError
      if (isSyncError(err) && err.reason === 'CreateContainerConfigError') this.o.onEvent?.(pod, 'Warning', 'Failed', `Error: ${err.message}`);
      throw err;
    }
    const tmPath = c.terminationMessagePath ?? '/dev/termination-log';
    if (tmPath && !mounts.some((m) => m.containerPath === tmPath)) {
      const file = await createTerminationMessageFile(this.o.volumeManager.podDir(pod.metadata?.uid ?? ''), c.name);
      mounts.push({ containerPath: tmPath, hostPath: file, readonly: false });
    }
    const config = generateContainerConfig(pod, c, {
      restartCount,
      imageRef,
      env,
      mounts,
      podLogsDir: buildPodLogsDirectory(this.o.sandboxContext.podLogsRootDir, pod),
    });
    let containerId: string;
    try {
      containerId = (await this.rs.createContainer({ podSandboxId: sandboxID, config, sandboxConfig }, { signal })).containerId;
    } catch (err) {
      const msg = (err as { details?: string }).details ?? (err as Error).message;
      this.o.onEvent?.(pod, 'Warning', 'Failed', `Error: ${msg}`);
      throw new SyncError('CreateContainerError', msg, { cause: err });
    }
    // upstream 1.32+ events.CreatedContainer message: "Created container: %v".
    this.o.onEvent?.(pod, 'Normal', 'Created', `Created container: ${c.name}`);
    try {
      await this.rs.startContainer({ containerId }, { signal });
    } catch (err) {
      const msg = (err as { details?: string }).details ?? (err as Error).message;
      this.o.onEvent?.(pod, 'Warning', 'Failed', `Error: ${msg}`);
      throw new SyncError('RunContainerError', msg, { cause: err });
    }
    this.o.onEvent?.(pod, 'Normal', 'Started', `Started container ${c.name}`);
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      const grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
      const r = await runLifecycleHandler(postStart, { pod, container: c, containerId, podIP: podIPs[0] ?? '' }, this.rs, grace, signal);
      if (!r.ok) {
        this.o.onEvent?.(pod, 'Warning', 'FailedPostStartHook', r.message);
        await this.killContainer(pod, containerId, undefined, signal, c.name, 'FailedPostStartHook');
        throw new SyncError('PostStartHookError', r.message);
      }
    }
  }

  /**
   * killContainer stops one container (upstream killContainer): the preStop hook first, when the
   * pod spec has one and the kill is not for a failed postStart, bounded by the grace period;
   * then StopContainer with what is left of it (at least 2 s).
   */
  async killContainer(
    pod: Pod | undefined,
    containerId: string,
    gracePeriodSeconds: number | undefined,
    signal?: AbortSignal,
    containerName?: string,
    reason?: string,
  ): Promise<void> {
    let grace = gracePeriodSeconds ?? pod?.metadata?.deletionGracePeriodSeconds ?? pod?.spec?.terminationGracePeriodSeconds ?? 30;
    const spec = containerName ? [...(pod?.spec?.containers ?? []), ...(pod?.spec?.initContainers ?? [])].find((c) => c.name === containerName) : undefined;
    const preStop = spec?.lifecycle?.preStop;
    if (pod && spec && preStop && reason !== 'FailedPostStartHook' && grace > 0) {
      const started = this.o.clock.now();
      const r = await runLifecycleHandler(preStop, { pod, container: spec, containerId, podIP: pod.status?.podIP ?? '' }, this.rs, grace, signal);
      if (!r.ok) this.o.onEvent?.(pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${r.message}`);
      grace -= Math.floor((this.o.clock.now() - started) / 1000);
    }
    if (grace < MINIMUM_GRACE_PERIOD_SECONDS) grace = MINIMUM_GRACE_PERIOD_SECONDS;
    // api.proto StopContainer: "This call is idempotent, and must not return an error if the container has already been stopped."
    await this.rs.stopContainer({ containerId, timeout: String(grace) }, { signal });
  }

  /**
   * killPod stops every running container and then every sandbox of the pod (upstream KillPod):
   * the regular containers in parallel with the grace period, then the sidecars (restartable init
   * containers) one by one in reverse spec order with what is left of the grace period (upstream
   * killContainersWithSyncResult with SidecarContainers).
   */
  async killPod(pod: Pod | undefined, status: PodStatus | RuntimePod, gracePeriodSeconds: number | undefined, signal?: AbortSignal): Promise<void> {
    const containers = 'containerStatuses' in status ? status.containerStatuses : status.containers;
    const running = containers.filter((c) => c.state === 'running' || c.state === 'created' || c.state === 'unknown');
    const sidecarOrder = new Map((pod?.spec?.initContainers ?? []).flatMap((c, i) => (isRestartableInitContainer(c) ? [[c.name, i] as const] : [])));
    const kill = (c: { id: string; name: string }, grace: number | undefined): Promise<void> => {
      if (pod) this.o.onEvent?.(pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
      return this.killContainer(pod, c.id, grace, signal, c.name);
    };
    const started = this.o.clock.now();
    await Promise.all(running.filter((c) => !sidecarOrder.has(c.name)).map((c) => kill(c, gracePeriodSeconds)));
    const sidecars = running.filter((c) => sidecarOrder.has(c.name)).sort((a, b) => (sidecarOrder.get(b.name) ?? 0) - (sidecarOrder.get(a.name) ?? 0));
    for (const c of sidecars) {
      const total = gracePeriodSeconds ?? pod?.metadata?.deletionGracePeriodSeconds ?? pod?.spec?.terminationGracePeriodSeconds ?? 30;
      const left = Math.max(MINIMUM_GRACE_PERIOD_SECONDS, total - Math.floor((this.o.clock.now() - started) / 1000));
      await kill(c, left);
    }
    const sandboxes = 'sandboxStatuses' in status ? status.sandboxStatuses : status.sandboxes;
    for (const s of sandboxes) await this.rs.stopPodSandbox({ podSandboxId: s.id }, { signal });
  }

  /** removePod removes every sandbox of the pod with its containers (after termination). */
  async removePod(status: PodStatus | RuntimePod, signal?: AbortSignal): Promise<void> {
    const containers = 'containerStatuses' in status ? status.containerStatuses : status.containers;
    for (const c of containers) await this.rs.removeContainer({ containerId: c.id }, { signal });
    const sandboxes = 'sandboxStatuses' in status ? status.sandboxStatuses : status.sandboxes;
    // api.proto RemovePodSandbox: "This call is idempotent, and must not return an error if the sandbox has already been removed."
    for (const s of sandboxes) await this.rs.removePodSandbox({ podSandboxId: s.id }, { signal });
  }
}

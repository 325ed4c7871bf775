/**
 * The API status of a pod computed from the runtime's view (upstream: pkg/kubelet/kubelet_pods.go
 * generateAPIPodStatus, getPhase, convertToAPIContainerStatuses; pkg/kubelet/status/generate.go
 * for the conditions). Pure functions: the status manager decides when to write.
 */
import type { Container, ContainerState, ContainerStatus as APIContainerStatus, Pod, PodCondition, PodStatus as APIPodStatus } from '#generated/k8s/index.ts';
import { buildContainerID, type ContainerStatus, type PodStatus } from './container/runtime.ts';
import type { ContainerWaitingReason } from './container/sync-result.ts';
import { getPodQOS } from './qos.ts';
import { isRestartableInitContainer } from './types/pod-update.ts';

/** ProbeStatus answers what the probes decided for a container (the prober manager). */
export interface ProbeStatus {
  isReady(uid: string, container: string, containerId: string, running: boolean): boolean;
  isStarted(uid: string, container: string, containerId: string, running: boolean): boolean;
}

/** ReasonCache remembers the last start failure of each container (upstream reason_cache.go). */
export class ReasonCache {
  private readonly m = new Map<string, { reason: ContainerWaitingReason; message: string }>();
  private key(uid: string, name: string): string {
    return `${uid}_${name}`;
  }
  /** get returns the cached failure of a container. */
  get(uid: string, name: string): { reason: ContainerWaitingReason; message: string } | undefined {
    return this.m.get(this.key(uid, name));
  }
  /** add records a failure. */
  add(uid: string, name: string, reason: ContainerWaitingReason, message: string): void {
    this.m.set(this.key(uid, name), { reason, message });
  }
  /** remove forgets a container's failure (after a successful start). */
  remove(uid: string, name: string): void {
    this.m.delete(this.key(uid, name));
  }
  /** removePod forgets every failure of a pod. */
  removePod(uid: string): void {
    for (const k of this.m.keys()) if (k.startsWith(`${uid}_`)) this.m.delete(k);
  }
}

/** toRFC3339 renders epoch ms as a metav1.Time (second precision). */
export function toRFC3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** PodPhase is the closed set of pod phases. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/**
 * getPhase computes the pod phase from container statuses (upstream getPhase). `podIsTerminal`
 * is true once the kubelet finished terminating the pod: then stopped containers make it
 * Succeeded or Failed whatever the restart policy.
 */
export function getPhase(pod: Pod, init: APIContainerStatus[], containers: APIContainerStatus[], podIsTerminal: boolean, podHasInitialized = false): PodPhase {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const initSpecs = pod.spec?.initContainers ?? [];
  const isSidecar = (name: string | undefined): boolean => isRestartableInitContainer(initSpecs.find((c) => c.name === name));
  let pendingInit = 0;
  let pendingSidecars = 0;
  let failedInit = 0;
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of init) {
    if (isSidecar(s.name)) {
      // upstream: a terminated sidecar does not count for the phase; one not started yet keeps the pod Pending.
      if (s.state?.running) {
        if (!s.started) pendingSidecars++;
        running++;
      } else if (s.state?.terminated) {
        // not counted
      } else if (s.state?.waiting) {
        if (!s.lastState?.terminated) {
          pendingSidecars++;
          waiting++;
        }
      } else {
        pendingSidecars++;
        unknown++;
      }
      continue;
    }
    if (s.state?.running) pendingInit++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated && s.lastState.terminated.exitCode !== 0) failedInit++;
      else pendingInit++;
    } else pendingInit++;
  }
  for (const s of containers) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || failedInit > 0 || (pendingSidecars > 0 && !podHasInitialized)) {
    // Init containers still have to run (or be retried). A deleted pod that never got past them fails.
    if (podIsTerminal) return 'Failed';
    return 'Pending';
  }
  if (waiting > 0) return podIsTerminal ? 'Failed' : 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (policy === 'OnFailure') return stopped === succeeded ? 'Succeeded' : 'Running';
    return stopped === succeeded ? 'Succeeded' : 'Failed';
  }
  if (unknown > 0) return 'Unknown';
  return 'Pending';
}

/** hasAnyRegularContainerStarted: a main container runs or ran (upstream HasAnyRegularContainerStarted). */
export function hasAnyRegularContainerStarted(containers: APIContainerStatus[]): boolean {
  return containers.some((s) => !!s.state?.running || !!s.state?.terminated);
}

function apiState(cs: ContainerStatus): ContainerState {
  const containerID = buildContainerID(cs);
  switch (cs.state) {
    case 'running':
      return { running: { startedAt: toRFC3339(cs.startedAt) } };
    case 'exited':
      return {
        terminated: {
          exitCode: cs.exitCode,
          reason: cs.reason || (cs.exitCode === 0 ? 'Completed' : 'Error'),
          message: cs.message || undefined,
          startedAt: cs.startedAt ? toRFC3339(cs.startedAt) : undefined,
          finishedAt: cs.finishedAt ? toRFC3339(cs.finishedAt) : undefined,
          containerID,
        },
      };
    case 'created':
      return { waiting: { reason: 'ContainerCreating' } };
    default:
      return {
        terminated: {
          exitCode: 137,
          reason: 'ContainerStatusUnknown',
          message: 'The container could not be located when the pod was terminated',
          containerID,
        },
      };
  }
}

const STATUS_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

/** statusResources is the `resources` of a running container's status: cpu, memory and ephemeral-storage of the spec. */
function statusResources(c: Container): { limits?: Record<string, string>; requests?: Record<string, string> } {
  const pick = (list: Record<string, string> | undefined): Record<string, string> | undefined =>
    list ? Object.fromEntries(Object.entries(list).filter(([k]) => STATUS_RESOURCES.includes(k))) : undefined;
  const out: { limits?: Record<string, string>; requests?: Record<string, string> } = {};
  const limits = pick(c.resources?.limits as Record<string, string> | undefined);
  const requests = pick(c.resources?.requests as Record<string, string> | undefined);
  if (limits) out.limits = limits;
  if (requests) out.requests = requests;
  return out;
}

/**
 * convertToAPIContainerStatuses builds the API statuses of one container list (upstream
 * convertToAPIContainerStatuses): the newest runtime container gives `state`, the one before it
 * `lastState`; a cached start failure turns a non-running state into `waiting` with its reason.
 */
export function convertToAPIContainerStatuses(
  pod: Pod,
  status: PodStatus,
  containers: Container[],
  reasons: ReasonCache,
  hasInitContainers: boolean,
  previous: APIContainerStatus[] | undefined,
  probes?: ProbeStatus,
  isInit = false,
): APIContainerStatus[] {
  const uid = pod.metadata?.uid ?? '';
  const defaultWaiting: ContainerState = { waiting: { reason: hasInitContainers ? 'PodInitializing' : 'ContainerCreating' } };
  return containers.map((c) => {
    const all = status.containerStatuses.filter((s) => s.name === c.name);
    const out: APIContainerStatus = {
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: defaultWaiting,
      // upstream: lastState is a struct, always serialized (`{}` when there is none).
      lastState: {},
    };
    // upstream convertToAPIContainerStatuses (RecursiveReadOnlyMounts, GA): every status lists the spec mounts, with recursiveReadOnly for read-only ones.
    if (c.volumeMounts?.length) {
      out.volumeMounts = c.volumeMounts.map((m) => ({
        name: m.name,
        mountPath: m.mountPath,
        ...(m.readOnly ? { readOnly: true, recursiveReadOnly: m.recursiveReadOnly && m.recursiveReadOnly !== 'Disabled' ? 'Enabled' : 'Disabled' } : {}),
      }));
    }
    const latest = all[0];
    if (latest) {
      // upstream InPlacePodVerticalScaling (GA): a running container reports its resources, limits and requests from the spec.
      if (latest.state === 'running') out.resources = statusResources(c);
      if (latest.user) out.user = { linux: { uid: latest.user.uid, gid: latest.user.gid, ...(latest.user.supplementalGroups.length ? { supplementalGroups: latest.user.supplementalGroups } : {}) } };
      out.state = apiState(latest);
      out.containerID = buildContainerID(latest);
      out.imageID = latest.imageRef || latest.imageId;
      out.restartCount = latest.restartCount;
      const running = latest.state === 'running';
      out.ready = probes ? probes.isReady(uid, c.name, latest.id, running) : running;
      out.started = probes ? probes.isStarted(uid, c.name, latest.id, running) : running;
      // upstream prober UpdatePodStatus: a regular init container is ready once it exited 0; a
      // sidecar (restartable init container) like a main container, from its probes.
      if (isInit && !isRestartableInitContainer(c)) out.ready = latest.state === 'exited' && latest.exitCode === 0;
      const prev = all[1];
      if (prev && prev.state !== 'running') out.lastState = apiState(prev);
    } else {
      // Keep what we reported before (e.g. after the runtime garbage-collected a container).
      const old = previous?.find((p) => p.name === c.name);
      if (old?.state?.terminated) {
        out.state = old.state;
        out.lastState = old.lastState ?? {};
        out.restartCount = old.restartCount;
        out.containerID = old.containerID;
        out.imageID = old.imageID;
      }
    }
    const reason = reasons.get(uid, c.name);
    if (reason && !out.state?.running) {
      if (out.state?.terminated) out.lastState = out.state;
      out.state = { waiting: { reason: reason.reason, message: reason.message } };
    }
    return out;
  });
}

function condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
  return { type, status: ok ? 'True' : 'False', reason: ok ? undefined : reason, message: ok ? undefined : message };
}

/** GenerateStatusInput is node-level input to {@link generateAPIPodStatus}. */
export interface GenerateStatusInput {
  reasons: ReasonCache;
  hostIPs: string[];
  now: number;
  /** podIsTerminal: the kubelet finished terminating the pod (see getPhase). */
  podIsTerminal: boolean;
  /** oldStatus is the last status the kubelet computed (or the API's). */
  oldStatus?: APIPodStatus;
  /** probes decide `ready`/`started` of running containers (default: running means both). */
  probes?: ProbeStatus;
  /** evict fails the pod with a reason (active deadline, node-pressure eviction), optionally with a DisruptionTarget condition. */
  evict?: { reason: string; message: string; disruptionTarget?: boolean };
}

/** generateAPIPodStatus computes the full API status of a pod (upstream generateAPIPodStatus). */
export function generateAPIPodStatus(pod: Pod, status: PodStatus, input: GenerateStatusInput): APIPodStatus {
  const old = input.oldStatus ?? pod.status ?? {};
  const inits = pod.spec?.initContainers ?? [];
  const hasInits = inits.length > 0;
  const initStatuses = convertToAPIContainerStatuses(pod, status, inits, input.reasons, hasInits, old.initContainerStatuses, input.probes, true);
  // upstream GeneratePodInitializedCondition: a regular init container must be ready (exited 0), a sidecar started.
  const notInit = inits.filter((c, i) => (isRestartableInitContainer(c) ? !initStatuses[i].started : !initStatuses[i].ready)).map((c) => c.name);
  let containerStatuses = convertToAPIContainerStatuses(pod, status, pod.spec?.containers ?? [], input.reasons, hasInits, old.containerStatuses, input.probes);
  const podHasInitialized = hasAnyRegularContainerStarted(containerStatuses);
  const initialized = notInit.length === 0 || podHasInitialized;
  if (!hasInits || initialized) containerStatuses = containerStatuses.map((s) => (s.state?.waiting?.reason === 'PodInitializing' ? { ...s, state: { waiting: { reason: 'ContainerCreating' } } } : s));
  let phase = getPhase(pod, initStatuses, containerStatuses, input.podIsTerminal, podHasInitialized);
  // A terminal phase never goes back (upstream: "phase cannot go back from terminal").
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;
  // upstream: a PodSyncHandler that says "evict" makes the pod Failed with its reason and message.
  let reason: string | undefined;
  let message: string | undefined;
  if (input.evict && phase !== 'Succeeded') {
    phase = 'Failed';
    reason = input.evict.reason;
    message = input.evict.message;
  } else if (phase === old.phase && old.reason) {
    reason = old.reason;
    message = old.message;
  }
  // Once terminal, no container is ready.
  if (phase === 'Succeeded' || phase === 'Failed') {
    for (const s of containerStatuses) s.ready = false;
    inits.forEach((c, i) => {
      if (isRestartableInitContainer(c)) initStatuses[i].ready = false;
    });
  }

  const sandboxReady = status.sandboxStatuses.some((s) => s.ready) && (status.ips.length > 0 || (pod.spec?.hostNetwork ?? false));
  // upstream GenerateContainersReadyCondition: sidecars first, then the main containers.
  const unready = [...initStatuses.filter((s, i) => isRestartableInitContainer(inits[i]) && !s.ready), ...containerStatuses.filter((s) => !s.ready)].map((s) => s.name);
  const completed = phase === 'Succeeded';
  const conds: PodCondition[] = [
    condition('PodReadyToStartContainers', sandboxReady),
    condition('Initialized', initialized || completed, 'ContainersNotInitialized', `containers with incomplete status: [${notInit.join(' ')}]`),
    condition('Ready', unready.length === 0 && !completed && phase === 'Running', completed ? 'PodCompleted' : 'ContainersNotReady', completed ? undefined : `containers with unready status: [${unready.join(' ')}]`),
    condition('ContainersReady', unready.length === 0 && !completed && phase === 'Running', completed ? 'PodCompleted' : 'ContainersNotReady', completed ? undefined : `containers with unready status: [${unready.join(' ')}]`),
    { type: 'PodScheduled', status: 'True' },
  ];
  if (phase === 'Succeeded' || phase === 'Failed') {
    // upstream: a completed pod's Initialized is True with reason PodCompleted
    const init = conds.find((c) => c.type === 'Initialized');
    if (init && completed) {
      init.status = 'True';
      init.reason = 'PodCompleted';
      init.message = undefined;
    }
  }
  // Preserve transition times of unchanged conditions; keep conditions set by others (readiness gates, DisruptionTarget).
  const nowStr = toRFC3339(input.now);
  for (const c of conds) {
    const prev = old.conditions?.find((p) => p.type === c.type);
    c.lastProbeTime = null as unknown as undefined;
    c.lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : nowStr;
    if (c.type === 'PodScheduled' && prev) Object.assign(c, prev);
  }
  // upstream: a pod evicted by the kubelet gets DisruptionTarget=True (TerminationByKubelet).
  if (input.evict?.disruptionTarget) {
    const prev = old.conditions?.find((p) => p.type === 'DisruptionTarget' && p.status === 'True');
    conds.push({ type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message: input.evict.message, lastProbeTime: null as unknown as undefined, lastTransitionTime: prev?.lastTransitionTime ?? nowStr });
  }
  // upstream PodObservedGenerationTracking (beta, on in 1.35): the kubelet's conditions and the status carry the generation they saw.
  const generation = pod.metadata?.generation;
  if (generation !== undefined) for (const c of conds) if (c.type !== 'PodScheduled' && c.type !== 'DisruptionTarget') c.observedGeneration = generation;
  const owned = new Set(conds.map((c) => c.type));
  for (const p of old.conditions ?? []) if (!owned.has(p.type)) conds.push(p);

  const out: APIPodStatus = {
    phase,
    conditions: conds,
    hostIP: input.hostIPs[0],
    hostIPs: input.hostIPs.map((ip) => ({ ip })),
    startTime: old.startTime ?? toRFC3339(input.now),
    containerStatuses,
    qosClass: getPodQOS(pod),
  };
  if (generation !== undefined) out.observedGeneration = generation;
  if (reason) {
    out.reason = reason;
    out.message = message;
  }
  if (hasInits) out.initContainerStatuses = initStatuses;
  const ephemerals = (pod.spec?.ephemeralContainers ?? []) as Container[];
  if (ephemerals.length) {
    // upstream: ephemeral containers are never probed, so never ready; a pending one is ContainerCreating.
    out.ephemeralContainerStatuses = convertToAPIContainerStatuses(pod, status, ephemerals, input.reasons, false, old.ephemeralContainerStatuses).map((s) => ({ ...s, ready: false }));
  }
  const ips = status.ips.length ? status.ips : phase === 'Succeeded' || phase === 'Failed' ? (old.podIPs ?? []).map((p) => p.ip) : [];
  if (pod.spec?.hostNetwork) {
    out.podIP = input.hostIPs[0];
    out.podIPs = input.hostIPs.map((ip) => ({ ip }));
  } else if (ips.length) {
    out.podIP = ips[0];
    out.podIPs = ips.map((ip) => ({ ip }));
  }
  if ((phase === 'Failed' || phase === 'Succeeded') && !reason) {
    out.reason = old.reason;
    out.message = old.message;
  }
  return out;
}

/**
 * The kubelet's view of what the container runtime holds, independent of CRI wire types
 * (upstream: pkg/kubelet/container/runtime.go). The runtime manager builds these from
 * ListPodSandbox/ListContainers/PodSandboxStatus/ContainerStatus; `syncPod`, the PLEG and the
 * status generator read only these.
 */

/** CONTAINER_STATES are the runtime container states (upstream `kubecontainer.State`). */
export const CONTAINER_STATES = ['created', 'running', 'exited', 'unknown'] as const;
/** ContainerState is one of {@link CONTAINER_STATES}. */
export type ContainerState = (typeof CONTAINER_STATES)[number];

/** ContainerStatus is one runtime container of a pod (upstream `kubecontainer.Status`). */
export interface ContainerStatus {
  /** id is the raw runtime id (without the `containerd://` prefix). */
  id: string;
  /** type is the runtime name used in `containerID` (`containerd`). */
  runtime: string;
  name: string;
  state: ContainerState;
  /** createdAt, startedAt, finishedAt are epoch milliseconds (0 = unset). */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  /** image is the image the spec asked for; imageRef the resolved digest reference; imageId the config digest. */
  image: string;
  imageRef: string;
  imageId: string;
  /** restartCount is the CRI attempt number. */
  restartCount: number;
  reason: string;
  message: string;
  /** hash is the container spec hash recorded at creation (annotation io.kubernetes.container.hash). */
  hash: string;
  /** logPath is the absolute path of the container's CRI log ('' when unknown). */
  logPath?: string;
  /** user is the identity of the container's first process, when the runtime reports it (CRI ContainerStatus.user.linux). */
  user?: { uid: number; gid: number; supplementalGroups: number[] };
}

/** SandboxStatus is one pod sandbox (upstream `runtimeapi.PodSandboxStatus`, trimmed). */
export interface SandboxStatus {
  id: string;
  ready: boolean;
  attempt: number;
  createdAt: number;
  /** ips is the sandbox's IPs, primary first ([] for host network or not ready). */
  ips: string[];
  hostNetwork: boolean;
}

/** PodStatus is everything the runtime knows about one pod (upstream `kubecontainer.PodStatus`). */
export interface PodStatus {
  uid: string;
  name: string;
  namespace: string;
  /** ips of the newest ready sandbox. */
  ips: string[];
  /** sandboxStatuses newest first. */
  sandboxStatuses: SandboxStatus[];
  /** containerStatuses newest first (by createdAt). */
  containerStatuses: ContainerStatus[];
  /** timestamp is when this status was read (epoch ms). */
  timestamp: number;
}

/** RuntimeContainer is a container as ListContainers reports it (for the PLEG and cleanup). */
export interface RuntimeContainer {
  id: string;
  name: string;
  state: ContainerState;
  sandboxId: string;
}

/** RuntimePod is a pod as the runtime's lists report it (upstream `kubecontainer.Pod`). */
export interface RuntimePod {
  uid: string;
  name: string;
  namespace: string;
  sandboxes: { id: string; ready: boolean }[];
  containers: RuntimeContainer[];
}

/** findContainerStatus returns the newest status of the named container, if any. */
export function findContainerStatus(status: PodStatus | undefined, name: string): ContainerStatus | undefined {
  return status?.containerStatuses.find((c) => c.name === name);
}

/** buildContainerID renders the API `containerID` (`containerd://<id>`). */
export function buildContainerID(c: { runtime: string; id: string }): string {
  return `${c.runtime}://${c.id}`;
}

/** emptyPodStatus is the status of a pod the runtime has nothing for. */
export function emptyPodStatus(uid: string, name: string, namespace: string, now: number): PodStatus {
  return { uid, name, namespace, ips: [], sandboxStatuses: [], containerStatuses: [], timestamp: now };
}

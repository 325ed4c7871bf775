/**
 * RemoteRuntimeService is the typed client of CRI `runtime.v1.RuntimeService` (upstream:
 * pkg/kubelet/cri/remote/remote_runtime.go). Every method takes a DeepPartial request (missing
 * fields get proto3 defaults via the generated `fromPartial`) and optional {@link CallOptions},
 * and goes through the shared {@link InstrumentedClient}: deadlines, retry of idempotent calls on
 * UNAVAILABLE, and typed errors.
 *
 * Idempotent (retried) calls: Version, Status, RuntimeConfig, every List/Status/Stats call,
 * StopPodSandbox, RemovePodSandbox, StopContainer, RemoveContainer, ReopenContainerLog,
 * UpdateContainerResources, UpdateRuntimeConfig, UpdatePodSandboxResources, and the
 * streaming-URL calls (Exec/Attach/PortForward only mint a token). Not retried: RunPodSandbox,
 * CreateContainer, StartContainer, ExecSync, CheckpointContainer.
 *
 * NotFound from stop/remove is passed through by default, because validators must see what the
 * runtime answers (api.proto lines 35-65 require runtimes to return success themselves); set
 * `tolerateNotFound` (the kubelet does) to turn it into success at the client.
 */
import {
  RuntimeServiceService as Def,
  AttachRequest,
  CheckpointContainerRequest,
  ContainerStatsRequest,
  ContainerStatusRequest,
  CreateContainerRequest,
  ExecRequest,
  ExecSyncRequest,
  GetEventsRequest,
  ListContainerStatsRequest,
  ListContainersRequest,
  ListMetricDescriptorsRequest,
  ListPodSandboxMetricsRequest,
  ListPodSandboxRequest,
  ListPodSandboxStatsRequest,
  PodSandboxStatsRequest,
  PodSandboxStatusRequest,
  PortForwardRequest,
  RemoveContainerRequest,
  RemovePodSandboxRequest,
  ReopenContainerLogRequest,
  RunPodSandboxRequest,
  RuntimeConfigRequest,
  StartContainerRequest,
  StatusRequest,
  StopContainerRequest,
  StopPodSandboxRequest,
  UpdateContainerResourcesRequest,
  UpdatePodSandboxResourcesRequest,
  UpdateRuntimeConfigRequest,
  VersionRequest,
  type AttachResponse,
  type CheckpointContainerResponse,
  type ContainerEventResponse,
  type ContainerStatsResponse,
  type ContainerStatusResponse,
  type CreateContainerResponse,
  type DeepPartial,
  type ExecResponse,
  type ExecSyncResponse,
  type ListContainerStatsResponse,
  type ListContainersResponse,
  type ListMetricDescriptorsResponse,
  type ListPodSandboxMetricsResponse,
  type ListPodSandboxResponse,
  type ListPodSandboxStatsResponse,
  type PodSandboxStatsResponse,
  type PodSandboxStatusResponse,
  type PortForwardResponse,
  type RemoveContainerResponse,
  type RemovePodSandboxResponse,
  type ReopenContainerLogResponse,
  type RunPodSandboxResponse,
  type RuntimeConfigResponse,
  type StartContainerResponse,
  type StatusResponse,
  type StopContainerResponse,
  type StopPodSandboxResponse,
  type UpdateContainerResourcesResponse,
  type UpdatePodSandboxResourcesResponse,
  type UpdateRuntimeConfigResponse,
  type VersionResponse,
} from '#generated/cri/api.ts';
import { isNotFound } from './errors.ts';
import {
  InstrumentedClient,
  type CallOptions,
  type InstrumentedClientOptions,
  type UnaryMethodDefinition,
} from './instrumented-client.ts';

/** CRI_API_VERSION is the default `version` sent in VersionRequest (runtimes ignore it in practice). */
export const CRI_API_VERSION = 'v1';

/** RemoteRuntimeServiceOptions configure a {@link RemoteRuntimeService}. */
export interface RemoteRuntimeServiceOptions extends InstrumentedClientOptions {
  /** tolerateNotFound makes stop/remove of a missing sandbox/container succeed (kubelet mode). */
  tolerateNotFound?: boolean;
  /** client shares an existing InstrumentedClient (e.g. with a RemoteImageService). */
  client?: InstrumentedClient;
}

const IDEMPOTENT = { idempotent: true } as const;
const ONCE = { idempotent: false } as const;

/** RemoteRuntimeService: see the module comment. */
export class RemoteRuntimeService {
  /** client is the underlying instrumented wrapper (shareable with RemoteImageService). */
  readonly client: InstrumentedClient;
  private readonly tolerateNotFound: boolean;

  constructor(opts: RemoteRuntimeServiceOptions) {
    this.client = opts.client ?? new InstrumentedClient(opts);
    this.tolerateNotFound = opts.tolerateNotFound ?? false;
  }

  private call<Req, Res>(def: UnaryMethodDefinition<Req, Res>, req: Req, o: CallOptions | undefined, policy: { idempotent: boolean }): Promise<Res> {
    return this.client.unary(def, req, { ...o, ...policy });
  }

  private async tolerant<Res>(p: Promise<Res>, empty: Res): Promise<Res> {
    try {
      return await p;
    } catch (err) {
      // api.proto: "This call is idempotent, and must not return an error if the sandbox/container has already been removed."
      if (this.tolerateNotFound && isNotFound(err)) return empty;
      throw err;
    }
  }

  /** version returns the runtime name/version and CRI API version. */
  version(req: DeepPartial<VersionRequest> = { version: CRI_API_VERSION }, o?: CallOptions): Promise<VersionResponse> {
    return this.call(Def.version, VersionRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** runPodSandbox creates and starts a pod sandbox; returns its id. */
  runPodSandbox(req: DeepPartial<RunPodSandboxRequest>, o?: CallOptions): Promise<RunPodSandboxResponse> {
    return this.call(Def.runPodSandbox, RunPodSandboxRequest.fromPartial(req), o, ONCE);
  }
  /** stopPodSandbox stops a sandbox's containers and tears down its network. */
  stopPodSandbox(req: DeepPartial<StopPodSandboxRequest>, o?: CallOptions): Promise<StopPodSandboxResponse> {
    return this.tolerant(this.call(Def.stopPodSandbox, StopPodSandboxRequest.fromPartial(req), o, IDEMPOTENT), {});
  }
  /** removePodSandbox removes a sandbox and its containers. */
  removePodSandbox(req: DeepPartial<RemovePodSandboxRequest>, o?: CallOptions): Promise<RemovePodSandboxResponse> {
    return this.tolerant(this.call(Def.removePodSandbox, RemovePodSandboxRequest.fromPartial(req), o, IDEMPOTENT), {});
  }
  /** podSandboxStatus returns a sandbox's status (state, IP, ...). */
  podSandboxStatus(req: DeepPartial<PodSandboxStatusRequest>, o?: CallOptions): Promise<PodSandboxStatusResponse> {
    return this.call(Def.podSandboxStatus, PodSandboxStatusRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** listPodSandbox lists sandboxes matching the filter. */
  listPodSandbox(req: DeepPartial<ListPodSandboxRequest> = {}, o?: CallOptions): Promise<ListPodSandboxResponse> {
    return this.call(Def.listPodSandbox, ListPodSandboxRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** createContainer creates a container in a sandbox; returns its id. */
  createContainer(req: DeepPartial<CreateContainerRequest>, o?: CallOptions): Promise<CreateContainerResponse> {
    return this.call(Def.createContainer, CreateContainerRequest.fromPartial(req), o, ONCE);
  }
  /** startContainer starts a created container. */
  startContainer(req: DeepPartial<StartContainerRequest>, o?: CallOptions): Promise<StartContainerResponse> {
    return this.call(Def.startContainer, StartContainerRequest.fromPartial(req), o, ONCE);
  }
  /** stopContainer stops a container with a grace period (`timeout`, seconds). */
  stopContainer(req: DeepPartial<StopContainerRequest>, o?: CallOptions): Promise<StopContainerResponse> {
    // The call may legitimately take `timeout` seconds; give the deadline that much headroom.
    const grace = Number(req.timeout ?? 0) * 1000;
    const opts = o?.timeoutMs === undefined && grace > 0 ? { ...o, timeoutMs: grace + 2 * 60 * 1000 } : o;
    return this.tolerant(this.call(Def.stopContainer, StopContainerRequest.fromPartial(req), opts, IDEMPOTENT), {});
  }
  /** removeContainer removes a container (force-stopping it if running). */
  removeContainer(req: DeepPartial<RemoveContainerRequest>, o?: CallOptions): Promise<RemoveContainerResponse> {
    return this.tolerant(this.call(Def.removeContainer, RemoveContainerRequest.fromPartial(req), o, IDEMPOTENT), {});
  }
  /** listContainers lists containers matching the filter. */
  listContainers(req: DeepPartial<ListContainersRequest> = {}, o?: CallOptions): Promise<ListContainersResponse> {
    return this.call(Def.listContainers, ListContainersRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** containerStatus returns a container's status (state, exit code, timestamps, ...). */
  containerStatus(req: DeepPartial<ContainerStatusRequest>, o?: CallOptions): Promise<ContainerStatusResponse> {
    return this.call(Def.containerStatus, ContainerStatusRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** updateContainerResources changes a container's cgroup limits. */
  updateContainerResources(req: DeepPartial<UpdateContainerResourcesRequest>, o?: CallOptions): Promise<UpdateContainerResourcesResponse> {
    return this.call(Def.updateContainerResources, UpdateContainerResourcesRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** reopenContainerLog asks the runtime to reopen the container's log file (after rotation). */
  reopenContainerLog(req: DeepPartial<ReopenContainerLogRequest>, o?: CallOptions): Promise<ReopenContainerLogResponse> {
    return this.call(Def.reopenContainerLog, ReopenContainerLogRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /**
   * execSync runs a command synchronously. `req.timeout` (seconds) bounds the command; the gRPC
   * deadline gets that plus headroom unless `o.timeoutMs` is given. Not retried.
   */
  execSync(req: DeepPartial<ExecSyncRequest>, o?: CallOptions): Promise<ExecSyncResponse> {
    const t = Number(req.timeout ?? 0) * 1000;
    const opts = o?.timeoutMs === undefined && t > 0 ? { ...o, timeoutMs: t + 2 * 60 * 1000 } : o;
    return this.call(Def.execSync, ExecSyncRequest.fromPartial(req), opts, ONCE);
  }
  /** exec returns the streaming-server URL of an exec session (see streaming/remotecommand.ts). */
  exec(req: DeepPartial<ExecRequest>, o?: CallOptions): Promise<ExecResponse> {
    return this.call(Def.exec, ExecRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** attach returns the streaming-server URL of an attach session. */
  attach(req: DeepPartial<AttachRequest>, o?: CallOptions): Promise<AttachResponse> {
    return this.call(Def.attach, AttachRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** portForward returns the streaming-server URL of a port-forward session. */
  portForward(req: DeepPartial<PortForwardRequest>, o?: CallOptions): Promise<PortForwardResponse> {
    return this.call(Def.portForward, PortForwardRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** containerStats returns one container's resource usage. */
  containerStats(req: DeepPartial<ContainerStatsRequest>, o?: CallOptions): Promise<ContainerStatsResponse> {
    return this.call(Def.containerStats, ContainerStatsRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** listContainerStats returns resource usage of matching containers. */
  listContainerStats(req: DeepPartial<ListContainerStatsRequest> = {}, o?: CallOptions): Promise<ListContainerStatsResponse> {
    return this.call(Def.listContainerStats, ListContainerStatsRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** podSandboxStats returns one sandbox's resource usage. */
  podSandboxStats(req: DeepPartial<PodSandboxStatsRequest>, o?: CallOptions): Promise<PodSandboxStatsResponse> {
    return this.call(Def.podSandboxStats, PodSandboxStatsRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** listPodSandboxStats returns resource usage of matching sandboxes. */
  listPodSandboxStats(req: DeepPartial<ListPodSandboxStatsRequest> = {}, o?: CallOptions): Promise<ListPodSandboxStatsResponse> {
    return this.call(Def.listPodSandboxStats, ListPodSandboxStatsRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** updateRuntimeConfig pushes runtime config (the pod CIDR) to the runtime. */
  updateRuntimeConfig(req: DeepPartial<UpdateRuntimeConfigRequest>, o?: CallOptions): Promise<UpdateRuntimeConfigResponse> {
    return this.call(Def.updateRuntimeConfig, UpdateRuntimeConfigRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** status returns runtime conditions (RuntimeReady, NetworkReady). */
  status(req: DeepPartial<StatusRequest> = {}, o?: CallOptions): Promise<StatusResponse> {
    return this.call(Def.status, StatusRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** checkpointContainer checkpoints a container (usually Unimplemented). */
  checkpointContainer(req: DeepPartial<CheckpointContainerRequest>, o?: CallOptions): Promise<CheckpointContainerResponse> {
    return this.call(Def.checkpointContainer, CheckpointContainerRequest.fromPartial(req), o, ONCE);
  }
  /** listMetricDescriptors lists the runtime's pod/container metric descriptors. */
  listMetricDescriptors(req: DeepPartial<ListMetricDescriptorsRequest> = {}, o?: CallOptions): Promise<ListMetricDescriptorsResponse> {
    return this.call(Def.listMetricDescriptors, ListMetricDescriptorsRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** listPodSandboxMetrics returns the runtime's pod sandbox metrics. */
  listPodSandboxMetrics(req: DeepPartial<ListPodSandboxMetricsRequest> = {}, o?: CallOptions): Promise<ListPodSandboxMetricsResponse> {
    return this.call(Def.listPodSandboxMetrics, ListPodSandboxMetricsRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** runtimeConfig returns the runtime's configuration (cgroup driver). */
  runtimeConfig(req: DeepPartial<RuntimeConfigRequest> = {}, o?: CallOptions): Promise<RuntimeConfigResponse> {
    return this.call(Def.runtimeConfig, RuntimeConfigRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /** updatePodSandboxResources updates a sandbox's resources (in-place resize). */
  updatePodSandboxResources(req: DeepPartial<UpdatePodSandboxResourcesRequest>, o?: CallOptions): Promise<UpdatePodSandboxResourcesResponse> {
    return this.call(Def.updatePodSandboxResources, UpdatePodSandboxResourcesRequest.fromPartial(req), o, IDEMPOTENT);
  }
  /**
   * getContainerEvents streams container lifecycle events (evented PLEG) until the signal aborts.
   * containerd 1.6 does not implement it (UnimplementedError on first read).
   */
  getContainerEvents(signal?: AbortSignal): AsyncGenerator<ContainerEventResponse> {
    return this.client.serverStream(Def.getContainerEvents, GetEventsRequest.fromPartial({}), signal);
  }

  /** close closes the underlying channel (shared clients: close once). */
  close(): void {
    this.client.close();
  }
}

/**
 * The kubelet: wires the pod source, pod manager, pod workers, PLEG, runtime manager, status
 * manager, node status and lease, and implements the {@link PodSyncer} the workers call
 * (upstream: pkg/kubelet/kubelet.go — NewMainKubelet, Run, syncLoop, SyncPod,
 * SyncTerminatingPod, SyncTerminatedPod, HandlePodCleanups).
 *
 * Data flow:
 * ```
 * apiserver watch (spec.nodeName=<node>) -> PodManager -> PodWorkers.updatePod(create|update|kill)
 * PLEG relist (1 s) -> events -> PodWorkers.updatePod(sync)
 * PodWorkers -> syncPod: runtime status -> API status (StatusManager) -> KubeGenericRuntimeManager.syncPod -> CRI
 * housekeeping (2 s): forget finished workers, stop/remove runtime pods the API no longer has,
 *                     finish deleted pods (remove containers, then the StatusManager deletes with grace 0)
 * NodeStatusUpdater (10 s) and LeaseController (10 s renew, 40 s duration) -> Node, Lease
 * ```
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Node, Pod, Service, Taint } from '#generated/k8s/index.ts';
import { connectCri, type CriClients } from '#impl/cri/index.ts';
import { isAlreadyExists, isConflict, isNotFound, loadKubeconfig, RestClient, type RestConfig } from '#impl/client/index.ts';
import { newSharedIndexInformer, type SharedIndexInformer } from '#impl/client/tools/cache/index.ts';
import { newBroadcaster, newEventSink, type EventBroadcaster, type EventRecorder, type ObjectLike } from '#impl/client/tools/record/index.ts';
import { realClock, type Clock } from '#impl/apimachinery/util/clock/index.ts';
import { newSourceApiserver, type PodSource, type PodUpdate } from './config/apiserver.ts';
import { CONFIG_MIRROR_ANNOTATION, isMirrorPod, isStaticPod, newSourceFile, podSource } from './config/file.ts';
import { emptyPodStatus, type PodStatus, type RuntimePod } from './container/runtime.ts';
import { SyncError } from './container/sync-result.ts';
import { serviceEnvFor } from './envvars.ts';
import { ImageManager } from './images/image-manager.ts';
import { restKubeletClient, type KubeletClient } from './kubelet-client.ts';
import { NodeStatusUpdater, type NodeRuntimeState } from './kubelet-node-status.ts';
import { generateAPIPodStatus, ReasonCache } from './kubelet-pods.ts';
import type { ImageService, RuntimeService } from './kuberuntime/cri-services.ts';
import { garbageCollect, type GCPolicy } from './kuberuntime/gc.ts';
import { DEFAULT_EVICTION_HARD, EvictionManager, parseThresholds } from './eviction/eviction-manager.ts';
import { ImageGCManager } from './images/image-gc-manager.ts';
import { StatsProvider } from './stats/summary.ts';
import { KubeGenericRuntimeManager } from './kuberuntime/kuberuntime-manager.ts';
import { buildPodLogsDirectory, podCgroupParent, type SandboxConfigContext } from './kuberuntime/sandbox.ts';
import { destroyPodCgroup } from './cm/pod-container-manager.ts';
import { canAdmitPod } from './lifecycle/predicate.ts';
import { LeaseController } from './nodelease/controller.ts';
import { readMachineInfo, type MachineInfo } from './nodestatus/setters.ts';
import { GenericPLEG } from './pleg/generic.ts';
import { startKubeletServer, type RunningKubeletServer } from './server/server.ts';
import { ensureServingCert } from './server/serving-cert.ts';
import { criStreamingHost, isStreamingRuntimeService } from './server/streaming.ts';
import { ProberManager } from './prober/prober-manager.ts';
import { PodManager } from './pod/pod-manager.ts';
import { PodWorkers, isTerminalPhase, type PodSyncer, type SyncPodResult, type SyncPodType } from './pod-workers.ts';
import { StatusManager } from './status/status-manager.ts';
import { pastActiveDeadline, type PodEviction } from './active-deadline.ts';
import { TokenManager } from './token/token-manager.ts';
import { VolumeError, VolumeManager } from './volumemanager/volume-manager.ts';

/** KubeletLogger is the structured logger the kubelet writes to (pino-compatible). */
export interface KubeletLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** silentLogger drops everything. */
export const silentLogger: KubeletLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** KubeletOptions configure {@link startKubelet}; flag names in comments. */
export interface KubeletOptions {
  /** kubeconfig (`--kubeconfig`), or restConfig, or client (tests). */
  kubeconfig?: string;
  restConfig?: RestConfig;
  client?: KubeletClient;
  /** containerRuntimeEndpoint (`--container-runtime-endpoint`, `unix:///...`), or injected services. */
  containerRuntimeEndpoint?: string;
  runtimeService?: RuntimeService;
  imageService?: ImageService;
  /** rootDir (`--root-dir`): pods/, logs/pods/. */
  rootDir: string;
  /** podManifestPath (`--pod-manifest-path`, config `staticPodPath`): static pod manifests. */
  podManifestPath?: string;
  /** fileCheckFrequencyMs (`fileCheckFrequency`): how often the manifests are re-read (upstream 20 s). */
  fileCheckFrequencyMs?: number;
  /** hostnameOverride (`--hostname-override`): the node name. */
  hostnameOverride?: string;
  /** nodeIP (`--node-ip`): InternalIP; default 127.0.0.1. */
  nodeIP?: string;
  /** maxPods (`--max-pods`), default 110. */
  maxPods?: number;
  /** nodeStatusUpdateFrequencyMs (`--node-status-update-frequency`), default 10 s. */
  nodeStatusUpdateFrequencyMs?: number;
  /** nodeLabels (`--node-labels`). */
  nodeLabels?: Record<string, string>;
  /** registerWithTaints (`--register-with-taints`). */
  registerWithTaints?: Taint[];
  /** clusterDNS / clusterDomain (`--cluster-dns`, `--cluster-domain`). */
  clusterDNS?: string[];
  clusterDomain?: string;
  /** cgroupRoot (`--cgroup-root`), default `/`. */
  cgroupRoot?: string;
  /** port (`--port`) of the kubelet HTTPS server, default 10250; 0 picks a free port; -1 disables the server. */
  port?: number;
  /** address (`--address`) the server binds, default 127.0.0.1. */
  address?: string;
  /** tlsCertFile / tlsPrivateKeyFile (`--tls-cert-file`, `--tls-private-key-file`); default self-signed under <root-dir>/pki. */
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** clientCA (`--client-ca-file` contents): client certs the server accepts; default the kubeconfig's CA. */
  clientCA?: string | Buffer;
  /** resolvConf (`--resolv-conf`), default /etc/resolv.conf. */
  resolvConf?: string;
  /** Timing knobs (upstream defaults). */
  plegRelistPeriodMs?: number;
  housekeepingPeriodMs?: number;
  podWorkerBackOffMs?: number;
  podResyncIntervalMs?: number;
  leaseRenewIntervalMs?: number;
  leaseDurationSeconds?: number;
  /** volumeRefreshPeriodMs: how often configMap/secret/downwardAPI/projected volumes are re-written from their sources (default 10 s). */
  volumeRefreshPeriodMs?: number;
  /** evictionHard (`--eviction-hard`), default upstream's; '' disables eviction. */
  evictionHard?: string;
  /** evictionMonitoringPeriodMs: how often eviction thresholds are checked (upstream 10 s). */
  evictionMonitoringPeriodMs?: number;
  /** evictionPressureTransitionPeriodMs (`--eviction-pressure-transition-period`, 5 min). */
  evictionPressureTransitionPeriodMs?: number;
  /** imageGCHighThresholdPercent / imageGCLowThresholdPercent (`--image-gc-high-threshold` 85, `--image-gc-low-threshold` 80). */
  imageGCHighThresholdPercent?: number;
  imageGCLowThresholdPercent?: number;
  /** minimumImageTTLMs (`--minimum-image-ttl-duration`, 2 min). */
  minimumImageTTLMs?: number;
  /** imageGCPeriodMs: how often image GC runs (upstream 5 min). */
  imageGCPeriodMs?: number;
  /** Container GC policy (`--minimum-container-ttl-duration` 0, `--maximum-dead-containers-per-container` 1, `--maximum-dead-containers` -1). */
  minimumContainerTTLMs?: number;
  maxPerPodContainer?: number;
  maxContainers?: number;
  /** containerGCPeriodMs: how often dead containers and sandboxes are collected (upstream 1 min). */
  containerGCPeriodMs?: number;
  crashLoopBackoffInitialMs?: number;
  crashLoopBackoffMaxMs?: number;
  clock?: Clock;
  signal?: AbortSignal;
  logger?: KubeletLogger;
  /** recorder receives pod events (Pulling, Pulled, Created, Started, Killing, BackOff, Failed...). startKubelet makes one writing to the API when not given. */
  recorder?: EventRecorder;
  machineInfo?: () => MachineInfo;
}

/** KubeletHandle is what {@link startKubelet} returns. */
export interface KubeletHandle {
  nodeName: string;
  kubelet: Kubelet;
  /** registered resolves once the Node was created and its first status posted. */
  registered: Promise<void>;
  /** stop stops every loop and closes the clients; containers keep running (as upstream). */
  stop(): Promise<void>;
}

/** Kubelet: see the module comment. */
export class Kubelet implements PodSyncer {
  readonly nodeName: string;
  readonly podManager = new PodManager();
  readonly reasons = new ReasonCache();
  readonly podWorkers: PodWorkers;
  readonly statusManager: StatusManager;
  readonly runtime: KubeGenericRuntimeManager;
  readonly pleg: GenericPLEG;
  readonly volumeManager: VolumeManager;
  readonly nodeStatus: NodeStatusUpdater;
  readonly lease: LeaseController;
  readonly nodeIPs: string[];
  readonly prober: ProberManager;
  readonly stats: StatsProvider;
  readonly imageGC: ImageGCManager;
  readonly eviction: EvictionManager;
  /** services is the service informer feeding service environment variables. */
  readonly services: SharedIndexInformer<Service>;
  private readonly o: KubeletOptions;
  private readonly clock: Clock;
  private readonly log: KubeletLogger;
  private readonly client: KubeletClient;
  private readonly rs: RuntimeService;
  private readonly is: ImageService;
  private readonly sources: PodSource[];
  private readonly cleanedUp = new Set<string>();
  private readonly pendingCgroups = new Set<string>();
  private readonly refreshing = new Set<string>();
  /** evictions are pods failed by the node (eviction manager), by uid. */
  readonly evictions = new Map<string, PodEviction & { disruptionTarget?: boolean }>();
  private lastContainerGC = 0;
  private lastImageGC = 0;
  private runtimeName = 'containerd';
  private onNodeRegistered: ((node: Node) => void) | undefined;
  private kubeletPort: number;
  private server: RunningKubeletServer | undefined;
  /** recordEvent logs a pod event and sends it to the recorder. */
  private readonly recordEvent: (pod: Pod, type: string, reason: string, message: string) => void;

  constructor(o: KubeletOptions & { client: KubeletClient; runtimeService: RuntimeService; imageService: ImageService }) {
    this.o = o;
    this.clock = o.clock ?? realClock;
    this.log = o.logger ?? silentLogger;
    this.client = o.client;
    this.rs = o.runtimeService;
    this.is = o.imageService;
    const hostname = (o.hostnameOverride ?? os.hostname()).toLowerCase();
    this.kubeletPort = o.port !== undefined && o.port > 0 ? o.port : o.port === -1 ? 0 : 10250;
    this.nodeName = hostname;
    this.nodeIPs = [o.nodeIP ?? '127.0.0.1'];
    const rootDir = path.resolve(o.rootDir);
    const configSource = {
      getConfigMap: (ns: string, name: string, signal?: AbortSignal) => this.client.getConfigMap(ns, name, signal),
      getSecret: (ns: string, name: string, signal?: AbortSignal) => this.client.getSecret(ns, name, signal),
    };
    const onEvent = (this.recordEvent = (pod: Pod, type: string, reason: string, message: string): void => {
      this.log.debug({ pod: pod.metadata?.name, namespace: pod.metadata?.namespace, type, reason }, message);
      o.recorder?.event({ ...pod, apiVersion: 'v1', kind: 'Pod' } as ObjectLike, type, reason, message);
    });
    this.volumeManager = new VolumeManager({
      rootDir,
      configSource,
      tokenManager: new TokenManager({ clock: this.clock, requestToken: (ns, sa, req, signal) => this.client.createToken(ns, sa, req, signal) }),
      pvSource: { getPVC: (ns, name, signal) => this.client.getPVC(ns, name, signal), getPV: (name, signal) => this.client.getPV(name, signal) },
      refreshPeriodMs: o.volumeRefreshPeriodMs,
      now: () => this.clock.now(),
      nodeName: this.nodeName,
      hostIPs: this.nodeIPs,
      nodeAllocatable: () => this.nodeAllocatable(),
      warn: (pod, msg) => this.log.warn({ pod: pod.metadata?.name, namespace: pod.metadata?.namespace }, msg) });
    const sandboxContext: SandboxConfigContext = {
      podLogsRootDir: path.join(rootDir, 'logs', 'pods'),
      cgroupRoot: o.cgroupRoot ?? '/',
      clusterDNS: o.clusterDNS ?? [],
      clusterDomain: o.clusterDomain ?? 'cluster.local',
      resolvConf: o.resolvConf ?? '/etc/resolv.conf',
    };
    this.runtime = new KubeGenericRuntimeManager({
      runtimeService: this.rs,
      imageManager: new ImageManager({
        imageService: this.is,
        clock: this.clock,
        onEvent,
        pullSecrets: async (pod, signal) => {
          const ns = pod.metadata?.namespace ?? 'default';
          const found = await Promise.all((pod.spec?.imagePullSecrets ?? []).map((r) => this.client.getSecret(ns, r.name ?? '', signal)));
          return found.filter((x): x is NonNullable<typeof x> => !!x);
        },
      }),
      volumeManager: this.volumeManager,
      configSource,
      clock: this.clock,
      sandboxContext,
      runtimeName: this.runtimeName,
      nodeName: this.nodeName,
      nodeIPs: this.nodeIPs,
      nodeAllocatable: () => this.nodeAllocatable(),
      probeFailed: (pod, name, id) => this.prober.probeFailed(pod.metadata?.uid ?? '', name, id),
      probeStarted: (pod, name, id) => this.prober.isStarted(pod.metadata?.uid ?? '', name, id, true),
      serviceEnv: (pod) => {
        // upstream: "services have not yet been read at this time" until the service informer synced.
        if (!this.services.hasSynced()) throw new SyncError('CreateContainerConfigError', 'services have not yet been read at this time');
        return serviceEnvFor(pod, this.services.getStore().list());
      },
      crashLoopBackoffInitialMs: o.crashLoopBackoffInitialMs,
      crashLoopBackoffMaxMs: o.crashLoopBackoffMaxMs,
      onEvent,
    });
    this.services = newSharedIndexInformer<Service>({ listWatch: this.client.serviceListWatch(), objectType: 'Service', clock: this.clock });
    this.prober = new ProberManager({
      clock: this.clock,
      runtime: this.rs,
      containerInfo: (pod, name) => {
        const st = this.statusManager.getPodStatus(pod.metadata?.uid ?? '');
        // Sidecars (restartable init containers) are probed too; their status is an init container status.
        const cs = st?.containerStatuses?.find((c) => c.name === name) ?? st?.initContainerStatuses?.find((c) => c.name === name);
        if (!cs?.containerID) return undefined;
        const running = cs.state?.running;
        return {
          containerId: cs.containerID.replace(/^[a-z0-9]+:\/\//, ''),
          running: !!running,
          startedAt: running?.startedAt ? Date.parse(running.startedAt) : 0,
          podIP: st?.podIP ?? '',
        };
      },
      onChange: (pod) => {
        const latest = this.podManager.getPodByUID(pod.metadata?.uid ?? '');
        if (latest) this.podWorkers.updatePod({ updateType: 'sync', pod: latest });
      },
      onUnhealthy: (pod, _container, type, output) => {
        const kind = type[0].toUpperCase() + type.slice(1);
        onEvent(pod, 'Warning', 'Unhealthy', `${kind} probe failed: ${output}`);
      },
      onProbeError: (pod, _container, type, output) => {
        const kind = type[0].toUpperCase() + type.slice(1);
        // upstream prober.go: "%s probe errored and resulted in %s state: %s"
        onEvent(pod, 'Warning', 'Unhealthy', `${kind} probe errored and resulted in unknown state: ${output}`);
      },
    });
    this.podWorkers = new PodWorkers({
      syncer: this,
      clock: this.clock,
      backOffPeriodMs: o.podWorkerBackOffMs,
      resyncIntervalMs: o.podResyncIntervalMs,
      onError: (uid, phase, err) => {
        const pod = this.podManager.getPodByUID(uid);
        this.log.warn({ podUID: uid, pod: pod?.metadata?.name, namespace: pod?.metadata?.namespace, phase, err: String((err as Error)?.message ?? err) }, 'Error syncing pod, skipping');
      },
    });
    this.statusManager = new StatusManager({
      client: this.client,
      clock: this.clock,
      deletionSafety: { podResourcesAreReclaimed: (uid) => this.podWorkers.isFinished(uid) },
      cachedPod: (uid) => this.podManager.getPodByUID(uid),
      onError: (pod, err) => this.log.warn({ pod, err: String((err as Error)?.message ?? err) }, 'Failed to update status for pod'),
      onDeleted: (pod) => this.log.info({ pod: pod.metadata?.name, namespace: pod.metadata?.namespace, podUID: pod.metadata?.uid }, 'Pod fully terminated and removed from etcd'),
    });
    this.pleg = new GenericPLEG({
      relist: (signal) => this.runtime.getPods(signal),
      clock: this.clock,
      relistPeriodMs: o.plegRelistPeriodMs,
      onError: (err) => this.log.warn({ err: String((err as Error)?.message ?? err) }, 'GenericPLEG: Unable to retrieve pods'),
    });
    this.pleg.watch((e) => {
      const pod = this.podManager.getPodByUID(e.id);
      if (pod) this.podWorkers.updatePod({ updateType: 'sync', pod });
    });
    this.stats = new StatsProvider({ nodeName: this.nodeName, rootDir, runtime: this.rs, images: this.is, now: () => this.clock.now() });
    this.imageGC = new ImageGCManager({
      images: this.is,
      runtime: this.rs,
      now: () => this.clock.now(),
      policy: { highThresholdPercent: o.imageGCHighThresholdPercent ?? 85, lowThresholdPercent: o.imageGCLowThresholdPercent ?? 80, minAgeMs: o.minimumImageTTLMs ?? 120_000 },
      onEvent: (type, reason, message) => this.log.warn({ node: this.nodeName, type, reason }, message),
    });
    this.eviction = new EvictionManager({
      thresholds: parseThresholds(o.evictionHard ?? DEFAULT_EVICTION_HARD),
      summary: (signal) => this.stats.summary(signal),
      now: () => this.clock.now(),
      pressureTransitionPeriodMs: o.evictionPressureTransitionPeriodMs,
      activePods: () => this.podManager.getPods().filter((p) => {
        const uid = p.metadata?.uid ?? '';
        const phase = this.statusManager.getPodStatus(uid)?.phase;
        // upstream: static (critical) pods are not evicted; only pods still syncing count.
        return this.podWorkers.state(uid) === 'sync' && phase !== 'Succeeded' && phase !== 'Failed' && !isStaticPod(p);
      }),
      evictPod: (pod, message) => this.evictPod(pod, message),
      reclaimNodeResources: async (signal) => {
        await this.containerGC(signal, true);
        await this.imageGC.deleteUnusedImages(signal);
      },
    });
    const machineInfo = o.machineInfo ?? (() => readMachineInfo(rootDir));
    this.nodeStatus = new NodeStatusUpdater({
      client: this.client,
      clock: this.clock,
      nodeName: this.nodeName,
      hostname,
      nodeIPs: this.nodeIPs,
      nodeLabels: o.nodeLabels ?? {},
      registerWithTaints: o.registerWithTaints ?? [],
      maxPods: o.maxPods ?? 110,
      kubeletPort: () => this.kubeletPort,
      machineInfo,
      runtimeState: (signal) => this.runtimeState(signal),
      pressure: () => ({ memory: this.eviction.isUnderMemoryPressure(), disk: this.eviction.isUnderDiskPressure() }),
      nodeStatusUpdateFrequencyMs: o.nodeStatusUpdateFrequencyMs ?? 10_000,
      onError: (err) => this.log.warn({ node: this.nodeName, err: String((err as Error)?.message ?? err) }, 'Error updating node status, will retry'),
      onRegistered: (node) => this.onNodeRegistered?.(node),
      onNodeEvent: (type, reason) => this.recordNodeEvent(type, reason, `Node ${this.nodeName} status is now: ${reason}`),
    });
    this.lease = new LeaseController({
      client: this.client,
      clock: this.clock,
      nodeName: this.nodeName,
      leaseDurationSeconds: o.leaseDurationSeconds,
      renewIntervalMs: o.leaseRenewIntervalMs,
      node: () => this.nodeStatus.node,
      onError: (err) => this.log.warn({ node: this.nodeName, err: String((err as Error)?.message ?? err) }, 'Failed to update lease'),
    });
    this.sources = [
      newSourceApiserver({
        client: this.client,
        nodeName: this.nodeName,
        clock: this.clock,
        onError: (err) => this.log.warn({ err: String((err as Error)?.message ?? err) }, 'pod source: list/watch failed, retrying'),
      }),
    ];
    if (o.podManifestPath) {
      this.sources.push(newSourceFile({
        path: o.podManifestPath,
        nodeName: this.nodeName,
        clock: this.clock,
        periodMs: o.fileCheckFrequencyMs,
        onError: (file, err) => this.log.warn({ path: file, err: String((err as Error)?.message ?? err) }, 'Could not process manifest file'),
      }));
    }
  }

  /**
   * recordNodeEvent records an event about this node; the reference carries the node name as UID,
   * as upstream's nodeRef does (events for cluster-scoped objects land in "default").
   */
  recordNodeEvent(type: string, reason: string, message: string): void {
    this.log.debug({ node: this.nodeName, type, reason }, message);
    this.o.recorder?.event({ kind: 'Node', name: this.nodeName, uid: this.nodeName }, type, reason, message);
  }

  /** runtimeState reads what the node status needs from CRI (version, conditions, images, PLEG health). */
  private async runtimeState(signal: AbortSignal): Promise<NodeRuntimeState> {
    const v = await this.rs.version({}, { signal });
    this.runtimeName = v.runtimeName || this.runtimeName;
    this.runtime.runtimeName = this.runtimeName;
    const runtimeErrors: string[] = [];
    const networkErrors: string[] = [];
    const st = await this.rs.status({}, { signal });
    for (const c of st.status?.conditions ?? []) {
      if (c.type === 'RuntimeReady' && !c.status) runtimeErrors.push(`container runtime not ready: RuntimeReady=false reason:${c.reason} message:${c.message}`);
      if (c.type === 'NetworkReady' && !c.status) networkErrors.push(`container runtime network not ready: NetworkReady=false reason:${c.reason} message:${c.message}`);
    }
    if (!this.pleg.healthy()) runtimeErrors.push('PLEG is not healthy: pleg has yet to be successful');
    const images = await this.is.listImages({}, { signal }).then(
      (r) => r.images.map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: Number(i.size) })),
      () => [],
    );
    return { containerRuntimeVersion: `${v.runtimeName}://${v.runtimeVersion}`, runtimeErrors, networkErrors, images };
  }

  /**
   * handlePodUpdate applies one source update (upstream syncLoopIteration configCh branch). A
   * SET replaces the pods of its source only; mirror pods from the API are kept apart and make
   * their static pod re-sync (to recreate or update them).
   */
  handlePodUpdate(u: PodUpdate): void {
    const mine = (p: Pod): boolean => !p.spec?.nodeName || p.spec.nodeName === this.nodeName;
    const mirrors = u.pods.filter((p) => isMirrorPod(p));
    const pods = u.pods.filter((p) => mine(p) && !isMirrorPod(p));
    for (const m of mirrors) {
      if (u.op === 'DELETE') this.podManager.removeMirrorPod(m);
      else this.podManager.setMirrorPod(m);
      const statik = this.podManager.getPods().find((p) => isStaticPod(p) && p.metadata?.name === m.metadata?.name && p.metadata?.namespace === m.metadata?.namespace);
      if (statik) this.podWorkers.updatePod({ updateType: 'sync', pod: statik });
    }
    if (u.op === 'SET') {
      const next = new Map(pods.map((p) => [p.metadata?.uid ?? '', p]));
      for (const old of this.podManager.getPods()) {
        if (podSource(old) === u.source && !next.has(old.metadata?.uid ?? '')) this.handlePodRemoves([old]);
      }
      for (const p of next.values()) {
        if (this.podManager.getPodByUID(p.metadata?.uid ?? '')) this.handlePodUpdates([p]);
        else this.handlePodAdditions([p]);
      }
      return;
    }
    if (u.op === 'ADD') this.handlePodAdditions(pods);
    else if (u.op === 'UPDATE') this.handlePodUpdates(pods);
    else this.handlePodRemoves(pods);
  }

  /**
   * ensureMirrorPod makes the API hold an up-to-date mirror of a static pod (upstream
   * SyncPod's mirror pod handling): a missing one is created, one with another hash or being
   * deleted is replaced.
   */
  private async ensureMirrorPod(pod: Pod, signal: AbortSignal): Promise<void> {
    const hash = pod.metadata?.uid ?? '';
    const mirror = this.podManager.getMirrorPodByPod(pod);
    if (mirror && mirror.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] === hash && !mirror.metadata?.deletionTimestamp) return;
    if (mirror) {
      await this.client.deletePod(mirror.metadata?.namespace ?? '', mirror.metadata?.name ?? '', { gracePeriodSeconds: 0, uid: mirror.metadata?.uid ?? '' }, signal).catch((err: unknown) => {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      });
      this.podManager.removeMirrorPod(mirror);
    }
    const node = this.nodeStatus.node;
    const m = pod.metadata ?? {};
    const copy: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: m.name,
        namespace: m.namespace,
        labels: m.labels,
        annotations: { ...m.annotations, [CONFIG_MIRROR_ANNOTATION]: hash },
        ownerReferences: node?.metadata?.uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: node.metadata.uid, controller: true }] : undefined,
      },
      spec: pod.spec,
    };
    try {
      const created = await this.client.createPod(copy, signal);
      this.podManager.setMirrorPod(created);
      this.log.info({ pod: m.name, namespace: m.namespace }, 'Created mirror pod');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  /** deleteMirrorPod removes the mirror of a static pod that is gone. */
  private async deleteMirrorPod(pod: Pod, signal: AbortSignal): Promise<void> {
    const mirror = this.podManager.getMirrorPodByPod(pod);
    if (!mirror) return;
    await this.client.deletePod(mirror.metadata?.namespace ?? '', mirror.metadata?.name ?? '', { gracePeriodSeconds: 0, uid: mirror.metadata?.uid ?? '' }, signal).catch((err: unknown) => {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    });
    this.podManager.removeMirrorPod(mirror);
  }

  /**
   * handlePodAdditions admits new pods in creation order and starts their workers; a pod that
   * does not fit is rejected: Failed with the predicate's reason (upstream HandlePodAdditions, rejectPod).
   */
  handlePodAdditions(pods: Pod[]): void {
    const sorted = [...pods].sort((a, b) => String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)));
    for (const pod of sorted) {
      const uid = pod.metadata?.uid ?? '';
      const admitted = this.podManager.getPods().filter((p) => {
        const id = p.metadata?.uid ?? '';
        const phase = this.statusManager.getPodStatus(id)?.phase ?? p.status?.phase;
        return id !== uid && phase !== 'Succeeded' && phase !== 'Failed' && !this.podWorkers.isPodTerminationRequested(id);
      });
      this.podManager.addPod(pod);
      if (!isTerminalPhase(pod) && !this.podWorkers.state(uid)) {
        const r = canAdmitPod(pod, this.nodeStatus.nodeForAdmission(), admitted);
        if (!r.admit && (r.reason === 'NodeAffinity' || r.reason === 'Taint')) {
          void this.admitAgainstFreshNode(pod, admitted);
          continue;
        }
        if (!r.admit) {
          this.rejectPod(pod, r.reason, r.message);
          continue;
        }
      }
      this.podWorkers.updatePod({ updateType: 'create', pod });
    }
  }

  /**
   * admitAgainstFreshNode re-checks a pod that failed on node labels or taints against the Node
   * as the API has it now (the scheduler may have placed it after a label change the kubelet's
   * copy has not seen yet), then starts or rejects it.
   */
  private async admitAgainstFreshNode(pod: Pod, admitted: Pod[]): Promise<void> {
    let node = this.nodeStatus.nodeForAdmission();
    try {
      node = await this.nodeStatus.refreshNode(this.o.signal);
    } catch (err) {
      this.log.warn({ err: String(err) }, 'reading the node for pod admission failed; using the last known node');
    }
    const r = canAdmitPod(pod, node, admitted);
    if (!r.admit) this.rejectPod(pod, r.reason, r.message);
    else this.podWorkers.updatePod({ updateType: 'create', pod });
  }

  /** nodeAllocatable is the node's allocatable as last seen (machine capacity before the first status update). */
  private nodeAllocatable(): Record<string, string> {
    return (this.nodeStatus?.nodeForAdmission().status?.allocatable ?? {}) as Record<string, string>;
  }

  /** rejectPod fails a pod that could not be admitted (upstream rejectPod) and lets its worker finish it. */
  private rejectPod(pod: Pod, reason: string, message: string): void {
    this.log.info({ pod: pod.metadata?.name, namespace: pod.metadata?.namespace, reason }, message);
    this.o.recorder?.event({ ...pod, apiVersion: 'v1', kind: 'Pod' } as ObjectLike, 'Warning', reason, message);
    const status = { ...(pod.status ?? {}), phase: 'Failed', reason, message: `Pod was rejected: ${message}` };
    this.statusManager.setPodStatus(pod, status);
    this.podWorkers.updatePod({ updateType: 'create', pod: { ...pod, status } });
  }

  /** handlePodUpdates passes spec/metadata changes (deletionTimestamp included) to the workers. */
  handlePodUpdates(pods: Pod[]): void {
    for (const pod of pods) {
      this.podManager.updatePod(pod);
      this.podWorkers.updatePod({ updateType: 'update', pod });
    }
  }

  /** handlePodRemoves kills pods the API no longer has. */
  handlePodRemoves(pods: Pod[]): void {
    for (const pod of pods) {
      this.podManager.removePod(pod);
      this.podWorkers.updatePod({ updateType: 'kill', pod });
    }
  }

  private async runtimeStatus(pod: Pod, signal: AbortSignal): Promise<PodStatus> {
    const m = pod.metadata ?? {};
    return this.runtime.getPodStatus(m.uid ?? '', m.name ?? '', m.namespace ?? '', signal);
  }

  private setStatus(pod: Pod, status: PodStatus, podIsTerminal: boolean): string {
    const uid = pod.metadata?.uid ?? '';
    const old = this.statusManager.getPodStatus(uid) ?? pod.status;
    const api = generateAPIPodStatus(pod, status, {
      evict: this.evictions.get(uid) ?? pastActiveDeadline(pod, this.clock.now(), old?.startTime as string | undefined),
      reasons: this.reasons,
      hostIPs: this.nodeIPs,
      now: this.clock.now(),
      podIsTerminal,
      oldStatus: this.statusManager.getPodStatus(uid) ?? pod.status,
      probes: this.prober,
    });
    this.statusManager.setPodStatus(pod, api);
    return api.phase ?? 'Pending';
  }

  /** syncPod: see {@link PodSyncer.syncPod} (upstream Kubelet.SyncPod). */
  async syncPod(signal: AbortSignal, updateType: SyncPodType, pod: Pod): Promise<SyncPodResult> {
    const uid = pod.metadata?.uid ?? '';
    let status = await this.runtimeStatus(pod, signal);
    const phase = this.setStatus(pod, status, false);
    if (isStaticPod(pod)) {
      await this.ensureMirrorPod(pod, signal).catch((err: unknown) => {
        if (!signal.aborted) this.log.warn({ pod: pod.metadata?.name, err: String((err as Error)?.message ?? err) }, 'Failed creating a mirror pod');
      });
    }
    if (phase === 'Succeeded' || phase === 'Failed') return { isTerminal: true };
    this.prober.addPod(pod);
    await mkdir(buildPodLogsDirectory(path.join(path.resolve(this.o.rootDir), 'logs', 'pods'), pod), { recursive: true });
    await mkdir(this.volumeManager.podDir(uid), { recursive: true });
    try {
      await this.volumeManager.waitForAttachAndMount(pod, signal);
    } catch (err) {
      if (err instanceof VolumeError) this.recordEvent(pod, 'Warning', 'FailedMount', err.message);
      throw err;
    }
    const res = await this.runtime.syncPod(pod, status, signal);
    for (const name of res.startedContainers) this.reasons.remove(uid, name);
    for (const [name, err] of res.containerErrors) this.reasons.add(uid, name, err.reason, err.message);
    const a = res.actions;
    if (a.createSandbox || a.killPod || res.startedContainers.length || res.containerErrors.size || a.containersToKill.size) {
      status = await this.runtimeStatus(pod, signal);
      const after = this.setStatus(pod, status, false);
      if (after === 'Succeeded' || after === 'Failed') return { isTerminal: true };
    }
    if (res.error) throw res.error;
    const first = res.containerErrors.values().next().value;
    if (first) throw first;
    void updateType;
    return { isTerminal: false };
  }

  /** syncTerminatingPod stops the pod's containers and sandbox (upstream SyncTerminatingPod). */
  async syncTerminatingPod(signal: AbortSignal, pod: Pod, gracePeriodSeconds: number): Promise<void> {
    this.prober.removePod(pod.metadata?.uid ?? '');
    this.log.info({ pod: pod.metadata?.name, namespace: pod.metadata?.namespace, podUID: pod.metadata?.uid, gracePeriod: gracePeriodSeconds }, 'Killing pod');
    const before = await this.runtimeStatus(pod, signal);
    await this.runtime.killPod(pod, before, gracePeriodSeconds, signal);
    const after = await this.runtimeStatus(pod, signal);
    if (after.containerStatuses.some((c) => c.state === 'running')) throw new Error('containers still running after kill');
    this.setStatus(pod, after, true);
  }

  /** syncTerminatingRuntimePod stops a pod only the runtime knows (upstream SyncTerminatingRuntimePod). */
  async syncTerminatingRuntimePod(signal: AbortSignal, runningPod: RuntimePod): Promise<void> {
    this.log.info({ pod: runningPod.name, namespace: runningPod.namespace, podUID: runningPod.uid }, 'Killing orphaned runtime pod');
    await this.runtime.killPod(undefined, runningPod, 2, signal);
  }

  /**
   * syncTerminatedPod writes the final status and, for deleted pods, removes containers, sandboxes
   * and the pod's directories so the status manager can finish the delete (upstream
   * SyncTerminatedPod + the cleanup of HandlePodCleanups).
   */
  async syncTerminatedPod(signal: AbortSignal, pod: Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const status = await this.runtimeStatus(pod, signal);
    this.setStatus(pod, status, true);
    const latest = this.podManager.getPodByUID(uid);
    if (!latest || latest.metadata?.deletionTimestamp) {
      await this.cleanupPod(pod, status, signal);
      if (isStaticPod(pod)) await this.deleteMirrorPod(pod, signal);
    }
    this.statusManager.terminatePod(latest ?? pod);
    this.reasons.removePod(uid);
    this.evictions.delete(uid);
  }

  /** destroyPodCgroup removes a pod cgroup; a busy one (the runtime still tearing down) is retried by housekeeping. */
  private async destroyPodCgroup(parent: string): Promise<void> {
    const left = await destroyPodCgroup(parent);
    if (left.length) this.pendingCgroups.add(parent);
    else this.pendingCgroups.delete(parent);
  }

  private async cleanupPod(pod: Pod, status: PodStatus | RuntimePod, signal?: AbortSignal): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    await this.runtime.removePod(status, signal);
    await this.volumeManager.cleanupPod(uid);
    await this.destroyPodCgroup(podCgroupParent(pod, this.o.cgroupRoot ?? '/'));
    await rm(buildPodLogsDirectory(path.join(path.resolve(this.o.rootDir), 'logs', 'pods'), pod), { recursive: true, force: true });
    this.cleanedUp.add(uid);
  }

  /**
   * housekeeping reconciles workers, runtime and API every period (upstream HandlePodCleanups):
   * forgets workers of removed pods, kills or removes runtime pods without an API pod, and
   * finishes deleted pods whose workers already finished (e.g. a Failed pod deleted later).
   */
  async housekeeping(signal: AbortSignal): Promise<void> {
    // Until the sources delivered their first list, "not desired" means "not seen yet": a
    // restarted kubelet must not kill the pods it is about to adopt (upstream sourcesReady).
    if (!this.sources.every((src) => src.hasSynced())) return;
    const desired = this.podManager.uids();
    this.podWorkers.syncKnownPods(desired);
    this.prober.cleanupPods(desired);
    for (const rp of this.pleg.runtimePods()) {
      if (desired.has(rp.uid)) continue;
      const state = this.podWorkers.state(rp.uid);
      if (state !== undefined && !this.podWorkers.isFinished(rp.uid)) continue;
      const active = rp.containers.some((c) => c.state === 'running') || rp.sandboxes.some((s) => s.ready);
      if (active && state === undefined) {
        this.podWorkers.updatePod({ updateType: 'kill', runningPod: rp });
      } else if (!active) {
        await this.runtime.removePod(rp, signal);
        await this.volumeManager.cleanupPod(rp.uid);
        for (const qos of ['Guaranteed', 'Burstable', 'BestEffort'] as const) {
          await this.destroyPodCgroup(podCgroupParent({ metadata: { uid: rp.uid } }, this.o.cgroupRoot ?? '/', qos));
        }
      }
    }
    for (const pod of this.podManager.getPods()) {
      const uid = pod.metadata?.uid ?? '';
      if (!pod.metadata?.deletionTimestamp || !this.podWorkers.isFinished(uid)) continue;
      if (!this.cleanedUp.has(uid)) {
        const m = pod.metadata;
        const rp = this.pleg.runtimePods().find((p) => p.uid === uid);
        await this.cleanupPod(pod, rp ?? emptyPodStatus(uid, m.name ?? '', m.namespace ?? '', this.clock.now()), signal);
      }
      this.statusManager.terminatePod(pod);
    }
    for (const parent of [...this.pendingCgroups]) await this.destroyPodCgroup(parent);
    this.refreshVolumes(signal);
    // upstream: the active deadline handler makes the sync loop sync pods past their deadline.
    for (const pod of this.podManager.getPods()) {
      const uid = pod.metadata?.uid ?? '';
      if (this.podWorkers.state(uid) !== 'sync') continue;
      const st = this.statusManager.getPodStatus(uid);
      if (st?.phase === 'Failed' || st?.phase === 'Succeeded') continue;
      if (pastActiveDeadline(pod, this.clock.now(), st?.startTime as string | undefined) || this.evictions.has(uid)) this.podWorkers.updatePod({ updateType: 'sync', pod });
    }
    if (this.clock.now() - this.lastContainerGC >= (this.o.containerGCPeriodMs ?? 60_000)) {
      this.lastContainerGC = this.clock.now();
      await this.containerGC(signal, false);
    }
    if (this.clock.now() - this.lastImageGC >= (this.o.imageGCPeriodMs ?? 300_000)) {
      this.lastImageGC = this.clock.now();
      const freed = await this.imageGC.garbageCollect(signal).catch((err: unknown) => {
        if (!signal.aborted) this.log.warn({ err: String((err as Error)?.message ?? err) }, 'Image garbage collection failed');
        return 0;
      });
      if (freed) this.log.info({ bytes: freed }, 'Image garbage collection freed space');
    }
    this.statusManager.removeOrphanedStatuses(new Set([...desired, ...this.podWorkers.knownUIDs()]));
    for (const uid of this.cleanedUp) if (!desired.has(uid)) this.cleanedUp.delete(uid);
  }

  /**
   * containerGC removes dead containers and sandboxes beyond the GC policy (upstream
   * containerGC.GarbageCollect); the eviction manager's disk reclaim passes `evictNonDeleted`
   * to ignore the minimum container age.
   */
  private async containerGC(signal: AbortSignal | undefined, evictNonDeleted: boolean): Promise<void> {
    const desired = this.podManager.uids();
    const policy: GCPolicy = {
      minAgeMs: evictNonDeleted ? 0 : this.o.minimumContainerTTLMs ?? 0,
      maxPerPodContainer: this.o.maxPerPodContainer ?? 1,
      maxContainers: this.o.maxContainers ?? -1,
    };
    const removed = await garbageCollect({
      runtime: this.rs,
      policy,
      now: this.clock.now(),
      isPodDeleted: (uid) => !desired.has(uid) && (this.podWorkers.state(uid) === undefined || this.podWorkers.isFinished(uid)),
      signal,
    });
    if (removed.containers.length || removed.sandboxes.length) this.log.debug({ containers: removed.containers.length, sandboxes: removed.sandboxes.length }, 'container GC');
  }

  /** evictPod fails a pod with reason Evicted and kills it with grace period 0 (upstream evictPod). */
  evictPod(pod: Pod, message: string): void {
    const uid = pod.metadata?.uid ?? '';
    this.evictions.set(uid, { reason: 'Evicted', message, disruptionTarget: true });
    this.recordEvent(pod, 'Warning', 'Evicted', message);
    this.log.info({ pod: pod.metadata?.name, namespace: pod.metadata?.namespace, podUID: uid, message }, 'Evicting pod');
    this.podWorkers.updatePod({ updateType: 'kill', pod, killPodOptions: { podTerminationGracePeriodSecondsOverride: 0 } });
  }

  /**
   * refreshVolumes re-writes the API-backed volumes of running pods in the background (the
   * volume manager throttles each pod to its refresh period), so ConfigMap/Secret changes and
   * token rotation reach the containers (upstream: the periodic pod resync remounts volumes).
   */
  private refreshVolumes(signal: AbortSignal): void {
    for (const pod of this.podManager.getPods()) {
      const uid = pod.metadata?.uid ?? '';
      if (this.refreshing.has(uid) || pod.metadata?.deletionTimestamp || !this.volumeManager.mountedVolumes(uid)) continue;
      if (this.podWorkers.state(uid) !== 'sync') continue;
      this.refreshing.add(uid);
      this.volumeManager.waitForAttachAndMount(pod, signal).catch((err: unknown) => {
        if (!signal.aborted) this.log.debug({ pod: pod.metadata?.name, namespace: pod.metadata?.namespace, err: String((err as Error)?.message ?? err) }, 'volume refresh failed');
      }).finally(() => this.refreshing.delete(uid));
    }
  }

  /** startServer starts the kubelet HTTPS server (a failure is logged: pods still run without it). */
  private async startServer(): Promise<void> {
    const port = this.o.port ?? 10250;
    if (port < 0) return;
    try {
      const cert = this.o.tlsCertFile && this.o.tlsPrivateKeyFile
        ? { cert: await readFile(this.o.tlsCertFile, 'utf8'), key: await readFile(this.o.tlsPrivateKeyFile, 'utf8') }
        : await ensureServingCert(path.join(path.resolve(this.o.rootDir), 'pki'), this.nodeName, this.nodeIPs);
      this.server = await startKubeletServer({
        host: {
          getPods: () => this.podManager.getPods(),
          containerLog: async (pod, container, previous) => {
            const m = pod.metadata ?? {};
            const st = await this.runtime.getPodStatus(m.uid ?? '', m.name ?? '', m.namespace ?? '');
            const c = st.containerStatuses.filter((x) => x.name === container)[previous ? 1 : 0];
            if (!c?.logPath) return undefined;
            return {
              logPath: c.logPath,
              running: async () => {
                const s = await this.rs.containerStatus({ containerId: c.id }).catch(() => undefined);
                return s?.status?.state === 1; // CONTAINER_RUNNING
              },
            };
          },
          statsSummary: (signal) => this.stats.summary(signal),
          streaming: isStreamingRuntimeService(this.rs) ? criStreamingHost(this.runtime, this.rs) : undefined,
        },
        address: this.o.address ?? '127.0.0.1',
        port,
        cert,
        clientCA: this.o.clientCA,
      });
      this.kubeletPort = this.server.port;
      this.log.info({ address: this.o.address ?? '127.0.0.1', port: this.server.port }, 'Starting to listen');
    } catch (err) {
      this.log.error({ port, err: String((err as Error)?.message ?? err) }, 'Failed to start the kubelet server; continuing without it');
    }
  }

  /** run starts every loop; resolves when the signal aborts and everything stopped. */
  async run(signal: AbortSignal, onRegistered: () => void): Promise<void> {
    await mkdir(path.join(this.o.rootDir, 'pods'), { recursive: true });
    await mkdir(path.join(this.o.rootDir, 'logs', 'pods'), { recursive: true });
    try {
      const v = await this.rs.version({}, { signal });
      this.runtimeName = v.runtimeName || this.runtimeName;
      this.runtime.runtimeName = this.runtimeName;
      this.log.info({ runtimeName: v.runtimeName, runtimeVersion: v.runtimeVersion, runtimeApiVersion: v.runtimeApiVersion }, 'Container runtime initialized');
    } catch (err) {
      this.log.error({ err: String((err as Error)?.message ?? err) }, 'Container runtime not reachable yet');
    }
    // upstream Kubelet.Run / initializeModules: "Starting kubelet." on the node.
    this.recordNodeEvent('Normal', 'Starting', 'Starting kubelet.');
    await this.startServer();
    this.statusManager.start(signal);
    const loops: Promise<unknown>[] = [];
    const guard = (name: string, p: Promise<unknown>): void => {
      loops.push(p.catch((err: unknown) => { if (!signal.aborted) this.log.error({ loop: name, err: String((err as Error)?.message ?? err) }, 'kubelet loop failed'); }));
    };
    this.onNodeRegistered = (node) => {
      this.log.info({ node: node.metadata?.name }, 'Successfully registered node');
      // upstream container manager: the pod cgroup limits are in place once the node runs.
      this.recordNodeEvent('Normal', 'NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods');
      guard('lease', this.lease.run(signal));
      onRegistered();
    };
    guard('services', this.services.run(signal));
    guard('pleg', this.pleg.run(signal));
    guard('node-status', this.nodeStatus.run(signal));
    for (const src of this.sources) guard('source', src.run((u) => this.handlePodUpdate(u), signal));
    /** every runs `fn` each `periodMs` until the signal aborts; a failure is logged with `what`. */
    const every = (periodMs: number, what: string, fn: () => Promise<unknown>): Promise<void> => (async () => {
      while (!signal.aborted) {
        await new Promise<void>((resolve) => {
          const t = this.clock.setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, periodMs);
          const onAbort = (): void => { this.clock.clearTimeout(t); resolve(); };
          if (signal.aborted) onAbort(); else signal.addEventListener('abort', onAbort, { once: true });
        });
        if (signal.aborted) break;
        await fn().catch((err: unknown) => {
          if (!signal.aborted) this.log.warn({ err: String((err as Error)?.message ?? err) }, what);
        });
      }
    })();
    guard('eviction', every(this.o.evictionMonitoringPeriodMs ?? 10_000, 'Eviction manager: failed to synchronize', () => this.eviction.synchronize(signal)));
    guard('housekeeping', every(this.o.housekeepingPeriodMs ?? 2000, 'Failed cleaning pods', () => this.housekeeping(signal)));
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    await this.podWorkers.stop();
    this.prober.cleanupPods(new Set());
    await this.server?.close();
    await Promise.all(loops);
    for (const parent of [...this.pendingCgroups]) await this.destroyPodCgroup(parent).catch(() => {});
  }
}

/**
 * startKubelet builds a Kubelet from options (kubeconfig or injected client; CRI endpoint or
 * injected services) and runs it until `stop()` or the options' signal.
 */
export function startKubelet(opts: KubeletOptions): KubeletHandle {
  let cri: CriClients | undefined;
  let rest: RestClient | undefined;
  let client = opts.client;
  let broadcaster: EventBroadcaster | undefined;
  let recorder = opts.recorder;
  if (!client) {
    const cfg = opts.restConfig ?? loadKubeconfig({ path: opts.kubeconfig });
    rest = new RestClient({ ...cfg, userAgent: cfg.userAgent ?? 'kubelet/v1.35.0 (linux) kubets' });
    client = restKubeletClient(rest);
    if (!recorder) {
      broadcaster = newBroadcaster({ clock: opts.clock });
      broadcaster.startRecordingToSink(newEventSink(rest));
      recorder = broadcaster.newRecorder({ component: 'kubelet', host: (opts.hostnameOverride ?? os.hostname()).toLowerCase() });
    }
  }
  let runtimeService = opts.runtimeService;
  let imageService = opts.imageService;
  if (!runtimeService || !imageService) {
    if (!opts.containerRuntimeEndpoint) throw new Error('startKubelet: containerRuntimeEndpoint is required');
    cri = connectCri({ endpoint: opts.containerRuntimeEndpoint, tolerateNotFound: true });
    runtimeService ??= cri.runtime;
    imageService ??= cri.image;
  }
  const clientCA = opts.clientCA ?? rest?.config.ca;
  const kubelet = new Kubelet({ ...opts, client, runtimeService, imageService, recorder, clientCA });
  const ctrl = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, ctrl.signal]) : ctrl.signal;
  let resolveRegistered: () => void = () => {};
  const registered = new Promise<void>((r) => (resolveRegistered = r));
  const done = kubelet.run(signal, () => resolveRegistered()).finally(async () => {
    await broadcaster?.shutdown().catch(() => {});
    cri?.close();
    rest?.close();
  });
  return {
    nodeName: kubelet.nodeName,
    kubelet,
    registered,
    async stop() {
      ctrl.abort();
      await done;
    },
  };
}

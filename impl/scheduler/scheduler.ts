/**
 * The kube-scheduler (upstream `pkg/scheduler/scheduler.go` and `cmd/kube-scheduler/app`):
 * {@link startScheduler} loads the configuration, builds one framework per profile, starts the
 * node and pod informers, the queue and the scheduling loop (behind leader election when asked),
 * and serves `/healthz` and `/metrics`.
 *
 * The scheduler is an API client like any other: it reads nodes and pods through informers and
 * writes only bindings, pod status (PodScheduled, nominatedNodeName), pod deletions (preemption)
 * and Events.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import type { Node, Pod } from '#generated/k8s/index.ts';
import { RestClient, loadKubeconfig } from '#impl/client/index.ts';
import {
  newListWatchFromClient,
  newSharedIndexInformer,
  waitForCacheSync,
  type ListerWatcher,
  type SharedIndexInformer,
} from '#impl/client/tools/cache/index.ts';
import { LeaseLock, newLeaderElector } from '#impl/client/tools/leaderelection/index.ts';
import { newBroadcaster, newEventSink, type EventBroadcaster, type EventRecorder } from '#impl/client/tools/record/index.ts';
import { realClock, type Clock } from '#impl/client/util/workqueue/index.ts';
import { setDefaults } from './apis/config/defaults.ts';
import { loadConfigFile, decodeConfig } from './apis/config/load.ts';
import type { KubeSchedulerConfiguration } from './apis/config/types.ts';
import { Cache } from './backend/cache/cache.ts';
import { Snapshot } from './backend/cache/snapshot.ts';
import { PriorityQueue } from './backend/queue/scheduling-queue.ts';
import { assignedPod, nodeEventHandler, podEventHandler } from './eventhandlers.ts';
import { CycleState } from './framework/cycle-state.ts';
import { FitError } from './framework/fit-error.ts';
import { Code, CODE_NAMES, type PluginFactory } from './framework/interface.ts';
import { newInTreeRegistry } from './framework/plugins/registry.ts';
import { newFramework, type Framework } from './framework/runtime/framework.ts';
import type { ClusterEventWithHint } from './framework/events.ts';
import { PodInfo, podKey, podRef, podUID, type QueuedPodInfo } from './framework/types.ts';
import { SchedulerMetrics } from './metrics/metrics.ts';
import { SchedulerCore, assumedPodOf, runPostFilter } from './schedule-one.ts';
import { newListerInformers, type ListerInformers } from './shared-listers.ts';

/** SchedulerOptions configure {@link startScheduler}. Every field is optional except a way to reach the apiserver. */
export interface SchedulerOptions {
  /** `--kubeconfig`: path of the kubeconfig (unless `client` is given). */
  kubeconfig?: string;
  /** A ready client (tests, `kubets up`). */
  client?: RestClient;
  /** `--config`: a KubeSchedulerConfiguration file. */
  configFile?: string;
  /** An already-parsed configuration (wins over `configFile`). */
  config?: KubeSchedulerConfiguration;
  /** `--leader-elect`: run the loop only while holding the `kube-system/kube-scheduler` Lease. */
  leaderElect?: boolean;
  /** Serve `/healthz` and `/metrics` over HTTPS here (`--secure-port`, upstream 10259; 0 = random port). Off when undefined. */
  securePort?: number;
  /** `--bind-address` for the serving port (default 127.0.0.1). */
  bindAddress?: string;
  /** Extra plugin factories (out-of-tree plugins), merged over the in-tree registry. */
  outOfTreeRegistry?: Map<string, PluginFactory>;
  /** List-watches to use instead of the API (benchmarks, unit tests). */
  listWatch?: { nodes: ListerWatcher<Node>; pods: ListerWatcher<Pod> };
  /** Event recorder (default: core/v1 Events through the client, client-go style `tools/record`). */
  recorder?: EventRecorder;
  /** Skip writing pod status (benchmarks without an apiserver). */
  skipPodStatusUpdates?: boolean;
  clock?: Clock;
  random?: () => number;
  signal?: AbortSignal;
  logger?: Logger;
  /** Leader-election identity (default `hostname_uuid`). */
  identity?: string;
}

/** RunningScheduler is a started scheduler. */
export interface RunningScheduler {
  scheduler: Scheduler;
  metrics: SchedulerMetrics;
  /** https://ADDR:PORT of /healthz and /metrics when serving. */
  url?: string;
  /** synced resolves once the informers have synced (or rejects when stopped first). */
  synced: Promise<void>;
  stop(): Promise<void>;
}

function parseDuration(s: string | undefined, fallback: number): number {
  if (!s) return fallback;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s.trim());
  if (!m) return fallback;
  const n = Number(m[1]);
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/**
 * PluginRejectionError is a Reserve/Permit rejection: an expected "does not fit" outcome that
 * requeues the pod on the rejecting plugin's events, like a FitError.
 */
export class PluginRejectionError extends Error {
  constructor(
    message: string,
    readonly plugin: string,
  ) {
    super(message);
    this.name = 'PluginRejectionError';
  }
}

/** SchedulerDeps are the collaborators of a {@link Scheduler}. */
export interface SchedulerDeps {
  client?: RestClient;
  profiles: Map<string, Framework>;
  cache: Cache;
  snapshot: Snapshot;
  queue: PriorityQueue;
  core: SchedulerCore;
  metrics: SchedulerMetrics;
  recorder?: EventRecorder;
  clock: Clock;
  logger: Logger;
  /** getPod returns the informer's latest version of a pod. */
  getPod: (namespace: string, name: string) => Pod | undefined;
  skipPodStatusUpdates?: boolean;
}

/**
 * Scheduler runs scheduling attempts one after another: {@link scheduleOne} pops a pod, runs
 * the scheduling cycle synchronously and starts the binding cycle without waiting for it.
 */
export class Scheduler {
  readonly profiles: Map<string, Framework>;
  readonly cache: Cache;
  readonly queue: PriorityQueue;
  readonly metrics: SchedulerMetrics;
  private readonly d: SchedulerDeps;
  private readonly bindings = new Set<Promise<void>>();

  constructor(d: SchedulerDeps) {
    this.d = d;
    this.profiles = d.profiles;
    this.cache = d.cache;
    this.queue = d.queue;
    this.metrics = d.metrics;
  }

  /** run loops over scheduleOne until the signal aborts, then waits for in-flight bindings. */
  async run(signal: AbortSignal): Promise<void> {
    this.queue.run(signal);
    while (!signal.aborted) {
      await this.scheduleOne(signal);
      // Let I/O (watch events, binding responses) in between attempts.
      await new Promise<void>((r) => setImmediate(r));
    }
    await this.waitForBindings();
  }

  /** waitForBindings resolves when every started binding cycle has finished. */
  async waitForBindings(): Promise<void> {
    while (this.bindings.size) await Promise.all([...this.bindings]);
  }

  /** scheduleOne does the whole scheduling workflow for one pod. */
  async scheduleOne(signal?: AbortSignal): Promise<void> {
    const qpi = await this.queue.pop(signal);
    if (!qpi) return;
    const pod = qpi.podInfo.pod;
    const fwk = this.profiles.get(pod.spec?.schedulerName ?? 'default-scheduler');
    if (!fwk) {
      this.d.logger.error({ pod: podKey(pod) }, 'Error occurred: no profile for scheduler name');
      this.queue.done(podUID(pod));
      return;
    }
    if (this.skipPodSchedule(pod)) {
      this.queue.done(podUID(pod));
      return;
    }
    const start = performance.now();
    const state = new CycleState();
    const algoStart = performance.now();
    const r = this.d.core.schedulePod(fwk, state, pod);
    this.metrics.schedulingAlgorithmDuration.observe((performance.now() - algoStart) / 1000);
    if (!r.ok) {
      let nominatedNodeName: string | undefined;
      if (r.error instanceof FitError) {
        try {
          const pf = await runPostFilter(fwk, state, pod, r.error, signal);
          nominatedNodeName = pf.nominatedNodeName;
        } catch (err) {
          this.d.logger.error({ err, pod: podKey(pod) }, 'Status after running PostFilter plugins for pod');
        }
      }
      this.handleSchedulingFailure(fwk, qpi, r.error, nominatedNodeName, start);
      return;
    }
    const host = r.value.suggestedHost;
    const assumed = assumedPodOf(pod, host);
    try {
      this.cache.assumePod(assumed);
    } catch (err) {
      this.handleSchedulingFailure(fwk, qpi, err as Error, undefined, start);
      return;
    }
    const reserve = fwk.runReservePluginsReserve(state, assumed, host);
    if (reserve) {
      fwk.runReservePluginsUnreserve(state, assumed, host);
      this.cache.forgetPod(assumed);
      this.handleSchedulingFailure(fwk, qpi, reserve.isRejected() ? new PluginRejectionError(reserve.message(), reserve.plugin) : reserve.asError()!, undefined, start);
      return;
    }
    const permit = fwk.runPermitPlugins(state, assumed, host);
    if (permit && !permit.isWait()) {
      fwk.runReservePluginsUnreserve(state, assumed, host);
      this.cache.forgetPod(assumed);
      this.handleSchedulingFailure(fwk, qpi, permit.isRejected() ? new PluginRejectionError(permit.message(), permit.plugin) : permit.asError()!, undefined, start);
      return;
    }
    const p = this.bindingCycle(fwk, state, qpi, assumed, host, start, signal).finally(() => this.bindings.delete(p));
    this.bindings.add(p);
  }

  /** bindingCycle waits on Permit, runs PreBind, Bind and PostBind; failures undo the assumption. */
  private async bindingCycle(fwk: Framework, state: CycleState, qpi: QueuedPodInfo, assumed: Pod, host: string, start: number, signal?: AbortSignal): Promise<void> {
    const undo = (err: Error): void => {
      fwk.runReservePluginsUnreserve(state, assumed, host);
      try {
        this.cache.forgetPod(assumed);
      } catch (e) {
        this.d.logger.error({ err: e, pod: podKey(assumed) }, 'scheduler cache ForgetPod failed');
      }
      // Freed resources may let other pods fit.
      this.queue.moveAllToActiveOrBackoffQueue({ resource: 'AssignedPod', actionType: 2, label: 'AssignedPodDelete' });
      this.handleSchedulingFailure(fwk, qpi, err, undefined, start);
    };
    const waitStatus = await fwk.waitOnPermit(assumed);
    if (waitStatus) return undo(waitStatus.isRejected() ? new PluginRejectionError(waitStatus.message(), waitStatus.plugin) : waitStatus.asError()!);
    const pre = await fwk.runPreBindPlugins(state, assumed, host, signal);
    if (pre) return undo(pre.asError()!);
    const bind = await fwk.runBindPlugins(state, assumed, host, signal);
    if (bind) return undo(bind.code === Code.Skip ? new Error('all bind plugins skipped') : bind.asError()!);
    this.cache.finishBinding(assumed);
    this.queue.deleteNominatedPodIfExists(assumed);
    const seconds = (performance.now() - start) / 1000;
    this.metrics.scheduleAttempts.inc({ result: 'scheduled', profile: fwk.profileName });
    this.metrics.schedulingAttemptDuration.observe({ result: 'scheduled', profile: fwk.profileName }, seconds);
    this.metrics.podSchedulingAttempts.observe(qpi.attempts);
    if (qpi.initialAttemptTimestamp !== undefined) {
      this.metrics.podSchedulingSLIDuration.observe({ attempts: String(qpi.attempts) }, Math.max(0, (this.d.clock.now() - qpi.timestamp) / 1000));
    }
    this.d.recorder?.event(podRef(assumed), 'Normal', 'Scheduled', `Successfully assigned ${assumed.metadata?.namespace}/${assumed.metadata?.name} to ${host}`);
    this.d.logger.debug({ pod: podKey(assumed), node: host, evaluatedNodes: undefined }, 'Successfully bound pod to node');
    fwk.runPostBindPlugins(state, assumed, host);
    this.queue.done(podUID(assumed));
  }

  /** skipPodSchedule skips pods being deleted and pods already assumed or bound. */
  private skipPodSchedule(pod: Pod): boolean {
    if (pod.metadata?.deletionTimestamp) return true;
    if (this.cache.isAssumedPod(pod)) return true;
    const latest = this.d.getPod(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    if (latest && assignedPod(latest)) return true;
    return false;
  }

  /**
   * handleSchedulingFailure records the failure (event, metrics, PodScheduled=False condition,
   * nominatedNodeName) and requeues the pod unless it was deleted or bound meanwhile.
   */
  handleSchedulingFailure(fwk: Framework, qpi: QueuedPodInfo, err: Error, nominatedNodeName: string | undefined, start: number): void {
    const pod = qpi.podInfo.pod;
    const isFit = err instanceof FitError;
    const rejectedBy = err instanceof PluginRejectionError ? err.plugin : undefined;
    const reason = isFit || rejectedBy ? 'Unschedulable' : 'SchedulerError';
    const result = reason === 'Unschedulable' ? 'unschedulable' : 'error';
    const seconds = (performance.now() - start) / 1000;
    this.metrics.scheduleAttempts.inc({ result, profile: fwk.profileName });
    this.metrics.schedulingAttemptDuration.observe({ result, profile: fwk.profileName }, seconds);
    if (isFit) {
      qpi.unschedulablePlugins = new Set(err.diagnosis.unschedulablePlugins);
      qpi.pendingPlugins = new Set(err.diagnosis.pendingPlugins);
      qpi.consecutiveErrorsCount = 0;
    } else if (rejectedBy) {
      qpi.unschedulablePlugins = new Set([rejectedBy]);
      qpi.pendingPlugins = new Set();
    } else {
      qpi.unschedulablePlugins = new Set();
      qpi.pendingPlugins = new Set();
      qpi.consecutiveErrorsCount++;
    }
    const msg = err.message;
    const latest = this.d.getPod(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    if (!latest || latest.metadata?.uid !== pod.metadata?.uid) {
      this.d.logger.info({ pod: podKey(pod) }, 'Pod does not exist in informer cache; not requeuing');
      this.queue.done(podUID(pod));
    } else if (assignedPod(latest)) {
      this.d.logger.info({ pod: podKey(pod), node: latest.spec?.nodeName }, 'Pod has been assigned to node. Abort adding it back to queue.');
      this.queue.done(podUID(pod));
    } else {
      qpi.podInfo = new PodInfo(latest);
      // Preemption nominated a node (or cleared it with ''); other pods must leave room there.
      if (nominatedNodeName !== undefined) this.queue.addNominatedPod(latest, nominatedNodeName);
      this.queue.addUnschedulableIfNotPresent(qpi);
    }
    if (isFit) this.d.logger.info({ pod: podKey(pod), err: msg }, 'Unable to schedule pod; no fit; waiting');
    else this.d.logger.error({ pod: podKey(pod), err: msg }, 'Error scheduling pod; retrying');
    this.d.recorder?.event(podRef(pod), 'Warning', 'FailedScheduling', msg);
    if (!this.d.skipPodStatusUpdates) void this.updatePodStatus(latest ?? pod, reason, msg, nominatedNodeName);
  }

  /** updatePodStatus patches PodScheduled=False (and nominatedNodeName) when they changed. */
  private async updatePodStatus(pod: Pod, reason: string, message: string, nominatedNodeName: string | undefined): Promise<void> {
    const client = this.d.client;
    if (!client) return;
    const old = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
    const nnnChanged = nominatedNodeName !== undefined && (pod.status?.nominatedNodeName ?? '') !== nominatedNodeName;
    if (old && old.status === 'False' && old.reason === reason && old.message === message && !nnnChanged) return;
    const now = new Date(this.d.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const condition = {
      type: 'PodScheduled',
      status: 'False',
      reason,
      message,
      lastProbeTime: null,
      lastTransitionTime: old && old.status === 'False' ? old.lastTransitionTime : now,
    };
    const status: Record<string, unknown> = { conditions: [condition] };
    if (nnnChanged) status.nominatedNodeName = nominatedNodeName || null;
    try {
      await client
        .resource('', 'v1', 'pods')
        .namespace(pod.metadata?.namespace ?? 'default')
        .patch(pod.metadata?.name ?? '', { status }, { subresource: 'status', type: 'strategic' });
    } catch (err) {
      this.d.logger.error({ err, pod: podKey(pod) }, 'Error updating pod');
    }
  }
}

/** unionEvents merges the plugin event registrations of every profile. */
function unionEvents(profiles: Iterable<Framework>): Map<string, ClusterEventWithHint[] | undefined> {
  const m = new Map<string, ClusterEventWithHint[] | undefined>();
  for (const f of profiles) for (const [k, v] of f.eventsToRegister()) if (!m.has(k)) m.set(k, v);
  return m;
}

/**
 * startScheduler builds and starts a scheduler. It resolves once the serving port (if any) is
 * listening; the informers sync and the loop starts in the background (`synced`).
 */
export async function startScheduler(opts: SchedulerOptions): Promise<RunningScheduler> {
  const clock = opts.clock ?? realClock;
  const logger = opts.logger ?? pino({ name: 'kube-scheduler' }, pino.destination(2));
  const cfgIn = opts.config ? decodeConfig({ apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', ...opts.config }) : opts.configFile ? loadConfigFile(opts.configFile) : {};
  const cfg = setDefaults(cfgIn);
  const kubeconfig = opts.kubeconfig ?? cfg.clientConnection?.kubeconfig;
  let client = opts.client;
  let ownsClient = false;
  if (!client && !opts.listWatch) {
    client = new RestClient({ ...loadKubeconfig(kubeconfig ? { path: kubeconfig } : {}), userAgent: 'kube-scheduler/kubets' });
    ownsClient = true;
  }
  const controller = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;

  const cache = new Cache();
  const snapshot = new Snapshot();
  const registry = new Map(newInTreeRegistry());
  for (const [k, v] of opts.outOfTreeRegistry ?? []) registry.set(k, v);
  let metricsRef: SchedulerMetrics | undefined;
  let queueRef: PriorityQueue | undefined;
  const extra: ListerInformers | undefined = client ? newListerInformers(client, clock, (event, oldObj, newObj) => queueRef?.moveAllToActiveOrBackoffQueue(event, oldObj, newObj)) : undefined;
  const pluginMetrics = {
    preemptionAttempt: () => metricsRef?.preemptionAttempts.inc(),
    preemptionVictims: (n: number) => metricsRef?.preemptionVictims.observe(n),
  };
  const profiles = new Map<string, Framework>();
  for (const p of cfg.profiles) {
    const name = p.schedulerName!;
    profiles.set(
      name,
      newFramework({
        profileName: name,
        registry,
        plugins: p.plugins!,
        pluginConfig: p.pluginConfig,
        percentageOfNodesToScore: p.percentageOfNodesToScore ?? cfg.percentageOfNodesToScore,
        snapshotSharedLister: () => snapshot,
        client,
        listers: extra?.listers,
        metrics: pluginMetrics,
        parallelism: cfg.parallelism,
        observe: (point, status, seconds) => metricsRef?.observeExtensionPoint(name, point, status ? CODE_NAMES[status.code] : 'Success', seconds),
      }),
    );
  }
  const first = profiles.values().next().value as Framework;
  const queue = new PriorityQueue({
    lessFn: first.queueSortFunc(),
    preEnqueue: (pod) => profiles.get(pod.spec?.schedulerName ?? '')?.runPreEnqueuePlugins(pod),
    eventsToRegister: unionEvents(profiles.values()),
    clock,
    podInitialBackoffMs: cfg.podInitialBackoffSeconds * 1000,
    podMaxBackoffMs: cfg.podMaxBackoffSeconds * 1000,
    onIncoming: (q, event) => metricsRef?.queueIncomingPods.inc({ queue: q, event }),
  });
  queueRef = queue;
  const metrics = new SchedulerMetrics({
    pending: () => queue.pendingPods(),
    unschedulable: () => queue.unschedulablePodsByPlugin(),
    cache: () => ({ nodes: cache.nodeCount(), pods: cache.podCount() }),
    processMetrics: opts.securePort !== undefined,
  });
  metricsRef = metrics;
  for (const f of profiles.values()) f.nominatedPodsForNode = (nodeName) => queue.nominatedPodsForNode(nodeName);

  const nodeLW = opts.listWatch?.nodes ?? newListWatchFromClient(client!.resource('', 'v1', 'nodes').as<Node>());
  const podLW = opts.listWatch?.pods ?? newListWatchFromClient(client!.resource('', 'v1', 'pods').as<Pod>(), { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' });
  const stripManagedFields = <T extends { metadata?: { managedFields?: unknown } }>(o: T): T => {
    if (o.metadata?.managedFields) delete o.metadata.managedFields;
    return o;
  };
  const nodeInformer: SharedIndexInformer<Node> = newSharedIndexInformer<Node>({ listWatch: nodeLW, objectType: 'Node', clock, transform: stripManagedFields });
  const podInformer: SharedIndexInformer<Pod> = newSharedIndexInformer<Pod>({ listWatch: podLW, objectType: 'Pod', clock, transform: stripManagedFields });
  let broadcaster: EventBroadcaster | undefined;
  let recorder = opts.recorder;
  if (!recorder && client) {
    broadcaster = newBroadcaster({ clock, logger });
    broadcaster.startRecordingToSink(newEventSink(client));
    recorder = broadcaster.newRecorder({ component: 'default-scheduler', host: hostname() });
  }
  for (const f of profiles.values()) f.eventRecorder = recorder;
  const core = new SchedulerCore({ cache, snapshot, percentageOfNodesToScore: cfg.percentageOfNodesToScore, random: opts.random });
  const scheduler = new Scheduler({
    client,
    profiles,
    cache,
    snapshot,
    queue,
    core,
    metrics,
    recorder,
    clock,
    logger,
    getPod: (ns, name) => podInformer.getStore().getByKey(`${ns}/${name}`),
    skipPodStatusUpdates: opts.skipPodStatusUpdates,
  });
  const deps = { cache, queue, responsibleForPod: (pod: Pod) => profiles.has(pod.spec?.schedulerName ?? 'default-scheduler') };
  nodeInformer.addEventHandler(nodeEventHandler(deps));
  podInformer.addEventHandler(podEventHandler(deps));

  const running: Promise<unknown>[] = [];
  running.push(nodeInformer.run(signal), podInformer.run(signal), ...(extra?.run(signal) ?? []));
  let synced = false;
  let leading = !(opts.leaderElect ?? false);
  const syncedP = waitForCacheSync(signal, [() => nodeInformer.hasSynced(), () => podInformer.hasSynced(), ...(extra?.syncFns ?? [])], clock).then((ok) => {
    if (!ok) throw new Error('scheduler stopped before the informers synced');
    synced = true;
  });
  syncedP.catch(() => {});

  const runLoop = async (loopSignal: AbortSignal): Promise<void> => {
    await syncedP;
    await scheduler.run(loopSignal);
  };
  if (opts.leaderElect ?? false) {
    if (!client) throw new Error('--leader-elect needs an API client');
    const le = cfg.leaderElection;
    const identity = opts.identity ?? `${hostname()}_${randomUUID()}`;
    const lock = new LeaseLock({
      namespace: le.resourceNamespace ?? 'kube-system',
      name: le.resourceName ?? 'kube-scheduler',
      client: client.resource('coordination.k8s.io', 'v1', 'leases') as never,
      identity,
    });
    const elector = newLeaderElector({
      lock,
      name: 'kube-scheduler',
      clock,
      releaseOnCancel: true,
      leaseDuration: parseDuration(le.leaseDuration, 15_000),
      renewDeadline: parseDuration(le.renewDeadline, 10_000),
      retryPeriod: parseDuration(le.retryPeriod, 2_000),
      callbacks: {
        onStartedLeading: async (s) => {
          leading = true;
          logger.info({ identity }, 'became leader');
          await runLoop(s).catch((err) => logger.error({ err: String(err) }, 'scheduling loop ended'));
        },
        onStoppedLeading: () => {
          leading = false;
          if (!signal.aborted) logger.error({ identity }, 'leaderelection lost');
        },
      },
    });
    running.push(elector.run(signal));
  } else {
    running.push(runLoop(signal).catch((err) => logger.error({ err: String(err) }, 'scheduling loop ended')));
  }

  let server: Server | undefined;
  let url: string | undefined;
  if (opts.securePort !== undefined) {
    const selfsigned = await import('selfsigned');
    const pems = await selfsigned.generate([{ name: 'commonName', value: `localhost@${Math.floor(clock.now() / 1000)}` }], {
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
    } as never);
    server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz' || path === '/livez' || path === '/readyz') {
        const ok = path !== '/readyz' || (synced && leading);
        res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(ok ? 'ok' : 'not ready');
        return;
      }
      if (path === '/metrics') {
        metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
            res.end(text);
          },
          (err) => {
            res.writeHead(500);
            res.end(String(err));
          },
        );
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('404 page not found\n');
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(opts.securePort, opts.bindAddress ?? '127.0.0.1', () => resolve());
    });
    const addr = server.address() as AddressInfo;
    url = `https://${opts.bindAddress ?? '127.0.0.1'}:${addr.port}`;
  }

  let stopped: Promise<void> | undefined;
  return {
    scheduler,
    metrics,
    url,
    synced: syncedP,
    stop() {
      stopped ??= (async () => {
        controller.abort();
        queue.close();
        await Promise.allSettled(running);
        await scheduler.waitForBindings();
        await broadcaster?.shutdown();
        if (server) await new Promise<void>((r) => server!.close(() => r()));
        if (ownsClient) client?.close();
      })();
      return stopped;
    },
  };
}

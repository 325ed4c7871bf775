/**
 * startControllerManager runs kube-controller-manager (upstream
 * `cmd/kube-controller-manager/app/controllermanager.go` `Run`): one REST client and one shared
 * informer factory for all controllers, the controllers selected by `--controllers`, each with
 * its `--concurrent-*-syncs` workers, optional leader election on the
 * `kube-system/kube-controller-manager` Lease, and an optional HTTP endpoint with `/healthz`
 * and `/metrics` (workqueue metrics under their upstream names).
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { loadKubeconfig, RestClient, type RestConfig } from '#impl/client/index.ts';
import { noopLogger, SharedInformerFactory, type Logger } from '#impl/client/tools/cache/index.ts';
import { defaultIdentity, LeaseLock, newLeaderElector } from '#impl/client/tools/leaderelection/index.ts';
import { prometheusMetricsProvider, realClock, setProvider, type Clock } from '#impl/client/util/workqueue/index.ts';
import { RESOURCES } from './controller-client.ts';
import type { Controller, ControllerContext, ControllerDescriptor } from './controller-context.ts';
import { CONTROLLER_DESCRIPTORS, selectControllers, workersFor } from './controller-descriptors.ts';
import { newDiscoveryClient } from '#impl/client/discovery/index.ts';
import { newBroadcaster, newEventSink } from '#impl/client/tools/record/index.ts';
import { ControllerClientBuilder } from './client-builder.ts';
import { errMessage } from './worker-loop.ts';

/** ControllerManagerOptions are the `kubets controller-manager` flags (upstream names) plus test hooks. */
export interface ControllerManagerOptions {
  /** `--kubeconfig` path (default `$KUBECONFIG` / `~/.kube/config`), unless `restConfig` is given. */
  kubeconfig?: string;
  /** Connection settings instead of a kubeconfig file. */
  restConfig?: RestConfig;
  /** `--controllers` (default `['*']`). */
  controllers?: string[];
  /** `--leader-elect` (default false here; upstream defaults to true). */
  leaderElect?: boolean;
  /** `--leader-elect-resource-namespace` / `--leader-elect-resource-name`. */
  leaderElectResourceNamespace?: string;
  leaderElectResourceName?: string;
  /** `--leader-elect-lease-duration`, `--leader-elect-renew-deadline`, `--leader-elect-retry-period` in ms. */
  leaderElectLeaseDuration?: number;
  leaderElectRenewDeadline?: number;
  leaderElectRetryPeriod?: number;
  /** `--concurrent-*-syncs` values keyed by flag name without dashes prefix, e.g. `concurrent-gc-syncs`. */
  concurrency?: Record<string, number>;
  /** `--root-ca-file`: CA bundle published in `kube-root-ca.crt` (default: the kubeconfig's CA). */
  rootCAFile?: string;
  /** Port for `/healthz` and `/metrics` over HTTP on `bindAddress` (0 = random; undefined = no server). */
  healthzPort?: number;
  /** Address for the health/metrics server (default 127.0.0.1). */
  bindAddress?: string;
  /** Namespace controller's wait after a namespace event (default upstream 5 s). */
  namespaceDeletionGracePeriodMs?: number;
  /** `--node-monitor-grace-period` in ms (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** `--terminated-pod-gc-threshold` (default 12500; 0 disables). */
  terminatedPodGCThreshold?: number;
  /** `--resource-quota-sync-period` in ms (default 5 m). */
  resourceQuotaSyncPeriodMs?: number;
  /** Directory of the local-path provisioner's volumes (default /var/lib/kubets/storage; '' = no provisioner). */
  localPathDir?: string;
  /**
   * `--use-service-account-credentials`: each controller runs as
   * `system:serviceaccount:kube-system:<its service account>` with a TokenRequest token,
   * refreshed before expiry (default false, as upstream; `kubets up` turns it on).
   */
  useServiceAccountCredentials?: boolean;
  /** `--cluster-signing-cert-file` / `--cluster-signing-key-file` (the CSR signer runs only with both). */
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  /** `--cluster-signing-duration` in ms (default 1 year). */
  clusterSigningDurationMs?: number;
  /** `--service-account-private-key-file` (the serviceaccount-token controller runs only with it). */
  serviceAccountPrivateKeyFile?: string;
  /** Informer resync period, ms (default 0 = none; upstream `--min-resync-period` 12 h). */
  resyncPeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** Aborting stops the controller-manager like `stop()`. */
  signal?: AbortSignal;
}

/** RunningControllerManager is a started controller-manager. */
export interface RunningControllerManager {
  /** Names of the controllers selected. */
  controllers: string[];
  /** `http://host:port` of the health/metrics server, if started. */
  healthzUrl?: string;
  /** Resolves once the controllers have been started (after leadership, with leader election). */
  started: Promise<void>;
  /** stop aborts every controller and informer and resolves when they have returned. */
  stop(): Promise<void>;
}

/** startControllerManager starts the controllers; see {@link ControllerManagerOptions}. */
export async function startControllerManager(opts: ControllerManagerOptions = {}): Promise<RunningControllerManager> {
  const clock = opts.clock ?? realClock;
  const logger = opts.logger ?? noopLogger;
  const selected = selectControllers(opts.controllers ?? ['*'], CONTROLLER_DESCRIPTORS);
  const cfg = opts.restConfig ?? loadKubeconfig({ path: opts.kubeconfig });
  const rest = new RestClient({ ...cfg, userAgent: cfg.userAgent ?? 'kube-controller-manager/kubets' });
  const rootCA = opts.rootCAFile ? readFileSync(opts.rootCAFile, 'utf8') : cfg.ca?.toString('utf8');

  const registry = new Registry();
  setProvider(prometheusMetricsProvider(registry));

  const ctrl = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, ctrl.signal]) : ctrl.signal;
  // Every informer, queue and controller listens on this signal.
  setMaxListeners(0, signal, ctrl.signal);
  // One broadcaster for every controller (upstream: each controller's own, same sink).
  const broadcaster = newBroadcaster({ clock, logger });
  const stopRecording = broadcaster.startRecordingToSink(newEventSink(rest));
  const factory = new SharedInformerFactory(rest, { clock, logger, dropManagedFields: true, defaultResync: opts.resyncPeriodMs ?? 0 });
  const running = new Set<Promise<void>>();
  let healthy = true;
  let leaderCheck: (() => void) | undefined;

  let server: Server | undefined;
  let healthzUrl: string | undefined;
  if (opts.healthzPort !== undefined) {
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz' || path === '/readyz' || path === '/livez') {
        let ok = healthy;
        let msg = 'ok';
        try {
          leaderCheck?.();
        } catch (err) {
          ok = false;
          msg = errMessage(err);
        }
        res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain' });
        res.end(ok ? 'ok' : msg);
      } else if (path === '/metrics') {
        void registry.metrics().then((text) => {
          res.writeHead(200, { 'Content-Type': registry.contentType });
          res.end(text);
        });
      } else {
        res.writeHead(404);
        res.end('not found');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(opts.healthzPort, opts.bindAddress ?? '127.0.0.1', () => resolve());
    });
    const addr = server.address() as AddressInfo;
    healthzUrl = `http://${opts.bindAddress ?? '127.0.0.1'}:${addr.port}`;
  }

  let resolveStarted!: () => void;
  const started = new Promise<void>((r) => (resolveStarted = r));

  const runControllers = async (runSignal: AbortSignal): Promise<void> => {
    setMaxListeners(0, runSignal);
    const ctx: ControllerContext = {
      client: rest,
      informers: factory,
      discovery: newDiscoveryClient(rest),
      clock,
      logger,
      recorderFor: (component) => broadcaster.newRecorder({ component }),
      rootCA,
      concurrency: opts.concurrency ?? {},
      namespaceDeletionGracePeriodMs: opts.namespaceDeletionGracePeriodMs,
      terminatedPodGCThreshold: opts.terminatedPodGCThreshold,
      nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs,
      resourceQuotaSyncPeriodMs: opts.resourceQuotaSyncPeriodMs,
      localPathDir: opts.localPathDir,
      clusterSigningCertFile: opts.clusterSigningCertFile,
      clusterSigningKeyFile: opts.clusterSigningKeyFile,
      clusterSigningDurationMs: opts.clusterSigningDurationMs,
      serviceAccountPrivateKeyFile: opts.serviceAccountPrivateKeyFile,
      startInformers: () => factory.start(runSignal),
    };
    const controllers: Array<{ d: ControllerDescriptor; c: Controller }> = [];
    const builder = opts.useServiceAccountCredentials ? new ControllerClientBuilder({ root: rest, config: cfg, clock, logger, signal: runSignal }) : undefined;
    if (builder) runSignal.addEventListener('abort', () => builder.close(), { once: true });
    for (const d of selected) {
      try {
        const client = builder && !d.rootClient ? await builder.clientFor(d.serviceAccountName) : rest;
        controllers.push({ d, c: await d.init({ ...ctx, client }) });
        logger.info({ controller: d.name }, 'Started controller');
      } catch (err) {
        logger.error({ controller: d.name, err: errMessage(err) }, 'Error starting controller');
      }
    }
    factory.start(runSignal);
    resolveStarted();
    await Promise.all(
      controllers.map(({ d, c }) =>
        c.run(runSignal, workersFor(d, opts.concurrency ?? {})).catch((err: unknown) => {
          healthy = false;
          logger.error({ controller: d.name, err: errMessage(err) }, 'controller stopped with an error');
        }),
      ),
    );
  };

  if (opts.leaderElect) {
    const identity = defaultIdentity();
    const elector = newLeaderElector({
      lock: new LeaseLock({
        namespace: opts.leaderElectResourceNamespace ?? 'kube-system',
        name: opts.leaderElectResourceName ?? 'kube-controller-manager',
        client: rest.resource(RESOURCES.leases.group, RESOURCES.leases.version, RESOURCES.leases.resource) as never,
        identity,
      }),
      leaseDuration: opts.leaderElectLeaseDuration,
      renewDeadline: opts.leaderElectRenewDeadline,
      retryPeriod: opts.leaderElectRetryPeriod,
      releaseOnCancel: true,
      name: 'kube-controller-manager',
      clock,
      logger,
      callbacks: {
        onStartedLeading: (s) => runControllers(s),
        onStoppedLeading: () => logger.info({ identity }, 'leaderelection lost'),
        onNewLeader: (id) => logger.info({ leader: id }, 'new leader elected'),
      },
    });
    leaderCheck = () => elector.check(20_000);
    const p = elector.run(signal);
    running.add(p);
  } else {
    running.add(runControllers(signal));
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      ctrl.abort();
      await Promise.allSettled([...running]);
      await factory.shutdown();
      stopRecording();
      await broadcaster.shutdown();
      resolveStarted();
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      rest.close();
    })();
    return stopping;
  };
  opts.signal?.addEventListener('abort', () => void stop(), { once: true });
  return { controllers: selected.map((d) => d.name), healthzUrl, started, stop };
}

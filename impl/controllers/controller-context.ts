/**
 * What every controller is given and what it gives back (upstream
 * `cmd/kube-controller-manager/app` `ControllerContext` and `controller.Interface`).
 */
import type { KubeObject } from '#impl/client/index.ts';
import type { GenericInformer, Logger } from '#impl/client/tools/cache/index.ts';
import type { Clock } from '#impl/client/util/workqueue/index.ts';
import type { ClientLike, GVR } from './controller-client.ts';
import type { DiscoveryInterface } from '#impl/client/discovery/index.ts';
import type { EventRecorder } from '#impl/client/tools/record/index.ts';

/** InformerSource hands out shared informers by resource (a `SharedInformerFactory` or a fake). */
export interface InformerSource {
  forResource<T extends KubeObject = KubeObject>(gvr: GVR): GenericInformer<T>;
}

/** ControllerContext is shared by every controller of one controller-manager. */
export interface ControllerContext {
  client: ClientLike;
  informers: InformerSource;
  discovery: DiscoveryInterface;
  clock: Clock;
  logger: Logger;
  /** recorderFor returns an event recorder reporting as `component` (e.g. `replicaset-controller`). */
  recorderFor(component: string): EventRecorder;
  /** PEM bundle published as `kube-root-ca.crt` (upstream `--root-ca-file`). */
  rootCA?: string;
  /** `--concurrent-*-syncs` values by controller name. */
  concurrency: Readonly<Record<string, number>>;
  /** Namespace controller: wait this long after a namespace event before syncing (upstream 5 s). */
  namespaceDeletionGracePeriodMs?: number;
  /** `--node-monitor-grace-period` in ms (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** `--terminated-pod-gc-threshold` (default 12500). */
  terminatedPodGCThreshold?: number;
  /** `--resource-quota-sync-period` in ms (default 5 m). */
  resourceQuotaSyncPeriodMs?: number;
  /** Directory of the local-path provisioner's volumes ('' turns the provisioner and its default StorageClass off). */
  localPathDir?: string;
  /** `--cluster-signing-cert-file` / `--cluster-signing-key-file`: the CA the CSR signer issues with. */
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  /** `--cluster-signing-duration` in ms (default 1 year). */
  clusterSigningDurationMs?: number;
  /** `--service-account-private-key-file`: the key legacy ServiceAccount token Secrets are signed with. */
  serviceAccountPrivateKeyFile?: string;
  /** Informers requested after the first start are started by this. */
  startInformers(): void;
}

/** Controller is a running unit: it waits for its caches, then runs its workers until `signal` aborts. */
export interface Controller {
  readonly name: string;
  run(signal: AbortSignal, workers: number): Promise<void>;
}

/** ControllerDescriptor names a controller, its aliases and how to build it (upstream `ControllerDescriptor`). */
export interface ControllerDescriptor {
  /** Upstream name, e.g. `namespace-controller`. */
  name: string;
  /**
   * The controller's service account in kube-system (upstream `ClientBuilder.ClientOrDie(name)`),
   * whose bootstrap role is `system:controller:<name>`; used with `--use-service-account-credentials`.
   */
  serviceAccountName: string;
  /** Runs with the controller-manager's own credentials even with service account credentials (upstream `rootClientBuilder`). */
  rootClient?: boolean;
  /** Older names accepted by `--controllers` (e.g. `namespace`). */
  aliases: string[];
  /** Default number of workers (overridden by `--concurrent-*-syncs`). */
  defaultWorkers: number;
  /** The `--concurrent-*-syncs` flag name that sets the workers, if any. */
  concurrencyFlag?: string;
  /** Off unless named explicitly in `--controllers`. */
  disabledByDefault?: boolean;
  init(ctx: ControllerContext): Controller | Promise<Controller>;
}

/**
 * KubeSchedulerConfiguration (`kubescheduler.config.k8s.io/v1`), the subset kubets reads:
 * leader election, parallelism, percentageOfNodesToScore, backoff, and profiles with their
 * plugin sets and plugin args. upstream: pkg/scheduler/apis/config/v1 (types live in
 * k8s.io/kube-scheduler/config/v1).
 */

/** Plugin enables or disables one plugin at an extension point; weight applies to Score. */
export interface PluginRef {
  name: string;
  weight?: number;
}

/** PluginSet lists plugins enabled and disabled at one extension point (`*` disables all defaults). */
export interface PluginSet {
  enabled?: PluginRef[];
  disabled?: PluginRef[];
}

/** EXTENSION_POINTS are the keys of {@link Plugins} besides multiPoint, in execution order. */
export const EXTENSION_POINTS = [
  'preEnqueue',
  'queueSort',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
] as const;

/** ExtensionPoint is one key of {@link EXTENSION_POINTS}. */
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number];

/** Plugins configures every extension point; multiPoint enables a plugin wherever it applies. */
export type Plugins = { multiPoint?: PluginSet } & { [K in ExtensionPoint]?: PluginSet };

/** PluginConfig carries one plugin's args. */
export interface PluginConfig {
  name: string;
  args?: Record<string, unknown>;
}

/** KubeSchedulerProfile is one scheduler name with its plugins. */
export interface KubeSchedulerProfile {
  schedulerName?: string;
  percentageOfNodesToScore?: number;
  plugins?: Plugins;
  pluginConfig?: PluginConfig[];
}

/** LeaderElectionConfiguration follows component-base (upstream field names). */
export interface LeaderElectionConfiguration {
  leaderElect?: boolean;
  leaseDuration?: string;
  renewDeadline?: string;
  retryPeriod?: string;
  resourceLock?: string;
  resourceName?: string;
  resourceNamespace?: string;
}

/** KubeSchedulerConfiguration is the scheduler's config file. */
export interface KubeSchedulerConfiguration {
  apiVersion?: string;
  kind?: string;
  parallelism?: number;
  leaderElection?: LeaderElectionConfiguration;
  clientConnection?: { kubeconfig?: string; qps?: number; burst?: number };
  percentageOfNodesToScore?: number;
  podInitialBackoffSeconds?: number;
  podMaxBackoffSeconds?: number;
  profiles?: KubeSchedulerProfile[];
}

/** DEFAULT_SCHEDULER_NAME is the `spec.schedulerName` pods get by default. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** API_VERSION is the config group-version. */
export const API_VERSION = 'kubescheduler.config.k8s.io/v1';

/**
 * Defaults for KubeSchedulerConfiguration v1 (upstream `apis/config/v1/defaults.go` and
 * `default_plugins.go`): the default plugin set (MultiPoint with score weights), merging a
 * profile's plugin sets into it, and the scalar defaults.
 */
import * as names from '../../framework/plugins/names/names.ts';
import {
  API_VERSION,
  DEFAULT_SCHEDULER_NAME,
  EXTENSION_POINTS,
  type KubeSchedulerConfiguration,
  type KubeSchedulerProfile,
  type PluginRef,
  type PluginSet,
  type Plugins,
} from './types.ts';

/**
 * getDefaultPlugins returns the default MultiPoint set, in upstream order, restricted to the
 * plugins kubets implements. Weights: TaintToleration 3, NodeAffinity 2, PodTopologySpread 2,
 * InterPodAffinity 2, the rest 1.
 */
export function getDefaultPlugins(): Plugins {
  return {
    multiPoint: {
      enabled: [
        { name: names.SchedulingGates },
        { name: names.PrioritySort },
        { name: names.NodeUnschedulable },
        { name: names.NodeName },
        { name: names.TaintToleration, weight: 3 },
        { name: names.NodeAffinity, weight: 2 },
        { name: names.NodePorts },
        { name: names.NodeResourcesFit, weight: 1 },
        { name: names.VolumeRestrictions },
        { name: names.NodeVolumeLimits },
        { name: names.VolumeBinding },
        { name: names.VolumeZone },
        { name: names.PodTopologySpread, weight: 2 },
        { name: names.InterPodAffinity, weight: 2 },
        { name: names.DefaultPreemption },
        { name: names.NodeResourcesBalancedAllocation, weight: 1 },
        { name: names.ImageLocality, weight: 1 },
        { name: names.DefaultBinder },
      ],
    },
  };
}

/**
 * mergePluginSet merges a custom set into a default one (upstream `mergePluginSet`): defaults
 * stay in order unless disabled (by name or `*`); a custom entry that names a default replaces
 * it in place (taking its weight); other custom entries are appended.
 */
export function mergePluginSet(defaults: PluginSet | undefined, custom: PluginSet | undefined): PluginSet {
  const disabled = new Set((custom?.disabled ?? []).map((p) => p.name));
  const customEnabled = new Map((custom?.enabled ?? []).map((p) => [p.name, p] as const));
  const enabled: PluginRef[] = [];
  const replaced = new Set<string>();
  if (!disabled.has('*')) {
    for (const p of defaults?.enabled ?? []) {
      if (disabled.has(p.name)) continue;
      const c = customEnabled.get(p.name);
      if (c) {
        enabled.push(c);
        replaced.add(p.name);
      } else enabled.push(p);
    }
  }
  for (const p of custom?.enabled ?? []) if (!replaced.has(p.name)) enabled.push(p);
  return { enabled, disabled: [...(custom?.disabled ?? [])] };
}

/** mergePlugins merges every extension point of a profile into the defaults. */
export function mergePlugins(defaults: Plugins, custom: Plugins | undefined): Plugins {
  const out: Plugins = { multiPoint: mergePluginSet(defaults.multiPoint, custom?.multiPoint) };
  for (const ep of EXTENSION_POINTS) {
    if (defaults[ep] || custom?.[ep]) out[ep] = mergePluginSet(defaults[ep], custom?.[ep]);
  }
  return out;
}

/** setDefaults fills a configuration with upstream defaults (a copy is returned). */
export function setDefaults(cfg: KubeSchedulerConfiguration = {}): Required<Pick<KubeSchedulerConfiguration, 'parallelism' | 'podInitialBackoffSeconds' | 'podMaxBackoffSeconds' | 'profiles' | 'leaderElection'>> & KubeSchedulerConfiguration {
  const profiles: KubeSchedulerProfile[] = (cfg.profiles?.length ? cfg.profiles : [{}]).map((p) => ({
    ...p,
    schedulerName: p.schedulerName || DEFAULT_SCHEDULER_NAME,
    plugins: mergePlugins(getDefaultPlugins(), p.plugins),
    pluginConfig: p.pluginConfig ?? [],
  }));
  return {
    ...cfg,
    apiVersion: cfg.apiVersion ?? API_VERSION,
    kind: cfg.kind ?? 'KubeSchedulerConfiguration',
    parallelism: cfg.parallelism ?? 16,
    percentageOfNodesToScore: cfg.percentageOfNodesToScore ?? 0,
    podInitialBackoffSeconds: cfg.podInitialBackoffSeconds ?? 1,
    podMaxBackoffSeconds: cfg.podMaxBackoffSeconds ?? 10,
    leaderElection: {
      leaderElect: true,
      leaseDuration: '15s',
      renewDeadline: '10s',
      retryPeriod: '2s',
      resourceLock: 'leases',
      resourceName: 'kube-scheduler',
      resourceNamespace: 'kube-system',
      ...cfg.leaderElection,
    },
    profiles,
  };
}

/**
 * Public surface of `impl/scheduler`: start a kube-scheduler, plus the framework pieces that
 * out-of-tree plugins, `kubets up` and the benchmark reuse.
 */
export { startScheduler, Scheduler, PluginRejectionError, type SchedulerOptions, type RunningScheduler } from './scheduler.ts';
export * from './framework/interface.ts';
export { CycleState, type StateData } from './framework/cycle-state.ts';
export { ActionType, EVENTS, QueueingHint, type ClusterEvent, type ClusterEventWithHint } from './framework/events.ts';
export { NodeInfo, PodInfo, Resource, computePodResourceRequest, type QueuedPodInfo } from './framework/types.ts';
export { FitError } from './framework/fit-error.ts';
export { newFramework, Framework, type FrameworkOptions } from './framework/runtime/framework.ts';
export { newInTreeRegistry } from './framework/plugins/registry.ts';
export * as names from './framework/plugins/names/names.ts';
export { PriorityQueue, type SchedulingQueueOptions } from './backend/queue/scheduling-queue.ts';
export { Cache } from './backend/cache/cache.ts';
export { Snapshot } from './backend/cache/snapshot.ts';
export { SchedulerCore, numFeasibleNodesToFind } from './schedule-one.ts';
export { setDefaults, getDefaultPlugins } from './apis/config/defaults.ts';
export { loadConfigFile } from './apis/config/load.ts';
export type { KubeSchedulerConfiguration, KubeSchedulerProfile } from './apis/config/types.ts';
export { SchedulerMetrics } from './metrics/metrics.ts';
export { podRef } from './framework/types.ts';

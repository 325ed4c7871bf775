/**
 * NodeResourcesFit checks that a node has enough allocatable resources for the pod's requests
 * (the init-container rule and pod overhead included, see `computePodResourceRequest`), and
 * scores nodes by a configurable strategy: LeastAllocated (default), MostAllocated or
 * RequestedToCapacityRatio.
 * upstream: pkg/scheduler/framework/plugins/noderesources/fit.go
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { CycleState, StateData } from '../../cycle-state.ts';
import { ActionType, type ClusterEventWithHint } from '../../events.ts';
import {
  asStatus,
  unschedulable,
  type EnqueueExtensions,
  type FilterPlugin,
  type PluginFactory,
  type PreFilterOutcome,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  type PreFilterExtensions,
} from '../../interface.ts';
import { PodInfo, podInfoFor, isScalarResourceName, type NodeInfo, type Resource } from '../../types.ts';
import * as names from '../names/names.ts';
import { LEAST_ALLOCATED, leastResourceScorer } from './least-allocated.ts';
import { MOST_ALLOCATED, mostResourceScorer } from './most-allocated.ts';
import { REQUESTED_TO_CAPACITY_RATIO, requestedToCapacityRatioScorer, type UtilizationShapePoint } from './requested-to-capacity-ratio.ts';
import { DEFAULT_RESOURCES, ResourceAllocationScorer, type ResourceSpec } from './resource-allocation.ts';

/** FIT_NAME is the plugin name used in configuration and events. */
export const FIT_NAME = names.NodeResourcesFit;
/** PRE_FILTER_STATE_KEY is where PreFilter leaves the pod's computed requests. */
export const PRE_FILTER_STATE_KEY = 'PreFilter' + FIT_NAME;
/** PRE_SCORE_STATE_KEY is where PreScore leaves the pod's requests for scoring. */
export const PRE_SCORE_STATE_KEY = 'PreScore' + FIT_NAME;

/** ScoringStrategyType is one of the three strategies. */
export type ScoringStrategyType = typeof LEAST_ALLOCATED | typeof MOST_ALLOCATED | typeof REQUESTED_TO_CAPACITY_RATIO;

/** NodeResourcesFitArgs are the plugin args (kubescheduler.config.k8s.io/v1). */
export interface NodeResourcesFitArgs {
  ignoredResources?: string[];
  ignoredResourceGroups?: string[];
  scoringStrategy?: {
    type?: ScoringStrategyType;
    resources?: ResourceSpec[];
    requestedToCapacityRatio?: { shape?: UtilizationShapePoint[] };
  };
}

/** preFilterState is the pod's requests, computed once per cycle. */
class PreFilterState implements StateData {
  constructor(readonly podInfo: PodInfo) {}
  clone(): StateData {
    return this;
  }
}

/** InsufficientResource describes one resource the node lacks. */
export interface InsufficientResource {
  resourceName: string;
  /** reason is the user-facing reason, e.g. "Insufficient cpu". */
  reason: string;
  requested: number;
  used: number;
  capacity: number;
}

/**
 * fitsRequest lists the resources the node lacks for a pod with `podRequest`: "Too many pods"
 * first, then cpu, memory, ephemeral-storage and scalar resources (sorted). An empty list
 * means the pod fits. Resources named in `ignoredResources` or whose group prefix is in
 * `ignoredResourceGroups` are not checked.
 */
export function fitsRequest(
  podRequest: Resource,
  nodeInfo: NodeInfo,
  ignoredExtendedResources: ReadonlySet<string> = new Set(),
  ignoredResourceGroups: ReadonlySet<string> = new Set(),
): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const allowedPodNumber = nodeInfo.allocatable.allowedPodNumber;
  if (nodeInfo.pods.length + 1 > allowedPodNumber) {
    out.push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: nodeInfo.pods.length, capacity: allowedPodNumber });
  }
  if (podRequest.isZero()) return out;
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  if (podRequest.milliCPU > 0 && podRequest.milliCPU > alloc.milliCPU - used.milliCPU) {
    out.push({ resourceName: 'cpu', reason: 'Insufficient cpu', requested: podRequest.milliCPU, used: used.milliCPU, capacity: alloc.milliCPU });
  }
  if (podRequest.memory > 0 && podRequest.memory > alloc.memory - used.memory) {
    out.push({ resourceName: 'memory', reason: 'Insufficient memory', requested: podRequest.memory, used: used.memory, capacity: alloc.memory });
  }
  if (podRequest.ephemeralStorage > 0 && podRequest.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({
      resourceName: 'ephemeral-storage',
      reason: 'Insufficient ephemeral-storage',
      requested: podRequest.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: alloc.ephemeralStorage,
    });
  }
  if (podRequest.scalarResources) {
    for (const name of [...podRequest.scalarResources.keys()].sort()) {
      const want = podRequest.scalarResources.get(name)!;
      if (want <= 0 || !isScalarResourceName(name)) continue;
      if (ignoredExtendedResources.has(name)) continue;
      const slash = name.indexOf('/');
      if (slash >= 0 && ignoredResourceGroups.has(name.slice(0, slash))) continue;
      if (want > alloc.scalar(name) - used.scalar(name)) {
        out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: want, used: used.scalar(name), capacity: alloc.scalar(name) });
      }
    }
  }
  return out;
}

/** fits reports whether the pod fits the node (upstream `Fits`). */
export function fits(pod: Pod, nodeInfo: NodeInfo): boolean {
  return fitsRequest(podInfoFor(pod).requests, nodeInfo).length === 0;
}

/** Fit is the plugin instance; it carries its args and the scoring strategy. */
export class Fit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = FIT_NAME;
  private readonly ignoredResources: ReadonlySet<string>;
  private readonly ignoredResourceGroups: ReadonlySet<string>;
  /** scorer is the configured strategy. */
  readonly scorer: ResourceAllocationScorer;

  constructor(args: NodeResourcesFitArgs = {}) {
    this.ignoredResources = new Set(args.ignoredResources ?? []);
    this.ignoredResourceGroups = new Set(args.ignoredResourceGroups ?? []);
    const strategy = args.scoringStrategy?.type ?? LEAST_ALLOCATED;
    const resources = args.scoringStrategy?.resources?.length ? args.scoringStrategy.resources : DEFAULT_RESOURCES;
    switch (strategy) {
      case LEAST_ALLOCATED:
        this.scorer = new ResourceAllocationScorer(LEAST_ALLOCATED, leastResourceScorer(resources), resources, false);
        break;
      case MOST_ALLOCATED:
        this.scorer = new ResourceAllocationScorer(MOST_ALLOCATED, mostResourceScorer(resources), resources, false);
        break;
      case REQUESTED_TO_CAPACITY_RATIO: {
        const shape = args.scoringStrategy?.requestedToCapacityRatio?.shape ?? [
          { utilization: 0, score: 10 },
          { utilization: 100, score: 0 },
        ];
        this.scorer = new ResourceAllocationScorer(REQUESTED_TO_CAPACITY_RATIO, requestedToCapacityRatioScorer(resources, shape), resources, false);
        break;
      }
      default:
        throw new Error(`scoring strategy ${String(strategy)} is not supported`);
    }
  }

  /** preFilter computes the pod's requests once. */
  preFilter(state: CycleState, pod: Pod): PreFilterOutcome {
    state.write(PRE_FILTER_STATE_KEY, new PreFilterState(podInfoFor(pod)));
    return undefined;
  }

  /** preFilterExtensions: the state depends on the pod only, so nothing to update. */
  preFilterExtensions(): PreFilterExtensions | undefined {
    return undefined;
  }

  /** filter rejects the node with one reason per missing resource ("Insufficient cpu"). */
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    const podInfo = s ? s.podInfo : podInfoFor(pod);
    const insufficient = fitsRequest(podInfo.requests, nodeInfo, this.ignoredResources, this.ignoredResourceGroups);
    if (insufficient.length === 0) return undefined;
    return unschedulable(...insufficient.map((r) => r.reason));
  }

  /** preScore keeps the pod's requests for Score. */
  preScore(state: CycleState, pod: Pod): Status | undefined {
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    state.write(PRE_SCORE_STATE_KEY, s ?? new PreFilterState(podInfoFor(pod)));
    return undefined;
  }

  /** score runs the strategy for the node with the pod added. */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    if (!nodeInfo.node) return asStatus(new Error('node not found'));
    const s = state.read<PreFilterState>(PRE_SCORE_STATE_KEY);
    const pi = s ? s.podInfo : podInfoFor(pod);
    return this.scorer.score(nodeInfo, pi.requests, pi.nonZeroRequests);
  }

  /** eventsToRegister: resources are freed by deleted or scaled-down pods, or added by nodes. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'Pod', actionType: ActionType.Delete | ActionType.UpdatePodScaleDown } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeAllocatable | ActionType.UpdateNodeTaint | ActionType.UpdateNodeLabel } },
    ];
  }
}

/** newFit builds the plugin from {@link NodeResourcesFitArgs}. */
export const newFit: PluginFactory = (args) => new Fit((args ?? {}) as NodeResourcesFitArgs);

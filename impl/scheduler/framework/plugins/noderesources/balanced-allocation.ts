/**
 * NodeResourcesBalancedAllocation favours nodes whose resource fractions (requested /
 * allocatable, pod included) are close to each other, so no dimension runs out first.
 * upstream: pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { CycleState, StateData } from '../../cycle-state.ts';
import { Code, MaxNodeScore, newStatus, type PluginFactory, type PreScorePlugin, type ScorePlugin, type Status } from '../../interface.ts';
import { PodInfo, podInfoFor, type NodeInfo } from '../../types.ts';
import * as names from '../names/names.ts';
import { DEFAULT_RESOURCES, ResourceAllocationScorer, type ResourceSpec } from './resource-allocation.ts';

/** BALANCED_ALLOCATION_NAME is the plugin name used in configuration. */
export const BALANCED_ALLOCATION_NAME = names.NodeResourcesBalancedAllocation;
/** PRE_SCORE_STATE_KEY is where PreScore leaves the pod's requests. */
export const PRE_SCORE_STATE_KEY = 'PreScore' + BALANCED_ALLOCATION_NAME;

/** NodeResourcesBalancedAllocationArgs are the plugin args. */
export interface NodeResourcesBalancedAllocationArgs {
  resources?: ResourceSpec[];
}

class PreScoreState implements StateData {
  constructor(readonly podInfo: PodInfo) {}
  clone(): StateData {
    return this;
  }
}

/**
 * balancedResourceScorer is `(1 - std) * 100` where std is the standard deviation of the
 * fractions (each capped at 1); with two resources std is `|f1 - f2| / 2`.
 */
export function balancedResourceScorer(requested: number[], allocatable: number[]): number {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(1, requested[i]! / allocatable[i]!);
    total += f;
    fractions.push(f);
  }
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  else if (fractions.length > 2) {
    const mean = total / fractions.length;
    let sum = 0;
    for (const f of fractions) sum += (f - mean) * (f - mean);
    std = Math.sqrt(sum / fractions.length);
  }
  return Math.trunc((1 - std) * MaxNodeScore);
}

/** BalancedAllocation is the plugin instance. */
export class BalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = BALANCED_ALLOCATION_NAME;
  readonly scorer: ResourceAllocationScorer;

  constructor(args: NodeResourcesBalancedAllocationArgs = {}) {
    const resources = args.resources?.length ? args.resources : DEFAULT_RESOURCES;
    this.scorer = new ResourceAllocationScorer(BALANCED_ALLOCATION_NAME, balancedResourceScorer, resources, true);
  }

  /** preScore computes the pod's requests; Skip for a pod that requests none of the resources. */
  preScore(state: CycleState, pod: Pod): Status | undefined {
    const pi = podInfoFor(pod);
    if (this.scorer.resources.every((r) => pi.requests.get(r.name) === 0)) return newStatus(Code.Skip);
    state.write(PRE_SCORE_STATE_KEY, new PreScoreState(pi));
    return undefined;
  }

  /** score is {@link balancedResourceScorer} over the configured resources. */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
    const pi = s ? s.podInfo : podInfoFor(pod);
    return this.scorer.score(nodeInfo, pi.requests, pi.nonZeroRequests);
  }
}

/** newBalancedAllocation builds the plugin. */
export const newBalancedAllocation: PluginFactory = (args) => new BalancedAllocation((args ?? {}) as NodeResourcesBalancedAllocationArgs);

import { MaxNodeScore } from '../../interface.ts';
import type { ResourceSpec, Scorer } from './resource-allocation.ts';

/** LEAST_ALLOCATED is the strategy name used in `scoringStrategy.type`. */
export const LEAST_ALLOCATED = 'LeastAllocated';

/** leastRequestedScore is `(capacity - requested) * 100 / capacity`, 0 when over capacity. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MaxNodeScore) / capacity);
}

/**
 * leastResourceScorer favours nodes with fewer requested resources: the weighted mean of
 * {@link leastRequestedScore} over resources the node has. upstream: least_allocated.go
 */
export function leastResourceScorer(resources: readonly ResourceSpec[]): Scorer {
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const w = resources[i]!.weight;
      nodeScore += leastRequestedScore(requested[i]!, allocatable[i]!) * w;
      weightSum += w;
    }
    return weightSum === 0 ? 0 : Math.trunc(nodeScore / weightSum);
  };
}

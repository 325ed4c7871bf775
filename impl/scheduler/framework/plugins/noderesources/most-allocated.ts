import { MaxNodeScore } from '../../interface.ts';
import type { ResourceSpec, Scorer } from './resource-allocation.ts';

/** MOST_ALLOCATED is the strategy name used in `scoringStrategy.type`. */
export const MOST_ALLOCATED = 'MostAllocated';

/** mostRequestedScore is `requested * 100 / capacity`, with requested capped at capacity. */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  const r = requested > capacity ? capacity : requested;
  return Math.trunc((r * MaxNodeScore) / capacity);
}

/**
 * mostResourceScorer favours nodes with more requested resources (bin packing): the weighted
 * mean of {@link mostRequestedScore}. upstream: most_allocated.go
 */
export function mostResourceScorer(resources: readonly ResourceSpec[]): Scorer {
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const w = resources[i]!.weight;
      nodeScore += mostRequestedScore(requested[i]!, allocatable[i]!) * w;
      weightSum += w;
    }
    return weightSum === 0 ? 0 : Math.trunc(nodeScore / weightSum);
  };
}

import { MaxNodeScore } from '../../interface.ts';
import type { ResourceSpec, Scorer } from './resource-allocation.ts';

/** REQUESTED_TO_CAPACITY_RATIO is the strategy name used in `scoringStrategy.type`. */
export const REQUESTED_TO_CAPACITY_RATIO = 'RequestedToCapacityRatio';
/** MAX_CUSTOM_PRIORITY_SCORE is the top of the shape's score axis in config (0..10). */
export const MAX_CUSTOM_PRIORITY_SCORE = 10;
/** MAX_UTILIZATION is the top of the shape's utilization axis (percent). */
export const MAX_UTILIZATION = 100;

/** UtilizationShapePoint is one point of the shape: utilization (0..100) -> score (0..10). */
export interface UtilizationShapePoint {
  utilization: number;
  score: number;
}

/**
 * buildBrokenLinearFunction interpolates between the shape points (sorted by utilization),
 * flat before the first and after the last. upstream: helper.BuildBrokenLinearFunction
 */
export function buildBrokenLinearFunction(shape: readonly UtilizationShapePoint[]): (p: number) => number {
  return (p) => {
    for (let i = 0; i < shape.length; i++) {
      if (p <= shape[i]!.utilization) {
        if (i === 0) return shape[0]!.score;
        const a = shape[i - 1]!;
        const b = shape[i]!;
        return a.score + Math.trunc(((b.score - a.score) * (p - a.utilization)) / (b.utilization - a.utilization));
      }
    }
    return shape[shape.length - 1]!.score;
  };
}

/**
 * requestedToCapacityRatioScorer scores by a user-defined shape over utilization, averaged with
 * weights over resources. Config scores (0..10) are scaled to 0..100.
 * upstream: requested_to_capacity_ratio.go
 */
export function requestedToCapacityRatioScorer(resources: readonly ResourceSpec[], shape: readonly UtilizationShapePoint[]): Scorer {
  const scaled = shape.map((p) => ({ utilization: p.utilization, score: p.score * (MaxNodeScore / MAX_CUSTOM_PRIORITY_SCORE) }));
  const rawScoringFunction = buildBrokenLinearFunction(scaled);
  const resourceScoringFunction = (requested: number, capacity: number): number => {
    if (capacity === 0 || requested > capacity) return rawScoringFunction(MAX_UTILIZATION);
    return rawScoringFunction(Math.trunc((requested * MAX_UTILIZATION) / capacity));
  };
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const w = resources[i]!.weight;
      const resourceScore = resourceScoringFunction(requested[i]!, allocatable[i]!);
      if (resourceScore > 0) {
        nodeScore += resourceScore * w;
        weightSum += w;
      }
    }
    return weightSum === 0 ? 0 : Math.round(nodeScore / weightSum);
  };
}

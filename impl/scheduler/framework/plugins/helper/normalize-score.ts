import { MaxNodeScore, type NodeScore } from '../../interface.ts';

/**
 * defaultNormalizeScore scales scores to [0, maxPriority] relative to the highest one, and
 * reverses them when `reverse` (upstream `helper.DefaultNormalizeScore`). When every score is
 * 0, reverse makes them all maxPriority.
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): void {
  let maxCount = 0;
  for (const s of scores) if (s.score > maxCount) maxCount = s.score;
  if (maxCount === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return;
  }
  for (const s of scores) {
    let score = Math.trunc((maxPriority * s.score) / maxCount);
    if (reverse) score = maxPriority - score;
    s.score = score;
  }
}

/** MAX_NODE_SCORE re-exports {@link MaxNodeScore} for plugins that import helpers only. */
export const MAX_NODE_SCORE = MaxNodeScore;

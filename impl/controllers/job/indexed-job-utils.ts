/**
 * Indexed Jobs (upstream `pkg/controller/job/indexed_job_utils.go`): the completion index of a
 * pod, the compressed `completedIndexes` format (`1,3-5,7`), and the indexes still to run.
 */
import type { KubeObject } from '#impl/client/index.ts';

/** JOB_COMPLETION_INDEX_ANNOTATION carries a pod's index (also set as a label). */
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

/** getCompletionIndex reads a pod's index, or undefined. */
export function getCompletionIndex(pod: KubeObject): number | undefined {
  const v = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] ?? pod.metadata?.labels?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** parseIndexes reads `1,3-5` into a set. */
export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    if (b === undefined) out.add(a!);
    else for (let i = a!; i <= b; i++) out.add(i);
  }
  return out;
}

/** formatIndexes renders a set of indexes as `1,3-5` (ascending, ranges of 3+ compressed like upstream). */
export function formatIndexes(set: Iterable<number>): string {
  const xs = [...new Set(set)].sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    if (j === i) parts.push(String(xs[i]));
    else if (j === i + 1) parts.push(`${xs[i]},${xs[j]}`);
    else parts.push(`${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

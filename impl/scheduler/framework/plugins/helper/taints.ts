/**
 * Taint and toleration matching (upstream `k8s.io/component-helpers/scheduling/corev1`
 * `ToleratesTaint` / `FindMatchingUntoleratedTaint`).
 */
import type { Taint, Toleration } from '#generated/k8s/index.ts';

/**
 * toleratesTaint reports whether a toleration tolerates a taint: the effect matches (empty
 * toleration effect matches all), the key matches (empty key with Exists matches all keys),
 * and the operator is Exists or Equal (default) with an equal value.
 */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/** tolerationsTolerateTaint reports whether any toleration tolerates the taint. */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/**
 * findMatchingUntoleratedTaint returns the first taint that passes `filter` and is not
 * tolerated, or undefined.
 */
export function findMatchingUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  filter: (t: Taint) => boolean,
): Taint | undefined {
  for (const taint of taints ?? []) {
    if (!filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/**
 * DefaultTolerationSeconds: pods tolerate `node.kubernetes.io/not-ready` and
 * `node.kubernetes.io/unreachable` NoExecute taints for 300 s unless they say otherwise.
 *
 * upstream: plugin/pkg/admission/defaulttolerationseconds/admission.go
 */
import type { Pod, Toleration } from '#generated/k8s/index.ts';
import { handlesOps, isResource, type AdmissionAttributes, type MutatingPlugin } from '../../interfaces.ts';

export const DEFAULT_TOLERATION_SECONDS_NAME = 'DefaultTolerationSeconds';
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

/** newDefaultTolerationSeconds builds the plugin (`--default-not-ready-toleration-seconds`, `--default-unreachable-toleration-seconds`, both 300). */
export function newDefaultTolerationSeconds(opts: { notReadySeconds?: number; unreachableSeconds?: number } = {}) {
  const notReady = opts.notReadySeconds ?? 300;
  const unreachable = opts.unreachableSeconds ?? 300;
  return {
    name: DEFAULT_TOLERATION_SECONDS_NAME,
    handles: handlesOps('CREATE'),
    admit(a: AdmissionAttributes): void {
      if (!isResource(a, '', 'pods')) return;
      const pod = a.object as Pod | undefined;
      if (!pod?.spec) return;
      pod.spec.tolerations = addDefaultTolerations(pod.spec.tolerations ?? [], notReady, unreachable);
    },
  } satisfies MutatingPlugin;
}

/** tolerates is upstream's check: same key (or empty key) and NoExecute (or empty) effect. */
function tolerates(list: readonly Toleration[], key: string): boolean {
  return list.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
}

/** addDefaultTolerations returns `list` plus the two default tolerations it lacks. */
export function addDefaultTolerations(list: readonly Toleration[], notReadySeconds: number, unreachableSeconds: number): Toleration[] {
  const out = [...list];
  if (!tolerates(list, TAINT_NODE_NOT_READY)) out.push({ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: notReadySeconds });
  if (!tolerates(list, TAINT_NODE_UNREACHABLE)) out.push({ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: unreachableSeconds });
  return out;
}

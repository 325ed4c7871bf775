/**
 * RuntimeClass: a pod naming `spec.runtimeClassName` must name an existing RuntimeClass; the
 * class's `overhead.podFixed` becomes the pod's `spec.overhead`, and its `scheduling` node
 * selector and tolerations are merged into the pod.
 *
 * upstream: plugin/pkg/admission/runtimeclass/admission.go (Admit, Validate, setOverhead,
 * setScheduling)
 */
import type { Pod, RuntimeClass, Toleration } from '#generated/k8s/index.ts';
import { admissionForbidden, handlesOps, isResource, type AdmissionAttributes, type MutatingPlugin, type ValidatingPlugin } from '../../interfaces.ts';

export const RUNTIME_CLASS_NAME = 'RuntimeClass';

/** RuntimeClassOptions gives the plugin its RuntimeClass lookup (a lister with a live fallback). */
export interface RuntimeClassOptions {
  getRuntimeClass(name: string): RuntimeClass | undefined | Promise<RuntimeClass | undefined>;
}

const sameOverhead = (a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean => {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && String(a![k]) === String(b![k]));
};

const tolerationKey = (t: Toleration) => `${t.key ?? ''}|${t.operator ?? ''}|${t.value ?? ''}|${t.effect ?? ''}|${t.tolerationSeconds ?? ''}`;

/** newRuntimeClass builds the plugin. */
export function newRuntimeClass(opts: RuntimeClassOptions) {
  const lookup = async (a: AdmissionAttributes, pod: Pod): Promise<RuntimeClass | undefined> => {
    const name = pod.spec?.runtimeClassName;
    if (!name) return undefined;
    const rc = await opts.getRuntimeClass(name);
    if (!rc) throw admissionForbidden(a, `pod rejected: RuntimeClass "${name}" not found`);
    return rc;
  };
  return {
    name: RUNTIME_CLASS_NAME,
    handles: handlesOps('CREATE'),
    async admit(a: AdmissionAttributes): Promise<void> {
      if (!isResource(a, '', 'pods')) return;
      const pod = a.object as Pod | undefined;
      if (!pod?.spec) return;
      const rc = await lookup(a, pod);
      if (!rc) return;
      const fixed = rc.overhead?.podFixed as Record<string, unknown> | undefined;
      if (fixed) {
        if (pod.spec.overhead && !sameOverhead(pod.spec.overhead as Record<string, unknown>, fixed)) throw admissionForbidden(a, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
        pod.spec.overhead = { ...(fixed as Record<string, string>) };
      }
      const sched = rc.scheduling;
      if (sched?.nodeSelector) {
        const sel = { ...(pod.spec.nodeSelector ?? {}) };
        for (const [k, v] of Object.entries(sched.nodeSelector)) {
          if (k in sel && sel[k] !== v) throw admissionForbidden(a, `pod rejected: conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${v}; pod.spec.nodeSelector[${k}] = ${sel[k]}`);
          sel[k] = v;
        }
        pod.spec.nodeSelector = sel;
      }
      if (sched?.tolerations?.length) {
        const have = new Set((pod.spec.tolerations ?? []).map(tolerationKey));
        pod.spec.tolerations = [...(pod.spec.tolerations ?? []), ...sched.tolerations.filter((t) => !have.has(tolerationKey(t)))];
      }
    },
    async validate(a: AdmissionAttributes): Promise<void> {
      if (!isResource(a, '', 'pods')) return;
      const pod = a.object as Pod | undefined;
      if (!pod?.spec) return;
      const rc = await lookup(a, pod);
      const fixed = rc?.overhead?.podFixed as Record<string, unknown> | undefined;
      if (pod.spec.overhead && !sameOverhead(pod.spec.overhead as Record<string, unknown>, fixed)) throw admissionForbidden(a, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
    },
  } satisfies MutatingPlugin & ValidatingPlugin;
}

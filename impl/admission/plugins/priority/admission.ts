/**
 * Priority: resolve `spec.priorityClassName` into `spec.priority` and `spec.preemptionPolicy`,
 * apply the global default class, and allow only one global default PriorityClass.
 *
 * upstream: plugin/pkg/admission/priority/admission.go and pkg/apis/scheduling (system classes)
 */
import type { Pod, PriorityClass } from '#generated/k8s/index.ts';
import { handlesOps, isResource, admissionForbidden, type AdmissionAttributes, type MutatingPlugin, type ValidatingPlugin } from '../../interfaces.ts';

export const PRIORITY_NAME = 'Priority';

/** System priority classes (upstream SystemPriorityClasses), created by the apiserver at start. */
export const SYSTEM_CLUSTER_CRITICAL = 'system-cluster-critical';
export const SYSTEM_NODE_CRITICAL = 'system-node-critical';
export const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;
export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClass[] = [
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: SYSTEM_NODE_CRITICAL }, value: SYSTEM_CRITICAL_PRIORITY + 1000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: SYSTEM_CLUSTER_CRITICAL }, value: SYSTEM_CRITICAL_PRIORITY, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

/** PriorityOptions gives the plugin its PriorityClass lookups. */
export interface PriorityOptions {
  getPriorityClass(name: string): PriorityClass | undefined;
  listPriorityClasses(): readonly PriorityClass[];
}

/** defaultPriorityClass returns the global default; with several, the lowest value wins (upstream getDefaultPriorityClass). */
export function defaultPriorityClass(list: readonly PriorityClass[]): PriorityClass | undefined {
  let best: PriorityClass | undefined;
  for (const pc of list) if (pc.globalDefault && (!best || pc.value < best.value)) best = pc;
  return best;
}

/** newPriority builds the plugin: mutates pods on create, validates PriorityClass writes. */
export function newPriority(opts: PriorityOptions) {
  return {
    name: PRIORITY_NAME,
    handles: handlesOps('CREATE', 'UPDATE'),
    admit(a: AdmissionAttributes): void {
      if (a.operation !== 'CREATE' || !isResource(a, '', 'pods')) return;
      const pod = a.object as Pod | undefined;
      if (!pod?.spec) return;
      let value = 0;
      let preemption: string = 'PreemptLowerPriority';
      const name = pod.spec.priorityClassName ?? '';
      if (name === '') {
        const d = defaultPriorityClass(opts.listPriorityClasses());
        if (d) {
          pod.spec.priorityClassName = d.metadata?.name;
          value = d.value;
          preemption = d.preemptionPolicy ?? preemption;
        }
      } else {
        const pc = opts.getPriorityClass(name) ?? SYSTEM_PRIORITY_CLASSES.find((c) => c.metadata?.name === name);
        if (!pc) throw admissionForbidden(a, `no PriorityClass with name ${name} was found`);
        value = pc.value;
        preemption = pc.preemptionPolicy ?? preemption;
      }
      if (pod.spec.priority !== undefined && pod.spec.priority !== null && pod.spec.priority !== value) {
        throw admissionForbidden(a, `the integer value of priority (${pod.spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`);
      }
      pod.spec.priority = value;
      if (pod.spec.preemptionPolicy && pod.spec.preemptionPolicy !== preemption) {
        throw admissionForbidden(a, `the string value of PreemptionPolicy (${pod.spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemption} from the given PriorityClass name`);
      }
      pod.spec.preemptionPolicy = preemption;
    },
    validate(a: AdmissionAttributes): void {
      if (!isResource(a, 'scheduling.k8s.io', 'priorityclasses')) return;
      const pc = a.object as PriorityClass | undefined;
      if (!pc?.globalDefault) return;
      const other = opts.listPriorityClasses().find((c) => c.globalDefault && c.metadata?.name !== pc.metadata?.name);
      if (other) throw admissionForbidden(a, `PriorityClass ${other.metadata?.name ?? ''} is already marked as default. Only one default can exist`);
    },
  } satisfies MutatingPlugin & ValidatingPlugin;
}

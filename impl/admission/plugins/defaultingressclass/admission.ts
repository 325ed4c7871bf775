/**
 * DefaultIngressClass: an Ingress created without `spec.ingressClassName` (and without the legacy
 * `kubernetes.io/ingress.class` annotation) gets the IngressClass annotated
 * `ingressclass.kubernetes.io/is-default-class: "true"`; more than one default is refused.
 *
 * upstream: plugin/pkg/admission/network/defaultingressclass/admission.go
 */
import type { IngressClass, Ingress } from '#generated/k8s/index.ts';
import { admissionForbidden, handlesOps, isResource, type AdmissionAttributes, type MutatingPlugin } from '../../interfaces.ts';

export const DEFAULT_INGRESS_CLASS_NAME = 'DefaultIngressClass';
export const IS_DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const LEGACY_INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** newDefaultIngressClass builds the plugin over an IngressClass lister. */
export function newDefaultIngressClass(opts: { listIngressClasses(): readonly IngressClass[] }) {
  return {
    name: DEFAULT_INGRESS_CLASS_NAME,
    handles: handlesOps('CREATE'),
    admit(a: AdmissionAttributes): void {
      if (!isResource(a, 'networking.k8s.io', 'ingresses')) return;
      const ing = a.object as Ingress | undefined;
      if (!ing) return;
      if (ing.spec?.ingressClassName) return;
      if (ing.metadata?.annotations?.[LEGACY_INGRESS_CLASS_ANNOTATION] !== undefined) return;
      const defaults = opts.listIngressClasses().filter((c) => c.metadata?.annotations?.[IS_DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true');
      if (defaults.length === 0) return;
      if (defaults.length > 1) throw admissionForbidden(a, `${defaults.length} default IngressClasses were found, only 1 allowed`);
      ing.spec = { ...(ing.spec ?? {}), ingressClassName: defaults[0]!.metadata!.name };
    },
  } satisfies MutatingPlugin;
}

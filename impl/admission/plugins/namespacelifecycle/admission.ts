/**
 * NamespaceLifecycle: no new objects in missing or terminating namespaces, and the system
 * namespaces cannot be deleted.
 *
 * upstream: plugin/pkg/admission/namespace/lifecycle/admission.go
 */
import type { Namespace } from '#generated/k8s/index.ts';
import { notFound, StatusError } from '#impl/apimachinery/index.ts';
import { admissionForbidden, handlesOps, type AdmissionAttributes, type MutatingPlugin } from '../../interfaces.ts';

export const NAMESPACE_LIFECYCLE_NAME = 'NamespaceLifecycle';

/** IMMORTAL_NAMESPACES cannot be deleted (upstream `--immortal-namespaces` default). */
export const IMMORTAL_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public'];

/** Access reviews are evaluated, not stored, so they are allowed in any namespace (upstream accessReviewResources). */
const ACCESS_REVIEW_RESOURCES = new Set(['authorization.k8s.io/localsubjectaccessreviews']);

/** NamespaceLifecycleOptions gives the plugin its namespace lookup (a lister, with a live fallback if wanted). */
export interface NamespaceLifecycleOptions {
  getNamespace(name: string): Namespace | undefined | Promise<Namespace | undefined>;
  immortalNamespaces?: readonly string[];
}

/** newNamespaceLifecycle builds the plugin. */
export function newNamespaceLifecycle(opts: NamespaceLifecycleOptions) {
  const immortal = new Set(opts.immortalNamespaces ?? IMMORTAL_NAMESPACES);
  return {
    name: NAMESPACE_LIFECYCLE_NAME,
    handles: handlesOps('CREATE', 'UPDATE', 'DELETE'),
    async admit(a: AdmissionAttributes): Promise<void> {
      if (a.operation === 'DELETE' && a.resource.group === '' && a.resource.resource === 'namespaces' && a.subresource === '' && immortal.has(a.name)) {
        throw admissionForbidden(a, 'this namespace may not be deleted');
      }
      // Only creates of namespaced objects are checked; updates and deletes may drain a terminating namespace.
      if (a.operation !== 'CREATE' || a.namespace === '') return;
      if (a.resource.group === '' && a.resource.resource === 'namespaces') return;
      if (ACCESS_REVIEW_RESOURCES.has(`${a.resource.group}/${a.resource.resource}`)) return;
      const ns = await opts.getNamespace(a.namespace);
      if (!ns) throw notFound({ group: '', resource: 'namespaces' }, a.namespace);
      if (ns.status?.phase === 'Terminating' || ns.metadata?.deletionTimestamp) {
        const err = admissionForbidden(a, `unable to create new content in namespace ${a.namespace} because it is being terminated`);
        const status = { ...err.status, details: { ...err.status.details, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${a.namespace} is being terminated`, field: 'metadata.namespace' }] } };
        throw new StatusError(status);
      }
    },
  } satisfies MutatingPlugin;
}

/**
 * namespaceStrategy: Namespace phase and finalizers; namespace deletion marks it Terminating
 * until `spec.finalizers` is emptied through the `finalize` subresource.
 *
 * upstream: pkg/registry/core/namespace/strategy.go and storage/storage.go (REST.Delete).
 */
import { fieldPath, forbiddenField } from '#impl/apimachinery/index.ts';
import { newDefaultStrategy, newStatusStrategy } from '../../generic/default-strategy.ts';
import type { KubeObject, RequestContext, Strategy } from '../../rest/strategy.ts';

/** FINALIZER_KUBERNETES is the namespace spec finalizer the namespace controller removes. */
export const FINALIZER_KUBERNETES = 'kubernetes';

/** namespaceStrategy is the Namespace strategy. */
export const namespaceStrategy: Strategy = {
  ...newDefaultStrategy({ namespaced: false, hasStatusSubresource: true, hasSpec: false }),
  prepareForCreate(_ctx: RequestContext, obj: KubeObject): void {
    obj.status = { phase: 'Active' };
    obj.spec ??= {};
    const fins: string[] = obj.spec.finalizers ?? [];
    if (!fins.includes(FINALIZER_KUBERNETES)) fins.push(FINALIZER_KUBERNETES);
    obj.spec.finalizers = fins;
    // upstream: the namespace lifecycle sets this immutable label.
    obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
  },
  prepareForUpdate(_ctx: RequestContext, obj: KubeObject, old: KubeObject): void {
    obj.spec = old.spec;
    obj.status = old.status;
    obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
  },
  fieldSelectorAttrs: (obj) => ({ 'status.phase': obj.status?.phase ?? '' }),
};

/** namespaceStatusStrategy updates status only. */
export const namespaceStatusStrategy: Strategy = newStatusStrategy(namespaceStrategy);

/** namespaceFinalizeStrategy updates spec.finalizers only (upstream finalizeStrategy). */
export const namespaceFinalizeStrategy: Strategy = {
  ...namespaceStrategy,
  prepareForUpdate(_ctx, obj, old) {
    const finalizers = obj.spec?.finalizers ?? [];
    const metadata = { ...old.metadata, resourceVersion: obj.metadata.resourceVersion };
    for (const k of Object.keys(obj)) delete obj[k];
    Object.assign(obj, structuredClone(old), { metadata });
    obj.spec = { ...(old.spec ?? {}), finalizers };
    if (finalizers.length === 0) delete obj.spec.finalizers;
  },
  validateUpdate(_ctx, obj, old) {
    const errs = [];
    for (const f of obj.spec?.finalizers ?? []) {
      if (!(old.spec?.finalizers ?? []).includes(f) && old.metadata.deletionTimestamp) errs.push(forbiddenField(fieldPath('spec', 'finalizers'), 'no new finalizers can be added if the object is being deleted'));
    }
    return errs;
  },
};

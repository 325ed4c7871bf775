/**
 * The default strategy every served resource starts from; resources with semantics spread it and
 * override single methods (`{ ...newDefaultStrategy(o), validate }`).
 *
 * upstream: the common shape of pkg/registry/<group>/<resource>/strategy.go.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, RequestContext, Strategy } from '../rest/strategy.ts';

/** DefaultStrategyOptions describes a resource for {@link newDefaultStrategy}. */
export interface DefaultStrategyOptions {
  namespaced: boolean;
  /** The resource has a `status` subresource: status is kept on main writes and cleared on create. */
  hasStatusSubresource: boolean;
  /** The schema has `spec`: generation is bumped when it changes (a function is asked on first use). */
  hasSpec: boolean | (() => boolean);
}

/** newDefaultStrategy builds the default strategy for a resource. */
export function newDefaultStrategy(o: DefaultStrategyOptions): Strategy {
  let known = typeof o.hasSpec === 'boolean' ? o.hasSpec : undefined;
  const hasSpec = (): boolean => (known ??= (o.hasSpec as () => boolean)());
  return {
    namespaceScoped: o.namespaced,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    ...(known !== undefined ? { hasSpecGeneration: known } : {}),
    resetFields: o.hasStatusSubresource ? ['status'] : [],
    prepareForCreate(_ctx: RequestContext, obj: KubeObject): void {
      if (o.hasStatusSubresource && obj.status !== undefined) delete obj.status;
      if (hasSpec()) obj.metadata.generation = 1;
    },
    prepareForUpdate(_ctx: RequestContext, obj: KubeObject, old: KubeObject): void {
      if (o.hasStatusSubresource) {
        if (old.status === undefined) delete obj.status;
        else obj.status = old.status;
      }
      bumpGenerationOnSpecChange(obj, old, hasSpec());
    },
    validate: () => [],
    validateUpdate: () => [],
  };
}

/**
 * bumpGenerationOnSpecChange increments metadata.generation when anything but metadata and
 * status changed (upstream strategies compare Spec; custom resources compare everything but
 * metadata and status).
 */
export function bumpGenerationOnSpecChange(obj: KubeObject, old: KubeObject, hasSpec: boolean): void {
  const oldGen = old.metadata.generation ?? (hasSpec ? 1 : undefined);
  if (oldGen === undefined) {
    delete obj.metadata.generation;
    return;
  }
  obj.metadata.generation = oldGen;
  if (!hasSpec) return;
  for (const k of new Set([...Object.keys(obj), ...Object.keys(old)])) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!isDeepStrictEqual(obj[k], old[k])) {
      obj.metadata.generation = oldGen + 1;
      return;
    }
  }
}

/**
 * newStatusStrategy derives the `status` subresource strategy: only status changes are kept
 * (upstream `xxxStatusStrategy.PrepareForUpdate`: `newObj.Spec = oldObj.Spec`).
 */
export function newStatusStrategy(main: Strategy): Strategy {
  return {
    ...main,
    allowCreateOnUpdate: false,
    resetFields: ['spec'],
    prepareForCreate: main.prepareForCreate,
    prepareForUpdate(_ctx: RequestContext, obj: KubeObject, old: KubeObject): void {
      const status = obj.status;
      const metadata = { ...old.metadata, resourceVersion: obj.metadata.resourceVersion };
      // Labels, annotations, finalizers and owners may change through status writes upstream too.
      for (const k of ['labels', 'annotations', 'ownerReferences', 'finalizers'] as const) {
        if (obj.metadata[k] !== undefined) (metadata as Record<string, unknown>)[k] = obj.metadata[k];
      }
      for (const k of Object.keys(obj)) delete obj[k];
      Object.assign(obj, structuredClone(old), { metadata });
      if (status === undefined) delete obj.status;
      else obj.status = status;
    },
    validateUpdate: () => [],
  };
}

/**
 * Public surface of `impl/apimachinery`: what every component shares (errors, field paths and
 * errors, name validation, label and field selectors, quantities, int-or-string, patches,
 * server-side apply, object-meta helpers). Other folders import from here only.
 */
export * from './errors.ts';
export * from './field-path.ts';
export * from './field-errors.ts';
export * from './validation.ts';
/** Label selectors: `labels.parse('app=web')`, `labels.labelSelectorAsSelector(sel)`. */
export * as labels from './labels/selector.ts';
/** Field selectors: `fields.parse('metadata.name=x')`. */
export * as fields from './fields/selector.ts';
export * from './resource/quantity.ts';
export * from './intstr.ts';
export * from './patch/patch-meta.ts';
export * from './patch/openapi-patch-meta.ts';
export * from './patch/json-patch.ts';
export * from './patch/merge-patch.ts';
export * from './patch/strategic-merge-patch.ts';
export * from './apply/field-set.ts';
/** Schema-aware walks used by server-side apply: `structuredMerge.toFieldSet(obj, meta)`, `compare`, `merge`. */
export * as structuredMerge from './apply/structured-merge.ts';
export * from './apply/managed-fields.ts';
export * from './meta.ts';

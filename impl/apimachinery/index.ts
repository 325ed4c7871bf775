/**
 * Public surface of `impl/apimachinery`: what every component shares. Other folders import from
 * here only (`import { notFound, fieldPath, labels } from '#impl/apimachinery/index.ts'`).
 *
 * - errors: `StatusError`, one constructor per upstream reason (`notFound`, `alreadyExists`,
 *   `conflict`, `invalid`, `badRequest`, `forbidden`, `unauthorized`, `methodNotSupported`,
 *   `notAcceptable`, `unsupportedMediaType`, `gone`, `resourceExpired`, `requestEntityTooLarge`,
 *   `tooManyRequests`, `serverTimeout`, `timeout`, `internalError`, `serviceUnavailable`...),
 *   `is*` predicates and `toStatus(unknown)` for the HTTP boundary;
 * - field paths and field errors (`fieldPath('spec').child('x')`, `required`, `invalidValue`...);
 * - name / metadata / IP validation with upstream messages;
 * - `labels` and `fields` selector namespaces;
 * - resource quantities and int-or-string;
 * - JSON, merge and strategic merge patch (schema-driven via `PatchMeta` built from OpenAPI);
 * - server-side apply and managedFields tracking;
 * - object-meta helpers.
 */

// errors and validation
export * from './errors.ts';
export * from './field-path.ts';
export * from './field-errors.ts';
export * from './validation.ts';
export * from './ip.ts';

/** Label selectors: `labels.parse('app=web')`, `labels.labelSelectorAsSelector(sel)`. */
export * as labels from './labels/selector.ts';
/** Field selectors: `fields.parse('metadata.name=x')`. */
export * as fields from './fields/selector.ts';

// values
export * from './resource/quantity.ts';
export * from './resource/canonicalize-quantities.ts';
export * from './intstr.ts';

// patches
export * from './patch/patch-meta.ts';
export * from './patch/openapi-patch-meta.ts';
export * from './patch/structural-patch-meta.ts';
export * from './patch/json-patch.ts';
export * from './patch/merge-patch.ts';
export * from './patch/strategic-merge-patch.ts';

// server-side apply
export * from './apply/field-set.ts';
/** Schema-aware walks used by server-side apply: `structuredMerge.toFieldSet(obj, meta)`, `compare`, `merge`. */
export * as structuredMerge from './apply/structured-merge.ts';
export * from './apply/managed-fields.ts';

// object metadata
export * from './meta.ts';

/**
 * jobStrategy: Job defaults, the generated selector and controller-uid labels, an immutable
 * pod template, and validation.
 *
 * upstream: pkg/registry/batch/job/strategy.go (generateSelector), pkg/apis/batch/v1/defaults.go.
 */
import { fieldPath, invalidValue, validateImmutableField, type FieldError } from '#impl/apimachinery/index.ts';
import { newDefaultStrategy, newStatusStrategy } from '../../generic/default-strategy.ts';
import type { KubeObject, Strategy } from '../../rest/strategy.ts';
import { setDefaultsPodSpec, validatePodSpec } from '../../core/pod/strategy.ts';

function setDefaults(obj: KubeObject): void {
  const spec = (obj.spec ??= {});
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.manualSelector ??= undefined;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  if (spec.template) setDefaultsPodSpec(spec.template.spec);
  if (spec.manualSelector === undefined) delete spec.manualSelector;
}

/** generateSelector adds the controller-uid labels and selector (upstream generateSelector). */
function generateSelector(obj: KubeObject): void {
  const spec = obj.spec;
  if (spec.manualSelector === true) return;
  const uid = obj.metadata.uid!;
  const name = obj.metadata.name!;
  const l = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
  spec.template ??= {};
  spec.template.metadata ??= {};
  spec.template.metadata.labels = { ...(spec.template.metadata.labels ?? {}), ...l };
  spec.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
}

function validateJob(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const sp = fieldPath('spec');
  for (const f of ['parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds'] as const) {
    const v = obj.spec?.[f];
    if (typeof v === 'number' && v < 0) errs.push(invalidValue(sp.child(f), v, 'must be greater than or equal to 0'));
  }
  const rp = obj.spec?.template?.spec?.restartPolicy;
  if (rp !== 'OnFailure' && rp !== 'Never') errs.push(invalidValue(sp.child('template', 'spec', 'restartPolicy'), rp ?? '', 'supported values: "OnFailure", "Never"'));
  errs.push(...validatePodSpec(obj.spec?.template?.spec, sp.child('template', 'spec')));
  return errs;
}

/** jobStrategy is the Job strategy. */
export const jobStrategy: Strategy = {
  ...newDefaultStrategy({ namespaced: true, hasStatusSubresource: true, hasSpec: true }),
  defaultGarbageCollectionPolicy: 'Orphan',
  prepareForCreate(_ctx, obj) {
    obj.metadata.generation = 1;
    delete obj.status;
    setDefaults(obj);
    generateSelector(obj);
  },
  prepareForUpdate(ctx, obj, old) {
    setDefaults(obj);
    newDefaultStrategy({ namespaced: true, hasStatusSubresource: true, hasSpec: true }).prepareForUpdate(ctx, obj, old);
  },
  validate: (_ctx, obj) => validateJob(obj),
  validateUpdate(_ctx, obj, old) {
    const errs = validateJob(obj);
    errs.push(...validateImmutableField(obj.spec?.selector, old.spec?.selector, fieldPath('spec', 'selector')));
    errs.push(...validateImmutableField(obj.spec?.completions, old.spec?.completions, fieldPath('spec', 'completions')));
    return errs;
  },
  fieldSelectorAttrs: (obj) => ({ 'status.successful': String(obj.status?.succeeded ?? 0) }),
};

/** jobStatusStrategy updates only status. */
export const jobStatusStrategy: Strategy = newStatusStrategy(jobStrategy);

/**
 * priorityClassStrategy: reserved `system-` names, the user-definable value ceiling, and an
 * immutable value and preemptionPolicy.
 *
 * upstream: pkg/registry/scheduling/priorityclass/strategy.go, pkg/apis/scheduling/validation.
 */
import { fieldPath, forbiddenField, validateImmutableField, type FieldError } from '#impl/apimachinery/index.ts';
import { newDefaultStrategy } from '../../generic/default-strategy.ts';
import type { KubeObject, Strategy } from '../../rest/strategy.ts';

/** HIGHEST_USER_DEFINABLE_PRIORITY is upstream's scheduling.HighestUserDefinablePriority. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** SYSTEM_PRIORITY_CLASSES are the built-in classes and their values (upstream scheduling.SystemPriorityClasses). */
export const SYSTEM_PRIORITY_CLASSES: Readonly<Record<string, number>> = {
  'system-node-critical': 2_000_001_000,
  'system-cluster-critical': 2_000_000_000,
};

function validatePriorityClass(obj: KubeObject): FieldError[] {
  const name = obj.metadata.name ?? '';
  const value = typeof obj.value === 'number' ? obj.value : 0;
  const system = SYSTEM_PRIORITY_CLASSES[name];
  if (system !== undefined) {
    if (value !== system) return [forbiddenField(fieldPath('value'), `value of system priority class ${name} must be ${system}`)];
    return [];
  }
  if (name.startsWith('system-')) {
    return [forbiddenField(fieldPath('metadata', 'name'), 'priority class names with \'system-\' prefix are reserved')];
  }
  if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    return [forbiddenField(fieldPath('value'), `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`)];
  }
  return [];
}

/** priorityClassStrategy is the PriorityClass strategy (cluster-scoped, no status). */
export const priorityClassStrategy: Strategy = {
  ...newDefaultStrategy({ namespaced: false, hasStatusSubresource: false, hasSpec: false }),
  validate: (_ctx, obj) => validatePriorityClass(obj),
  validateUpdate: (_ctx, obj, old) => {
    const errs = validatePriorityClass(obj);
    if (obj.value !== old.value) errs.push(forbiddenField(fieldPath('value'), 'may not be changed in an update.'));
    errs.push(...validateImmutableField(obj.preemptionPolicy, old.preemptionPolicy, fieldPath('preemptionPolicy')));
    return errs;
  },
};

/**
 * secretStrategy: stringData folded into data, key names, size limit, type immutability and
 * `immutable`; field selector `type`.
 *
 * upstream: pkg/registry/core/secret/strategy.go, pkg/apis/core/validation ValidateSecret.
 */
import { fieldPath, invalidValue, validateImmutableField, type FieldError } from '#impl/apimachinery/index.ts';
import { newDefaultStrategy } from '../../generic/default-strategy.ts';
import type { KubeObject, Strategy } from '../../rest/strategy.ts';
import { validateDataKeys, validateImmutableData } from '../configmap/strategy.ts';

function foldStringData(obj: KubeObject): void {
  // upstream: conversion folds stringData into data (base64) and drops stringData.
  if (obj.stringData && typeof obj.stringData === 'object') {
    obj.data ??= {};
    for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) obj.data[k] = Buffer.from(String(v)).toString('base64');
    delete obj.stringData;
  }
  obj.type ??= 'Opaque';
}

function validateSecret(obj: KubeObject): FieldError[] {
  const errs = validateDataKeys(obj, ['data'], (_f, v) => Buffer.from(v, 'base64').length);
  for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) errs.push(invalidValue(fieldPath('data').key(k), '<secret contents redacted>', 'illegal base64 data'));
  }
  if (obj.type === 'kubernetes.io/service-account-token' && !obj.metadata.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(invalidValue(fieldPath('metadata', 'annotations').key('kubernetes.io/service-account.name'), '', 'Required value'));
  }
  return errs;
}

/** secretStrategy is the Secret strategy. */
export const secretStrategy: Strategy = {
  ...newDefaultStrategy({ namespaced: true, hasStatusSubresource: false, hasSpec: false }),
  prepareForCreate: (_ctx, obj) => foldStringData(obj),
  prepareForUpdate: (_ctx, obj) => foldStringData(obj),
  validate: (_ctx, obj) => validateSecret(obj),
  validateUpdate: (_ctx, obj, old) => [...validateSecret(obj), ...validateImmutableField(obj.type, old.type, fieldPath('type')), ...validateImmutableData(obj, old, ['data'])],
  fieldSelectorAttrs: (obj) => ({ type: obj.type ?? '' }),
};

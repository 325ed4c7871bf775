/**
 * configMapStrategy: key names, the 1 MiB size limit and `immutable`.
 *
 * upstream: pkg/registry/core/configmap/strategy.go, pkg/apis/core/validation ValidateConfigMap.
 */
import { fieldPath, forbiddenField, invalidValue, isConfigMapKey, semanticEqual, tooLong, type FieldError } from '#impl/apimachinery/index.ts';
import { newDefaultStrategy } from '../../generic/default-strategy.ts';
import type { KubeObject, Strategy } from '../../rest/strategy.ts';

/** MAX_SECRET_SIZE is upstream's 1 MiB limit for ConfigMap and Secret data (core.MaxSecretSize). */
export const MAX_SECRET_SIZE = 1024 * 1024;

/** validateDataKeys checks keys of `data`/`binaryData` (or `stringData`) and the total size. */
export function validateDataKeys(obj: KubeObject, fields: string[], decodedSize: (field: string, v: string) => number): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  const seen = new Set<string>();
  for (const f of fields) {
    for (const [k, v] of Object.entries((obj[f] ?? {}) as Record<string, string>)) {
      for (const msg of isConfigMapKey(k)) errs.push(invalidValue(fieldPath(f).key(k), k, msg));
      if (seen.has(k) && f !== 'stringData') errs.push(invalidValue(fieldPath(f).key(k), k, 'duplicate of key present in ' + fields.filter((x) => x !== f).join(', ')));
      seen.add(k);
      total += decodedSize(f, String(v));
    }
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong(fieldPath(''), '', MAX_SECRET_SIZE));
  return errs;
}

/** validateImmutableData forbids data changes once `immutable: true` (upstream ValidateConfigMapUpdate). */
export function validateImmutableData(obj: KubeObject, old: KubeObject, fields: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(forbiddenField(fieldPath('immutable'), 'field is immutable when `immutable` is set'));
  for (const f of fields) if (!semanticEqual(obj[f] ?? {}, old[f] ?? {})) errs.push(forbiddenField(fieldPath(f), 'field is immutable when `immutable` is set'));
  return errs;
}

/** configMapStrategy is the ConfigMap strategy. */
export const configMapStrategy: Strategy = {
  ...newDefaultStrategy({ namespaced: true, hasStatusSubresource: false, hasSpec: false }),
  validate: (_ctx, obj) => validateDataKeys(obj, ['data', 'binaryData'], (f, v) => (f === 'binaryData' ? Math.floor((v.length * 3) / 4) : v.length)),
  validateUpdate: (_ctx, obj, old) => [
    ...validateDataKeys(obj, ['data', 'binaryData'], (f, v) => (f === 'binaryData' ? Math.floor((v.length * 3) / 4) : v.length)),
    ...validateImmutableData(obj, old, ['data', 'binaryData']),
  ],
};

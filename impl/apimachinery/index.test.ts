import test from 'ava';
import * as apimachinery from './index.ts';

// The apiserver and other components code against this surface; keep these names stable.
const expected = [
  'StatusError', 'notFound', 'alreadyExists', 'conflict', 'invalid', 'badRequest', 'forbidden', 'unauthorized',
  'methodNotSupported', 'notAcceptable', 'unsupportedMediaType', 'gone', 'resourceExpired', 'expired',
  'requestEntityTooLarge', 'tooManyRequests', 'serverTimeout', 'timeout', 'internalError', 'serviceUnavailable',
  'applyConflict', 'genericServerResponse', 'toStatus', 'isNotFound', 'isConflict', 'isInvalid',
  'fieldPath', 'required', 'invalidValue', 'notSupported', 'duplicate', 'forbiddenField', 'tooLong', 'tooMany',
  'typeInvalid', 'notFoundField', 'internal', 'isDNS1123Label', 'isDNS1123Subdomain', 'isDNS1035Label',
  'isQualifiedName', 'isValidLabelValue', 'validateObjectMeta', 'validateObjectMetaUpdate', 'isValidIP', 'isValidCIDR',
  'labels', 'fields', 'parseQuantity', 'Quantity', 'getScaledValueFromIntOrPercent', 'applyJSONPatch',
  'applyMergePatch', 'strategicMergePatch', 'OpenAPIPatchMetaIndex', 'loadOpenAPIPatchMetaIndex', 'apply',
  'updateManagedFields', 'FieldSet', 'structuredMerge', 'metaNamespaceKey', 'newControllerRef', 'generateName',
];
for (const name of expected) {
  test(`index exports ${name}`, (t) => {
    t.not((apimachinery as Record<string, unknown>)[name], undefined);
  });
}

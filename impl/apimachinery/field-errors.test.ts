import test from 'ava';
import { fieldPath } from './field-path.ts';
import {
  aggregateFieldErrors,
  duplicate,
  forbiddenField,
  internal,
  invalidValue,
  notFoundField,
  notSupported,
  required,
  tooLong,
  tooLongMaxLength,
  tooMany,
  typeInvalid,
  type FieldError,
} from './field-errors.ts';

const p = fieldPath('spec').child('x');
const cases: { name: string; err: FieldError; type: string; message: string }[] = [
  { name: 'required without detail', err: required(fieldPath('spec', 'containers').index(0).child('name')), type: 'FieldValueRequired', message: 'spec.containers[0].name: Required value' },
  { name: 'required with detail', err: required(p, 'must be set'), type: 'FieldValueRequired', message: 'spec.x: Required value: must be set' },
  { name: 'invalid int', err: invalidValue(fieldPath('spec', 'replicas'), -1, 'must be greater than or equal to 0'), type: 'FieldValueInvalid', message: 'spec.replicas: Invalid value: -1: must be greater than or equal to 0' },
  { name: 'invalid string is quoted', err: invalidValue(fieldPath('metadata', 'name'), 'A_b', 'bad'), type: 'FieldValueInvalid', message: 'metadata.name: Invalid value: "A_b": bad' },
  { name: 'invalid null', err: invalidValue(p, null, 'x'), type: 'FieldValueInvalid', message: 'spec.x: Invalid value: null: x' },
  { name: 'invalid bool', err: invalidValue(p, true, 'x'), type: 'FieldValueInvalid', message: 'spec.x: Invalid value: true: x' },
  { name: 'invalid string list', err: invalidValue(p, ['a', 'b'], 'x'), type: 'FieldValueInvalid', message: 'spec.x: Invalid value: []string{"a", "b"}: x' },
  { name: 'invalid string map', err: invalidValue(p, { b: '2', a: '1' }, 'x'), type: 'FieldValueInvalid', message: 'spec.x: Invalid value: map[string]string{"a":"1", "b":"2"}: x' },
  { name: 'not supported', err: notSupported(fieldPath('spec', 'restartPolicy'), 'Sometimes', ['Always', 'OnFailure', 'Never']), type: 'FieldValueNotSupported', message: 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' },
  { name: 'not supported without list', err: notSupported(p, 'v', []), type: 'FieldValueNotSupported', message: 'spec.x: Unsupported value: "v"' },
  { name: 'duplicate', err: duplicate(fieldPath('spec', 'containers').index(1).child('name'), 'c'), type: 'FieldValueDuplicate', message: 'spec.containers[1].name: Duplicate value: "c"' },
  { name: 'forbidden hides value', err: forbiddenField(p, 'may not be set'), type: 'FieldValueForbidden', message: 'spec.x: Forbidden: may not be set' },
  { name: 'too long hides value', err: tooLong(fieldPath('metadata', 'name'), 'x'.repeat(300), 253), type: 'FieldValueTooLong', message: 'metadata.name: Too long: must have at most 253 bytes' },
  { name: 'too long max length', err: tooLongMaxLength(p, 'abc', 2), type: 'FieldValueTooLong', message: 'spec.x: Too long: may not be longer than 2' },
  { name: 'too long max length negative', err: tooLongMaxLength(p, 'abc', -1), type: 'FieldValueTooLong', message: 'spec.x: Too long: value is too long' },
  { name: 'too many', err: tooMany(p, 5, 3), type: 'FieldValueTooMany', message: 'spec.x: Too many: 5: must have at most 3 items' },
  { name: 'too many unknown counts', err: tooMany(p, -1, -1), type: 'FieldValueTooMany', message: 'spec.x: Too many: has too many items' },
  { name: 'type invalid', err: typeInvalid(p, 'abc', 'must be of type integer'), type: 'FieldValueTypeInvalid', message: 'spec.x: Invalid value: "abc": must be of type integer' },
  { name: 'not found', err: notFoundField(p, 'missing'), type: 'FieldValueNotFound', message: 'spec.x: Not found: "missing"' },
  { name: 'internal', err: internal(p, new Error('boom')), type: 'InternalError', message: 'spec.x: Internal error: boom' },
  { name: 'quote escapes', err: invalidValue(p, 'a"b\n', 'x'), type: 'FieldValueInvalid', message: 'spec.x: Invalid value: "a\\"b\\n": x' },
];

for (const tc of cases) {
  test(`field error: ${tc.name}`, (t) => {
    t.is(tc.err.type as string, tc.type);
    t.is(tc.err.message, tc.message);
    t.is(String(tc.err), tc.message);
    t.is(`${tc.err.field}: ${tc.err.errorBody()}`, tc.message);
  });
}

const aggCases = [
  { name: 'empty', errs: [], want: undefined },
  { name: 'single has no brackets', errs: [required(p)], want: 'spec.x: Required value' },
  { name: 'several bracketed', errs: [required(p), forbiddenField(p, 'no')], want: '[spec.x: Required value, spec.x: Forbidden: no]' },
  { name: 'duplicates dropped', errs: [required(p), required(p)], want: 'spec.x: Required value' },
];
for (const tc of aggCases) {
  test(`aggregateFieldErrors: ${tc.name}`, (t) => {
    t.is(aggregateFieldErrors(tc.errs), tc.want);
  });
}

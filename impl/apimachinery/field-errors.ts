/**
 * Field-level validation errors, in the style of upstream
 * `k8s.io/apimachinery/pkg/util/validation/field/errors.go`. Strategies return a
 * `FieldError[]`; the registry turns a non-empty list into `invalid(...)` (422).
 */
import type { FieldPath } from './field-path.ts';

/**
 * FIELD_ERROR_TYPES lists the machine-readable error types. The values are the upstream
 * `field.ErrorType` strings, which are also the `StatusCause.reason` values of a 422 Status.
 */
export const FIELD_ERROR_TYPES = {
  /** A requested value was not found (e.g. looking up an ID). */
  NotFound: 'FieldValueNotFound',
  /** A required value was not provided (empty string, null, empty list). */
  Required: 'FieldValueRequired',
  /** A value that must be unique collides with another. */
  Duplicate: 'FieldValueDuplicate',
  /** A malformed value (failed regex, out of bounds). */
  Invalid: 'FieldValueInvalid',
  /** An unknown value for an enumerated field. */
  NotSupported: 'FieldValueNotSupported',
  /** A well-formed value not permitted under current conditions. */
  Forbidden: 'FieldValueForbidden',
  /** A value that is too long (the value itself is not printed). */
  TooLong: 'FieldValueTooLong',
  /** A list with too many items. */
  TooMany: 'FieldValueTooMany',
  /** An error not related to user input. */
  Internal: 'InternalError',
  /** A value that does not match the schema type of its field. */
  TypeInvalid: 'FieldValueTypeInvalid',
} as const;

/** FieldErrorType is one of the upstream field error type strings. */
export type FieldErrorType = (typeof FIELD_ERROR_TYPES)[keyof typeof FIELD_ERROR_TYPES];

/** FIELD_ERROR_TYPE_TEXT is the canonical human text of each type (upstream `ErrorType.String()`). */
export const FIELD_ERROR_TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** OMIT_VALUE as a bad value means "do not print the value" (upstream `omitValue`). */
export const OMIT_VALUE: unique symbol = Symbol('field.omitValue');

/**
 * FieldError is one field-level validation error. `toString()` (and `message`) render it as
 * upstream `(*field.Error).Error()`: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`.
 */
export class FieldError {
  constructor(
    /** The machine-readable error type. */
    readonly type: FieldErrorType,
    /** The rendered field path (`spec.containers[0].name`). */
    readonly field: string,
    /** The offending value, or {@link OMIT_VALUE}. */
    readonly badValue: unknown,
    /** A human-readable detail, possibly ''. */
    readonly detail: string,
  ) {}

  /** errorBody renders the error without the field path (upstream `ErrorBody`), used as a StatusCause message. */
  errorBody(): string {
    const text = FIELD_ERROR_TYPE_TEXT[this.type];
    let s: string;
    switch (this.type) {
      case 'FieldValueRequired':
      case 'FieldValueForbidden':
      case 'FieldValueTooLong':
      case 'InternalError':
        s = text;
        break;
      default:
        s = this.badValue === OMIT_VALUE ? text : `${text}: ${formatBadValue(this.badValue)}`;
    }
    if (this.detail.length !== 0) s += `: ${this.detail}`;
    return s;
  }

  /** message is `field: body`. */
  get message(): string {
    return `${this.field}: ${this.errorBody()}`;
  }

  toString(): string {
    return this.message;
  }
}

/** goQuote renders a string like Go's `%q` (close enough: JSON escaping with Go's escapes for control chars). */
export function goQuote(s: string): string {
  return JSON.stringify(s)
    .replace(/\\u0007/g, '\\a')
    .replace(/\\u000b/g, '\\v')
    .replace(/\\u00([0-1][0-9a-f])/g, '\\x$1')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * formatBadValue renders a bad value the way upstream's ErrorBody does for Go values:
 * numbers and booleans plainly, strings quoted, null/undefined as `null`, string lists as
 * `[]string{"a", "b"}`, string maps as `map[string]string{"k":"v"}`, anything else as JSON.
 */
export function formatBadValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'string':
      return goQuote(value);
    default:
      break;
  }
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return `[]string{${value.map(goQuote).join(', ')}}`;
    if (value.every((v) => typeof v === 'number' && Number.isInteger(v))) return `[]int{${value.join(', ')}}`;
    return JSON.stringify(value);
  }
  if (typeof value === 'object') {
    const custom = (value as { toString?: () => string }).toString;
    if (custom && custom !== Object.prototype.toString) return String(value);
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.every(([, v]) => typeof v === 'string')) {
      const sorted = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `map[string]string{${sorted.map(([k, v]) => `${goQuote(k)}:${goQuote(v as string)}`).join(', ')}}`;
    }
    return JSON.stringify(value);
  }
  return String(value);
}

/** required reports a missing required value (upstream `field.Required`). */
export function required(path: FieldPath, detail = ''): FieldError {
  return new FieldError('FieldValueRequired', path.toString(), '', detail);
}

/** invalidValue reports a malformed value (upstream `field.Invalid`). */
export function invalidValue(path: FieldPath, value: unknown, detail: string): FieldError {
  return new FieldError('FieldValueInvalid', path.toString(), value, detail);
}

/** notSupported reports an unknown enum value, listing the supported ones quoted (upstream `field.NotSupported`). */
export function notSupported(path: FieldPath, value: unknown, validValues: readonly string[]): FieldError {
  const detail = validValues.length > 0 ? `supported values: ${validValues.map(goQuote).join(', ')}` : '';
  return new FieldError('FieldValueNotSupported', path.toString(), value, detail);
}

/** duplicate reports a value that must be unique (upstream `field.Duplicate`). */
export function duplicate(path: FieldPath, value: unknown): FieldError {
  return new FieldError('FieldValueDuplicate', path.toString(), value, '');
}

/** forbiddenField reports a value not permitted here (upstream `field.Forbidden`). */
export function forbiddenField(path: FieldPath, detail: string): FieldError {
  return new FieldError('FieldValueForbidden', path.toString(), '', detail);
}

/** tooLong reports a value over `maxLength` bytes; the value is not printed (upstream `field.TooLong`). */
export function tooLong(path: FieldPath, value: unknown, maxLength: number): FieldError {
  return new FieldError('FieldValueTooLong', path.toString(), value, `must have at most ${maxLength} bytes`);
}

/** tooLongMaxLength is upstream `field.TooLongMaxLength` (`may not be longer than N`; negative N: `value is too long`). */
export function tooLongMaxLength(path: FieldPath, value: unknown, maxLength: number): FieldError {
  const detail = maxLength >= 0 ? `may not be longer than ${maxLength}` : 'value is too long';
  return new FieldError('FieldValueTooLong', path.toString(), value, detail);
}

/** tooMany reports a list with `actual` items over `max` (negative numbers omit them, as upstream `field.TooMany`). */
export function tooMany(path: FieldPath, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} items` : 'has too many items';
  return new FieldError('FieldValueTooMany', path.toString(), actual >= 0 ? actual : OMIT_VALUE, detail);
}

/** typeInvalid reports a value not matching its schema type (upstream `field.TypeInvalid`). */
export function typeInvalid(path: FieldPath, value: unknown, detail: string): FieldError {
  return new FieldError('FieldValueTypeInvalid', path.toString(), value, detail);
}

/** notFoundField reports a referenced value that does not exist (upstream `field.NotFound`). */
export function notFoundField(path: FieldPath, value: unknown): FieldError {
  return new FieldError('FieldValueNotFound', path.toString(), value, '');
}

/** internal reports an error not caused by user input (upstream `field.InternalError`). */
export function internal(path: FieldPath, err: unknown): FieldError {
  return new FieldError('InternalError', path.toString(), null, err instanceof Error ? err.message : String(err));
}

/**
 * aggregateFieldErrors renders a list like upstream `ErrorList.ToAggregate().Error()`:
 * duplicates dropped, a single message as is, several as `[a, b]`; undefined for an empty list.
 */
export function aggregateFieldErrors(errs: readonly FieldError[]): string | undefined {
  return aggregateMessages(errs.map((e) => e.message));
}

/** aggregateMessages renders messages like upstream `utilerrors.Aggregate.Error()`. */
export function aggregateMessages(messages: readonly string[]): string | undefined {
  if (messages.length === 0) return undefined;
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

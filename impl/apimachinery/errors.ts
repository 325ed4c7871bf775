/**
 * Kubernetes API errors as `Status` objects, in the style of upstream
 * `k8s.io/apimachinery/pkg/api/errors/errors.go`: one `StatusError` class, one constructor per
 * reason (messages word for word as upstream, because kubectl and conformance tests read them),
 * one `is*` predicate per reason, and {@link toStatus} for the HTTP boundary.
 */
import type { Status, StatusCause } from '#generated/k8s/index.ts';
import { aggregateFieldErrors, type FieldError } from './field-errors.ts';

/**
 * STATUS_REASONS lists the upstream `metav1.StatusReason` values. Keys and values are the
 * same wire strings, except `Unknown`, which is the empty reason.
 */
export const STATUS_REASONS = {
  /** The server has declined to indicate a specific reason (500). */
  Unknown: '',
  /** The client must authenticate (401). */
  Unauthorized: 'Unauthorized',
  /** The action is not allowed for this client (403). */
  Forbidden: 'Forbidden',
  /** The resource does not exist (404). */
  NotFound: 'NotFound',
  /** A create found the resource already there (409). */
  AlreadyExists: 'AlreadyExists',
  /** The update conflicts with the current state, e.g. a stale resourceVersion (409). */
  Conflict: 'Conflict',
  /** The item is no longer available (410). */
  Gone: 'Gone',
  /** The object failed validation; details hold field causes (422). */
  Invalid: 'Invalid',
  /** The server could not complete the action in time; retry (500). */
  ServerTimeout: 'ServerTimeout',
  /** Reading from storage failed, e.g. data corruption (500). */
  StoreReadError: 'StoreReadError',
  /** The request timed out before completion (504). */
  Timeout: 'Timeout',
  /** The client sent too many requests (429). */
  TooManyRequests: 'TooManyRequests',
  /** The request itself is malformed (400). */
  BadRequest: 'BadRequest',
  /** The action is not supported on this resource (405). */
  MethodNotAllowed: 'MethodNotAllowed',
  /** None of the Accept types can be served (406). */
  NotAcceptable: 'NotAcceptable',
  /** The body is too large (413). */
  RequestEntityTooLarge: 'RequestEntityTooLarge',
  /** The Content-Type is not understood (415). */
  UnsupportedMediaType: 'UnsupportedMediaType',
  /** An unexpected internal error (500). */
  InternalError: 'InternalError',
  /** The requested content expired, e.g. a compacted resourceVersion (410). */
  Expired: 'Expired',
  /** The service is unavailable (503). */
  ServiceUnavailable: 'ServiceUnavailable',
} as const;

/** StatusReason is one of the upstream Status reason strings ('' = unknown). */
export type StatusReason = (typeof STATUS_REASONS)[keyof typeof STATUS_REASONS];

/**
 * STATUS_CODES_BY_REASON is the HTTP status code of each reason, as upstream's constructors use
 * them. A new reason does not compile until it has a code here.
 */
export const STATUS_CODES_BY_REASON: Record<StatusReason, number> = {
  '': 500,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Invalid: 422,
  ServerTimeout: 500,
  StoreReadError: 500,
  Timeout: 504,
  TooManyRequests: 429,
  BadRequest: 400,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  InternalError: 500,
  Expired: 410,
  ServiceUnavailable: 503,
};

/** CAUSE_TYPES lists the upstream `metav1.CauseType` values that are not field error types. */
export const CAUSE_TYPES = {
  /** A field manager owns a field the applier tried to change (server-side apply). */
  FieldManagerConflict: 'FieldManagerConflict',
  /** A resourceVersion newer than the server's current one was requested. */
  ResourceVersionTooLarge: 'ResourceVersionTooLarge',
  /** The server responded with something a client could not interpret. */
  UnexpectedServerResponse: 'UnexpectedServerResponse',
} as const;

/** OPTIMISTIC_LOCK_ERROR_MSG is upstream's `registry.OptimisticLockErrorMsg`, the `err` of a stale-resourceVersion conflict. */
export const OPTIMISTIC_LOCK_ERROR_MSG =
  'the object has been modified; please apply your changes to the latest version and try again';

/** GroupResource names a resource of an API group ('' for core), e.g. `{ group: 'apps', resource: 'deployments' }`. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** GroupKind names a kind of an API group ('' for core), e.g. `{ group: 'apps', kind: 'Deployment' }`. */
export interface GroupKind {
  group: string;
  kind: string;
}

/** groupResourceString renders `resource` or `resource.group` (upstream `GroupResource.String()`). */
export function groupResourceString(gr: GroupResource): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

/** groupKindString renders `Kind` or `Kind.group` (upstream `GroupKind.String()`). */
export function groupKindString(gk: GroupKind): string {
  return gk.group === '' ? gk.kind : `${gk.kind}.${gk.group}`;
}

/** errorText renders anything thrown the way Go's `%v` renders an error. */
function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** knownReason is true for reasons upstream lists in `knownReasons` (all but ''). */
function isKnownReason(reason: string): boolean {
  return reason !== '' && Object.hasOwn(STATUS_CODES_BY_REASON, reason);
}

/** Fields of a failure Status accepted by {@link StatusError}. */
export interface StatusErrorInit {
  reason: StatusReason;
  message: string;
  /** Defaults to `STATUS_CODES_BY_REASON[reason]`. */
  code?: number;
  details?: Status['details'];
}

/**
 * StatusError is an error carrying a Kubernetes `Status` (status `Failure`), as upstream
 * `errors.StatusError`. Throw it anywhere; the HTTP layer writes `status` as the body and
 * `status.code` as the HTTP status.
 */
export class StatusError extends Error {
  /** The Status object sent to clients. */
  readonly status: Status;

  constructor(init: StatusErrorInit | Status, options?: { cause?: unknown }) {
    const status: Status = isStatusObject(init)
      ? init
      : {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: init.message,
          reason: init.reason,
          ...(init.details !== undefined ? { details: init.details } : {}),
          code: init.code ?? STATUS_CODES_BY_REASON[init.reason],
        };
    super(status.message ?? '', options);
    this.name = 'StatusError';
    this.status = status;
  }

  /** code is the HTTP status code. */
  get code(): number {
    return this.status.code ?? 500;
  }

  /** reason is the Status reason ('' when unknown). */
  get reason(): string {
    return this.status.reason ?? '';
  }

  toJSON(): Status {
    return this.status;
  }
}

function isStatusObject(x: unknown): x is Status {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'Status';
}

/** details builds StatusDetails with Go's field order (name, group, kind), empty values omitted. */
function details(gr: GroupResource, name?: string): NonNullable<Status['details']> {
  const d: NonNullable<Status['details']> = {};
  if (name !== undefined && name !== '') d.name = name;
  if (gr.group !== '') d.group = gr.group;
  if (gr.resource !== '') d.kind = gr.resource;
  return d;
}

/** notFound: `pods "x" not found` (404 NotFound; upstream NewNotFound). */
export function notFound(qualifiedResource: GroupResource, name: string): StatusError {
  return new StatusError({
    reason: 'NotFound',
    details: details(qualifiedResource, name),
    message: `${groupResourceString(qualifiedResource)} "${name}" not found`,
  });
}

/** alreadyExists: `pods "x" already exists` (409 AlreadyExists; upstream NewAlreadyExists). */
export function alreadyExists(qualifiedResource: GroupResource, name: string): StatusError {
  return new StatusError({
    reason: 'AlreadyExists',
    details: details(qualifiedResource, name),
    message: `${groupResourceString(qualifiedResource)} "${name}" already exists`,
  });
}

/** generateNameConflict: the server could not generate a unique name (409 AlreadyExists with retryAfterSeconds). */
export function generateNameConflict(qualifiedResource: GroupResource, name: string, retryAfterSeconds: number): StatusError {
  return new StatusError({
    reason: 'AlreadyExists',
    details: { ...details(qualifiedResource, name), ...(retryAfterSeconds ? { retryAfterSeconds } : {}) },
    message: `${groupResourceString(qualifiedResource)} "${name}" already exists, the server was not able to generate a unique name for the object`,
  });
}

/** unauthorized: 401 with the given reason text, or `not authorized`. */
export function unauthorized(reason = ''): StatusError {
  return new StatusError({ reason: 'Unauthorized', message: reason === '' ? 'not authorized' : reason });
}

/**
 * forbidden: `forbidden: ERR`, `pods is forbidden: ERR` or `pods "x" is forbidden: ERR`
 * depending on what is known (403; upstream NewForbidden).
 */
export function forbidden(qualifiedResource: GroupResource, name: string, err: unknown): StatusError {
  const qr = groupResourceString(qualifiedResource);
  let message: string;
  if (qualifiedResource.group === '' && qualifiedResource.resource === '') message = `forbidden: ${errorText(err)}`;
  else if (name === '') message = `${qr} is forbidden: ${errorText(err)}`;
  else message = `${qr} "${name}" is forbidden: ${errorText(err)}`;
  return new StatusError({ reason: 'Forbidden', details: details(qualifiedResource, name), message });
}

/**
 * conflict: `Operation cannot be fulfilled on pods "x": ERR` (409 Conflict; upstream NewConflict).
 * For a stale resourceVersion pass {@link OPTIMISTIC_LOCK_ERROR_MSG} as `err`.
 */
export function conflict(qualifiedResource: GroupResource, name: string, err: unknown): StatusError {
  return new StatusError({
    reason: 'Conflict',
    details: details(qualifiedResource, name),
    message: `Operation cannot be fulfilled on ${groupResourceString(qualifiedResource)} "${name}": ${errorText(err)}`,
  });
}

/** applyConflict: a server-side apply conflict with one cause per field (409 Conflict; upstream NewApplyConflict). */
export function applyConflict(causes: StatusCause[], message: string): StatusError {
  return new StatusError({ reason: 'Conflict', details: { causes }, message });
}

/** gone: 410 Gone with the message as is (upstream NewGone, deprecated there in favour of resourceExpired). */
export function gone(message: string): StatusError {
  return new StatusError({ reason: 'Gone', message });
}

/** resourceExpired: 410 Expired, e.g. `too old resource version: 5 (10)` (upstream NewResourceExpired). */
export function resourceExpired(message: string): StatusError {
  return new StatusError({ reason: 'Expired', message });
}

/** expired is an alias of {@link resourceExpired}. */
export const expired = resourceExpired;

/**
 * invalid: `Pod "x" is invalid: spec.containers[0].name: Required value` (one error) or
 * `... is invalid: [a, b]` (several), 422 Invalid with one cause per field error (upstream NewInvalid).
 */
export function invalid(qualifiedKind: GroupKind, name: string, fieldErrors: readonly FieldError[]): StatusError {
  const causes: StatusCause[] = fieldErrors.map((e) => ({ reason: e.type, message: e.errorBody(), field: e.field }));
  const d: NonNullable<Status['details']> = details({ group: qualifiedKind.group, resource: qualifiedKind.kind }, name);
  d.causes = causes;
  const agg = aggregateFieldErrors(fieldErrors);
  const head = `${groupKindString(qualifiedKind)} "${name}" is invalid`;
  return new StatusError({ reason: 'Invalid', details: d, message: agg === undefined ? head : `${head}: ${agg}` });
}

/** badRequest: 400 BadRequest with the message as is (upstream NewBadRequest). */
export function badRequest(message: string): StatusError {
  return new StatusError({ reason: 'BadRequest', message });
}

/** tooManyRequests: 429 with the message as is and retryAfterSeconds (upstream NewTooManyRequests). */
export function tooManyRequests(message: string, retryAfterSeconds = 0): StatusError {
  return new StatusError({
    reason: 'TooManyRequests',
    message,
    details: retryAfterSeconds ? { retryAfterSeconds } : {},
  });
}

/** tooManyRequestsError: 429 `Too many requests: MSG` (upstream NewTooManyRequestsError). */
export function tooManyRequestsError(message: string): StatusError {
  return new StatusError({ reason: 'TooManyRequests', message: `Too many requests: ${message}` });
}

/** serviceUnavailable: 503 with the message as is (upstream NewServiceUnavailable). */
export function serviceUnavailable(message: string): StatusError {
  return new StatusError({ reason: 'ServiceUnavailable', message });
}

/** methodNotSupported: `ACTION is not supported on resources of kind "pods"` (405 MethodNotAllowed). */
export function methodNotSupported(qualifiedResource: GroupResource, action: string): StatusError {
  return new StatusError({
    reason: 'MethodNotAllowed',
    details: details(qualifiedResource),
    message: `${action} is not supported on resources of kind "${groupResourceString(qualifiedResource)}"`,
  });
}

/** serverTimeout: `The OP operation against pods could not be completed at this time, please try again.` (500 ServerTimeout). */
export function serverTimeout(qualifiedResource: GroupResource, operation: string, retryAfterSeconds = 0): StatusError {
  return new StatusError({
    reason: 'ServerTimeout',
    details: { ...details(qualifiedResource, operation), ...(retryAfterSeconds ? { retryAfterSeconds } : {}) },
    message: `The ${operation} operation against ${groupResourceString(qualifiedResource)} could not be completed at this time, please try again.`,
  });
}

/** internalError: `Internal error occurred: MSG` (500 InternalError, one cause); keeps `cause` for logs. */
export function internalError(cause: unknown): StatusError {
  const text = errorText(cause);
  return new StatusError(
    { reason: 'InternalError', details: { causes: [{ message: text }] }, message: `Internal error occurred: ${text}` },
    { cause },
  );
}

/** timeout: `Timeout: MSG` (504 Timeout; upstream NewTimeoutError). */
export function timeout(message: string, retryAfterSeconds = 0): StatusError {
  return new StatusError({
    reason: 'Timeout',
    message: `Timeout: ${message}`,
    details: retryAfterSeconds ? { retryAfterSeconds } : {},
  });
}

/** requestEntityTooLarge: `Request entity too large: MSG` (413; upstream NewRequestEntityTooLargeError). */
export function requestEntityTooLarge(message: string): StatusError {
  return new StatusError({ reason: 'RequestEntityTooLarge', message: `Request entity too large: ${message}` });
}

/** notAcceptable: `only the following media types are accepted: a, b` (406; upstream negotiation.NewNotAcceptableError). */
export function notAcceptable(acceptedMediaTypes: readonly string[]): StatusError {
  return new StatusError({
    reason: 'NotAcceptable',
    message: `only the following media types are accepted: ${acceptedMediaTypes.join(', ')}`,
  });
}

/**
 * unsupportedMediaType: `the body of the request was in an unknown format - accepted media types include: a, b`
 * (415; upstream negotiation.NewUnsupportedMediaTypeError).
 */
export function unsupportedMediaType(acceptedMediaTypes: readonly string[]): StatusError {
  return new StatusError({
    reason: 'UnsupportedMediaType',
    message: `the body of the request was in an unknown format - accepted media types include: ${acceptedMediaTypes.join(', ')}`,
  });
}

/**
 * unknownError: a Status with the empty (unknown) reason, as upstream's `ErrorToAPIStatus` builds for
 * errors that are not StatusErrors: code 500 by default, message as is.
 */
export function unknownError(message: string, code = 500): StatusError {
  return new StatusError({ reason: '', code, message });
}

const GENERIC_MESSAGES: Record<number, { reason: StatusReason; message: (serverMessage: string) => string }> = {
  400: { reason: 'BadRequest', message: () => 'the server rejected our request for an unknown reason' },
  401: { reason: 'Unauthorized', message: () => 'the server has asked for the client to provide credentials' },
  403: { reason: 'Forbidden', message: (m) => m },
  404: { reason: 'NotFound', message: () => 'the server could not find the requested resource' },
  405: { reason: 'MethodNotAllowed', message: () => 'the server does not allow this method on the requested resource' },
  406: {
    reason: 'NotAcceptable',
    message: (m) => (m === '' || m === 'unknown' ? 'the server was unable to respond with a content type that the client supports' : m),
  },
  415: { reason: 'UnsupportedMediaType', message: (m) => m },
  422: { reason: 'Invalid', message: () => 'the server rejected our request due to an error in our request' },
  429: { reason: 'TooManyRequests', message: () => 'the server has received too many requests and has asked us to try again later' },
  503: { reason: 'ServiceUnavailable', message: () => 'the server is currently unable to handle the request' },
  504: {
    reason: 'Timeout',
    message: () => 'the server was unable to return a response in the time allotted, but may still be processing the request',
  },
};

/**
 * genericServerResponse mirrors upstream NewGenericServerResponse for the server-side uses (verb and
 * resource empty): e.g. a failed JSON patch is `genericServerResponse(422, err.message)`, a 422
 * Invalid whose message is `the server rejected our request due to an error in our request`.
 * `serverMessage` is kept only where upstream keeps it (403, 406, 415, 5xx); `cause` is kept for logs.
 */
export function genericServerResponse(code: number, serverMessage: string, cause?: unknown): StatusError {
  let reason: StatusReason = '';
  let message = `the server responded with the status code ${code} but did not return more information`;
  const g = GENERIC_MESSAGES[code];
  if (code === 409) {
    reason = 'Conflict';
    message = 'the server reported a conflict';
  } else if (g) {
    reason = g.reason;
    message = g.message(serverMessage);
  } else if (code >= 500) {
    reason = 'InternalError';
    message = `an error on the server (${JSON.stringify(serverMessage)}) has prevented the request from succeeding`;
  }
  return new StatusError({ reason, code, message, details: {} }, { cause: cause ?? new Error(serverMessage) });
}

/** storeReadError: 500 StoreReadError with the message as is (corrupt data in storage). */
export function storeReadError(message: string): StatusError {
  return new StatusError({ reason: 'StoreReadError', message });
}

/** fieldLabelNotSupported: `field label not supported: x` (400), for field selectors on unsupported fields. */
export function fieldLabelNotSupported(label: string): StatusError {
  return badRequest(`field label not supported: ${label}`);
}

/** asStatusError returns `err` if it is a StatusError (or a Status object), else undefined. */
export function asStatusError(err: unknown): StatusError | undefined {
  if (err instanceof StatusError) return err;
  if (isStatusObject(err)) return new StatusError(err);
  return undefined;
}

/** reasonForError returns the Status reason of a StatusError, '' for anything else (upstream ReasonForError). */
export function reasonForError(err: unknown): string {
  return asStatusError(err)?.status.reason ?? '';
}

function reasonOrCode(reason: StatusReason, code: number): (err: unknown) => boolean {
  return (err) => {
    const se = asStatusError(err);
    if (!se) return false;
    const r = se.status.reason ?? '';
    if (r === reason) return true;
    return !isKnownReason(r) && se.status.code === code;
  };
}

function reasonOnly(reason: StatusReason): (err: unknown) => boolean {
  return (err) => (asStatusError(err)?.status.reason ?? '') === reason;
}

/** isNotFound: reason NotFound (or an unknown reason with code 404). */
export const isNotFound = reasonOrCode('NotFound', 404);
/** isAlreadyExists: reason AlreadyExists. */
export const isAlreadyExists = reasonOnly('AlreadyExists');
/** isConflict: reason Conflict (or an unknown reason with code 409). */
export const isConflict = reasonOrCode('Conflict', 409);
/** isInvalid: reason Invalid (or an unknown reason with code 422). */
export const isInvalid = reasonOrCode('Invalid', 422);
/** isGone: reason Gone (or an unknown reason with code 410). */
export const isGone = reasonOrCode('Gone', 410);
/** isResourceExpired: reason Expired. */
export const isResourceExpired = reasonOnly('Expired');
/** isNotAcceptable: reason NotAcceptable (or code 406). */
export const isNotAcceptable = reasonOrCode('NotAcceptable', 406);
/** isUnsupportedMediaType: reason UnsupportedMediaType (or code 415). */
export const isUnsupportedMediaType = reasonOrCode('UnsupportedMediaType', 415);
/** isMethodNotSupported: reason MethodNotAllowed (or code 405). */
export const isMethodNotSupported = reasonOrCode('MethodNotAllowed', 405);
/** isServiceUnavailable: reason ServiceUnavailable (or code 503). */
export const isServiceUnavailable = reasonOrCode('ServiceUnavailable', 503);
/** isBadRequest: reason BadRequest (or code 400). */
export const isBadRequest = reasonOrCode('BadRequest', 400);
/** isUnauthorized: reason Unauthorized (or code 401). */
export const isUnauthorized = reasonOrCode('Unauthorized', 401);
/** isForbidden: reason Forbidden (or code 403). */
export const isForbidden = reasonOrCode('Forbidden', 403);
/** isTimeout: reason Timeout (or code 504). */
export const isTimeout = reasonOrCode('Timeout', 504);
/** isServerTimeout: reason ServerTimeout. */
export const isServerTimeout = reasonOnly('ServerTimeout');
/** isInternalError: reason InternalError (or code 500). */
export const isInternalError = reasonOrCode('InternalError', 500);
/** isTooManyRequests: reason TooManyRequests or code 429 (whatever the reason, as upstream). */
export const isTooManyRequests = (err: unknown): boolean => {
  const se = asStatusError(err);
  return !!se && (se.status.reason === 'TooManyRequests' || se.status.code === 429);
};
/** isRequestEntityTooLarge: reason RequestEntityTooLarge or code 413 (whatever the reason, as upstream). */
export const isRequestEntityTooLarge = (err: unknown): boolean => {
  const se = asStatusError(err);
  return !!se && (se.status.reason === 'RequestEntityTooLarge' || se.status.code === 413);
};
/** isStoreReadError: reason StoreReadError. */
export const isStoreReadError = reasonOnly('StoreReadError');

/**
 * toStatus turns anything thrown into a failure `Status` (the one conversion at the HTTP boundary):
 * a StatusError gives its Status, a Status object is returned as is, and anything else becomes
 * `internalError(err)`.
 */
export function toStatus(err: unknown): Status {
  return toStatusError(err).status;
}

/** toStatusError is {@link toStatus} returning the StatusError (keeps the original as `cause` for logging). */
export function toStatusError(err: unknown): StatusError {
  return asStatusError(err) ?? internalError(err);
}

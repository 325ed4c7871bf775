/**
 * Typed errors for the REST client: every non-2xx answer from an apiserver becomes an
 * {@link ApiError} carrying the `Status` the server sent (or one synthesised from the HTTP
 * code when the body was not a Status), the way client-go's `errors.StatusError` does.
 */

/** StatusCause is one field-level cause inside `Status.details.causes`. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** StatusDetails is `Status.details`: which object the error is about and why. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/**
 * ApiStatus is the wire shape of a `meta/v1 Status` as the client reads it.
 * TODO(#7): switch to the generated `Status` type once `generated/k8s/index.ts` exists.
 */
export interface ApiStatus {
  kind?: string;
  apiVersion?: string;
  metadata?: Record<string, unknown>;
  status?: string;
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

/**
 * ApiError is thrown by the REST client for every non-2xx response. `code`, `reason`,
 * `message` and `details` come from the server's Status; `body` keeps the raw text.
 * Like client-go's `StatusError.Error()`, `message` is the Status message alone (so events
 * read `Error creating: pods "x" is forbidden: ...`); {@link ApiError.describe} adds the
 * request and code for logs.
 */
export class ApiError extends Error {
  /** The Status object (from the server, or synthesised from the HTTP answer). */
  readonly status: ApiStatus;
  /** HTTP status code. */
  readonly code: number;
  /** Status reason (`NotFound`, `Conflict`, `Invalid`...), '' when unknown. */
  readonly reason: string;
  /** Status details, if any. */
  readonly details: StatusDetails | undefined;
  /** The request that failed, e.g. `PUT /api/v1/namespaces/x/configmaps/y`. */
  readonly request: string;
  /** The raw response body. */
  readonly body: string;

  constructor(opts: { code: number; status?: ApiStatus; request: string; body: string }) {
    const status: ApiStatus = opts.status ?? {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: opts.code,
      reason: reasonForCode(opts.code),
      message: opts.body.slice(0, 500) || `HTTP ${opts.code}`,
    };
    super(status.message || `${opts.code} ${status.reason ?? reasonForCode(opts.code)}`.trim());
    this.name = 'ApiError';
    this.status = status;
    this.code = status.code ?? opts.code;
    this.reason = status.reason ?? '';
    this.details = status.details;
    this.request = opts.request;
    this.body = opts.body;
  }

  /** describe is the message with the failed request and code, for logs: `GET /x: 404 NotFound: msg`. */
  describe(): string {
    return `${this.request}: ${this.code} ${this.reason}: ${this.message}`;
  }
}

/** reasonForCode maps an HTTP code to the upstream Status reason (apimachinery `reasonForCode`). */
export function reasonForCode(code: number): string {
  switch (code) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 405: return 'MethodNotAllowed';
    case 406: return 'NotAcceptable';
    case 409: return 'Conflict';
    case 410: return 'Expired';
    case 413: return 'RequestEntityTooLarge';
    case 415: return 'UnsupportedMediaType';
    case 422: return 'Invalid';
    case 429: return 'TooManyRequests';
    case 500: return 'InternalError';
    case 503: return 'ServiceUnavailable';
    case 504: return 'Timeout';
    default: return 'Unknown';
  }
}

function hasReason(err: unknown, reason: string, code?: number): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.reason === reason) return true;
  return err.reason === '' || err.reason === 'Unknown' ? err.code === code : false;
}

/** isNotFound reports whether err is an ApiError with reason NotFound (404). */
export const isNotFound = (err: unknown): boolean => hasReason(err, 'NotFound', 404);
/** isAlreadyExists reports whether err is an ApiError with reason AlreadyExists. */
export const isAlreadyExists = (err: unknown): boolean => hasReason(err, 'AlreadyExists');
/** isConflict reports whether err is an ApiError with reason Conflict (409). */
export const isConflict = (err: unknown): boolean => hasReason(err, 'Conflict', 409);
/** isInvalid reports whether err is an ApiError with reason Invalid (422). */
export const isInvalid = (err: unknown): boolean => hasReason(err, 'Invalid', 422);
/** isBadRequest reports whether err is an ApiError with reason BadRequest (400). */
export const isBadRequest = (err: unknown): boolean => hasReason(err, 'BadRequest', 400);
/** isForbidden reports whether err is an ApiError with reason Forbidden (403). */
export const isForbidden = (err: unknown): boolean => hasReason(err, 'Forbidden', 403);
/** isGone reports whether err is an ApiError with reason Expired or Gone (410). */
export const isGone = (err: unknown): boolean =>
  err instanceof ApiError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
/** isTooManyRequests reports whether err is an ApiError with code 429. */
export const isTooManyRequests = (err: unknown): boolean => err instanceof ApiError && err.code === 429;

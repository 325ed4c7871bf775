/**
 * Typed CRI client errors: every non-OK gRPC status from a runtime becomes a {@link CriError}
 * subclass named after the status (NotFoundError, UnavailableError, ...), carrying the CRI method,
 * the gRPC code and the runtime's message. The mapping is a `Record` over all gRPC codes, so it
 * cannot miss one. This is the one place where gRPC codes are interpreted (house style rule 6).
 */
import { status as GrpcStatus } from '@grpc/grpc-js';

/** CRI_ERROR_REASONS maps every non-OK gRPC code to the reason name used for the error class. */
export const CRI_ERROR_REASONS = {
  [GrpcStatus.CANCELLED]: 'Canceled',
  [GrpcStatus.UNKNOWN]: 'Unknown',
  [GrpcStatus.INVALID_ARGUMENT]: 'InvalidArgument',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [GrpcStatus.NOT_FOUND]: 'NotFound',
  [GrpcStatus.ALREADY_EXISTS]: 'AlreadyExists',
  [GrpcStatus.PERMISSION_DENIED]: 'PermissionDenied',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [GrpcStatus.FAILED_PRECONDITION]: 'FailedPrecondition',
  [GrpcStatus.ABORTED]: 'Aborted',
  [GrpcStatus.OUT_OF_RANGE]: 'OutOfRange',
  [GrpcStatus.UNIMPLEMENTED]: 'Unimplemented',
  [GrpcStatus.INTERNAL]: 'Internal',
  [GrpcStatus.UNAVAILABLE]: 'Unavailable',
  [GrpcStatus.DATA_LOSS]: 'DataLoss',
  [GrpcStatus.UNAUTHENTICATED]: 'Unauthenticated',
} as const satisfies Record<Exclude<GrpcStatus, GrpcStatus.OK>, string>;

/** CriErrorReason is the closed set of reasons ('NotFound', 'Unavailable', ...). */
export type CriErrorReason = (typeof CRI_ERROR_REASONS)[keyof typeof CRI_ERROR_REASONS];

/** CriError is a failed CRI call: which method, which gRPC code, and the runtime's message. */
export class CriError extends Error {
  override readonly name: string = 'CriError';
  /** reason names the gRPC status ('NotFound', 'Unavailable', ...). */
  readonly reason: CriErrorReason;
  /** grpcCode is the numeric gRPC status code. */
  readonly grpcCode: number;
  /** method is the CRI method as on the wire, e.g. `/runtime.v1.RuntimeService/StopContainer`. */
  readonly method: string;
  /** details is the runtime's own message (without our prefix). */
  readonly details: string;

  constructor(init: { reason: CriErrorReason; grpcCode: number; method: string; details: string; cause?: unknown }) {
    super(`${init.method}: ${init.reason}: ${init.details}`, { cause: init.cause });
    this.reason = init.reason;
    this.grpcCode = init.grpcCode;
    this.method = init.method;
    this.details = init.details;
  }
}

/** CanceledError: the call was canceled (AbortSignal or client close). */
export class CanceledError extends CriError { override readonly name = 'CanceledError'; }
/** UnknownError: the runtime failed without a more specific status (containerd uses it a lot). */
export class UnknownError extends CriError { override readonly name = 'UnknownError'; }
/** InvalidArgumentError: the request was rejected as malformed. */
export class InvalidArgumentError extends CriError { override readonly name = 'InvalidArgumentError'; }
/** DeadlineExceededError: the per-call deadline passed. */
export class DeadlineExceededError extends CriError { override readonly name = 'DeadlineExceededError'; }
/** NotFoundError: the sandbox, container or image does not exist. */
export class NotFoundError extends CriError { override readonly name = 'NotFoundError'; }
/** AlreadyExistsError: a name is already reserved (e.g. a sandbox or container name). */
export class AlreadyExistsError extends CriError { override readonly name = 'AlreadyExistsError'; }
/** PermissionDeniedError: the runtime refused the operation. */
export class PermissionDeniedError extends CriError { override readonly name = 'PermissionDeniedError'; }
/** ResourceExhaustedError: out of a resource (or a message too large). */
export class ResourceExhaustedError extends CriError { override readonly name = 'ResourceExhaustedError'; }
/** FailedPreconditionError: wrong state for the operation (e.g. start of a running container). */
export class FailedPreconditionError extends CriError { override readonly name = 'FailedPreconditionError'; }
/** AbortedError: a concurrent conflict aborted the call. */
export class AbortedError extends CriError { override readonly name = 'AbortedError'; }
/** OutOfRangeError: a value out of range. */
export class OutOfRangeError extends CriError { override readonly name = 'OutOfRangeError'; }
/** UnimplementedError: the runtime does not implement the method. */
export class UnimplementedError extends CriError { override readonly name = 'UnimplementedError'; }
/** InternalError: the runtime (or the transport) hit an internal error. */
export class InternalError extends CriError { override readonly name = 'InternalError'; }
/** UnavailableError: the runtime could not be reached (wrong endpoint, not running, restarting). */
export class UnavailableError extends CriError { override readonly name = 'UnavailableError'; }
/** DataLossError: unrecoverable data loss. */
export class DataLossError extends CriError { override readonly name = 'DataLossError'; }
/** UnauthenticatedError: missing or bad credentials. */
export class UnauthenticatedError extends CriError { override readonly name = 'UnauthenticatedError'; }

type CriErrorClass = new (init: ConstructorParameters<typeof CriError>[0]) => CriError;

const CLASS_BY_REASON: Record<CriErrorReason, CriErrorClass> = {
  Canceled: CanceledError,
  Unknown: UnknownError,
  InvalidArgument: InvalidArgumentError,
  DeadlineExceeded: DeadlineExceededError,
  NotFound: NotFoundError,
  AlreadyExists: AlreadyExistsError,
  PermissionDenied: PermissionDeniedError,
  ResourceExhausted: ResourceExhaustedError,
  FailedPrecondition: FailedPreconditionError,
  Aborted: AbortedError,
  OutOfRange: OutOfRangeError,
  Unimplemented: UnimplementedError,
  Internal: InternalError,
  Unavailable: UnavailableError,
  DataLoss: DataLossError,
  Unauthenticated: UnauthenticatedError,
};

/**
 * toCriError converts whatever a gRPC call failed with into a {@link CriError} for `method`.
 * grpc-js `ServiceError`s keep their code and `details`; anything else becomes `Unknown`.
 */
export function toCriError(method: string, err: unknown): CriError {
  if (err instanceof CriError) return err;
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  const code = typeof e?.code === 'number' ? e.code : GrpcStatus.UNKNOWN;
  const reason: CriErrorReason =
    code in CRI_ERROR_REASONS ? CRI_ERROR_REASONS[code as keyof typeof CRI_ERROR_REASONS] : 'Unknown';
  const details =
    typeof e?.details === 'string' && e.details !== '' ? e.details : typeof e?.message === 'string' ? e.message : String(err);
  return new CLASS_BY_REASON[reason]({ reason, grpcCode: code, method, details, cause: err });
}

const is = (reason: CriErrorReason) => (err: unknown): err is CriError => err instanceof CriError && err.reason === reason;

/** isNotFound reports a CRI NotFound (missing sandbox, container or image). */
export const isNotFound = is('NotFound');
/** isUnavailable reports an unreachable runtime. */
export const isUnavailable = is('Unavailable');
/** isDeadlineExceeded reports a call that ran out of time. */
export const isDeadlineExceeded = is('DeadlineExceeded');
/** isUnimplemented reports a method the runtime does not implement. */
export const isUnimplemented = is('Unimplemented');
/** isAlreadyExists reports a name clash. */
export const isAlreadyExists = is('AlreadyExists');
/** isCanceled reports a canceled call. */
export const isCanceled = is('Canceled');

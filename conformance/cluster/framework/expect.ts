/**
 * Assertions for conformance cases. Each failure throws a {@link ConformanceFailure} whose
 * message says what the cluster did wrong (the upstream `framework.ExpectEqual` /
 * `gomega.Expect(...).To(...)` messages, in words a reader can act on).
 */
import { isDeepStrictEqual, inspect } from 'node:util';
import { ApiError } from '#impl/client/index.ts';

/** ConformanceFailure is an assertion failure inside a case (as opposed to a harness error). */
export class ConformanceFailure extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConformanceFailure';
  }
}

const show = (v: unknown): string => inspect(v, { depth: 6, breakLength: 120 });

/** fail throws a {@link ConformanceFailure}. */
export function fail(message: string, cause?: unknown): never {
  throw new ConformanceFailure(message, cause === undefined ? undefined : { cause });
}

/** expectTrue fails with `message` unless `cond` holds. */
export function expectTrue(cond: unknown, message: string): asserts cond {
  if (!cond) fail(message);
}

/** expectEqual fails unless `actual` deep-equals `expected`. */
export function expectEqual<T>(actual: unknown, expected: T, what: string): asserts actual is T {
  if (!isDeepStrictEqual(actual, expected)) fail(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/** expectDefined fails when `v` is undefined or null. */
export function expectDefined<T>(v: T | undefined | null, what: string): T {
  if (v === undefined || v === null) fail(`${what}: expected a value, got ${show(v)}`);
  return v;
}

/** expectContains fails unless string `haystack` contains `needle`. */
export function expectContains(haystack: string, needle: string, what: string): void {
  if (!haystack.includes(needle)) fail(`${what}: expected to contain ${show(needle)}, got ${show(haystack)}`);
}

/** ExpectedApiError narrows which error an operation must fail with. */
export interface ExpectedApiError {
  code?: number;
  reason?: string;
  /** A substring of the Status message. */
  message?: string | RegExp;
}

/**
 * expectApiError awaits `p` and fails unless it rejects with an ApiError matching `want`.
 * Returns the error for further checks.
 */
export async function expectApiError(p: Promise<unknown>, want: ExpectedApiError, what: string): Promise<ApiError> {
  let result: unknown;
  try {
    result = await p;
  } catch (err) {
    if (!(err instanceof ApiError)) fail(`${what}: expected an API error ${show(want)}, got ${err instanceof Error ? err.message : show(err)}`, err);
    const codeOk = want.code === undefined || err.code === want.code;
    const reasonOk = want.reason === undefined || err.reason === want.reason;
    const msg = err.status.message ?? '';
    const messageOk =
      want.message === undefined || (typeof want.message === 'string' ? msg.includes(want.message) : want.message.test(msg));
    if (!codeOk || !reasonOk || !messageOk) {
      fail(`${what}: expected error ${show(want)}, got ${err.code} ${err.reason}: ${msg}`, err);
    }
    return err;
  }
  const rv = (result as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
  return fail(
    `${what}: expected the request to fail with ${want.code ?? ''} ${want.reason ?? ''}`.trimEnd() +
      `, but it succeeded${rv ? ` (returned resourceVersion ${rv})` : ''}`,
  );
}

/** SkipCase is thrown by a case that cannot run here (reported as skipped, not failed). */
export class SkipCase extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SkipCase';
  }
}

/** skip ends the case as skipped with a reason. */
export function skip(message: string): never {
  throw new SkipCase(message);
}

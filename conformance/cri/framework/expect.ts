/**
 * Expectations for validation cases. Each failure message says what was checked, what was expected
 * and what the runtime gave, because that message is all a runtime author sees in the report.
 */
import * as grpc from '@grpc/grpc-js';
import { isDeepStrictEqual, inspect } from 'node:util';
import { CaseFailure } from './case.ts';
import { isCriCallError } from './raw-client.ts';

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : inspect(v, { depth: 4, breakLength: 120 });
}

/** fail throws a CaseFailure with the message. */
export function fail(message: string): never {
  throw new CaseFailure(message);
}

/** expectTrue fails with `message` unless cond holds. */
export function expectTrue(cond: unknown, message: string): asserts cond {
  if (!cond) fail(message);
}

/** expectEqual fails unless actual deep-equals expected: "<what>: expected X, got Y". */
export function expectEqual<T>(actual: unknown, expected: T, what: string): asserts actual is T {
  if (!isDeepStrictEqual(actual, expected)) fail(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/** expectMatch fails unless the string matches re. */
export function expectMatch(actual: string, re: RegExp, what: string): void {
  if (!re.test(actual)) fail(`${what}: expected to match ${re}, got ${show(actual)}`);
}

/** expectContains fails unless haystack contains needle. */
export function expectContains(haystack: string, needle: string, what: string): void {
  if (!haystack.includes(needle)) fail(`${what}: expected to contain ${show(needle)}, got ${show(haystack)}`);
}

/** expectSubset fails unless every key of want is in got with the same value. */
export function expectSubset(got: Record<string, string> | undefined, want: Record<string, string>, what: string): void {
  for (const [k, v] of Object.entries(want)) {
    if (got?.[k] !== v) fail(`${what}: expected ${k}=${show(v)}, got ${got && k in got ? show(got[k]) : 'no such key'} (all: ${show(got ?? {})})`);
  }
}

/**
 * expectGrpcError awaits p and fails unless it rejects with a CRI call error (and with one of the
 * codes, when given). Returns the error.
 */
export async function expectGrpcError(p: Promise<unknown>, what: string, codes?: grpc.status[]): Promise<Error> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    if (!isCriCallError(err)) throw err;
    if (codes && !codes.includes(err.grpcCode)) {
      fail(`${what}: expected gRPC ${codes.map((c) => grpc.status[c]).join(' or ')}, got ${grpc.status[err.grpcCode]}: ${err.details}`);
    }
    return err;
  }
  return fail(`${what}: expected an error${codes ? ` (${codes.map((c) => grpc.status[c]).join(' or ')})` : ''}, but the call succeeded with ${show(value)}`);
}

/** expectNoError awaits p and turns a rejection into a failure that names the step. */
export async function expectNoError<T>(p: Promise<T>, what: string): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof CaseFailure) throw err;
    throw new CaseFailure(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

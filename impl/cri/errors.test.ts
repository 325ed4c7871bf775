import test from 'ava';
import { status } from '@grpc/grpc-js';
import { CriError, NotFoundError, UnavailableError, UnknownError, isNotFound, isUnavailable, toCriError, CRI_ERROR_REASONS } from './errors.ts';

const cases = [
  { name: 'NOT_FOUND becomes NotFoundError', code: status.NOT_FOUND, cls: NotFoundError, reason: 'NotFound' },
  { name: 'UNAVAILABLE becomes UnavailableError', code: status.UNAVAILABLE, cls: UnavailableError, reason: 'Unavailable' },
  { name: 'UNKNOWN becomes UnknownError', code: status.UNKNOWN, cls: UnknownError, reason: 'Unknown' },
  { name: 'an unrecognized code becomes UnknownError', code: 99, cls: UnknownError, reason: 'Unknown' },
] as const;

for (const tc of cases) {
  test(tc.name, (t) => {
    const err = toCriError('/runtime.v1.RuntimeService/X', { code: tc.code, details: 'boom', message: `${tc.code} boom` });
    t.true(err instanceof tc.cls);
    t.true(err instanceof CriError);
    t.is(err.reason, tc.reason);
    t.is(err.details, 'boom');
    t.is(err.message, `/runtime.v1.RuntimeService/X: ${tc.reason}: boom`);
  });
}

test('every non-OK gRPC code has a reason', (t) => {
  for (let code = 1; code <= 16; code++) t.truthy(CRI_ERROR_REASONS[code as keyof typeof CRI_ERROR_REASONS], String(code));
});

test('predicates and pass-through of CriErrors', (t) => {
  const nf = toCriError('/m', { code: status.NOT_FOUND, details: 'x' });
  t.true(isNotFound(nf));
  t.false(isUnavailable(nf));
  t.is(toCriError('/other', nf), nf);
  t.is(toCriError('/m', new Error('plain')).reason, 'Unknown');
});

import test from 'ava';
import { continueAfter, decodeContinue, encodeContinue } from './continue.ts';
import { isStorageError } from './interfaces.ts';

const P = '/registry/pods/';
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('continue tokens use the upstream wire format (unpadded base64url JSON)', (t) => {
  const token = continueAfter('/registry/pods/default/a', P, 42);
  t.false(token.includes('='));
  t.deepEqual(JSON.parse(Buffer.from(token, 'base64url').toString()), { v: 'meta.k8s.io/v1', rv: 42, start: 'default/a\u0000' });
  t.deepEqual(decodeContinue(token, P), { startKey: '/registry/pods/default/a\u0000', revision: 42 });
});

const bad = [
  { name: 'not base64 JSON', token: 'not-a-token' },
  { name: 'another API version', token: b64({ v: 'meta.k8s.io/v2', rv: 1, start: 'a' }) },
  { name: 'no resource version', token: b64({ v: 'meta.k8s.io/v1', rv: 0, start: 'a' }) },
  { name: 'empty start key', token: b64({ v: 'meta.k8s.io/v1', rv: 3, start: '' }) },
  { name: 'a start key escaping the prefix', token: b64({ v: 'meta.k8s.io/v1', rv: 3, start: '../secrets/x' }) },
];
for (const tc of bad) {
  test(`a continue token with ${tc.name} is an InvalidError`, (t) => {
    const err = t.throws(() => decodeContinue(tc.token, P));
    t.true(isStorageError(err, 'InvalidError'));
  });
}

test('encodeContinue refuses a key outside the prefix', (t) => {
  t.throws(() => encodeContinue('/registry/secrets/x', P, 1));
});

import test from 'ava';
import { newTokenFileAuthenticator, parseCsvLine, parseTokenFile } from './token-file.ts';

const csvCases = [
  { name: 'plain record', line: 'tok,alice,1', want: ['tok', 'alice', '1'] },
  { name: 'quoted groups with commas', line: 'tok,alice,1,"g1,g2"', want: ['tok', 'alice', '1', 'g1,g2'] },
  { name: 'escaped quote', line: 'a,"b""c",d', want: ['a', 'b"c', 'd'] },
];
for (const tc of csvCases) test(`csv: ${tc.name}`, (t) => t.deepEqual(parseCsvLine(tc.line), tc.want));

test('token file maps tokens to users and groups', async (t) => {
  const { tokens, warnings } = parseTokenFile('abc,alice,uid1,"system:masters,dev"\n\ndef,bob,uid2\n,empty,3\n');
  t.is(warnings.length, 1);
  const auth = newTokenFileAuthenticator(tokens);
  t.deepEqual((await auth.authenticateToken('abc'))?.user, { name: 'alice', uid: 'uid1', groups: ['system:masters', 'dev'] });
  t.deepEqual((await auth.authenticateToken('def'))?.user, { name: 'bob', uid: 'uid2', groups: [] });
  t.is(await auth.authenticateToken('nope'), undefined);
});

test('short records are rejected', (t) => {
  t.throws(() => parseTokenFile('abc,alice\n'), { message: /at least 3 columns/ });
});

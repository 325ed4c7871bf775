import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, issueClientCert, type Pki } from '#impl/apiserver/pki.ts';
import { authenticateChain, newX509Authenticator, splitPemBundle, subjectFields } from './x509.ts';

const dirs: string[] = [];
let pki: Pki;
let other: Pki;
test.before(async () => {
  dirs.push(mkdtempSync(join(tmpdir(), 'x509-a-')), mkdtempSync(join(tmpdir(), 'x509-b-')));
  [pki, other] = await Promise.all([ensurePki({ dataDir: dirs[0]! }), ensurePki({ dataDir: dirs[1]! })]);
});
test.after.always(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const der = (pem: string) => splitPemBundle(pem)[0]!.raw;

const cases: Array<{ name: string; cert: () => string; want: { user?: string; groups?: string[]; error?: RegExp } }> = [
  { name: 'CN becomes the user, O the groups', cert: () => issueClientCert(pki, 'alice', ['dev', 'ops']).cert, want: { user: 'alice', groups: ['dev', 'ops'] } },
  { name: 'admin cert is system:masters', cert: () => pki.adminCert, want: { user: 'kubernetes-admin', groups: ['system:masters'] } },
  { name: 'cert from another CA is refused', cert: () => issueClientCert(other, 'mallory').cert, want: { error: /certificate signed by unknown authority/ } },
  { name: 'expired cert is refused', cert: () => issueClientCert(pki, 'old', [], new Date('2000-01-01T00:00:00Z')).cert, want: { error: /expired or is not yet valid/ } },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    const r = authenticateChain([der(tc.cert())], splitPemBundle(pki.caCert), new Date());
    if (tc.want.error) {
      t.true(r instanceof Error);
      t.regex((r as Error).message, tc.want.error);
    } else {
      t.false(r instanceof Error);
      if (r instanceof Error) return;
      t.is(r.user.name, tc.want.user ?? '');
      t.deepEqual([...r.user.groups].sort(), [...tc.want.groups!].sort());
    }
  });
}

test('no socket certificate gives no opinion; malformed DER is an error', async (t) => {
  const auth = newX509Authenticator({ clientCA: pki.caCert });
  t.is(await auth.authenticate({ headers: {} }), undefined);
  t.is(await auth.authenticate({ headers: {}, socket: { getPeerCertificate: () => ({}) } }), undefined);
  await t.throwsAsync(auth.authenticate({ headers: {}, socket: { getPeerCertificate: () => ({ raw: Buffer.from('garbage') }) } }), { message: /malformed/ });
  const ok = await auth.authenticate({ headers: {}, socket: { getPeerCertificate: () => ({ raw: der(issueClientCert(pki, 'bob', ['g']).cert) }) } });
  t.is(ok?.user.name, 'bob');
});

test('subjectFields reads repeated O', (t) => {
  t.deepEqual(subjectFields('O=a\nO=b\nCN=x').get('O'), ['a', 'b']);
});

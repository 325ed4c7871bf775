import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClientCert, ensurePki, type Pki } from './pki.ts';

const USER = 'kube-apiserver-kubelet-client';
const GROUPS = ['system:masters'];

const cases: Array<{ name: string; prepare?: (pki: Pki, other: Pki) => void; user?: string; reissued: boolean }> = [
  { name: 'an existing certificate is reused', reissued: false },
  { name: 'a certificate for another subject is reissued', user: 'someone-else', reissued: true },
  {
    name: 'a certificate signed by another CA is reissued',
    prepare: (pki, other) => {
      const foreign = ensureClientCert(other, 'apiserver-kubelet-client', USER, GROUPS);
      writeFileSync(join(pki.dir, 'apiserver-kubelet-client.crt'), foreign.cert);
      writeFileSync(join(pki.dir, 'apiserver-kubelet-client.key'), foreign.key);
    },
    reissued: true,
  },
  {
    name: 'an unreadable certificate is reissued',
    prepare: (pki) => writeFileSync(join(pki.dir, 'apiserver-kubelet-client.crt'), 'garbage'),
    reissued: true,
  },
];

for (const c of cases) {
  test(`ensureClientCert: ${c.name}`, async (t) => {
    const dirs = [mkdtempSync(join(tmpdir(), 'kubets-pki-')), mkdtempSync(join(tmpdir(), 'kubets-pki-'))];
    t.teardown(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
    const [pki, other] = await Promise.all(dirs.map((dataDir) => ensurePki({ dataDir })));
    const first = ensureClientCert(pki!, 'apiserver-kubelet-client', USER, GROUPS);
    c.prepare?.(pki!, other!);
    const user = c.user ?? USER;
    const second = ensureClientCert(pki!, 'apiserver-kubelet-client', user, GROUPS);
    t.is(second.cert !== first.cert, c.reissued);
    const x = new X509Certificate(second.cert);
    t.true(x.checkIssued(new X509Certificate(pki!.caCert)));
    t.is(x.subject, `O=system:masters\nCN=${user}`);
  });
}

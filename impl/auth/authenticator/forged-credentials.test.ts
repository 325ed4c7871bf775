/**
 * Issue #4 acceptance 7 at library level: forged, expired, truncated and wrongly signed tokens
 * and certificates never authenticate, and the authenticator keeps answering.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUnauthorized } from '#impl/apimachinery/index.ts';
import { ensurePki, issueClientCert } from '#impl/apiserver/pki.ts';
import { generateSigningKeyPem, signingKeyFromPem } from '../serviceaccount/keys.ts';
import { newServiceAccountTokenAuthenticator, signToken } from '../serviceaccount/jwt.ts';
import { boundClaims } from '../serviceaccount/claims.ts';
import { authenticateRequest, newRequestAuthenticator } from './config.ts';
import { newTokenFileAuthenticator, parseTokenFile } from './token-file.ts';
import { newX509Authenticator, splitPemBundle } from './x509.ts';

test('1,000 forged credentials: none authenticated', async (t) => {
  const dirs = [mkdtempSync(join(tmpdir(), 'forge-a-')), mkdtempSync(join(tmpdir(), 'forge-b-'))];
  try {
    const [pki, evil] = await Promise.all([ensurePki({ dataDir: dirs[0]! }), ensurePki({ dataDir: dirs[1]! })]);
    const key = signingKeyFromPem(generateSigningKeyPem());
    const evilKey = signingKeyFromPem(generateSigningKeyPem());
    const issuer = 'https://kubernetes.default.svc';
    const now = Math.floor(Date.now() / 1000);
    const claims = boundClaims({ issuer, namespace: 'default', serviceAccount: { name: 'sa', uid: 'u' }, audiences: [issuer], issuedAt: now, expirationSeconds: 3600 });
    const good = await signToken(key, claims);
    const expired = await signToken(key, { ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    const wrongKey = await signToken(evilKey, claims);
    const authn = newRequestAuthenticator({
      x509: newX509Authenticator({ clientCA: pki.caCert }),
      tokenFile: newTokenFileAuthenticator(parseTokenFile('static-token,alice,1\n').tokens),
      serviceAccounts: newServiceAccountTokenAuthenticator({ issuers: [issuer], keys: [key], implicitAudiences: [issuer] }),
    });
    // sanity: the genuine token works
    t.is((await authenticateRequest(authn, { headers: { authorization: `Bearer ${good}` } })).name, 'system:serviceaccount:default:sa');

    const evilCert = splitPemBundle(issueClientCert(evil, 'admin', ['system:masters']).cert)[0]!.raw;
    const oldCert = splitPemBundle(issueClientCert(pki, 'old', [], new Date('2001-01-01T00:00:00Z')).cert)[0]!.raw;
    const goodCert = splitPemBundle(issueClientCert(pki, 'bob').cert)[0]!.raw;
    const rnd = (n: number) => Math.floor(Math.random() * n);
    // Never the last character of a base64url segment: its low bits may be padding, so a change
    // there can decode to the same bytes.
    const flip = (s: string) => {
      let i: number;
      do i = rnd(s.length - 1);
      while (s[i] === '.' || s[i + 1] === '.');
      const c = s[i] === 'A' ? 'B' : 'A';
      return s.slice(0, i) + c + s.slice(i + 1);
    };
    const forgedTokens = (i: number): string => {
      switch (i % 8) {
        case 0: return good.slice(0, rnd(good.length - 1));
        case 1: return expired;
        case 2: return wrongKey;
        case 3: { const [h, p, s] = good.split('.'); return `${h}.${flip(p!)}.${s}`; }
        case 4: { const [, p] = good.split('.'); return `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`; }
        case 5: { const [, p, s] = good.split('.'); return `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${p}.${s}`; }
        case 6: return `static-token${rnd(10)}`;
        default: return flip(good);
      }
    };
    let authenticated = 0;
    for (let i = 0; i < 800; i++) {
      try {
        await authenticateRequest(authn, { headers: { authorization: `Bearer ${forgedTokens(i)}` } });
        authenticated++;
      } catch (err) {
        if (!isUnauthorized(err)) throw err;
      }
    }
    const certs = (i: number): Buffer => {
      switch (i % 4) {
        case 0: return evilCert;
        case 1: return oldCert;
        case 2: { const b = Buffer.from(goodCert); b[b.length - 10 - rnd(50)]! ^= 0xff; return b; }
        default: return goodCert.subarray(0, rnd(goodCert.length - 1));
      }
    };
    for (let i = 0; i < 200; i++) {
      const raw = certs(i);
      try {
        await authenticateRequest(authn, { headers: {}, socket: { getPeerCertificate: () => ({ raw }) } });
        authenticated++;
      } catch (err) {
        if (!isUnauthorized(err)) throw err;
      }
    }
    t.is(authenticated, 0);
    // and it still serves genuine credentials afterwards
    t.is((await authenticateRequest(authn, { headers: {}, socket: { getPeerCertificate: () => ({ raw: goodCert }) } })).name, 'bob');
  } finally {
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  }
});

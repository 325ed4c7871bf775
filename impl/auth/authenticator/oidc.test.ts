import test from 'ava';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { newOIDCAuthenticator } from './oidc.ts';

const ISSUER = 'https://accounts.example.com';
const now = 1_800_000_000;
const { publicKey, privateKey } = await generateKeyPair('RS256');
const other = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
const sign = (claims: Record<string, unknown>, key = privateKey) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt(now - 10).setExpirationTime(now + 600).sign(key);
const base = { iss: ISSUER, aud: 'kubernetes', sub: '1234', email: 'jane@example.com', email_verified: true, groups: ['dev', 'ops'], hd: 'example.com' };

const cases: Array<{ name: string; opts?: Record<string, unknown>; token: () => Promise<string>; want: { name: string; groups: string[] } | 'noOpinion' | RegExp }> = [
  { name: 'sub is prefixed with the issuer by default', token: () => sign(base), want: { name: `${ISSUER}#1234`, groups: [] } },
  { name: 'email claim is unprefixed, groups with prefix', opts: { usernameClaim: 'email', groupsClaim: 'groups', groupsPrefix: 'oidc:' }, token: () => sign(base), want: { name: 'jane@example.com', groups: ['oidc:dev', 'oidc:ops'] } },
  { name: 'unverified email is refused', opts: { usernameClaim: 'email' }, token: () => sign({ ...base, email_verified: false }), want: /email not verified/ },
  { name: 'wrong audience', token: () => sign({ ...base, aud: 'other' }), want: /oidc: verify token/ },
  { name: 'wrong key', token: () => sign(base, other.privateKey), want: /oidc: verify token/ },
  { name: 'required claim', opts: { requiredClaims: { hd: 'corp.example.com' } }, token: () => sign(base), want: /required claim hd/ },
  { name: 'other issuer: no opinion', token: () => sign({ ...base, iss: 'https://elsewhere' }), want: 'noOpinion' },
  { name: 'prefix "-" disables prefixing', opts: { usernamePrefix: '-' }, token: () => sign(base), want: { name: '1234', groups: [] } },
];
for (const tc of cases) {
  test(tc.name, async (t) => {
    const a = newOIDCAuthenticator({ issuerURL: ISSUER, clientID: 'kubernetes', getJWKS: async () => ({ keys: [jwk] }), now: () => now * 1000, ...tc.opts });
    const p = a.authenticateToken(await tc.token());
    if (tc.want instanceof RegExp) await t.throwsAsync(p, { message: tc.want });
    else if (tc.want === 'noOpinion') t.is(await p, undefined);
    else t.deepEqual((await p)?.user, tc.want);
  });
}

import test from 'ava';
import { generateSigningKeyPem, signingKeyFromPem, verificationKeysFromPem } from './keys.ts';
import { legacyClaims } from './claims.ts';
import { newServiceAccountTokenAuthenticator, signToken, type BoundObjectRef } from './jwt.ts';
import { issueTokenRequest } from './token-request.ts';
import { jwks, openIDConfiguration } from './oidc-discovery.ts';
import type { TokenRequest } from '#generated/k8s/index.ts';

const pem = generateSigningKeyPem();
const key = signingKeyFromPem(pem);
const otherKey = signingKeyFromPem(generateSigningKeyPem());
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const t0 = new Date('2026-01-01T00:00:00Z');
const sa = { namespace: 'default', name: 'builder', uid: 'sa-uid' };
const pods = new Map([['web', 'pod-uid']]);

function authn(now: Date) {
  return newServiceAccountTokenAuthenticator({
    issuers: [ISSUER],
    keys: verificationKeysFromPem(pem),
    implicitAudiences: [ISSUER],
    now: () => now,
    getServiceAccount: async (ns, name) => (ns === 'default' && name === 'builder' ? { metadata: { name, namespace: ns, uid: 'sa-uid' } } : undefined),
    getSecret: async (_ns, name) => (name === 'builder-token' ? { metadata: { name }, type: 'kubernetes.io/service-account-token' } : undefined),
    validateBoundObject: async (ref: BoundObjectRef) => (ref.kind === 'Pod' && pods.get(ref.name) !== ref.uid ? 'service account token has been invalidated' : undefined),
  });
}

type Spec = Partial<TokenRequest['spec']>;
async function request(spec: Spec): Promise<string> {
  const tr = await issueTokenRequest(sa, { spec: { audiences: [], ...spec } }, { signingKey: key, issuer: ISSUER, apiAudiences: [ISSUER], now: () => t0, newJti: () => 'jti-1' }, async (kind, _ns, name) =>
    kind === 'Pod' && pods.has(name) ? { uid: pods.get(name)!, nodeName: 'node-1', nodeUID: 'node-uid' } : undefined,
  );
  return tr.status!.token;
}

function tamper(tok: string): string {
  const [h, p, s] = tok.split('.');
  const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
  payload['kubernetes.io'].serviceaccount.name = 'admin';
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}
function algNone(tok: string): string {
  const [, p] = tok.split('.');
  return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
}

const cases: Array<{ name: string; token: () => Promise<string>; at?: Date; audiences?: string[]; want: 'ok' | 'noOpinion' | RegExp; user?: string }> = [
  { name: 'bound token is valid', token: () => request({ audiences: [] }), want: 'ok', user: 'system:serviceaccount:default:builder' },
  { name: 'expired token', token: () => request({ expirationSeconds: 600 }), at: new Date(t0.getTime() + 601_000), want: /expired/ },
  { name: 'wrong audience', token: () => request({ audiences: ['vault'] }), want: /token audiences \["vault"\] is invalid/ },
  { name: 'requested audience accepted when the request context asks for it', token: () => request({ audiences: ['vault'] }), audiences: ['vault'], want: 'ok' },
  { name: 'tampered payload', token: async () => tamper(await request({})), want: /invalid signature/ },
  { name: 'alg none', token: async () => algNone(await request({})), want: /invalid signature/ },
  { name: 'signed by another key', token: () => signToken(otherKey, { iss: ISSUER, sub: 'system:serviceaccount:default:builder', aud: [ISSUER], exp: 2e9, 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'builder', uid: 'sa-uid' } } }), want: /invalid signature/ },
  { name: 'foreign issuer gets no opinion', token: () => signToken(key, { iss: 'https://elsewhere', sub: 'x' }), want: 'noOpinion' },
  { name: 'not a JWT gets no opinion', token: async () => 'abcdef.0123456789abcdef', want: 'noOpinion' },
  {
    name: 'bound to a deleted pod',
    token: async () => {
      pods.set('tmp', 'tmp-uid');
      const tok = await request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'tmp' } });
      pods.delete('tmp');
      return tok;
    },
    want: /invalidated/,
  },
  { name: 'bound to a live pod', token: () => request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'pod-uid' } }), want: 'ok' },
  { name: 'legacy token', token: () => signToken(key, legacyClaims(sa, 'builder-token')), want: 'ok' },
  { name: 'legacy token with deleted secret', token: () => signToken(key, legacyClaims(sa, 'gone-token')), want: /invalidated/ },
  { name: 'service account recreated (uid changed)', token: () => signToken(key, legacyClaims({ ...sa, uid: 'old' }, 'builder-token')), want: /does not match claim/ },
];

for (const tc of cases) {
  test(tc.name, async (t) => {
    const tok = await tc.token();
    const p = authn(tc.at ?? t0).authenticateToken(tok, tc.audiences ? { audiences: tc.audiences } : {});
    if (tc.want instanceof RegExp) await t.throwsAsync(p, { message: tc.want });
    else if (tc.want === 'noOpinion') t.is(await p, undefined);
    else {
      const r = await p;
      t.truthy(r);
      if (tc.user) t.is(r!.user.name, tc.user);
      t.deepEqual(r!.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    }
  });
}

test('pod-bound token carries pod, node and credential-id extras', async (t) => {
  const r = await authn(t0).authenticateToken(await request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } }));
  t.deepEqual(r!.user.extra, {
    'authentication.kubernetes.io/pod-name': ['web'],
    'authentication.kubernetes.io/pod-uid': ['pod-uid'],
    'authentication.kubernetes.io/node-name': ['node-1'],
    'authentication.kubernetes.io/node-uid': ['node-uid'],
    'authentication.kubernetes.io/credential-id': ['JTI=jti-1'],
  });
});

const trCases: Array<{ name: string; spec: Spec; want: RegExp | { expSeconds: number; warnafter?: number } }> = [
  { name: 'default expiration is one hour', spec: {}, want: { expSeconds: 3600 } },
  { name: 'shorter than 10 minutes is invalid', spec: { expirationSeconds: 599 }, want: /may not specify a duration less than 10 minutes/ },
  { name: 'kubelet 3607s pod token is extended to a year with warnafter', spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } }, want: { expSeconds: 365 * 86400, warnafter: 3607 } },
  { name: 'unsupported bound kind', spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } }, want: /cannot bind token/ },
  { name: 'uid mismatch is a conflict', spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'other' } }, want: /does not match the UID in record/ },
];
for (const tc of trCases) {
  test(`TokenRequest: ${tc.name}`, async (t) => {
    const p = request(tc.spec);
    if (tc.want instanceof RegExp) {
      await t.throwsAsync(p, { message: tc.want });
      return;
    }
    const payload = JSON.parse(Buffer.from((await p).split('.')[1]!, 'base64url').toString());
    t.is(payload.exp - payload.iat, tc.want.expSeconds);
    if (tc.want.warnafter) t.is(payload['kubernetes.io'].warnafter - payload.iat, tc.want.warnafter);
    t.deepEqual(payload.aud, [ISSUER]);
  });
}

test('OIDC discovery documents', (t) => {
  const doc = openIDConfiguration(ISSUER, [key]);
  t.deepEqual(doc, {
    issuer: ISSUER,
    jwks_uri: 'https://kubernetes.default.svc.cluster.local/openid/v1/jwks',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
  const set = jwks([key]);
  t.is(set.keys[0]!.kid, key.kid);
  t.is(set.keys[0]!.kty, 'RSA');
  t.is(set.keys[0]!.use, 'sig');
  t.false('d' in set.keys[0]!);
});

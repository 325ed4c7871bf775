import test from 'ava';
import { newBootstrapTokenAuthenticator, type BootstrapSecret } from './bootstrap-token.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (data: Record<string, string>, extra: Partial<BootstrapSecret> = {}): BootstrapSecret => ({
  metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
  type: 'bootstrap.kubernetes.io/token',
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  ...extra,
});
const good = { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true' };
const now = () => new Date('2026-01-01T00:00:00Z');

const cases: Array<{ name: string; token: string; secret?: BootstrapSecret; want?: { name: string; groups: string[] } }> = [
  { name: 'valid token', token: 'abcdef.0123456789abcdef', secret: secret(good), want: { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] } },
  { name: 'extra groups', token: 'abcdef.0123456789abcdef', secret: secret({ ...good, 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' }), want: { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token'] } },
  { name: 'invalid extra group ignored token', token: 'abcdef.0123456789abcdef', secret: secret({ ...good, 'auth-extra-groups': 'admins' }) },
  { name: 'wrong secret', token: 'abcdef.0123456789abcdee', secret: secret(good) },
  { name: 'expired', token: 'abcdef.0123456789abcdef', secret: secret({ ...good, expiration: '2025-01-01T00:00:00Z' }) },
  { name: 'not yet expired', token: 'abcdef.0123456789abcdef', secret: secret({ ...good, expiration: '2027-01-01T00:00:00Z' }), want: { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] } },
  { name: 'not for authentication', token: 'abcdef.0123456789abcdef', secret: secret({ ...good, 'usage-bootstrap-authentication': 'false' }) },
  { name: 'wrong type', token: 'abcdef.0123456789abcdef', secret: secret(good, { type: 'Opaque' }) },
  { name: 'no secret', token: 'abcdef.0123456789abcdef' },
  { name: 'not a bootstrap token', token: 'hello', secret: secret(good) },
];
for (const tc of cases) {
  test(tc.name, async (t) => {
    const auth = newBootstrapTokenAuthenticator({ getSecret: (n) => (n === 'bootstrap-token-abcdef' ? tc.secret : undefined), now });
    const r = await auth.authenticateToken(tc.token);
    t.deepEqual(r?.user, tc.want);
  });
}

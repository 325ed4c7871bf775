import test from 'ava';
import { createHmac } from 'node:crypto';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { BootstrapSigner, computeDetachedSignature } from './bootstrapsigner.ts';
import { TokenCleaner } from './tokencleaner.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const b64 = (s: string) => Buffer.from(s).toString('base64');
const token = (id: string, o: { expiration?: string; signing?: boolean } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'bootstrap.kubernetes.io/token',
  metadata: { namespace: 'kube-system', name: `bootstrap-token-${id}`, uid: `u-${id}` },
  data: { 'token-id': b64(id), 'token-secret': b64('0123456789abcdef'), ...(o.expiration ? { expiration: b64(o.expiration) } : {}), ...(o.signing ? { 'usage-bootstrap-signing': b64('true') } : {}) },
});

const cleanerCases: Array<{ name: string; secret: KubeObject; deleted: boolean; requeue?: number }> = [
  { name: 'an expired token is deleted', secret: token('aaaaaa', { expiration: '2025-12-31T23:00:00Z' }), deleted: true },
  { name: 'a token expiring later is looked at again then', secret: token('bbbbbb', { expiration: '2026-01-01T00:10:00Z' }), deleted: false, requeue: 600_000 },
  { name: 'a token without expiration stays', secret: token('cccccc'), deleted: false },
];
for (const tc of cleanerCases) {
  test(`token cleaner: ${tc.name}`, async (t) => {
    const client = new FakeClient([{ resource: 'secrets', obj: tc.secret }]);
    const c = new TokenCleaner({ client, secretInformer: new FakeInformer([tc.secret]), clock: new FakeClock(NOW) });
    const res = await c.reconcile(`kube-system/${tc.secret.metadata!.name}`);
    t.is(client.actions.some((a) => a.startsWith('delete')), tc.deleted);
    if (tc.requeue !== undefined) t.deepEqual(res, { requeueAfter: tc.requeue });
  });
}

test('bootstrap signer: detached HS256 signatures for signing tokens, stale ones removed', async (t) => {
  const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'kube-public', name: 'cluster-info' }, data: { kubeconfig: 'apiVersion: v1\n', 'jws-kubeconfig-gone00': 'x..y' } };
  const secrets = [token('abcdef', { signing: true }), token('nosign'), token('old000', { signing: true, expiration: '2025-01-01T00:00:00Z' })];
  const client = new FakeClient([{ resource: 'configmaps', obj: cm }]);
  const s = new BootstrapSigner({ client, configMapInformer: new FakeInformer([client.stored('configmaps', 'kube-public', 'cluster-info')!]), secretInformer: new FakeInformer(secrets), clock: new FakeClock(NOW) });
  await s.reconcile();
  const data = client.stored('configmaps', 'kube-public', 'cluster-info')!.data as Record<string, string>;
  t.deepEqual(Object.keys(data).sort(), ['jws-kubeconfig-abcdef', 'kubeconfig']);
  const sig = data['jws-kubeconfig-abcdef']!;
  const [h, empty, mac] = sig.split('.');
  t.is(empty, '');
  t.is(Buffer.from(h!, 'base64url').toString(), '{"alg":"HS256","kid":"abcdef"}');
  const want = createHmac('sha256', '0123456789abcdef').update(`${h}.${Buffer.from('apiVersion: v1\n').toString('base64url')}`).digest('base64url');
  t.is(mac, want);
  t.is(await computeDetachedSignature('apiVersion: v1\n', 'abcdef', '0123456789abcdef'), sig);
});

import test from 'ava';
import { decodeJwt } from 'jose';
import type { KubeObject } from '#impl/client/index.ts';
import { generateSigningKeyPem } from '#impl/auth/serviceaccount/keys.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { TokensController } from './tokens-controller.ts';

const KEY = generateSigningKeyPem();
const secret = (name: string, sa: string, uid?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/service-account-token',
  metadata: { namespace: 'ns', name, uid: `s-${name}`, annotations: { 'kubernetes.io/service-account.name': sa, ...(uid ? { 'kubernetes.io/service-account.uid': uid } : {}) } },
});
const sa = (name: string, uid: string): KubeObject => ({ metadata: { namespace: 'ns', name, uid } });

const cases: Array<{ name: string; secret: KubeObject; sas: KubeObject[]; deleted: boolean }> = [
  { name: 'fills token, ca.crt, namespace and the uid annotation', secret: secret('t', 'builder'), sas: [sa('builder', 'sa-1')], deleted: false },
  { name: 'deletes a token whose ServiceAccount is gone', secret: secret('t', 'gone'), sas: [], deleted: true },
  { name: 'deletes a token of a replaced ServiceAccount (uid mismatch)', secret: secret('t', 'builder', 'old-uid'), sas: [sa('builder', 'sa-1')], deleted: true },
];
for (const tc of cases) {
  test(`serviceaccount tokens: ${tc.name}`, async (t) => {
    const client = new FakeClient([{ resource: 'secrets', obj: tc.secret }]);
    const c = new TokensController({ client, secretInformer: new FakeInformer([client.stored('secrets', 'ns', 't')!]), serviceAccountInformer: new FakeInformer(tc.sas), signingKeyPem: KEY, rootCA: 'CA PEM' });
    await c.reconcile('ns/t');
    const got = client.stored('secrets', 'ns', 't');
    t.is(got === undefined, tc.deleted);
    if (!tc.deleted) {
      const d = got!.data as Record<string, string>;
      t.is(Buffer.from(d.namespace!, 'base64').toString(), 'ns');
      t.is(Buffer.from(d['ca.crt']!, 'base64').toString(), 'CA PEM');
      const claims = decodeJwt(Buffer.from(d.token!, 'base64').toString());
      t.is(claims.iss, 'kubernetes/serviceaccount');
      t.is(claims.sub, 'system:serviceaccount:ns:builder');
      t.is(got!.metadata?.annotations?.['kubernetes.io/service-account.uid'], 'sa-1');
    }
  });
}

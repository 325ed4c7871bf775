import test from 'ava';
import 'reflect-metadata';
import { webcrypto, KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClient } from '../../testing/fake-client.ts';
import { FakeInformer } from '../../testing/fake-informer.ts';
import { CSRSigningController, SIGNERS, validateForSigner, parseCSR, type CertificateAuthority } from './signer.ts';
import { CSRApprovingController } from '../approver/sarapprove.ts';
import type { ClientLike } from '../../controller-client.ts';

const crypto = webcrypto;
const wc = webcrypto as never;

async function makeCA(): Promise<CertificateAuthority> {
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: 'CN=kubernetes', notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 10 * 365 * 86400_000), keys, signingAlgorithm: alg, extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true), await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never, false, wc)] } as never, wc);
  const keyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem: cert.toString('pem'), keyPem };
}

async function csrPem(subject: string): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: alg } as never, wc);
  return req.toString('pem');
}

const csr = (name: string, pem: string, o: { signer?: string; usages?: string[]; approved?: boolean; user?: string } = {}): KubeObject => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name },
  spec: { request: Buffer.from(pem).toString('base64'), signerName: o.signer ?? SIGNERS.kubeAPIServerClientKubelet, usages: o.usages ?? ['digital signature', 'client auth'], username: o.user ?? 'system:node:n1', groups: ['system:nodes'], expirationSeconds: 3600 },
  status: o.approved ? { conditions: [{ type: 'Approved', status: 'True', reason: 'test' }] } : {},
});

const validation: Array<{ name: string; subject: string; signer: string; usages: string[]; ok: boolean }> = [
  { name: 'kubelet client ok', subject: 'CN=system:node:n1,O=system:nodes', signer: SIGNERS.kubeAPIServerClientKubelet, usages: ['digital signature', 'client auth'], ok: true },
  { name: 'kubelet client with a wrong organization', subject: 'CN=system:node:n1,O=admins', signer: SIGNERS.kubeAPIServerClientKubelet, usages: ['client auth'], ok: false },
  { name: 'kubelet client asking for server auth', subject: 'CN=system:node:n1,O=system:nodes', signer: SIGNERS.kubeAPIServerClientKubelet, usages: ['client auth', 'server auth'], ok: false },
  { name: 'kube-apiserver-client for any user', subject: 'CN=alice', signer: SIGNERS.kubeAPIServerClient, usages: ['client auth'], ok: true },
];
for (const tc of validation) {
  test(`csr signer validation: ${tc.name}`, async (t) => {
    const c = csr('x', await csrPem(tc.subject), { signer: tc.signer, usages: tc.usages }) as never;
    t.is(validateForSigner(c, parseCSR(c)) === undefined, tc.ok);
  });
}

test('csr signing: an approved kubelet client request is issued by the CA for its expirationSeconds', async (t) => {
  const ca = await makeCA();
  const client = new FakeClient([{ resource: 'certificatesigningrequests', obj: csr('node-csr', await csrPem('CN=system:node:n1,O=system:nodes'), { approved: true }) }]);
  const c = new CSRSigningController({ client, csrInformer: new FakeInformer([client.objects.get('certificatesigningrequests')!.get('/node-csr')!]), ca });
  await c.reconcile('node-csr');
  const got = client.objects.get('certificatesigningrequests')!.get('/node-csr')!;
  const cert = new x509.X509Certificate(Buffer.from(got.status!.certificate, 'base64').toString());
  t.is(cert.subject, 'CN=system:node:n1, O=system:nodes');
  t.is(cert.issuer, 'CN=kubernetes');
  t.true(await cert.verify({ publicKey: new x509.X509Certificate(ca.certPem).publicKey, signatureOnly: true }, wc));
  const hours = (cert.notAfter.getTime() - cert.notBefore.getTime()) / 3600_000;
  t.true(hours > 1 && hours < 1.2, `validity ${hours} h`);
});

test('csr signing: unapproved requests are left alone; invalid approved ones fail', async (t) => {
  const ca = await makeCA();
  const client = new FakeClient([
    { resource: 'certificatesigningrequests', obj: csr('pending', await csrPem('CN=system:node:n1,O=system:nodes')) },
    { resource: 'certificatesigningrequests', obj: csr('bad', await csrPem('CN=mallory,O=system:nodes'), { approved: true }) },
  ]);
  const c = new CSRSigningController({ client, csrInformer: new FakeInformer([...client.objects.get('certificatesigningrequests')!.values()]), ca });
  await c.reconcile('pending');
  await c.reconcile('bad');
  t.falsy(client.objects.get('certificatesigningrequests')!.get('/pending')!.status?.certificate);
  const bad = client.objects.get('certificatesigningrequests')!.get('/bad')!;
  t.is(bad.status?.conditions?.find((x: { type: string }) => x.type === 'Failed')?.reason, 'SignerValidationFailure');
});

const approve: Array<{ name: string; user: string; allowed: string[]; want: string | undefined }> = [
  { name: 'a node renewing its own certificate (selfnodeclient)', user: 'system:node:n1', allowed: ['selfnodeclient'], want: 'Auto approving self kubelet client certificate after SubjectAccessReview.' },
  { name: 'a bootstrapper allowed nodeclient', user: 'system:bootstrap:abcdef', allowed: ['nodeclient'], want: 'Auto approving kubelet client certificate after SubjectAccessReview.' },
  { name: 'a requestor without either permission', user: 'system:bootstrap:abcdef', allowed: ['selfnodeclient'], want: undefined },
];
for (const tc of approve) {
  test(`csr approving: ${tc.name}`, async (t) => {
    const fake = new FakeClient([{ resource: 'certificatesigningrequests', obj: csr('c', await csrPem('CN=system:node:n1,O=system:nodes'), { user: tc.user }) }]);
    const client: ClientLike = {
      resource: (g, v, r) =>
        r === 'subjectaccessreviews'
          ? ({ create: async (o: KubeObject) => ({ ...o, status: { allowed: tc.allowed.includes(o.spec.resourceAttributes.subresource) } }) } as never)
          : fake.resource(g, v, r),
    };
    const c = new CSRApprovingController({ client, csrInformer: new FakeInformer([fake.objects.get('certificatesigningrequests')!.get('/c')!]) });
    await c.reconcile('c');
    const cond = fake.objects.get('certificatesigningrequests')!.get('/c')!.status?.conditions?.find((x: { type: string }) => x.type === 'Approved');
    t.is(cond?.message, tc.want);
  });
}

test('csr signing: a request approved after it was first seen is issued from the update event', async (t) => {
  const ca = await makeCA();
  const client = new FakeClient([{ resource: 'certificatesigningrequests', obj: csr('alice', await csrPem('CN=alice'), { signer: SIGNERS.kubeAPIServerClient, usages: ['client auth'], user: 'kubernetes-admin' }) }]);
  const informer = new FakeInformer([client.stored('certificatesigningrequests', '', 'alice')!]);
  const c = new CSRSigningController({ client, csrInformer: informer, ca });
  const ctrl = new AbortController();
  const running = c.run(ctrl.signal, 2);
  try {
    // The first look (the informer's add) finds it pending; then it is approved (an update event).
    informer.add(client.stored('certificatesigningrequests', '', 'alice')!);
    await new Promise((r) => setTimeout(r, 50));
    t.falsy(client.stored('certificatesigningrequests', '', 'alice')!.status?.certificate);
    const approved = structuredClone(client.stored('certificatesigningrequests', '', 'alice')!);
    approved.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' }] };
    client.seed('certificatesigningrequests', approved);
    informer.update(client.stored('certificatesigningrequests', '', 'alice')!);
    const deadline = Date.now() + 5000;
    while (!client.stored('certificatesigningrequests', '', 'alice')!.status?.certificate && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    t.truthy(client.stored('certificatesigningrequests', '', 'alice')!.status?.certificate, 'issued without a restart');
  } finally {
    ctrl.abort();
    c.queue.shutDown();
    await running;
  }
});

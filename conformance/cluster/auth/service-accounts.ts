/**
 * ServiceAccounts and access reviews: upstream test/e2e/auth/service_accounts.go,
 * subjectreviews.go and certificates.go (AU-01, AU-04, AU-07, AU-08, AU-09).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { RestClient } from '#impl/client/index.ts';
import forge from 'node-forge';
import { defineCase } from '../framework/case.ts';
import { expectDiscovered } from '../framework/api-operations.ts';
import { expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { WatchRecorder } from '../framework/watch-recorder.ts';

export const cases = [
  defineCase(import.meta.url, {
    id: 'AU-07',
    codename: '[sig-auth] ServiceAccounts should run through the lifecycle of a ServiceAccount [Conformance]',
    async run(ctx) {
      const sas = ctx.core('serviceaccounts');
      const name = 'testserviceaccount';
      const w = new WatchRecorder('serviceaccounts', sas.watch({ labelSelector: 'test-serviceaccount-static=true', signal: ctx.signal }));
      ctx.defer(() => w.stop());
      await new Promise((r) => setTimeout(r, 300));
      ctx.step('creating a ServiceAccount');
      await sas.create({ metadata: { name, labels: { 'test-serviceaccount-static': 'true' } } });
      ctx.step('watching for the ServiceAccount to be added');
      await w.waitForEvent((e) => e.type === 'ADDED' && e.object.metadata?.name === name && e.object.metadata?.labels?.['test-serviceaccount-static'] === 'true', 'ADDED ServiceAccount with its static label');
      ctx.step('patching the ServiceAccount');
      await sas.patch(name, { automountServiceAccountToken: false }, { type: 'strategic' });
      await w.waitForEvent((e) => e.type === 'MODIFIED' && e.object.automountServiceAccountToken === false, 'MODIFIED ServiceAccount with automountServiceAccountToken=false');
      ctx.step('finding ServiceAccount in list of all ServiceAccounts (by LabelSelector)');
      const list = await ctx.api('', 'v1', 'serviceaccounts').list({ labelSelector: 'test-serviceaccount-static=true' });
      const found = list.items.find((s) => s.metadata?.name === name && s.metadata?.namespace === ctx.ns);
      expectTrue(found, 'ServiceAccount not found by its static label');
      expectEqual(found.automountServiceAccountToken, false, 'automountServiceAccountToken of the listed ServiceAccount');
      ctx.step('deleting the ServiceAccount');
      await sas.deleteCollection({ labelSelector: 'test-serviceaccount-static=true' });
      await w.waitForEvent((e) => e.type === 'DELETED' && e.object.metadata?.name === name, 'DELETED ServiceAccount');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AU-08',
    codename: '[sig-auth] ServiceAccounts should update a ServiceAccount [Conformance]',
    async run(ctx) {
      const sas = ctx.core('serviceaccounts');
      const name = `e2e-sa-${ctx.uid}`;
      ctx.step(`Creating ServiceAccount "${name}"`);
      await sas.create({ metadata: { name } });
      ctx.step(`Updating ServiceAccount "${name}"`);
      const cur = await sas.get(name);
      cur.automountServiceAccountToken = true;
      const upd = await sas.update(cur);
      expectEqual(upd.automountServiceAccountToken, true, 'automountServiceAccountToken after the update');
      expectEqual((await sas.get(name)).automountServiceAccountToken, true, 'automountServiceAccountToken on a subsequent read');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AU-04',
    codename: '[sig-auth] ServiceAccounts should guarantee kube-root-ca.crt exist in any namespace [Conformance]',
    async run(ctx) {
      const cms = ctx.core('configmaps');
      const name = 'kube-root-ca.crt';
      ctx.step('the root CA ConfigMap is created automatically in a new namespace');
      await ctx.waitFor(async () => cms.get(name).then(() => true, () => false), { timeoutMs: 60_000, message: `ConfigMap ${name} in namespace ${ctx.ns} (root CA publisher)` });
      ctx.step('the root CA ConfigMap is recreated after deletion');
      await cms.delete(name);
      await ctx.waitFor(async () => cms.get(name).then(() => true, () => false), { timeoutMs: 60_000, message: `ConfigMap ${name} to be recreated after deletion` });
      ctx.step('the root CA ConfigMap is reconciled after a change');
      const cur = await cms.get(name);
      const original = cur.data?.['ca.crt'];
      expectTrue(original, `ConfigMap ${name} has no ca.crt`);
      cur.data = { 'ca.crt': 'changed' };
      await cms.update(cur);
      await ctx.waitFor(async () => (await cms.get(name)).data?.['ca.crt'] === original, { timeoutMs: 60_000, message: `ConfigMap ${name} data to be reconciled back to the root CA` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AU-09',
    codename: '[sig-auth] SubjectReview should support SubjectReview API operations [Conformance]',
    async run(ctx) {
      const saName = `e2e-sa-${ctx.uid}`;
      ctx.step(`Creating a ServiceAccount "${saName}"`);
      await ctx.core('serviceaccounts').create({ metadata: { name: saName } });
      const user = `system:serviceaccount:${ctx.ns}:${saName}`;
      ctx.step(`Creating a clientset to impersonate "${user}"`);
      const impersonated = new RestClient({ ...ctx.client.config, impersonate: { user, groups: ['system:authenticated', 'system:serviceaccounts'] } });
      ctx.defer(() => impersonated.close());
      ctx.step('Verifying the impersonated client can not list configmaps');
      const res = await impersonated.requestRaw({ path: `/api/v1/namespaces/${ctx.ns}/configmaps`, signal: ctx.signal });
      const actuallyAllowed = res.statusCode === 200;
      if (res.statusCode !== 200 && res.statusCode !== 403) fail(`impersonated list returned HTTP ${res.statusCode}: ${res.body.slice(0, 200)}`);
      ctx.step(`Creating a SubjectAccessReview for "${user}"`);
      const attrs = { namespace: ctx.ns, verb: 'list', group: '', resource: 'configmaps' };
      const sar = await ctx.api('authorization.k8s.io', 'v1', 'subjectaccessreviews').create({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { resourceAttributes: attrs, user, groups: ['system:authenticated', 'system:serviceaccounts'] },
      });
      ctx.step('Verifying the SubjectAccessReview matches what the impersonated client saw');
      expectEqual(Boolean(sar.status?.allowed), actuallyAllowed, `SubjectAccessReview allowed for ${user} (the impersonated list was ${actuallyAllowed ? 'allowed' : 'forbidden'})`);
      ctx.step(`Creating a LocalSubjectAccessReview for "${user}"`);
      const lsar = await ctx.api('authorization.k8s.io', 'v1', 'localsubjectaccessreviews', true).create({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'LocalSubjectAccessReview',
        metadata: { namespace: ctx.ns },
        spec: { resourceAttributes: attrs, user, groups: ['system:authenticated', 'system:serviceaccounts'] },
      });
      expectEqual(Boolean(lsar.status?.allowed), actuallyAllowed, `LocalSubjectAccessReview allowed for ${user}`);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AU-01',
    codename: '[sig-auth] Certificates API [Privileged:ClusterAdmin] should support CSR API operations [Conformance]',
    async run(ctx) {
      await expectDiscovered(ctx, 'certificates.k8s.io', 'v1', ['certificatesigningrequests', 'certificatesigningrequests/approval', 'certificatesigningrequests/status']);
      const csrs = ctx.api('certificates.k8s.io', 'v1', 'certificatesigningrequests');
      const name = `e2e-csr-${ctx.uid}`;
      ctx.defer(() => csrs.delete(name).catch(() => undefined));
      const request = makeCsrPem('e2e.example.com');
      ctx.step('creating');
      const created: KubeObject = await csrs.create({ metadata: { name, labels: { 'e2e-csr': ctx.uid } }, spec: { request: Buffer.from(request).toString('base64'), signerName: 'example.com/e2e-signer', usages: ['digital signature', 'key encipherment', 'client auth'] } });
      expectEqual(created.spec?.signerName, 'example.com/e2e-signer', 'spec.signerName');
      ctx.step('getting / listing / watching');
      await csrs.get(name);
      const list = await csrs.list({ labelSelector: `e2e-csr=${ctx.uid}` });
      expectEqual(list.items.length, 1, 'CSRs listed by label');
      ctx.step('patching');
      const patched = await csrs.patch(name, { metadata: { annotations: { patched: 'true' } } }, { type: 'merge' });
      expectEqual(patched.metadata?.annotations?.patched, 'true', 'patched annotation');
      ctx.step('updating /approval');
      const cur = await csrs.get(name, { subresource: 'approval' });
      cur.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'E2E', message: 'Set from an e2e test' }] };
      const approved = await csrs.update(cur, { subresource: 'approval' });
      expectTrue((approved.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Approved'), 'Approved condition after updating /approval');
      ctx.step('patching /status');
      const st = await csrs.patch(name, { status: { conditions: [...(approved.status?.conditions ?? []), { type: 'StatusPatched', status: 'True', reason: 'E2E', message: 'Set from an e2e test' }] } }, { type: 'merge', subresource: 'status' });
      expectTrue((st.status?.conditions ?? []).some((c: KubeObject) => c.type === 'StatusPatched'), 'StatusPatched condition after patching /status');
      ctx.step('deleting');
      await csrs.delete(name);
      await ctx.waitFor(async () => csrs.get(name).then(() => false, (e) => (e as { code?: number }).code === 404), { timeoutMs: 30_000, message: `CSR ${name} to be deleted` });
    },
  }),
];

/** makeCsrPem builds a fresh PKCS#10 certificate request for `cn` (RSA 2048). */
function makeCsrPem(cn: string): string {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = keys.publicKey;
  csr.setSubject([{ name: 'commonName', value: cn }]);
  csr.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

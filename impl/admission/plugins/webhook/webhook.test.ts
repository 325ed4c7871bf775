import test from 'ava';
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { MutatingWebhookConfiguration, ValidatingWebhookConfiguration } from '#generated/k8s/index.ts';
import { isBadRequest, isInternalError, StatusError } from '#impl/apimachinery/index.ts';
import { ensurePki, type Pki } from '#impl/apiserver/pki.ts';
import { newAttributes } from '../../chain.ts';
import type { AdmissionAttributes } from '../../interfaces.ts';
import { AdmissionMetrics } from '../../metrics.ts';
import { newMutatingAdmissionWebhook } from '../mutatingadmissionwebhook/admission.ts';
import { newValidatingAdmissionWebhook } from '../validatingadmissionwebhook/admission.ts';
import type { AdmissionReview } from './admission-review.ts';
import { clusterIPServiceResolver, type ServiceLike } from './dispatcher.ts';

let pki: Pki;
let dir: string;
let server: https.Server;
let base: string;
const calls: string[] = [];

/** The test webhook server: behaviour chosen by path. */
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'webhook-'));
  pki = await ensurePki({ dataDir: dir });
  server = https.createServer({ cert: pki.servingCert, key: pki.servingKey }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      calls.push(path);
      const review = JSON.parse(body) as AdmissionReview;
      const uid = review.request!.uid;
      const reply = (response: Record<string, unknown>) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, ...response } }));
      };
      switch (path) {
        case '/add-label': {
          const patch = [{ op: 'add', path: '/metadata/labels', value: { ...(review.request!.object?.metadata?.labels ?? {}), mutated: 'yes' } }];
          return reply({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64'), warnings: ['label added'] });
        }
        case '/count-labels': {
          const n = Object.keys(review.request!.object?.metadata?.labels ?? {}).length;
          const patch = [{ op: 'add', path: '/metadata/annotations', value: { labels: String(n) } }];
          return reply({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') });
        }
        case '/deny':
          return reply({ allowed: false, status: { code: 403, message: 'pods named bad are not allowed' } });
        case '/deny-bare':
          return reply({ allowed: false });
        case '/allow':
          return reply({ allowed: true });
        case '/slow':
          return void setTimeout(() => reply({ allowed: true }), 1500);
        case '/wrong-uid':
          res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'nope', allowed: true } }));
          return;
        default:
          res.statusCode = 404;
          res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after.always(() => {
  server?.closeAllConnections();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const podRule = [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }];
function hook(name: string, path: string, extra: Record<string, unknown> = {}) {
  return { name, admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { url: `${base}${path}`, caBundle: Buffer.from(pki.caCert).toString('base64') }, rules: podRule, ...extra };
}
function attrs(over: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return newAttributes({
    operation: 'CREATE',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'ns',
    name: 'p',
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { app: 'web' } }, spec: { containers: [] } },
    userInfo: { name: 'alice', groups: ['system:authenticated'] },
    ...over,
  });
}
const namespaces: Record<string, { metadata: { name: string; labels: Record<string, string> } }> = { ns: { metadata: { name: 'ns', labels: { env: 'dev' } } } };
const mutating = (webhooks: unknown[], metrics?: AdmissionMetrics) =>
  newMutatingAdmissionWebhook({ listConfigurations: () => [{ metadata: { name: 'cfg' }, webhooks } as MutatingWebhookConfiguration], getNamespace: (n) => namespaces[n], ...(metrics ? { metrics } : {}) });
const validating = (webhooks: unknown[]) => newValidatingAdmissionWebhook({ listConfigurations: () => [{ metadata: { name: 'cfg' }, webhooks } as ValidatingWebhookConfiguration], getNamespace: (n) => namespaces[n] });

test.serial('mutating webhook adds a label via JSONPatch and passes warnings on', async (t) => {
  const metrics = new AdmissionMetrics();
  const a = attrs();
  await mutating([hook('label.example.com', '/add-label')], metrics).admit(a);
  t.deepEqual(a.object!.metadata!.labels, { app: 'web', mutated: 'yes' });
  t.deepEqual(a.warnings, ['label added']);
  t.is(a.auditAnnotations['mutation.webhook.admission.k8s.io/round_0_index_0'], '{"configuration":"cfg","webhook":"label.example.com","mutated":true}');
  const m = await metrics.webhook.get();
  t.is(m.values.find((v) => v.metricName?.endsWith('_count'))?.labels.name, 'label.example.com');
});

test.serial('reinvocation: IfNeeded webhook runs again after a later webhook mutated', async (t) => {
  calls.length = 0;
  const a = attrs();
  await mutating([hook('count.example.com', '/count-labels', { reinvocationPolicy: 'IfNeeded' }), hook('label.example.com', '/add-label')]).admit(a);
  t.deepEqual(calls, ['/count-labels', '/add-label', '/count-labels']);
  t.is(a.object!.metadata!.annotations!.labels, '2');
});

const validatingCases: Array<{ name: string; hooks: () => unknown[]; attrs?: Partial<AdmissionAttributes>; want: 'ok' | { code: number; message: RegExp }; annotation?: string }> = [
  { name: 'validating webhook denies with its message', hooks: () => [hook('deny.example.com', '/deny')], want: { code: 403, message: /^admission webhook "deny.example.com" denied the request: pods named bad are not allowed$/ } },
  { name: 'denial without status is 400 without explanation', hooks: () => [hook('bare.example.com', '/deny-bare')], want: { code: 400, message: /^admission webhook "bare.example.com" denied the request without explanation$/ } },
  { name: 'allowed', hooks: () => [hook('allow.example.com', '/allow')], want: 'ok' },
  { name: 'dead webhook with failurePolicy Ignore lets the request pass', hooks: () => [hook('dead.example.com', '/allow', { failurePolicy: 'Ignore', clientConfig: { url: 'https://127.0.0.1:1/x' } })], want: 'ok', annotation: 'failed-open.validating.webhook.admission.k8s.io/round_0_index_0' },
  { name: 'dead webhook with failurePolicy Fail blocks it', hooks: () => [hook('dead.example.com', '/allow', { failurePolicy: 'Fail', clientConfig: { url: 'https://127.0.0.1:1/x' } })], want: { code: 500, message: /^Internal error occurred: failed calling webhook "dead.example.com": failed to call webhook: Post "https:\/\/127.0.0.1:1\/x\?timeout=10s"/ } },
  { name: 'timeoutSeconds is honoured', hooks: () => [hook('slow.example.com', '/slow', { timeoutSeconds: 1 })], want: { code: 500, message: /context deadline exceeded/ } },
  { name: 'unknown CA fails the TLS handshake', hooks: () => [hook('tls.example.com', '/allow', { clientConfig: { url: `https://127.0.0.1:1/x` } })], want: { code: 500, message: /failed calling webhook/ } },
  { name: 'wrong response uid is an error', hooks: () => [hook('uid.example.com', '/wrong-uid')], want: { code: 500, message: /expected response.uid=/ } },
  { name: 'dry run with side effects is refused', hooks: () => [hook('se.example.com', '/deny', { sideEffects: 'Unknown' })], attrs: { dryRun: true }, want: { code: 400, message: /^admission webhook "se.example.com" does not support dry run$/ } },
  { name: 'dry run with sideEffects None is called', hooks: () => [hook('se.example.com', '/deny')], attrs: { dryRun: true }, want: { code: 403, message: /denied the request/ } },
  { name: 'rules not matching: not called', hooks: () => [hook('deny.example.com', '/deny', { rules: [{ operations: ['DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] })], want: 'ok' },
  { name: 'namespaceSelector not matching: not called', hooks: () => [hook('deny.example.com', '/deny', { namespaceSelector: { matchLabels: { env: 'prod' } } })], want: 'ok' },
  { name: 'objectSelector matching: called', hooks: () => [hook('deny.example.com', '/deny', { objectSelector: { matchLabels: { app: 'web' } } })], want: { code: 403, message: /denied/ } },
  { name: 'subresource wildcard pods/*', hooks: () => [hook('deny.example.com', '/deny', { rules: [{ operations: ['*'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/*'] }] })], attrs: { subresource: 'status', operation: 'UPDATE' }, want: { code: 403, message: /denied/ } },
  { name: 'matchPolicy Exact skips other versions', hooks: () => [hook('deny.example.com', '/deny', { matchPolicy: 'Exact', rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v2'], resources: ['pods'] }] })], want: 'ok' },
  { name: 'matchPolicy Equivalent matches other versions', hooks: () => [hook('deny.example.com', '/deny', { rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v2'], resources: ['pods'] }] })], want: { code: 403, message: /denied/ } },
];
for (const tc of validatingCases) {
  test.serial(tc.name, async (t) => {
    const a = attrs(tc.attrs);
    const p = validating(tc.hooks()).validate(a);
    if (tc.want === 'ok') {
      await t.notThrowsAsync(p);
      if (tc.annotation) t.is(a.auditAnnotations[tc.annotation], (tc.hooks()[0] as { name: string }).name);
      return;
    }
    const err = await t.throwsAsync(p);
    t.true(err instanceof StatusError);
    t.is((err as StatusError).code, tc.want.code);
    t.regex(err!.message, tc.want.message);
    if (tc.want.code === 500) t.true(isInternalError(err));
    if (tc.want.code === 400) t.true(isBadRequest(err));
  });
}

// ---- service references: clusterIPServiceResolver and the `<name>.<namespace>.svc` server name ----

const clusterIPs: Record<string, string> = { 'default/kubernetes': '127.0.0.1', 'default/other': '127.0.0.1', 'default/headless': 'None' };
/** resolveService serves the Services above, each with the test server's port. */
const resolveService = () =>
  clusterIPServiceResolver(async (ns, name): Promise<ServiceLike | undefined> => {
    const clusterIP = clusterIPs[`${ns}/${name}`];
    return clusterIP === undefined ? undefined : { spec: { clusterIP, ports: [{ port: Number(new URL(base).port) }] } };
  });
const serviceHook = (name: string, path: string) => ({
  name: `${name}.example.com`,
  admissionReviewVersions: ['v1'],
  sideEffects: 'None',
  clientConfig: { service: { namespace: 'default', name, path, port: Number(new URL(base).port) }, caBundle: Buffer.from(pki.caCert).toString('base64') },
  rules: podRule,
});

const serviceCases: Array<{ name: string; service: string; want: 'denied' | RegExp }> = [
  { name: 'resolves to the cluster IP and verifies the certificate for <name>.<namespace>.svc', service: 'kubernetes', want: 'denied' },
  { name: 'a certificate without <name>.<namespace>.svc fails the call', service: 'other', want: /failed calling webhook "other\.example\.com".*(altnames|Hostname\/IP)/ },
  { name: 'a missing service fails the call', service: 'missing', want: /failed calling webhook "missing\.example\.com": failed to call webhook: service "missing" not found/ },
  { name: 'a headless service has no address', service: 'headless', want: /service has no cluster IP/ },
];
for (const tc of serviceCases) {
  test.serial(`service reference: ${tc.name}`, async (t) => {
    const plugin = newValidatingAdmissionWebhook({
      listConfigurations: () => [{ metadata: { name: 'cfg' }, webhooks: [serviceHook(tc.service, '/deny')] } as ValidatingWebhookConfiguration],
      getNamespace: (n) => namespaces[n],
      resolveService: resolveService(),
    });
    const err = await t.throwsAsync(plugin.validate!(attrs()));
    if (tc.want === 'denied') t.regex(err!.message, /denied the request: pods named bad are not allowed/);
    else t.regex(err!.message, tc.want);
  });
}

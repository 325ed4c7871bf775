/**
 * The admission webhook fixture of upstream test/e2e/apimachinery/webhook.go: a serving
 * certificate signed by a CA the test generates (`setupServerCert`), the agnhost `webhook`
 * server as a Deployment with that certificate in a Secret, the `e2e-test-webhook` Service in
 * front of it, the case namespace labelled so webhooks only select it, and the "marker"
 * readiness check (`waitWebhookConfigurationReady`): a configmap in a markers namespace that an
 * always-deny webhook of the new configuration rejects once the apiserver honours it.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import type { KubeObject } from '#impl/client/index.ts';
import type { CaseContext } from './context.ts';
import { fail } from './expect.ts';
import { agnhostImage } from './images.ts';

/** SERVICE_NAME, SERVICE_PORT and CONTAINER_PORT are upstream's (`e2e-test-webhook`, 8443 -> 8444). */
export const SERVICE_NAME = 'e2e-test-webhook';
export const SERVICE_PORT = 8443;
export const CONTAINER_PORT = 8444;
const SECRET_NAME = 'sample-webhook-secret';
const DEPLOYMENT_NAME = 'sample-webhook-deployment';


/** CertContext is upstream's certContext: the server cert and key and the signing CA (all PEM). */
export interface CertContext {
  cert: string;
  key: string;
  signingCert: string;
}

function toForgeKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

/**
 * setupServerCert generates a CA and a serving certificate for `<service>.<namespace>.svc` (the
 * name the apiserver checks for service references), valid for a day.
 */
export function setupServerCert(namespace: string, service: string): CertContext {
  const now = new Date();
  const notAfter = new Date(now.getTime() + 24 * 3600 * 1000);
  const caKeys = toForgeKeys();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = `01${randomBytes(8).toString('hex')}`;
  ca.validity.notBefore = new Date(now.getTime() - 60_000);
  ca.validity.notAfter = notAfter;
  const caName = [{ name: 'commonName', value: `e2e-server-cert-ca-${namespace}` }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const keys = toForgeKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `02${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = notAfter;
  const host = `${service}.${namespace}.svc`;
  cert.setSubject([{ name: 'commonName', value: host }]);
  cert.setIssuer(caName);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: host }, { type: 2, value: `${host}.cluster.local` }] },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());
  return {
    cert: forge.pki.certificateToPem(cert),
    key: forge.pki.privateKeyToPem(keys.privateKey),
    signingCert: forge.pki.certificateToPem(ca),
  };
}

/** WebhookFixture is what the cases build webhook configurations from. */
export interface WebhookFixture {
  /** uniqueName labels the case namespace (`<uniqueName>: "true"`); webhooks select it. */
  uniqueName: string;
  /** markersNamespace is where {@link waitWebhookConfigurationReady} creates its markers. */
  markersNamespace: string;
  /** caBundle is the base64 PEM of the signing CA, for `clientConfig.caBundle`. */
  caBundle: string;
  /** clientConfig returns a service reference to the webhook server at `path`. */
  clientConfig(path: string): KubeObject;
  /** namespaceSelector selects the case namespace only. */
  namespaceSelector(): KubeObject;
}

/**
 * deployWebhookAndService labels the case namespace, creates the markers namespace, the Secret,
 * Deployment and Service of the webhook server, and waits until the Service has a ready endpoint.
 */
export async function deployWebhookAndService(ctx: CaseContext): Promise<WebhookFixture> {
  const uniqueName = ctx.ns;
  await ctx.core('namespaces').patch(ctx.ns, { metadata: { labels: { [uniqueName]: 'true' } } });
  const markersNamespace = await ctx.createNamespace(`${ctx.ns}-markers`, { [`${uniqueName}-markers`]: 'true' });

  ctx.step('Setting up server cert');
  const certs = setupServerCert(ctx.ns, SERVICE_NAME);
  ctx.step('Deploying the webhook pod');
  await ctx.core('secrets').create({
    metadata: { name: SECRET_NAME },
    type: 'Opaque',
    data: { 'tls.crt': Buffer.from(certs.cert).toString('base64'), 'tls.key': Buffer.from(certs.key).toString('base64') },
  });
  const labels = { app: 'sample-webhook', webhook: 'true' };
  const image = agnhostImage(ctx);
  await ctx.api('apps', 'v1', 'deployments', true).create({
    metadata: { name: DEPLOYMENT_NAME, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: 'sample-webhook',
              image,
              args: [
                'webhook',
                '--tls-cert-file=/webhook.local.config/certificates/tls.crt',
                '--tls-private-key-file=/webhook.local.config/certificates/tls.key',
                `--port=${CONTAINER_PORT}`,
              ],
              volumeMounts: [{ name: 'webhook-certs', readOnly: true, mountPath: '/webhook.local.config/certificates' }],
              readinessProbe: { httpGet: { scheme: 'HTTPS', port: CONTAINER_PORT, path: '/readyz' }, periodSeconds: 1, successThreshold: 1, failureThreshold: 30 },
            },
          ],
          volumes: [{ name: 'webhook-certs', secret: { secretName: SECRET_NAME } }],
        },
      },
    },
  });
  ctx.step('Wait for the deployment to be ready');
  let last: KubeObject | undefined;
  await ctx
    .waitFor(
      async () => {
        last = await ctx.api('apps', 'v1', 'deployments', true).get(DEPLOYMENT_NAME);
        return (last.status?.readyReplicas ?? 0) >= 1 && (last.status?.availableReplicas ?? 0) >= 1;
      },
      { timeoutMs: 180_000, intervalMs: 500, message: `deployment ${DEPLOYMENT_NAME} (image ${image}) to have a ready replica` },
    )
    .catch(async (err: unknown) => {
      const pods = await ctx.core('pods').list({ labelSelector: 'app=sample-webhook' }).catch(() => ({ items: [] as KubeObject[] }));
      fail(`${err instanceof Error ? err.message : String(err)}; pods: ${JSON.stringify(pods.items.map((p) => p.status))}`, err);
    });

  ctx.step('Deploying the webhook service');
  await ctx.core('services').create({
    metadata: { name: SERVICE_NAME, labels: { test: 'webhook' } },
    spec: { selector: { webhook: 'true' }, ports: [{ protocol: 'TCP', port: SERVICE_PORT, targetPort: CONTAINER_PORT }] },
  });
  ctx.step('Verifying the service has paired with the endpoint');
  await ctx.waitFor(
    async () => {
      const ep = await ctx.core('endpoints').get(SERVICE_NAME).catch(() => undefined);
      const n = ((ep?.subsets ?? []) as KubeObject[]).reduce((s, x) => s + ((x.addresses as unknown[] | undefined)?.length ?? 0), 0);
      return n === 1;
    },
    { timeoutMs: 60_000, intervalMs: 500, message: `service ${SERVICE_NAME} to have 1 ready endpoint` },
  );
  const caBundle = Buffer.from(certs.signingCert).toString('base64');
  return {
    uniqueName,
    markersNamespace,
    caBundle,
    clientConfig: (path) => ({ service: { namespace: ctx.ns, name: SERVICE_NAME, path, port: SERVICE_PORT }, caBundle }),
    namespaceSelector: () => ({ matchLabels: { [uniqueName]: 'true' } }),
  };
}

/** configMapRule is a rule on core/v1 configmaps for `operations`. */
export const configMapRule = (operations: string[] = ['CREATE']): KubeObject => ({ operations, apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] });

/**
 * isReadyWebhook is upstream's new{Validating,Mutating}IsReadyWebhookFixture: an always-deny
 * webhook for configmaps labelled `<uniqueName>: "true"` in the markers namespace.
 */
export function isReadyWebhook(w: WebhookFixture, kind: 'validating' | 'mutating'): KubeObject {
  return {
    name: `${kind}-is-webhook-configuration-ready.k8s.io`,
    rules: [configMapRule()],
    clientConfig: w.clientConfig('/always-deny'),
    failurePolicy: 'Fail',
    sideEffects: 'None',
    admissionReviewVersions: ['v1', 'v1beta1'],
    timeoutSeconds: 30,
    namespaceSelector: { matchLabels: { [`${w.uniqueName}-markers`]: 'true' } },
    objectSelector: { matchLabels: { [w.uniqueName]: 'true' } },
  };
}

/**
 * waitWebhookConfigurationReady creates marker configmaps until the is-ready webhook denies one:
 * from then on the apiserver calls the webhooks of the configuration registered with it.
 */
export async function waitWebhookConfigurationReady(ctx: CaseContext, w: WebhookFixture): Promise<void> {
  const cms = ctx.core('configmaps', w.markersNamespace);
  await ctx.waitFor(
    async () => {
      const name = ctx.uniqueName('marker');
      try {
        await cms.create({ metadata: { name, labels: { [w.uniqueName]: 'true' } } });
      } catch (err) {
        // "denied": the configuration is live. Anything else (the Service's rules not yet
        // programmed: "failed calling webhook") is retried until the deadline.
        if (err instanceof Error && err.message.includes('denied')) return true;
        ctx.log(`marker configmap: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
      await cms.delete(name).catch(() => undefined);
      return false;
    },
    { timeoutMs: 60_000, intervalMs: 100, message: 'the webhook configuration to be honoured (a marker configmap denied)' },
  );
}

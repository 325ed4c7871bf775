/**
 * CSRSigningController signs approved CertificateSigningRequests of the built-in signers with
 * the cluster CA (upstream `pkg/controller/certificates/signer/signer.go`, the
 * "csrsigning-controller" run with `--cluster-signing-cert-file`/`--cluster-signing-key-file`):
 * `kubernetes.io/kube-apiserver-client`, `kubernetes.io/kube-apiserver-client-kubelet`,
 * `kubernetes.io/kubelet-serving` and `kubernetes.io/legacy-unknown`. A request that is
 * approved, not failed and not yet issued is checked against its signer's rules (upstream
 * `certificates.ValidateKubeletClientCSR` and friends; a violation sets the `Failed` condition
 * with reason `SignerValidationFailure`), then issued for `spec.expirationSeconds` capped by
 * `--cluster-signing-duration` (default 1 year) into `status.certificate`.
 */
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { CertificateSigningRequest } from '#generated/k8s/index.ts';
import { isConflict, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike } from '../../controller-client.ts';
import type { Controller } from '../../controller-context.ts';
import { errMessage, runWorkers, type ReconcileResult } from '../../worker-loop.ts';

/** CSR_SIGNING_CONTROLLER_NAME is the upstream controller name. */
export const CSR_SIGNING_CONTROLLER_NAME = 'certificatesigningrequest-signing-controller';
/** DEFAULT_CLUSTER_SIGNING_DURATION_MS is upstream `--cluster-signing-duration` (8760 h). */
export const DEFAULT_CLUSTER_SIGNING_DURATION_MS = 8760 * 3600 * 1000;

/** SIGNERS are the built-in signer names. */
export const SIGNERS = {
  kubeAPIServerClient: 'kubernetes.io/kube-apiserver-client',
  kubeAPIServerClientKubelet: 'kubernetes.io/kube-apiserver-client-kubelet',
  kubeletServing: 'kubernetes.io/kubelet-serving',
  legacyUnknown: 'kubernetes.io/legacy-unknown',
} as const;

const CSRS = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };
// @peculiar/x509 is typed against the DOM Crypto; node's webcrypto implements it.
const crypto = webcrypto as never;
x509.cryptoProvider.set(crypto);

/** hasCondition reports whether a CSR has condition `type` with status True. */
export function hasCondition(csr: CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && (c.status ?? 'True') === 'True');
}

/** parseCSR decodes `spec.request` (base64 PEM) into a PKCS#10 request. */
export function parseCSR(csr: CertificateSigningRequest): x509.Pkcs10CertificateRequest {
  return new x509.Pkcs10CertificateRequest(Buffer.from(csr.spec?.request ?? '', 'base64').toString('utf8'));
}

/** subjectOf returns the request's common name and organizations. */
export function subjectOf(req: x509.Pkcs10CertificateRequest): { cn: string; orgs: string[] } {
  const name = new x509.Name(req.subject);
  return { cn: name.getField('CN')[0] ?? '', orgs: name.getField('O') };
}

/**
 * validateForSigner applies the signer's rules (upstream `isKubeletClientCSR` /
 * `isKubeletServingCSR` checks); it returns an error message or undefined.
 */
export function validateForSigner(csr: CertificateSigningRequest, req: x509.Pkcs10CertificateRequest): string | undefined {
  const usages = new Set(csr.spec?.usages ?? []);
  const { cn, orgs } = subjectOf(req);
  const only = (allowed: string[], required: string[]): string | undefined => {
    for (const u of usages) if (!allowed.includes(u)) return `usage ${u} is not allowed`;
    for (const u of required) if (!usages.has(u)) return `missing required usage ${u}`;
    return undefined;
  };
  switch (csr.spec?.signerName) {
    case SIGNERS.kubeAPIServerClientKubelet:
      if (orgs.length !== 1 || orgs[0] !== 'system:nodes') return 'subject organization is not system:nodes';
      if (!cn.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
      return only(['digital signature', 'key encipherment', 'client auth'], ['client auth']);
    case SIGNERS.kubeletServing:
      if (orgs.length !== 1 || orgs[0] !== 'system:nodes') return 'subject organization is not system:nodes';
      if (!cn.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
      return only(['digital signature', 'key encipherment', 'server auth'], ['server auth']);
    case SIGNERS.kubeAPIServerClient:
      return only(['digital signature', 'key encipherment', 'client auth'], ['client auth']);
    case SIGNERS.legacyUnknown:
      return undefined;
    default:
      return `unknown signer ${csr.spec?.signerName}`;
  }
}

const EKU: Record<string, string> = { 'client auth': x509.ExtendedKeyUsage.clientAuth, 'server auth': x509.ExtendedKeyUsage.serverAuth, 'code signing': x509.ExtendedKeyUsage.codeSigning };
const KU: Record<string, number> = { 'digital signature': x509.KeyUsageFlags.digitalSignature, 'key encipherment': x509.KeyUsageFlags.keyEncipherment, 'cert sign': x509.KeyUsageFlags.keyCertSign };

/** CertificateAuthority signs with the cluster CA. */
export interface CertificateAuthority {
  certPem: string;
  /** PEM private key (PKCS#1 or PKCS#8, RSA). */
  keyPem: string;
}

/** signCSR issues the certificate for a validated request (upstream `authority.Sign`), valid from now - 5 min. */
export async function signCSR(csr: CertificateSigningRequest, req: x509.Pkcs10CertificateRequest, ca: CertificateAuthority, nowMs: number, maxDurationMs: number): Promise<string> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const pkcs8 = createPrivateKey(ca.keyPem).export({ type: 'pkcs8', format: 'der' });
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const caKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']);
  const requested = csr.spec?.expirationSeconds ? csr.spec.expirationSeconds * 1000 : maxDurationMs;
  const duration = Math.min(requested, maxDurationMs);
  const usages = csr.spec?.usages ?? [];
  let keyUsage = 0;
  for (const u of usages) keyUsage |= KU[u] ?? 0;
  const ekus = usages.map((u) => EKU[u]).filter((x): x is string => !!x);
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (keyUsage) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (ekus.length) extensions.push(new x509.ExtendedKeyUsageExtension(ekus));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(caCert, false, crypto));
  // Subject alternative names are copied from the request (kubelet serving certificates carry them).
  const san = req.extensions.find((e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension);
  if (san) extensions.push(new x509.SubjectAlternativeNameExtension(san.names.toJSON(), false));
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial.toString('hex'),
      subject: req.subject,
      issuer: caCert.subject,
      notBefore: new Date(nowMs - 5 * 60 * 1000),
      notAfter: new Date(Math.min(nowMs + duration, caCert.notAfter.getTime())),
      publicKey: req.publicKey,
      signingKey: caKey as never,
      signingAlgorithm: alg,
      extensions,
    },
    crypto,
  );
  return cert.toString('pem');
}

/** CSRSigningControllerOptions configure {@link CSRSigningController}. */
export interface CSRSigningControllerOptions {
  client: ClientLike;
  csrInformer: GenericInformer;
  ca: CertificateAuthority;
  /** `--cluster-signing-duration` in ms. */
  signingDurationMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** CSRSigningController implements the csrsigning controller. */
export class CSRSigningController implements Controller {
  readonly name = CSR_SIGNING_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: CSRSigningControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = new RateLimitingQueue<string>({ name: 'certificate', clock: this.clock });
    opts.csrInformer.informer().addEventHandler({
      onAdd: (c) => this.queue.add(c.metadata!.name!),
      onUpdate: (_o, c) => this.queue.add(c.metadata!.name!),
    });
  }

  /** reconcile is upstream `handle`: sign an approved, unsigned request of a known signer. */
  async reconcile(name: string): Promise<ReconcileResult | void> {
    const cached = this.opts.csrInformer.lister().get(name) as CertificateSigningRequest | undefined;
    if (!cached || cached.status?.certificate || !hasCondition(cached, 'Approved') || hasCondition(cached, 'Failed')) return;
    if (!Object.values(SIGNERS).includes(cached.spec?.signerName as never)) return; // another signer's request
    const csr = structuredClone(cached);
    let problem: string | undefined;
    let req: x509.Pkcs10CertificateRequest | undefined;
    try {
      req = parseCSR(csr);
      problem = validateForSigner(csr, req);
    } catch (err) {
      problem = `unable to parse csr: ${errMessage(err)}`;
    }
    const api = resourceFor(this.opts.client, CSRS);
    try {
      if (problem || !req) {
        const now = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
        csr.status = { ...csr.status, conditions: [...(csr.status?.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem ?? 'invalid request', lastUpdateTime: now, lastTransitionTime: now }] };
        await api.update(csr as KubeObject, { subresource: 'status' });
        return;
      }
      const pem = await signCSR(csr, req, this.opts.ca, this.clock.now(), this.opts.signingDurationMs ?? DEFAULT_CLUSTER_SIGNING_DURATION_MS);
      csr.status = { ...csr.status, certificate: Buffer.from(pem).toString('base64') };
      await api.update(csr as KubeObject, { subresource: 'status' });
      this.logger.info({ csr: name, signer: csr.spec?.signerName }, 'signed certificate');
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) return { requeueAfter: 100 };
      throw err;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (!(await waitForNamedCacheSync(this.name, signal, [() => this.opts.csrInformer.informer().hasSynced()], { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

/**
 * CSRApprovingController auto-approves kubelet client certificate requests (upstream
 * `pkg/controller/certificates/approver/sarapprove.go`): a request for
 * `kubernetes.io/kube-apiserver-client-kubelet` that is a valid node client request
 * (organization `system:nodes`, common name `system:node:<name>`, client-auth usages) is
 * approved when a SubjectAccessReview says its requestor may `create
 * certificatesigningrequests/selfnodeclient` (a node renewing its own certificate) or
 * `certificatesigningrequests/nodeclient` (a bootstrapper). Everything else is left for a human
 * (`kubectl certificate approve`).
 */
import type { CertificateSigningRequest } from '#generated/k8s/index.ts';
import { isConflict, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike } from '../../controller-client.ts';
import type { Controller } from '../../controller-context.ts';
import { errMessage, runWorkers, type ReconcileResult } from '../../worker-loop.ts';
import { hasCondition, parseCSR, SIGNERS, subjectOf, validateForSigner } from '../signer/signer.ts';

/** CSR_APPROVING_CONTROLLER_NAME is the upstream controller name. */
export const CSR_APPROVING_CONTROLLER_NAME = 'certificatesigningrequest-approving-controller';

/** CSRApprovingControllerOptions configure {@link CSRApprovingController}. */
export interface CSRApprovingControllerOptions {
  client: ClientLike;
  csrInformer: GenericInformer;
  clock?: Clock;
  logger?: Logger;
}

/** RECOGNIZERS are upstream's: the permission checked and the approval message, most specific first. */
const RECOGNIZERS = [
  { subresource: 'selfnodeclient', self: true, message: 'Auto approving self kubelet client certificate after SubjectAccessReview.' },
  { subresource: 'nodeclient', self: false, message: 'Auto approving kubelet client certificate after SubjectAccessReview.' },
] as const;

/** CSRApprovingController implements the csrapproving controller. */
export class CSRApprovingController implements Controller {
  readonly name = CSR_APPROVING_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: CSRApprovingControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = new RateLimitingQueue<string>({ name: 'csrapproving', clock: this.clock });
    opts.csrInformer.informer().addEventHandler({
      onAdd: (c) => this.queue.add(c.metadata!.name!),
      onUpdate: (_o, c) => this.queue.add(c.metadata!.name!),
    });
  }

  private async authorized(csr: CertificateSigningRequest, subresource: string): Promise<boolean> {
    const extra = csr.spec?.extra;
    const sar = await resourceFor(this.opts.client, { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews' }).create({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: csr.spec?.username, uid: csr.spec?.uid, groups: csr.spec?.groups, extra, resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource } },
    });
    return sar.status?.allowed === true;
  }

  /** reconcile is upstream `handle`: approve a recognized, authorized kubelet client request. */
  async reconcile(name: string): Promise<ReconcileResult | void> {
    const cached = this.opts.csrInformer.lister().get(name) as CertificateSigningRequest | undefined;
    if (!cached || cached.status?.certificate || hasCondition(cached, 'Approved') || hasCondition(cached, 'Denied') || hasCondition(cached, 'Failed')) return;
    if (cached.spec?.signerName !== SIGNERS.kubeAPIServerClientKubelet) return;
    let cn = '';
    try {
      const req = parseCSR(cached);
      if (validateForSigner(cached, req) !== undefined) return;
      cn = subjectOf(req).cn;
    } catch (err) {
      this.logger.warn({ csr: name, err: errMessage(err) }, 'unable to parse csr');
      return;
    }
    for (const r of RECOGNIZERS) {
      if (r.self && cached.spec?.username !== cn) continue;
      if (!(await this.authorized(cached, r.subresource))) continue;
      const csr = structuredClone(cached);
      const now = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      csr.status = { ...csr.status, conditions: [...(csr.status?.conditions ?? []), { type: 'Approved', status: 'True', reason: 'AutoApproved', message: r.message, lastUpdateTime: now, lastTransitionTime: now }] };
      try {
        await resourceFor(this.opts.client, { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' }).update(csr as KubeObject, { subresource: 'approval' });
      } catch (err) {
        if (isNotFound(err)) return;
        if (isConflict(err)) return { requeueAfter: 100 };
        throw err;
      }
      return;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (!(await waitForNamedCacheSync(this.name, signal, [() => this.opts.csrInformer.informer().hasSynced()], { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}

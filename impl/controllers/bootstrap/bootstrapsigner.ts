/**
 * BootstrapSigner signs the `kube-public/cluster-info` ConfigMap with every signing-capable
 * bootstrap token (upstream `pkg/controller/bootstrap/bootstrapsigner.go`, disabled by default as
 * upstream): for each token with `usage-bootstrap-signing: true` that has not expired, the key
 * `jws-kubeconfig-<token-id>` holds a detached HS256 JWS (`header..signature`, key = the token
 * secret, `kid` = the token id) of the ConfigMap's `kubeconfig`, so `kubeadm join` can check the
 * cluster CA before trusting it. Signatures of gone tokens are removed. The queue has one key.
 */
import { CompactSign } from 'jose';
import { isConflict, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { RESOURCES, resourceFor, type ClientLike } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { runWorkers, type ReconcileResult } from '../worker-loop.ts';
import { BOOTSTRAP_TOKEN_NAMESPACE, isBootstrapTokenSecret, isExpired, secretData } from './bootstrap-token.ts';

/** BOOTSTRAP_SIGNER_NAME is the upstream controller name. */
export const BOOTSTRAP_SIGNER_NAME = 'bootstrap-signer-controller';
/** CLUSTER_INFO is the ConfigMap signed (namespace kube-public, key `kubeconfig`). */
export const CLUSTER_INFO = { namespace: 'kube-public', name: 'cluster-info', key: 'kubeconfig' } as const;
/** JWS_SIGNATURE_PREFIX prefixes the signature keys (upstream `JWSSignatureKeyPrefix`). */
export const JWS_SIGNATURE_PREFIX = 'jws-kubeconfig-';

/** computeDetachedSignature is upstream `jws.ComputeDetachedSignature`: compact HS256 JWS without its payload. */
export async function computeDetachedSignature(content: string, tokenID: string, tokenSecret: string): Promise<string> {
  const jws = await new CompactSign(new TextEncoder().encode(content)).setProtectedHeader({ alg: 'HS256', kid: tokenID }).sign(new TextEncoder().encode(tokenSecret));
  const [header, , signature] = jws.split('.');
  return `${header}..${signature}`;
}

/** BootstrapSignerOptions configure {@link BootstrapSigner}. */
export interface BootstrapSignerOptions {
  client: ClientLike;
  configMapInformer: GenericInformer;
  secretInformer: GenericInformer;
  clock?: Clock;
  logger?: Logger;
}

/** BootstrapSigner implements the bootstrap signer. */
export class BootstrapSigner implements Controller {
  readonly name = BOOTSTRAP_SIGNER_NAME;
  readonly queue: RateLimitingInterface<string>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: BootstrapSignerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.queue = new RateLimitingQueue<string>({ name: 'bootstrap_signer_queue', clock: this.clock });
    const onCm = (cm: KubeObject): void => {
      if (cm.metadata?.namespace === CLUSTER_INFO.namespace && cm.metadata?.name === CLUSTER_INFO.name) this.queue.add('cluster-info');
    };
    opts.configMapInformer.informer().addEventHandler({ onAdd: onCm, onUpdate: (_o, c) => onCm(c) });
    const onSecret = (s: KubeObject | { key: string; obj: unknown }): void => {
      const o = 'obj' in s && 'key' in s ? (s.obj as KubeObject) : (s as KubeObject);
      if (isBootstrapTokenSecret(o)) this.queue.add('cluster-info');
    };
    opts.secretInformer.informer().addEventHandler({ onAdd: onSecret, onUpdate: (_o, s) => onSecret(s), onDelete: onSecret });
  }

  /** signatures returns the wanted `jws-kubeconfig-*` entries for `content`. */
  private async signatures(content: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const s of this.opts.secretInformer.lister().byNamespace(BOOTSTRAP_TOKEN_NAMESPACE).list()) {
      if (!isBootstrapTokenSecret(s) || isExpired(s, this.clock.now()) || secretData(s, 'usage-bootstrap-signing') !== 'true') continue;
      const id = secretData(s, 'token-id');
      const secret = secretData(s, 'token-secret');
      if (!id || !secret) continue;
      out[JWS_SIGNATURE_PREFIX + id] = await computeDetachedSignature(content, id, secret);
    }
    return out;
  }

  /** reconcile is upstream `signConfigMap`. */
  async reconcile(): Promise<ReconcileResult | void> {
    const cm = this.opts.configMapInformer.lister().byNamespace(CLUSTER_INFO.namespace).get(CLUSTER_INFO.name);
    if (!cm) return;
    const data = { ...((cm.data ?? {}) as Record<string, string>) };
    const content = data[CLUSTER_INFO.key];
    if (content === undefined) return;
    const wanted = await this.signatures(content);
    let changed = false;
    for (const k of Object.keys(data)) {
      if (k.startsWith(JWS_SIGNATURE_PREFIX) && wanted[k] === undefined) {
        delete data[k];
        changed = true;
      }
    }
    for (const [k, v] of Object.entries(wanted)) {
      if (data[k] !== v) {
        data[k] = v;
        changed = true;
      }
    }
    if (!changed) return;
    try {
      await resourceFor(this.opts.client, RESOURCES.configmaps, CLUSTER_INFO.namespace).update({ ...structuredClone(cm), data });
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) return { requeueAfter: 100 };
      throw err;
    }
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [() => this.opts.configMapInformer.informer().hasSynced(), () => this.opts.secretInformer.informer().hasSynced()];
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: () => this.reconcile(), workers: Math.min(workers, 1), signal, logger: this.logger });
  }
}

/**
 * The node lease controller: the kubelet's heartbeat, a `coordination.k8s.io/v1` Lease named
 * after the node in `kube-node-lease`, owned by the Node, renewed every `renewIntervalMs`
 * (upstream: pkg/kubelet/nodelease + k8s.io/component-helpers/apimachinery/lease/controller.go:
 * leaseDurationSeconds 40, renew interval 10 s = 0.25 x duration; on failure retried with a
 * back-off from 200 ms doubling to 7 s).
 */
import type { Lease, Node } from '#generated/k8s/index.ts';
import { isNotFound } from '#impl/client/index.ts';
import type { Clock } from '#impl/apimachinery/util/clock/index.ts';
import type { KubeletClient } from '../kubelet-client.ts';

/** NODE_LEASE_NAMESPACE is where node leases live. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** DEFAULT_LEASE_DURATION_SECONDS is upstream's nodeLeaseDurationSeconds. */
export const DEFAULT_LEASE_DURATION_SECONDS = 40;
/** DEFAULT_RENEW_INTERVAL_FRACTION: renew every 0.25 x the lease duration. */
export const DEFAULT_RENEW_INTERVAL_FRACTION = 0.25;

/** toMicroTime renders epoch ms as a metav1.MicroTime (RFC3339 with 6 fractional digits). */
export function toMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** LeaseControllerOptions configure a {@link LeaseController}. */
export interface LeaseControllerOptions {
  client: KubeletClient;
  clock: Clock;
  nodeName: string;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  /** node returns the registered Node (for the owner reference), when known. */
  node: () => Node | undefined;
  onError?: (err: unknown) => void;
}

/** LeaseController: see the module comment. */
export class LeaseController {
  private readonly o: LeaseControllerOptions;
  private latest: Lease | undefined;

  constructor(opts: LeaseControllerOptions) {
    this.o = opts;
  }

  private newLease(base: Lease | undefined): Lease {
    const node = this.o.node();
    const lease: Lease = base ? structuredClone(base) : { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.nodeName, namespace: NODE_LEASE_NAMESPACE } };
    lease.spec = {
      ...lease.spec,
      holderIdentity: this.o.nodeName,
      leaseDurationSeconds: this.o.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS,
      renewTime: toMicroTime(this.o.clock.now()),
    };
    if (node?.metadata?.uid && !lease.metadata?.ownerReferences?.length) {
      lease.metadata = {
        ...lease.metadata,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.o.nodeName, uid: node.metadata.uid }],
      };
    }
    return lease;
  }

  /** sync creates or renews the lease once. */
  async sync(signal: AbortSignal): Promise<Lease> {
    if (this.latest) {
      try {
        this.latest = await this.o.client.updateLease(this.newLease(this.latest), signal);
        return this.latest;
      } catch {
        this.latest = undefined; // conflict or gone: read it again
      }
    }
    let current: Lease | undefined;
    try {
      current = await this.o.client.getLease(NODE_LEASE_NAMESPACE, this.o.nodeName, signal);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.latest = current
      ? await this.o.client.updateLease(this.newLease(current), signal)
      : await this.o.client.createLease(this.newLease(undefined), signal);
    return this.latest;
  }

  /** run renews the lease every interval until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const interval = this.o.renewIntervalMs ?? (this.o.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS) * 1000 * DEFAULT_RENEW_INTERVAL_FRACTION;
    let backoff = 0;
    while (!signal.aborted) {
      let wait = interval;
      try {
        await this.sync(signal);
        backoff = 0;
      } catch (err) {
        if (signal.aborted) return;
        this.o.onError?.(err);
        backoff = Math.min(backoff ? backoff * 2 : 200, 7000);
        wait = backoff;
      }
      await new Promise<void>((resolve) => {
        const t = this.o.clock.setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, wait);
        const onAbort = (): void => {
          this.o.clock.clearTimeout(t);
          resolve();
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}

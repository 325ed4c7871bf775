/**
 * ComponentStatus (deprecated since v1.19, still served read-only): one object per control-plane
 * component, computed on every get/list, never stored.
 *
 * upstream: pkg/registry/core/componentstatus (rest.go probes scheduler and controller-manager on
 * their /healthz ports and every etcd server). kubets does not probe ports; it decides health from
 * what it can know:
 * - `etcd-0`: the storage answers a revision read within the timeout -> Healthy `ok`; an error or a
 *   timeout -> Unhealthy with the error.
 * - `scheduler` / `controller-manager`: their leader-election Lease in kube-system
 *   (`kube-scheduler`, `kube-controller-manager`). Held and renewed within its duration -> Healthy
 *   `ok`; expired -> Unhealthy; no Lease (components run without `--leader-elect`) -> Unknown,
 *   because kubets cannot tell whether they run.
 */
import { notFound } from '#impl/apimachinery/index.ts';
import { isStorageError, type Interface } from '#impl/storage/interfaces.ts';
import type { KubeObject } from '../../rest/strategy.ts';

/** ComponentStatusOptions configures {@link ComponentStatusREST}. */
export interface ComponentStatusOptions {
  storage: Interface;
  now?: () => Date;
  /** How long the storage may take to answer before etcd-0 is Unhealthy (default 2 s). */
  timeoutMs?: number;
}

interface Condition {
  type: 'Healthy';
  status: 'True' | 'False' | 'Unknown';
  message?: string;
  error?: string;
}

const LEASE_COMPONENTS: ReadonlyArray<[component: string, lease: string]> = [
  ['scheduler', 'kube-scheduler'],
  ['controller-manager', 'kube-controller-manager'],
];

/** ComponentStatusREST serves get and list of componentstatuses (upstream rest.Getter and rest.Lister). */
export class ComponentStatusREST {
  private readonly now: () => Date;
  private readonly timeoutMs: number;

  constructor(private readonly o: ComponentStatusOptions) {
    this.now = o.now ?? (() => new Date());
    this.timeoutMs = o.timeoutMs ?? 2000;
  }

  /** list returns every component's status (scheduler, controller-manager, etcd-0). */
  async list(): Promise<KubeObject[]> {
    const [leases, etcd] = await Promise.all([Promise.all(LEASE_COMPONENTS.map(([c, l]) => this.leaseStatus(c, l))), this.etcdStatus()]);
    return [...leases, etcd];
  }

  /** get returns one component's status, 404 for an unknown name. */
  async get(name: string): Promise<KubeObject> {
    if (name === 'etcd-0') return this.etcdStatus();
    const lc = LEASE_COMPONENTS.find(([c]) => c === name);
    if (!lc) throw notFound({ group: '', resource: 'componentstatuses' }, name);
    return this.leaseStatus(lc[0], lc[1]);
  }

  private async etcdStatus(): Promise<KubeObject> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.o.storage.currentRevision(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`storage did not answer within ${this.timeoutMs}ms`)), this.timeoutMs);
        }),
      ]);
      return componentStatus('etcd-0', { type: 'Healthy', status: 'True', message: 'ok' });
    } catch (err) {
      return componentStatus('etcd-0', { type: 'Healthy', status: 'False', error: err instanceof Error ? err.message : String(err) });
    } finally {
      clearTimeout(timer);
    }
  }

  private async leaseStatus(component: string, leaseName: string): Promise<KubeObject> {
    let lease: KubeObject;
    try {
      lease = await this.o.storage.get<KubeObject>(`/registry/leases/kube-system/${leaseName}`);
    } catch (err) {
      if (!isStorageError(err, 'KeyNotFound')) return componentStatus(component, { type: 'Healthy', status: 'Unknown', error: err instanceof Error ? err.message : String(err) });
      return componentStatus(component, { type: 'Healthy', status: 'Unknown', error: `no leader-election lease kube-system/${leaseName}: health unknown` });
    }
    return componentStatus(component, leaseCondition(lease, leaseName, this.now()));
  }
}

/** leaseCondition judges a leader-election Lease: renewed within its duration is healthy. */
export function leaseCondition(lease: KubeObject, leaseName: string, now: Date): Condition {
  const spec = (lease as { spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number } }).spec ?? {};
  if (!spec.holderIdentity) return { type: 'Healthy', status: 'False', error: `leader-election lease kube-system/${leaseName} has no holder` };
  const renewed = spec.renewTime ? Date.parse(spec.renewTime) : NaN;
  const expires = renewed + (spec.leaseDurationSeconds ?? 15) * 1000;
  if (Number.isNaN(renewed) || expires < now.getTime()) {
    return { type: 'Healthy', status: 'False', error: `leader-election lease kube-system/${leaseName} held by ${spec.holderIdentity} expired${spec.renewTime ? ` (last renewed ${spec.renewTime})` : ''}` };
  }
  return { type: 'Healthy', status: 'True', message: 'ok' };
}

function componentStatus(name: string, condition: Condition): KubeObject {
  return { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name }, conditions: [condition] } as KubeObject;
}

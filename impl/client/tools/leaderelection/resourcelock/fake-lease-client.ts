/**
 * FakeLeaseClient is an in-memory Lease client for leader-election tests: it numbers writes
 * with resourceVersions and answers NotFound, AlreadyExists and Conflict like the apiserver.
 * `failNext(n)` makes the next n calls fail (an apiserver outage).
 */
import type { Lease } from '#generated/k8s/index.ts';
import { ApiError } from '../../../api-error.ts';
import type { LeaseClient } from './lease-lock.ts';

function statusError(code: number, reason: string, message: string): ApiError {
  const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
  return new ApiError({ code, status, request: 'fake leases', body: JSON.stringify(status) });
}

/** FakeLeaseClient implements {@link LeaseClient} in memory; share one between candidates. */
export class FakeLeaseClient implements LeaseClient {
  readonly leases = new Map<string, Lease>();
  private rv = 1;
  private failures = 0;
  /** Every write, for assertions. */
  readonly writes: Array<{ verb: 'create' | 'update'; holder: string | undefined }> = [];

  /** failNext makes the next `n` calls reject with a 500. */
  failNext(n: number): void {
    this.failures = n;
  }

  async get(name: string): Promise<Lease> {
    this.maybeFail();
    const l = this.leases.get(name);
    if (!l) throw statusError(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`);
    return structuredClone(l);
  }

  async create(obj: Partial<Lease>): Promise<Lease> {
    this.maybeFail();
    const name = obj.metadata?.name ?? '';
    if (this.leases.has(name)) throw statusError(409, 'AlreadyExists', `leases.coordination.k8s.io "${name}" already exists`);
    const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } } as Lease;
    this.leases.set(name, stored);
    this.writes.push({ verb: 'create', holder: stored.spec?.holderIdentity });
    return structuredClone(stored);
  }

  async update(obj: Lease): Promise<Lease> {
    this.maybeFail();
    const name = obj.metadata?.name ?? '';
    const cur = this.leases.get(name);
    if (!cur) throw statusError(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`);
    if (obj.metadata?.resourceVersion !== cur.metadata?.resourceVersion) {
      throw statusError(409, 'Conflict', `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } } as Lease;
    this.leases.set(name, stored);
    this.writes.push({ verb: 'update', holder: stored.spec?.holderIdentity });
    return structuredClone(stored);
  }

  private maybeFail(): void {
    if (this.failures > 0) {
      this.failures--;
      throw statusError(500, 'InternalError', 'fake outage');
    }
  }
}

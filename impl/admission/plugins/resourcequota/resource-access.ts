/**
 * QuotaAccessor feeds the ResourceQuota plugin its quotas without a storage read per create, as
 * upstream's quotaAccessor does:
 * - quotas come from an informer-style cache (`lister`);
 * - an empty cache answer is confirmed by a live list, remembered for `liveTtlMs` (30 s upstream),
 *   so a quota created a moment ago and not cached yet is still enforced;
 * - the plugin's own status writes are remembered, and win over older cached copies;
 * - after a conflict, the next list of that namespace is live.
 *
 * upstream: plugin/pkg/admission/resourcequota/resource_access.go.
 */
import type { ResourceQuota } from '#generated/k8s/index.ts';

/** QuotaAccessorOptions configures a {@link QuotaAccessor}. */
export interface QuotaAccessorOptions {
  /** lister returns the cached quotas of a namespace. */
  lister(namespace: string): readonly ResourceQuota[];
  /** liveList reads the quotas of a namespace from storage. */
  liveList(namespace: string): Promise<readonly ResourceQuota[]>;
  /** update stores `status.used` with the quota's resourceVersion as precondition and returns the stored quota. */
  update(quota: ResourceQuota, used: Record<string, string>): Promise<ResourceQuota>;
  /** How long a live answer for a namespace without cached quotas is reused (default 30 s). */
  liveTtlMs?: number;
  /** How many of the plugin's own updates are remembered (default 1000). */
  maxUpdated?: number;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

/** QuotaAccessor implements the plugin's `listResourceQuotas` and `updateQuotaStatus`. */
export class QuotaAccessor {
  private readonly live = new Map<string, { expiry: number; items: readonly ResourceQuota[] }>();
  private readonly inflight = new Map<string, Promise<readonly ResourceQuota[]>>();
  private readonly updated = new Map<string, ResourceQuota>();
  private readonly forceLive = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly opts: QuotaAccessorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** list returns the quotas of `namespace`, each in the newest version known. */
  async list(namespace: string): Promise<readonly ResourceQuota[]> {
    let items = this.forceLive.has(namespace) ? [] : this.opts.lister(namespace);
    if (items.length === 0) items = await this.liveLookup(namespace);
    return items.map((q) => this.newest(q));
  }

  /** updateStatus writes `status.used`; a conflict makes the next list of the namespace live. */
  async updateStatus(quota: ResourceQuota, used: Record<string, string>): Promise<void> {
    const ns = quota.metadata?.namespace ?? '';
    try {
      const stored = await this.opts.update(quota, used);
      this.remember(stored);
    } catch (err) {
      if (isConflict(err)) {
        this.forceLive.add(ns);
        this.live.delete(ns);
      }
      throw err;
    }
  }

  private async liveLookup(namespace: string): Promise<readonly ResourceQuota[]> {
    const force = this.forceLive.delete(namespace);
    const hit = this.live.get(namespace);
    if (!force && hit && hit.expiry > this.now()) return hit.items;
    // One live list per namespace at a time (upstream's singleflight).
    let p = this.inflight.get(namespace);
    if (!p) {
      p = this.opts.liveList(namespace).finally(() => this.inflight.delete(namespace));
      this.inflight.set(namespace, p);
    }
    const items = await p;
    this.live.set(namespace, { expiry: this.now() + (this.opts.liveTtlMs ?? 30_000), items });
    return items;
  }

  private remember(q: ResourceQuota): void {
    const key = `${q.metadata?.namespace ?? ''}/${q.metadata?.name ?? ''}`;
    this.updated.delete(key);
    this.updated.set(key, q);
    if (this.updated.size > (this.opts.maxUpdated ?? 1000)) this.updated.delete(this.updated.keys().next().value!);
  }

  /** newest picks our own last write of a quota when it is newer than the given copy (upstream checkCache). */
  private newest(q: ResourceQuota): ResourceQuota {
    const mine = this.updated.get(`${q.metadata?.namespace ?? ''}/${q.metadata?.name ?? ''}`);
    if (!mine) return q;
    return Number(mine.metadata?.resourceVersion ?? 0) > Number(q.metadata?.resourceVersion ?? 0) ? mine : q;
  }
}

function isConflict(err: unknown): boolean {
  const e = err as { reason?: string; code?: string };
  return e?.reason === 'Conflict' || e?.code === 'ResourceVersionConflicts';
}

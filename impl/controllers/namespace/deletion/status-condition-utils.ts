/**
 * Namespace deletion conditions (upstream `pkg/controller/namespace/deletion/status_condition_utils.go`):
 * the five condition types the deleter owns, their "ok" reasons and messages, and the failure
 * forms. Every pass sets all five; only a Status change moves `lastTransitionTime`.
 */
import type { NamespaceCondition } from '#generated/k8s/index.ts';

/** NAMESPACE_CONDITION_TYPES are the condition types owned by the namespace deleter, in upstream order. */
export const NAMESPACE_CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;
/** NamespaceConditionType is one of {@link NAMESPACE_CONDITION_TYPES}. */
export type NamespaceConditionType = (typeof NAMESPACE_CONDITION_TYPES)[number];

const OK: Record<NamespaceConditionType, { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
};

/** ContentTotals counts what is left after a deletion pass, by resource and by finalizer. */
export interface ContentTotals {
  /** `resource.group` -> remaining instances. */
  gvrToNumRemaining: Map<string, number>;
  /** finalizer -> instances carrying it. */
  finalizersToNumRemaining: Map<string, number>;
}

/** NamespaceConditionUpdater collects failures of one pass and turns them into conditions. */
export class NamespaceConditionUpdater {
  private readonly newConditions: NamespaceCondition[] = [];
  private readonly deleteContentErrors: string[] = [];

  constructor(private readonly now: () => string) {}

  processDiscoverResourcesErr(message: string): void {
    this.newConditions.push({ type: 'NamespaceDeletionDiscoveryFailure', status: 'True', lastTransitionTime: this.now(), reason: 'DiscoveryFailed', message });
  }

  processGroupVersionErr(message: string): void {
    this.newConditions.push({ type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'True', lastTransitionTime: this.now(), reason: 'GroupVersionParsingFailed', message });
  }

  processDeleteContentErr(message: string): void {
    this.deleteContentErrors.push(message);
  }

  processContentTotals(t: ContentTotals): void {
    const remaining = [...t.gvrToNumRemaining].filter(([, n]) => n > 0).map(([gr, n]) => `${gr} has ${n} resource instances`).sort();
    if (t.gvrToNumRemaining.size > 0) {
      this.newConditions.push({ type: 'NamespaceContentRemaining', status: 'True', lastTransitionTime: this.now(), reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${remaining.join(', ')}` });
    }
    const byFinalizer = [...t.finalizersToNumRemaining].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`).sort();
    if (t.finalizersToNumRemaining.size > 0) {
      this.newConditions.push({ type: 'NamespaceFinalizersRemaining', status: 'True', lastTransitionTime: this.now(), reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${byFinalizer.join(', ')}` });
    }
  }

  /** update writes the five conditions into `status` (mutated); it reports whether anything changed. */
  update(status: { conditions?: NamespaceCondition[] }): boolean {
    if (!this.newConditions.some((c) => c.type === 'NamespaceDeletionContentFailure') && this.deleteContentErrors.length > 0) {
      const msgs = [...this.deleteContentErrors].sort();
      this.newConditions.push({
        type: 'NamespaceDeletionContentFailure',
        status: 'True',
        lastTransitionTime: this.now(),
        reason: 'ContentDeletionFailed',
        message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`,
      });
    }
    let changed = false;
    status.conditions ??= [];
    for (const type of NAMESPACE_CONDITION_TYPES) {
      const want = this.newConditions.find((c) => c.type === type) ?? { type, status: 'False', lastTransitionTime: this.now(), ...OK[type] };
      const old = status.conditions.find((c) => c.type === type);
      if (!old) {
        status.conditions.push(want);
        changed = true;
      } else if (old.status !== want.status || old.reason !== want.reason || old.message !== want.message) {
        if (old.status !== want.status) old.lastTransitionTime = this.now();
        old.status = want.status;
        old.reason = want.reason;
        old.message = want.message;
        changed = true;
      }
    }
    return changed;
  }
}

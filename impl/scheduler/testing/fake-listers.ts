/**
 * In-memory {@link SharedListers} for plugin tests (the role of upstream's fake informer factory):
 * `fakeListers({ pvcs, pvs, storageClasses, csiNodes, pdbs, priorityClasses })`; the arrays stay
 * live, so a test may push or replace objects after building the listers.
 */
import type { CSINode, PersistentVolume, PersistentVolumeClaim, PodDisruptionBudget, PriorityClass, StorageClass } from '#generated/k8s/index.ts';
import type { SharedListers } from '../framework/interface.ts';

/** FakeObjects are the objects behind {@link fakeListers}. */
export interface FakeObjects {
  pvcs?: PersistentVolumeClaim[];
  pvs?: PersistentVolume[];
  storageClasses?: StorageClass[];
  csiNodes?: CSINode[];
  pdbs?: PodDisruptionBudget[];
  priorityClasses?: PriorityClass[];
}

/** fakeListers serves the given objects through the lister interface. */
export function fakeListers(o: FakeObjects): SharedListers {
  const byName = <T extends { metadata?: { name?: string } }>(list: T[] | undefined, name: string): T | undefined => list?.find((x) => x.metadata?.name === name);
  return {
    podDisruptionBudgets: () => o.pdbs ?? [],
    priorityClass: (name) => byName(o.priorityClasses, name),
    persistentVolumeClaim: (ns, name) => o.pvcs?.find((c) => c.metadata?.name === name && (c.metadata?.namespace ?? 'default') === ns),
    persistentVolume: (name) => byName(o.pvs, name),
    persistentVolumes: () => o.pvs ?? [],
    storageClass: (name) => byName(o.storageClasses, name),
    csiNode: (name) => byName(o.csiNodes, name),
  };
}

/**
 * The informers behind the plugins' {@link SharedListers} (upstream: the scheduler's
 * `SharedInformerFactory` for PodDisruptionBudgets, PriorityClasses, PVCs, PVs, StorageClasses
 * and CSINodes), plus the cluster events they feed to the queue (upstream `addAllEventHandlers`).
 */
import type { CSINode, Namespace, ReplicaSet, ReplicationController, Service, StatefulSet, PersistentVolume, PersistentVolumeClaim, PodDisruptionBudget, PriorityClass, StorageClass } from '#generated/k8s/index.ts';
import type { RestClient } from '#impl/client/index.ts';
import { namespaceIndex, newListWatchFromClient, newSharedIndexInformer, type SharedIndexInformer } from '#impl/client/tools/cache/index.ts';
import type { Clock } from '#impl/client/util/workqueue/index.ts';
import { ActionType, type ClusterEvent, type EventResource } from './framework/events.ts';
import type { SharedListers } from './framework/interface.ts';

/** ListerInformers are the started-on-demand informers and the listers reading them. */
export interface ListerInformers {
  listers: SharedListers;
  /** run starts every informer; resolves when the signal aborts. */
  run(signal: AbortSignal): Promise<unknown>[];
  /** hasSynced functions the scheduler waits for before its first cycle. */
  syncFns: Array<() => boolean>;
}

/** ClusterEventSink receives the events of storage objects (the queue's `moveAllToActiveOrBackoffQueue`). */
export type ClusterEventSink = (event: ClusterEvent, oldObj: unknown, newObj: unknown) => void;

const strip = <T extends { metadata?: { managedFields?: unknown } }>(o: T): T => {
  if (o.metadata?.managedFields) delete o.metadata.managedFields;
  return o;
};

/**
 * newListerInformers builds informers for the objects plugins read through {@link SharedListers};
 * the scheduler waits for all of them before its first cycle (its bootstrap RBAC role and
 * system:volume-scheduler allow listing them all).
 */
export function newListerInformers(client: RestClient, clock: Clock, onEvent?: ClusterEventSink): ListerInformers {
  const make = <T extends { metadata?: { managedFields?: unknown } }>(group: string, version: string, resource: string, objectType: string): SharedIndexInformer<T> =>
    newSharedIndexInformer<T>({ listWatch: newListWatchFromClient(client.resource(group, version, resource).as<T>() as never), objectType, clock, transform: strip } as never);
  const pdbs = make<PodDisruptionBudget>('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget');
  const priorityClasses = make<PriorityClass>('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass');
  const pvcs = make<PersistentVolumeClaim>('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim');
  const pvs = make<PersistentVolume>('', 'v1', 'persistentvolumes', 'PersistentVolume');
  const storageClasses = make<StorageClass>('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass');
  const csiNodes = make<CSINode>('storage.k8s.io', 'v1', 'csinodes', 'CSINode');
  const namespaces = make<Namespace>('', 'v1', 'namespaces', 'Namespace');
  const services = make<Service>('', 'v1', 'services', 'Service');
  const rcs = make<ReplicationController>('', 'v1', 'replicationcontrollers', 'ReplicationController');
  const rss = make<ReplicaSet>('apps', 'v1', 'replicasets', 'ReplicaSet');
  const sss = make<StatefulSet>('apps', 'v1', 'statefulsets', 'StatefulSet');
  if (onEvent) {
    const feed = <T>(inf: SharedIndexInformer<T>, resource: EventResource): void => {
      inf.addEventHandler({
        onAdd: (o) => onEvent({ resource, actionType: ActionType.Add, label: `${resource}Add` }, undefined, o),
        onUpdate: (a, b) => {
          if (a !== b) onEvent({ resource, actionType: ActionType.Update, label: `${resource}Update` }, a, b);
        },
        onDelete: (o) => onEvent({ resource, actionType: ActionType.Delete, label: `${resource}Delete` }, o, undefined),
      });
    };
    feed(pvcs, 'PersistentVolumeClaim');
    feed(pvs, 'PersistentVolume');
    feed(storageClasses, 'StorageClass');
    feed(csiNodes, 'CSINode');
  }
  const all = [pdbs, priorityClasses, pvcs, pvs, storageClasses, csiNodes, namespaces, services, rcs, rss, sss] as SharedIndexInformer<unknown>[];
  return {
    listers: {
      podDisruptionBudgets: () => pdbs.getStore().list(),
      priorityClass: (name) => priorityClasses.getStore().getByKey(name),
      persistentVolumeClaim: (ns, name) => pvcs.getStore().getByKey(`${ns}/${name}`),
      persistentVolume: (name) => pvs.getStore().getByKey(name),
      persistentVolumes: () => pvs.getStore().list(),
      storageClass: (name) => storageClasses.getStore().getByKey(name),
      csiNode: (name) => csiNodes.getStore().getByKey(name),
      namespace: (name) => namespaces.getStore().getByKey(name),
      services: (ns) => services.getIndexer().byIndex(namespaceIndex, ns),
      replicationController: (ns, name) => rcs.getStore().getByKey(`${ns}/${name}`),
      replicaSet: (ns, name) => rss.getStore().getByKey(`${ns}/${name}`),
      statefulSet: (ns, name) => sss.getStore().getByKey(`${ns}/${name}`),
    },
    run: (signal) => all.map((i) => i.run(signal)),
    syncFns: all.map((i) => () => i.hasSynced()),
  };
}

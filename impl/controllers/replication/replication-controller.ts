/**
 * The ReplicationController manager (upstream `pkg/controller/replication/replication_controller.go`):
 * the ReplicaSet controller configured for `v1/ReplicationController`, whose selector is a plain
 * label map (an empty one selects nothing).
 */
import { labels } from '#impl/apimachinery/index.ts';
import { ReplicaSetController, type ReplicaSetControllerOptions, type ReplicaSetKindConfig } from '../replicaset/replicaset-controller.ts';

/** REPLICATION_CONTROLLER_NAME is the upstream controller name. */
export const REPLICATION_CONTROLLER_NAME = 'replicationcontroller-controller';

/** REPLICATIONCONTROLLER_KIND configures the shared controller for ReplicationControllers. */
export const REPLICATIONCONTROLLER_KIND: ReplicaSetKindConfig = {
  name: REPLICATION_CONTROLLER_NAME,
  gvk: { group: '', version: 'v1', kind: 'ReplicationController' },
  gvr: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  queueName: 'replicationmanager',
  selectorOf: (rc) => {
    const sel = (rc.spec?.selector ?? {}) as Record<string, string>;
    return Object.keys(sel).length === 0 ? labels.nothing() : labels.selectorFromSet(sel);
  },
};

/** newReplicationManager returns the ReplicaSet controller for ReplicationControllers. */
export function newReplicationManager(opts: Omit<ReplicaSetControllerOptions, 'kind'>): ReplicaSetController {
  return new ReplicaSetController({ ...opts, kind: REPLICATIONCONTROLLER_KIND });
}

/**
 * Public surface of `impl/controllers`: kube-controller-manager (`startControllerManager`), the
 * controller descriptors and `--controllers` rules, and each controller's class for tests and
 * embedding. Each controller is informers + a workqueue + `reconcile(key)` (STYLE.md item 12).
 */
export { startControllerManager, type ControllerManagerOptions, type RunningControllerManager } from './controller-manager.ts';
export { CONTROLLER_DESCRIPTORS, selectControllers, workersFor } from './controller-descriptors.ts';
export type { Controller, ControllerContext, ControllerDescriptor, InformerSource } from './controller-context.ts';
export type { ClientLike, ResourceApi, GVR } from './controller-client.ts';
export { newDiscoveryClient, staticDiscovery, type APIResourceInfo, type DiscoveryInterface } from '#impl/client/discovery/index.ts';
export { runWorkers, processNextWorkItem, type ReconcileResult } from './worker-loop.ts';
export { NamespaceController } from './namespace/namespace-controller.ts';
export { NamespacedResourcesDeleter, ResourcesRemainingError } from './namespace/deletion/namespaced-resources-deleter.ts';
export { ServiceAccountsController } from './serviceaccount/serviceaccounts-controller.ts';
export { Publisher as RootCACertPublisher } from './certificates/rootcacertpublisher/publisher.ts';
export { GarbageCollector } from './garbagecollector/garbagecollector.ts';
export { ReplicaSetController } from './replicaset/replicaset-controller.ts';
export { newReplicationManager } from './replication/replication-controller.ts';
export { DeploymentController } from './deployment/deployment-controller.ts';
export { JobController } from './job/job-controller.ts';
export { TTLAfterFinishedController } from './ttlafterfinished/ttlafterfinished-controller.ts';
export { EndpointsController } from './endpoint/endpoints-controller.ts';
export { EndpointSliceController } from './endpointslice/endpointslice-controller.ts';
export { CronJobController } from './cronjob/cronjob-controller.ts';
export { DaemonSetsController } from './daemon/daemon-controller.ts';
export { StatefulSetController } from './statefulset/stateful-set-controller.ts';
export { PodGCController } from './podgc/gc-controller.ts';
export { DisruptionController } from './disruption/disruption.ts';
export { NodeLifecycleController } from './nodelifecycle/node-lifecycle-controller.ts';
export { ResourceQuotaController } from './resourcequota/resource-quota-controller.ts';
export { PersistentVolumeController } from './volume/persistentvolume/pv-controller.ts';
export { PVCProtectionController } from './volume/pvcprotection/pvc-protection-controller.ts';
export { LocalPathProvisioner, defaultStorageClass, LOCAL_PATH_PROVISIONER_NAME } from './volume/localpath/local-path-provisioner.ts';
export { PVProtectionController } from './volume/pvprotection/pv-protection-controller.ts';
export { ClusterRoleAggregationController } from './clusterroleaggregation/clusterroleaggregation-controller.ts';
export { CSRSigningController } from './certificates/signer/signer.ts';
export { CSRApprovingController } from './certificates/approver/sarapprove.ts';
export { BootstrapSigner } from './bootstrap/bootstrapsigner.ts';
export { TokenCleaner } from './bootstrap/tokencleaner.ts';
export { TokensController } from './serviceaccount/tokens-controller.ts';

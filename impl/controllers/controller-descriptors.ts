/**
 * The controllers `kubets controller-manager` knows, by upstream name (upstream
 * `cmd/kube-controller-manager/app/controller_descriptor.go` `NewControllerDescriptors`), and
 * the `--controllers` selection rules (`*` = every default-on controller, `name` turns one
 * on, `-name` turns one off; aliases accepted).
 */
import { readFileSync } from 'node:fs';
import { RESOURCES } from './controller-client.ts';
import type { ControllerContext, ControllerDescriptor } from './controller-context.ts';
import { Publisher } from './certificates/rootcacertpublisher/publisher.ts';
import { NamespaceController } from './namespace/namespace-controller.ts';
import { ServiceAccountsController } from './serviceaccount/serviceaccounts-controller.ts';
import { GarbageCollector } from './garbagecollector/garbagecollector.ts';
import { ReplicaSetController } from './replicaset/replicaset-controller.ts';
import { newReplicationManager } from './replication/replication-controller.ts';
import { DeploymentController } from './deployment/deployment-controller.ts';
import { JobController } from './job/job-controller.ts';
import { TTLAfterFinishedController } from './ttlafterfinished/ttlafterfinished-controller.ts';
import { HorizontalController } from './podautoscaler/horizontal.ts';

import { EndpointsController } from './endpoint/endpoints-controller.ts';
import { EndpointSliceController } from './endpointslice/endpointslice-controller.ts';
import { EndpointSliceMirroringController } from './endpointslicemirroring/endpointslicemirroring-controller.ts';

import { CronJobController } from './cronjob/cronjob-controller.ts';
import { DaemonSetsController } from './daemon/daemon-controller.ts';
import { StatefulSetController } from './statefulset/stateful-set-controller.ts';
import { PodGCController } from './podgc/gc-controller.ts';
import { DisruptionController } from './disruption/disruption.ts';
import { NodeLifecycleController } from './nodelifecycle/node-lifecycle-controller.ts';
import { ResourceQuotaController } from './resourcequota/resource-quota-controller.ts';
import { PersistentVolumeController } from './volume/persistentvolume/pv-controller.ts';
import { PVCProtectionController } from './volume/pvcprotection/pvc-protection-controller.ts';
import { PVProtectionController } from './volume/pvprotection/pv-protection-controller.ts';
import { ClusterRoleAggregationController } from './clusterroleaggregation/clusterroleaggregation-controller.ts';
import { CSRSigningController } from './certificates/signer/signer.ts';
import { CSRApprovingController } from './certificates/approver/sarapprove.ts';
import { BootstrapSigner } from './bootstrap/bootstrapsigner.ts';
import { TokenCleaner } from './bootstrap/tokencleaner.ts';
import { TokensController } from './serviceaccount/tokens-controller.ts';
import { defaultStorageClass, LocalPathProvisioner } from './volume/localpath/local-path-provisioner.ts';

const JOBS = { group: 'batch', version: 'v1', resource: 'jobs' } as const;
const SERVICES = { group: '', version: 'v1', resource: 'services' } as const;
const CSRS = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' } as const;


/** CONTROLLER_DESCRIPTORS lists the built-in controllers in start order. */
export const CONTROLLER_DESCRIPTORS: readonly ControllerDescriptor[] = [
  {
    name: 'namespace-controller',
    serviceAccountName: 'namespace-controller',
    aliases: ['namespace'],
    defaultWorkers: 10,
    concurrencyFlag: 'concurrent-namespace-syncs',
    init: (ctx) =>
      new NamespaceController({
        client: ctx.client,
        discovery: ctx.discovery,
        namespaceInformer: ctx.informers.forResource(RESOURCES.namespaces),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        deletionGracePeriodMs: ctx.namespaceDeletionGracePeriodMs,
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'serviceaccount-controller',
    serviceAccountName: 'service-account-controller',
    aliases: ['serviceaccount'],
    defaultWorkers: 1,
    init: (ctx) =>
      new ServiceAccountsController({
        client: ctx.client,
        serviceAccountInformer: ctx.informers.forResource(RESOURCES.serviceaccounts),
        namespaceInformer: ctx.informers.forResource(RESOURCES.namespaces),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'serviceaccount-token-controller',
    // upstream runs it with the controller-manager's own credentials (it mints every account's tokens).
    serviceAccountName: 'tokens-controller',
    rootClient: true,
    aliases: ['serviceaccount-token'],
    defaultWorkers: 5,
    concurrencyFlag: 'concurrent-serviceaccount-token-syncs',
    init: (ctx) => {
      if (!ctx.serviceAccountPrivateKeyFile) throw new Error('skipping serviceaccount-token: --service-account-private-key-file is not set');
      return new TokensController({
        client: ctx.client,
        secretInformer: ctx.informers.forResource(RESOURCES.secrets),
        serviceAccountInformer: ctx.informers.forResource(RESOURCES.serviceaccounts),
        signingKeyPem: readFileSync(ctx.serviceAccountPrivateKeyFile, 'utf8'),
        rootCA: ctx.rootCA,
        clock: ctx.clock,
        logger: ctx.logger,
      });
    },
  },
  {
    name: 'root-ca-certificate-publisher-controller',
    serviceAccountName: 'root-ca-cert-publisher',
    aliases: ['root-ca-cert-publisher'],
    defaultWorkers: 1,
    init: (ctx) => {
      if (!ctx.rootCA) throw new Error('root-ca-certificate-publisher-controller needs a CA bundle (--root-ca-file or a kubeconfig with certificate-authority data)');
      return new Publisher({
        client: ctx.client,
        configMapInformer: ctx.informers.forResource(RESOURCES.configmaps),
        namespaceInformer: ctx.informers.forResource(RESOURCES.namespaces),
        rootCA: ctx.rootCA,
        clock: ctx.clock,
        logger: ctx.logger,
      });
    },
  },
  {
    name: 'garbage-collector-controller',
    serviceAccountName: 'generic-garbage-collector',
    aliases: ['garbagecollector'],
    defaultWorkers: 20,
    concurrencyFlag: 'concurrent-gc-syncs',
    init: (ctx) => new GarbageCollector({ client: ctx.client, discovery: ctx.discovery, informers: ctx.informers, startInformers: () => ctx.startInformers(), clock: ctx.clock, logger: ctx.logger, recorder: ctx.recorderFor('garbage-collector-controller') }),
  },
  {
    name: 'replicaset-controller',
    serviceAccountName: 'replicaset-controller',
    aliases: ['replicaset'],
    defaultWorkers: 5,
    concurrencyFlag: 'concurrent-replicaset-syncs',
    init: (ctx) =>
      new ReplicaSetController({
        client: ctx.client,
        rsInformer: ctx.informers.forResource(RESOURCES.replicasets),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        recorder: ctx.recorderFor('replicaset-controller'),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'replicationcontroller-controller',
    serviceAccountName: 'replication-controller',
    aliases: ['replicationcontroller'],
    defaultWorkers: 5,
    concurrencyFlag: 'concurrent-rc-syncs',
    init: (ctx) =>
      newReplicationManager({
        client: ctx.client,
        rsInformer: ctx.informers.forResource(RESOURCES.replicationcontrollers),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        recorder: ctx.recorderFor('replication-controller'),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'deployment-controller',
    serviceAccountName: 'deployment-controller',
    aliases: ['deployment'],
    defaultWorkers: 5,
    concurrencyFlag: 'concurrent-deployment-syncs',
    init: (ctx) =>
      new DeploymentController({
        client: ctx.client,
        dInformer: ctx.informers.forResource(RESOURCES.deployments),
        rsInformer: ctx.informers.forResource(RESOURCES.replicasets),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        recorder: ctx.recorderFor('deployment-controller'),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'daemonset-controller',
    serviceAccountName: 'daemon-set-controller',
    aliases: ['daemonset'],
    defaultWorkers: 2,
    concurrencyFlag: 'concurrent-daemonset-syncs',
    init: (ctx) =>
      new DaemonSetsController({
        client: ctx.client,
        dsInformer: ctx.informers.forResource({ group: 'apps', version: 'v1', resource: 'daemonsets' }),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        nodeInformer: ctx.informers.forResource({ group: '', version: 'v1', resource: 'nodes' }),
        revisionInformer: ctx.informers.forResource({ group: 'apps', version: 'v1', resource: 'controllerrevisions' }),
        recorder: ctx.recorderFor('daemonset-controller'),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'statefulset-controller',
    serviceAccountName: 'statefulset-controller',
    aliases: ['statefulset'],
    defaultWorkers: 5,
    concurrencyFlag: 'concurrent-statefulset-syncs',
    init: (ctx) =>
      new StatefulSetController({
        client: ctx.client,
        setInformer: ctx.informers.forResource({ group: 'apps', version: 'v1', resource: 'statefulsets' }),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        revisionInformer: ctx.informers.forResource({ group: 'apps', version: 'v1', resource: 'controllerrevisions' }),
        recorder: ctx.recorderFor('statefulset-controller'),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'job-controller',
    serviceAccountName: 'job-controller',
    aliases: ['job'],
    defaultWorkers: 5,
    concurrencyFlag: 'concurrent-job-syncs',
    init: (ctx) =>
      new JobController({
        client: ctx.client,
        jobInformer: ctx.informers.forResource(JOBS),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        recorder: ctx.recorderFor('job-controller'),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'cronjob-controller',
    serviceAccountName: 'cronjob-controller',
    aliases: ['cronjob'],
    defaultWorkers: 5,
    concurrencyFlag: 'concurrent-cron-job-syncs',
    init: (ctx) =>
      new CronJobController({
        client: ctx.client,
        cronJobInformer: ctx.informers.forResource({ group: 'batch', version: 'v1', resource: 'cronjobs' }),
        jobInformer: ctx.informers.forResource(JOBS),
        recorder: ctx.recorderFor('cronjob-controller'),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'ttl-after-finished-controller',
    serviceAccountName: 'ttl-after-finished-controller',
    aliases: ['ttl-after-finished'],
    defaultWorkers: 5,
    concurrencyFlag: 'concurrent-ttl-after-finished-syncs',
    init: (ctx) => new TTLAfterFinishedController({ client: ctx.client, jobInformer: ctx.informers.forResource(JOBS), clock: ctx.clock, logger: ctx.logger }),
  },
  {
    name: 'horizontal-pod-autoscaler-controller',
    serviceAccountName: 'horizontal-pod-autoscaler',
    aliases: ['horizontalpodautoscaling'],
    defaultWorkers: 5,
    concurrencyFlag: 'concurrent-horizontal-pod-autoscaler-syncs',
    init: (ctx) => new HorizontalController({ client: ctx.client, hpaInformer: ctx.informers.forResource({ group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' }), recorder: ctx.recorderFor('horizontal-pod-autoscaler'), clock: ctx.clock, logger: ctx.logger }),
  },
  {
    name: 'endpoints-controller',
    serviceAccountName: 'endpoint-controller',
    aliases: ['endpoint'],
    defaultWorkers: 5,
    concurrencyFlag: 'concurrent-endpoint-syncs',
    init: (ctx) =>
      new EndpointsController({
        client: ctx.client,
        serviceInformer: ctx.informers.forResource(SERVICES),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        endpointsInformer: ctx.informers.forResource({ group: '', version: 'v1', resource: 'endpoints' }),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'endpointslice-controller',
    serviceAccountName: 'endpointslice-controller',
    aliases: ['endpointslice'],
    defaultWorkers: 5,
    concurrencyFlag: 'concurrent-service-endpoint-syncs',
    init: (ctx) =>
      new EndpointSliceController({
        client: ctx.client,
        serviceInformer: ctx.informers.forResource(SERVICES),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        sliceInformer: ctx.informers.forResource({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'endpointslice-mirroring-controller',
    serviceAccountName: 'endpointslicemirroring-controller',
    aliases: ['endpointslicemirroring'],
    defaultWorkers: 5,
    concurrencyFlag: 'mirroring-concurrent-service-endpoint-syncs',
    init: (ctx) =>
      new EndpointSliceMirroringController({
        client: ctx.client,
        serviceInformer: ctx.informers.forResource(SERVICES),
        endpointsInformer: ctx.informers.forResource({ group: '', version: 'v1', resource: 'endpoints' }),
        sliceInformer: ctx.informers.forResource({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'disruption-controller',
    serviceAccountName: 'disruption-controller',
    aliases: ['disruption'],
    defaultWorkers: 1,
    init: (ctx) =>
      new DisruptionController({
        client: ctx.client,
        pdbInformer: ctx.informers.forResource({ group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' }),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        rsInformer: ctx.informers.forResource(RESOURCES.replicasets),
        deploymentInformer: ctx.informers.forResource(RESOURCES.deployments),
        statefulSetInformer: ctx.informers.forResource({ group: 'apps', version: 'v1', resource: 'statefulsets' }),
        rcInformer: ctx.informers.forResource(RESOURCES.replicationcontrollers),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'node-lifecycle-controller',
    serviceAccountName: 'node-controller',
    aliases: ['nodelifecycle'],
    defaultWorkers: 1,
    init: (ctx) =>
      new NodeLifecycleController({
        client: ctx.client,
        nodeInformer: ctx.informers.forResource({ group: '', version: 'v1', resource: 'nodes' }),
        leaseInformer: ctx.informers.forResource(RESOURCES.leases),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        nodeMonitorGracePeriodMs: ctx.nodeMonitorGracePeriodMs,
        recorder: ctx.recorderFor('node-controller'),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'resourcequota-controller',
    serviceAccountName: 'resourcequota-controller',
    aliases: ['resourcequota'],
    defaultWorkers: 5,
    concurrencyFlag: 'concurrent-resource-quota-syncs',
    init: (ctx) =>
      new ResourceQuotaController({
        client: ctx.client,
        quotaInformer: ctx.informers.forResource({ group: '', version: 'v1', resource: 'resourcequotas' }),
        informers: ctx.informers,
        discovery: ctx.discovery,
        startInformers: () => ctx.startInformers(),
        resyncPeriodMs: ctx.resourceQuotaSyncPeriodMs,
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'persistentvolume-binder-controller',
    serviceAccountName: 'persistent-volume-binder',
    aliases: ['persistentvolume-binder'],
    defaultWorkers: 1,
    init: (ctx) =>
      new PersistentVolumeController({
        client: ctx.client,
        volumeInformer: ctx.informers.forResource({ group: '', version: 'v1', resource: 'persistentvolumes' }),
        claimInformer: ctx.informers.forResource({ group: '', version: 'v1', resource: 'persistentvolumeclaims' }),
        classInformer: ctx.informers.forResource({ group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' }),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        nodeInformer: ctx.informers.forResource({ group: '', version: 'v1', resource: 'nodes' }),
        provisioners: ctx.localPathDir === '' ? [] : [new LocalPathProvisioner({ baseDir: ctx.localPathDir })],
        bootstrapStorageClasses: ctx.localPathDir === '' ? [] : [defaultStorageClass()],
        recorder: ctx.recorderFor('persistentvolume-controller'),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'persistentvolumeclaim-protection-controller',
    serviceAccountName: 'pvc-protection-controller',
    aliases: ['pvc-protection'],
    defaultWorkers: 1,
    init: (ctx) =>
      new PVCProtectionController({
        client: ctx.client,
        claimInformer: ctx.informers.forResource({ group: '', version: 'v1', resource: 'persistentvolumeclaims' }),
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'persistentvolume-protection-controller',
    serviceAccountName: 'pv-protection-controller',
    aliases: ['pv-protection'],
    defaultWorkers: 1,
    init: (ctx) =>
      new PVProtectionController({
        client: ctx.client,
        volumeInformer: ctx.informers.forResource({ group: '', version: 'v1', resource: 'persistentvolumes' }),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'clusterrole-aggregation-controller',
    serviceAccountName: 'clusterrole-aggregation-controller',
    aliases: ['clusterrole-aggregation'],
    defaultWorkers: 5,
    init: (ctx) =>
      new ClusterRoleAggregationController({
        client: ctx.client,
        clusterRoleInformer: ctx.informers.forResource({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' }),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
  {
    name: 'certificatesigningrequest-signing-controller',
    serviceAccountName: 'certificate-controller',
    aliases: ['csrsigning'],
    defaultWorkers: 5,
    init: (ctx) => {
      if (!ctx.clusterSigningCertFile || !ctx.clusterSigningKeyFile) throw new Error('skipping csrsigning: --cluster-signing-cert-file and --cluster-signing-key-file are not set');
      return new CSRSigningController({
        client: ctx.client,
        csrInformer: ctx.informers.forResource(CSRS),
        ca: { certPem: readFileSync(ctx.clusterSigningCertFile, 'utf8'), keyPem: readFileSync(ctx.clusterSigningKeyFile, 'utf8') },
        signingDurationMs: ctx.clusterSigningDurationMs,
        clock: ctx.clock,
        logger: ctx.logger,
      });
    },
  },
  {
    name: 'certificatesigningrequest-approving-controller',
    serviceAccountName: 'certificate-controller',
    aliases: ['csrapproving'],
    defaultWorkers: 5,
    init: (ctx) => new CSRApprovingController({ client: ctx.client, csrInformer: ctx.informers.forResource(CSRS), clock: ctx.clock, logger: ctx.logger }),
  },
  {
    name: 'bootstrap-signer-controller',
    serviceAccountName: 'bootstrap-signer',
    aliases: ['bootstrapsigner'],
    defaultWorkers: 1,
    disabledByDefault: true,
    init: (ctx) =>
      new BootstrapSigner({ client: ctx.client, configMapInformer: ctx.informers.forResource(RESOURCES.configmaps), secretInformer: ctx.informers.forResource(RESOURCES.secrets), clock: ctx.clock, logger: ctx.logger }),
  },
  {
    name: 'token-cleaner-controller',
    serviceAccountName: 'token-cleaner',
    aliases: ['tokencleaner'],
    defaultWorkers: 1,
    disabledByDefault: true,
    init: (ctx) => new TokenCleaner({ client: ctx.client, secretInformer: ctx.informers.forResource(RESOURCES.secrets), clock: ctx.clock, logger: ctx.logger }),
  },
  {
    name: 'pod-garbage-collector-controller',
    serviceAccountName: 'pod-garbage-collector',
    aliases: ['podgc'],
    defaultWorkers: 1,
    init: (ctx) =>
      new PodGCController({
        client: ctx.client,
        podInformer: ctx.informers.forResource(RESOURCES.pods),
        nodeInformer: ctx.informers.forResource({ group: '', version: 'v1', resource: 'nodes' }),
        terminatedPodThreshold: ctx.terminatedPodGCThreshold,
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
];

/** workersFor returns a descriptor's worker count given the `--concurrent-*-syncs` values. */
export function workersFor(d: ControllerDescriptor, concurrency: Readonly<Record<string, number>>): number {
  return (d.concurrencyFlag ? concurrency[d.concurrencyFlag] : undefined) ?? d.defaultWorkers;
}

/**
 * selectControllers applies `--controllers` to the descriptors (upstream `IsControllerEnabled`):
 * an explicit `name`/`-name` wins, then `*` enables the default-on ones. Unknown names throw.
 */
export function selectControllers(selection: readonly string[], descriptors: readonly ControllerDescriptor[] = CONTROLLER_DESCRIPTORS): ControllerDescriptor[] {
  const find = (n: string): ControllerDescriptor | undefined => descriptors.find((d) => d.name === n || d.aliases.includes(n));
  for (const s of selection) {
    const n = s.startsWith('-') ? s.slice(1) : s;
    if (n !== '*' && !find(n)) throw new Error(`"${n}" is not in the list of known controllers`);
  }
  const star = selection.includes('*');
  return descriptors.filter((d) => {
    const names = [d.name, ...d.aliases];
    if (selection.some((s) => s.startsWith('-') && names.includes(s.slice(1)))) return false;
    if (selection.some((s) => names.includes(s))) return true;
    return star && !d.disabledByDefault;
  });
}

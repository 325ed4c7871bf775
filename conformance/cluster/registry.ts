/**
 * The case registry: every implemented conformance case, by area. The catalog generator and
 * the runner read this list; `catalog.test.ts` checks it against `catalog.json`.
 */
import type { ConformanceCase } from './framework/case.ts';
import { cases as admissionWebhook } from './api-machinery/admission-webhook.ts';
import { cases as webhook } from './api-machinery/webhook.ts';
import { cases as chunking } from './api-machinery/chunking.ts';
import { cases as crd } from './api-machinery/custom-resource-definition.ts';
import { cases as discovery } from './api-machinery/discovery.ts';
import { cases as fieldValidation } from './api-machinery/field-validation.ts';
import { cases as namespace } from './api-machinery/namespace.ts';
import { cases as resourceQuota } from './api-machinery/resource-quota.ts';
import { cases as watch } from './api-machinery/watch.ts';
import { cases as garbageCollector } from './api-machinery/garbage-collector.ts';
import { cases as controllers } from './apps/controllers.ts';
import { cases as pods } from './node/pods.ts';
import { cases as predicates } from './scheduling/predicates.ts';
import { cases as volumes } from './storage/volumes.ts';
import { cases as projected } from './storage/projected.ts';
import { cases as initContainers } from './node/init-container.ts';
import { cases as runtimeClass } from './node/runtime-class.ts';
import { cases as securityContext } from './node/security-context.ts';
import { cases as disruption } from './apps/disruption.ts';
import { cases as limitRange } from './scheduling/limit-range.ts';
import { cases as serviceAccountTokens } from './auth/service-account-tokens.ts';
import { cases as containerProbe } from './node/container-probe.ts';
import { cases as resourceQuotaScopes } from './api-machinery/resource-quota-scopes.ts';
import { cases as job } from './apps/job.ts';
import { cases as runtime } from './node/runtime.ts';
import { cases as rc } from './apps/rc.ts';
import { cases as podLifecycle } from './node/pod-lifecycle.ts';
import { cases as serviceEnv } from './node/service-env.ts';
import { cases as volumeSources } from './storage/volume-sources.ts';
import { cases as amApiOperations } from './api-machinery/api-operations.ts';
import { cases as appsApi } from './apps/api-objects.ts';
import { cases as serviceAccounts } from './auth/service-accounts.ts';
import { cases as events } from './instrumentation/events.ts';
import { cases as networkApi } from './network/api-objects.ts';
import { cases as networkGranular } from './network/networking.ts';
import { cases as serveImage } from './apps/serve-image.ts';
import { cases as networkMirroring } from './network/endpointslice-mirroring.ts';
import { cases as networkProxy } from './network/proxy.ts';
import { cases as schedulingPreemption } from './scheduling/preemption.ts';
import { cases as networkEndpoints } from './network/endpoints.ts';
import { cases as networkServiceTypes } from './network/service-types.ts';
import { cases as networkDns } from './network/dns.ts';
import { cases as networkServiceLatency } from './network/service-latency.ts';
import { cases as networkEndpointSlice } from './network/endpointslice.ts';
import { cases as networkService } from './network/service.ts';
import { cases as nodeApi } from './node/api-objects.ts';
import { cases as configMaps } from './node/configmap.ts';
import { cases as schedulingApi } from './scheduling/api-objects.ts';
import { cases as storageApi } from './storage/api-objects.ts';
import { cases as kubectlClient } from './cli/kubectl.ts';
import { cases as kubectlLogs } from './cli/logs.ts';
import { cases as containers } from './node/containers.ts';
import { cases as lifecycleHook } from './node/lifecycle-hook.ts';
import { cases as kubeletEtcHosts } from './node/kubelet-etc-hosts.ts';
import { cases as podsStreaming } from './node/pods-streaming.ts';
import { cases as deployment } from './apps/deployment.ts';
import { cases as cronJob } from './apps/cronjob.ts';
import { cases as daemonSet } from './apps/daemon-set.ts';
import { cases as expansion } from './node/expansion.ts';
import { cases as subpath } from './storage/subpath.ts';
import { cases as ephemeralContainers } from './node/ephemeral-containers.ts';
import { cases as preStop } from './node/pre-stop.ts';
import { cases as emptyDirWrapper } from './storage/empty-dir-wrapper.ts';
import { cases as persistentVolumes } from './storage/persistent-volumes.ts';
import { cases as taints } from './node/taints.ts';
import { cases as statefulSet } from './apps/statefulset.ts';
import { cases as podGeneration } from './node/pod-generation.ts';
import { cases as validatingAdmissionPolicy } from './api-machinery/validating-admission-policy.ts';
import { cases as crdPublishOpenApi } from './api-machinery/crd-publish-openapi.ts';

/** cases lists every implemented case. */
export const cases: readonly ConformanceCase[] = [
  ...watch,
  ...discovery,
  ...crd,
  ...fieldValidation,
  ...chunking,
  ...namespace,
  ...resourceQuota,
  ...admissionWebhook,
  ...webhook,
  ...amApiOperations,
  ...appsApi,
  ...serviceAccounts,
  ...events,
  ...networkApi,
  ...networkGranular,
  ...serveImage,
  ...networkMirroring,
  ...networkProxy,
  ...schedulingPreemption,
  ...networkEndpoints,
  ...networkServiceTypes,
  ...networkDns,
  ...networkServiceLatency,
  ...networkEndpointSlice,
  ...networkService,
  ...configMaps,
  ...nodeApi,
  ...schedulingApi,
  ...storageApi,
  ...garbageCollector,
  ...controllers,
  ...pods,
  ...predicates,
  ...volumes,
  ...volumeSources,
  ...projected,
  ...initContainers,
  ...runtimeClass,
  ...securityContext,
  ...disruption,
  ...limitRange,
  ...serviceAccountTokens,
  ...containerProbe,
  ...resourceQuotaScopes,
  ...job,
  ...runtime,
  ...rc,
  ...podLifecycle,
  ...serviceEnv,
  ...kubectlClient,
  ...kubectlLogs,
  ...containers,
  ...lifecycleHook,
  ...kubeletEtcHosts,
  ...podsStreaming,
  ...deployment,
  ...cronJob,
  ...daemonSet,
  ...expansion,
  ...subpath,
  ...ephemeralContainers,
  ...preStop,
  ...emptyDirWrapper,
  ...persistentVolumes,
  ...taints,
  ...statefulSet,
  ...podGeneration,
  ...validatingAdmissionPolicy,
  ...crdPublishOpenApi,
];

/**
 * impl/kubelet — the node agent (upstream: pkg/kubelet). See kubelet.ts for the data flow and
 * pod-workers.ts for the pod lifecycle. What it does today:
 * - registers the Node (capacity/allocatable, addresses, nodeInfo, labels, taints), posts its
 *   status and conditions, heartbeats through a Lease in kube-node-lease;
 * - runs the pods bound to the node (informer on spec.nodeName) and static pods from
 *   `--pod-manifest-path` (with mirror pods in the API): admission (pods, resources,
 *   node affinity, NoExecute taints), sandbox + init containers + containers through CRI, image
 *   pulls with back-off and imagePullSecrets (docker config keyring), env (values,
 *   ConfigMap/Secret refs, envFrom, downward API, service variables), volumes (emptyDir incl.
 *   tmpfs, configMap, secret, downwardAPI, projected with service-account tokens rotated at 80%
 *   of their TTL, hostPath, PVCs bound to hostPath/local PVs; atomic `..data` layout with modes
 *   and fsGroup, refreshed when the sources change), /etc/hosts, termination messages, restart
 *   policies with CrashLoopBackOff, activeDeadlineSeconds, probes, postStart/preStop hooks,
 *   graceful deletion, status to pods/status, events;
 * - PLEG relist, housekeeping (orphans, deleted pods, pod cgroups), container GC, image GC,
 *   hard eviction (`--eviction-hard`, MemoryPressure/DiskPressure);
 * - HTTPS server: /healthz, /pods, /containerLogs, /exec, /attach, /portForward, /stats/summary.
 * Not yet (issue #6): soft eviction thresholds, gRPC probes, webhook authn/authz of the server.
 *
 * ```ts
 * import { startKubelet } from '#impl/kubelet/index.ts';
 * const k = startKubelet({ kubeconfig, containerRuntimeEndpoint: 'unix:///.../containerd.sock', rootDir });
 * await k.registered;   // Node created and first status posted
 * await k.stop();       // loops stop; containers keep running (a restart adopts them)
 * ```
 */
export { startKubelet, Kubelet, silentLogger, type KubeletOptions, type KubeletHandle, type KubeletLogger } from './kubelet.ts';
export { restKubeletClient, type KubeletClient } from './kubelet-client.ts';
export { PodWorkers, type PodSyncer, type PodWorkerState, type SyncPodType, type UpdatePodOptions } from './pod-workers.ts';
export { computePodActions, type PodActions } from './kuberuntime/kuberuntime-manager.ts';
export { generateAPIPodStatus, getPhase } from './kubelet-pods.ts';
export { parseTaint } from './kubelet-node-status.ts';
export { loadKubeletConfiguration, kubeletConfigurationToOptions, parseDuration, type KubeletConfiguration } from './config/kubelet-configuration.ts';
export { KUBELET_VERSION } from './nodestatus/setters.ts';
export { NODE_LEASE_NAMESPACE } from './nodelease/controller.ts';

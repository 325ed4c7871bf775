/**
 * impl/kubelet — the node agent (upstream: pkg/kubelet). See kubelet.ts for the data flow and
 * pod-workers.ts for the pod lifecycle. What it does today:
 * - registers the Node (capacity/allocatable, addresses, nodeInfo, labels, taints), posts its
 *   status and conditions, heartbeats through a Lease in kube-node-lease;
 * - runs the pods bound to the node (informer on spec.nodeName) and static pods from
 *   `--pod-manifest-path` (with mirror pods in the API): admission (pods, resources,
 *   node affinity, NoExecute taints), sandbox + init containers + containers through CRI, image
 *   pulls with back-off, env (values, ConfigMap/Secret refs, envFrom, downward API, service
 *   variables), volumes (emptyDir incl. tmpfs, configMap, secret, downwardAPI, projected,
 *   hostPath), /etc/hosts, termination messages, restart policies with CrashLoopBackOff,
 *   probes, postStart/preStop hooks, graceful deletion, status to pods/status, events;
 * - PLEG relist, housekeeping (orphans, deleted pods, pod cgroups), container GC;
 * - HTTPS server: /healthz, /pods, /containerLogs.
 * Not yet (issue #6): exec/attach/port-forward and stats endpoints, image GC,
 * eviction, service-account token volumes, PVCs, configMap/secret volume updates.
 *
 * ```ts
 * import { startKubelet } from '#impl/kubelet/index.ts';
 * const k = startKubelet({ kubeconfig, containerRuntimeEndpoint: 'unix:///.../containerd.sock', rootDir });
 * await k.registered;   // Node created and first status posted
 * await k.stop();       // loops stop; containers keep running (a restart adopts them: TODO #6)
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

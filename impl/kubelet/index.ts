/**
 * impl/kubelet — the node agent: registers the Node, heartbeats through a Lease, and runs the
 * pods bound to the node on a CRI runtime (upstream: pkg/kubelet). See kubelet.ts for the data
 * flow and pod-workers.ts for the pod lifecycle.
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

/**
 * KubeletClient is the part of the Kubernetes API the kubelet uses (upstream: the kubelet's
 * clientset calls, gathered). `restKubeletClient` implements it over impl/client's RestClient;
 * `fake-kubelet-client.ts` implements it in memory for unit tests. Failures are impl/client
 * ApiErrors (use its `isNotFound`, `isConflict`).
 */
import type { ConfigMap, Lease, Node, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Service, TokenRequest } from '#generated/k8s/index.ts';
import { isNotFound, type RestClient } from '#impl/client/index.ts';
import { newListWatchFromClient, type ListerWatcher } from '#impl/client/tools/cache/index.ts';

/** KubeletClient: see the module comment. Every method takes an AbortSignal. */
export interface KubeletClient {
  getNode(name: string, signal?: AbortSignal): Promise<Node>;
  createNode(node: Node, signal?: AbortSignal): Promise<Node>;
  /** updateNodeStatus PUTs nodes/{name}/status (resourceVersion from the object: Conflict on races). */
  updateNodeStatus(node: Node, signal?: AbortSignal): Promise<Node>;
  getLease(namespace: string, name: string, signal?: AbortSignal): Promise<Lease>;
  createLease(lease: Lease, signal?: AbortSignal): Promise<Lease>;
  updateLease(lease: Lease, signal?: AbortSignal): Promise<Lease>;
  /** podListWatch lists and watches pods matching a field selector (for the pod source's informer). */
  podListWatch(fieldSelector: string): ListerWatcher<Pod>;
  /** serviceListWatch lists and watches all services (for service environment variables). */
  serviceListWatch(): ListerWatcher<Service>;
  getPod(namespace: string, name: string, signal?: AbortSignal): Promise<Pod>;
  /** createPod creates a pod (mirror pods of static pods). */
  createPod(pod: Pod, signal?: AbortSignal): Promise<Pod>;
  /** updatePodStatus PUTs pods/{name}/status. */
  updatePodStatus(pod: Pod, signal?: AbortSignal): Promise<Pod>;
  /** deletePod deletes with a grace period and a UID precondition. */
  deletePod(namespace: string, name: string, opts: { gracePeriodSeconds: number; uid: string }, signal?: AbortSignal): Promise<void>;
  /** getConfigMap / getSecret return undefined when not found. */
  getConfigMap(namespace: string, name: string, signal?: AbortSignal): Promise<ConfigMap | undefined>;
  getSecret(namespace: string, name: string, signal?: AbortSignal): Promise<Secret | undefined>;
  /** createToken POSTs serviceaccounts/{name}/token (TokenRequest for projected volumes). */
  createToken(namespace: string, serviceAccount: string, req: TokenRequest, signal?: AbortSignal): Promise<TokenRequest>;
  /** getPVC / getPV return undefined when not found (persistentVolumeClaim volumes). */
  getPVC(namespace: string, name: string, signal?: AbortSignal): Promise<PersistentVolumeClaim | undefined>;
  getPV(name: string, signal?: AbortSignal): Promise<PersistentVolume | undefined>;
}

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** restKubeletClient implements {@link KubeletClient} over a RestClient. */
export function restKubeletClient(rest: RestClient): KubeletClient {
  const nodes = rest.resource('', 'v1', 'nodes');
  const pods = rest.resource('', 'v1', 'pods');
  const leases = rest.resource('coordination.k8s.io', 'v1', 'leases');
  const configMaps = rest.resource('', 'v1', 'configmaps');
  const secrets = rest.resource('', 'v1', 'secrets');
  return {
    getNode: (name, signal) => nodes.get(name, { signal }) as Promise<Node>,
    createNode: (node, signal) => nodes.create(node, { signal }) as Promise<Node>,
    updateNodeStatus: (node, signal) => nodes.update(node, { subresource: 'status', signal }) as Promise<Node>,
    getLease: (ns, name, signal) => leases.namespace(ns).get(name, { signal }) as Promise<Lease>,
    createLease: (lease, signal) => leases.namespace(lease.metadata?.namespace ?? '').create(lease, { signal }) as Promise<Lease>,
    updateLease: (lease, signal) => leases.namespace(lease.metadata?.namespace ?? '').update(lease, { signal }) as Promise<Lease>,
    podListWatch: (fieldSelector) => newListWatchFromClient(pods, { fieldSelector }) as unknown as ListerWatcher<Pod>,
    serviceListWatch: () => newListWatchFromClient(rest.resource('', 'v1', 'services')) as unknown as ListerWatcher<Service>,
    getPod: (ns, name, signal) => pods.namespace(ns).get(name, { signal }) as Promise<Pod>,
    createPod: (pod, signal) => pods.namespace(pod.metadata?.namespace ?? 'default').create(pod, { signal }) as Promise<Pod>,
    updatePodStatus: (pod, signal) => pods.namespace(pod.metadata?.namespace ?? '').update(pod, { subresource: 'status', signal }) as Promise<Pod>,
    deletePod: async (ns, name, opts, signal) => {
      await pods.namespace(ns).delete(name, { gracePeriodSeconds: opts.gracePeriodSeconds, preconditions: { uid: opts.uid }, signal });
    },
    getConfigMap: (ns, name, signal) => orUndefined(configMaps.namespace(ns).get(name, { signal }) as Promise<ConfigMap>),
    getSecret: (ns, name, signal) => orUndefined(secrets.namespace(ns).get(name, { signal }) as Promise<Secret>),
    createToken: (ns, sa, req, signal) => rest.resource('', 'v1', 'serviceaccounts').namespace(ns).create(req as never, { subresource: 'token', name: sa, signal }) as unknown as Promise<TokenRequest>,
    getPVC: (ns, name, signal) => orUndefined(rest.resource('', 'v1', 'persistentvolumeclaims').namespace(ns).get(name, { signal }) as Promise<PersistentVolumeClaim>),
    getPV: (name, signal) => orUndefined(rest.resource('', 'v1', 'persistentvolumes').get(name, { signal }) as Promise<PersistentVolume>),
  };
}

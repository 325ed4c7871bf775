/**
 * The scheduler's per-node and per-pod bookkeeping (upstream `framework/types.go`):
 * {@link Resource}, {@link PodInfo}, {@link NodeInfo} and {@link QueuedPodInfo}, plus the pod
 * request arithmetic ({@link computePodResourceRequest}) every resource plugin shares.
 */
import type { Node, ObjectReference, Pod, PodAffinityTerm, WeightedPodAffinityTerm, Container } from '#generated/k8s/index.ts';
import { parseQuantity } from '#impl/apimachinery/index.ts';

/** Resource names the scheduler tracks natively (upstream `v1.ResourceName` constants). */
export const ResourceName = {
  CPU: 'cpu',
  Memory: 'memory',
  EphemeralStorage: 'ephemeral-storage',
  Pods: 'pods',
} as const;

/** DEFAULT_MILLI_CPU_REQUEST is what scoring assumes for a container without a cpu request (100m). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** DEFAULT_MEMORY_REQUEST is what scoring assumes for a container without a memory request (200 MiB). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const quantityCache = new Map<string, { value: number; milli: number }>();

/** quantityValue parses a quantity string to its integer value (bytes, count), cached. */
export function quantityValue(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return parsedQuantity(q).value;
}

/** quantityMilliValue parses a quantity string to milli-units (cpu millicores), cached. */
export function quantityMilliValue(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return parsedQuantity(q).milli;
}

function parsedQuantity(q: string | number): { value: number; milli: number } {
  const key = String(q);
  let hit = quantityCache.get(key);
  if (!hit) {
    const parsed = parseQuantity(key);
    hit = { value: parsed.value(), milli: parsed.milliValue() };
    if (quantityCache.size > 10_000) quantityCache.clear();
    quantityCache.set(key, hit);
  }
  return hit;
}

/** isScalarResourceName reports whether a resource is tracked in `scalarResources` (extended, hugepages, attachable volumes). */
export function isScalarResourceName(name: string): boolean {
  return name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage' && name !== 'pods';
}

/**
 * Resource is a compute-resource vector: milli-CPU, bytes of memory and ephemeral storage, a
 * pod count, and scalar (extended) resources by name.
 */
export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  /** allowedPodNumber is only meaningful for allocatable. */
  allowedPodNumber = 0;
  scalarResources: Map<string, number> | undefined;

  /** fromList builds a Resource from a `ResourceList` (`{ cpu: '500m', memory: '1Gi' }`). */
  static fromList(list: Record<string, string | number> | undefined): Resource {
    const r = new Resource();
    r.add(list);
    return r;
  }

  /** add adds a `ResourceList` to this vector. */
  add(list: Record<string, string | number> | undefined): void {
    if (!list) return;
    for (const name in list) {
      const q = list[name];
      switch (name) {
        case 'cpu':
          this.milliCPU += quantityMilliValue(q);
          break;
        case 'memory':
          this.memory += quantityValue(q);
          break;
        case 'ephemeral-storage':
          this.ephemeralStorage += quantityValue(q);
          break;
        case 'pods':
          this.allowedPodNumber += quantityValue(q);
          break;
        default:
          this.addScalar(name, quantityValue(q));
      }
    }
  }

  /** addResource adds another vector. */
  addResource(o: Resource): void {
    this.milliCPU += o.milliCPU;
    this.memory += o.memory;
    this.ephemeralStorage += o.ephemeralStorage;
    this.allowedPodNumber += o.allowedPodNumber;
    if (o.scalarResources) for (const [k, v] of o.scalarResources) this.addScalar(k, v);
  }

  /** subResource subtracts another vector. */
  subResource(o: Resource): void {
    this.milliCPU -= o.milliCPU;
    this.memory -= o.memory;
    this.ephemeralStorage -= o.ephemeralStorage;
    this.allowedPodNumber -= o.allowedPodNumber;
    if (o.scalarResources) for (const [k, v] of o.scalarResources) this.addScalar(k, -v);
  }

  /** setMaxResource raises each dimension to at least the other's value. */
  setMaxResource(o: Resource): void {
    this.milliCPU = Math.max(this.milliCPU, o.milliCPU);
    this.memory = Math.max(this.memory, o.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, o.ephemeralStorage);
    if (o.scalarResources) for (const [k, v] of o.scalarResources) this.setScalar(k, Math.max(this.scalar(k), v));
  }

  /** scalar returns a scalar resource (0 when absent). */
  scalar(name: string): number {
    return this.scalarResources?.get(name) ?? 0;
  }

  /** setScalar sets a scalar resource. */
  setScalar(name: string, v: number): void {
    (this.scalarResources ??= new Map()).set(name, v);
  }

  /** addScalar adds to a scalar resource. */
  addScalar(name: string, v: number): void {
    this.setScalar(name, this.scalar(name) + v);
  }

  /** get returns any resource by name. */
  get(name: string): number {
    switch (name) {
      case 'cpu':
        return this.milliCPU;
      case 'memory':
        return this.memory;
      case 'ephemeral-storage':
        return this.ephemeralStorage;
      case 'pods':
        return this.allowedPodNumber;
      default:
        return this.scalar(name);
    }
  }

  /** isZero reports whether nothing is requested. */
  isZero(): boolean {
    if (this.milliCPU || this.memory || this.ephemeralStorage || this.allowedPodNumber) return false;
    if (this.scalarResources) for (const v of this.scalarResources.values()) if (v) return false;
    return true;
  }

  /** clone copies the vector. */
  clone(): Resource {
    const r = new Resource();
    r.milliCPU = this.milliCPU;
    r.memory = this.memory;
    r.ephemeralStorage = this.ephemeralStorage;
    r.allowedPodNumber = this.allowedPodNumber;
    if (this.scalarResources) r.scalarResources = new Map(this.scalarResources);
    return r;
  }
}

function isRestartableInitContainer(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

function containerRequests(c: Container, nonZero: boolean): Resource {
  const r = Resource.fromList(c.resources?.requests as Record<string, string> | undefined);
  if (nonZero) {
    const req = c.resources?.requests as Record<string, string> | undefined;
    if (!req || req.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (!req || req.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * computePodResourceRequest returns the resources a pod needs on a node (upstream
 * `resourcehelper.PodRequests`): the sum of its containers, raised to the largest init
 * container (plus the restartable "sidecar" init containers started before it), plus
 * `spec.overhead`. Pod-level `spec.resources.requests` replace the container sum for the
 * resources they name.
 *
 * Example:
 *   initContainers: IC1 { cpu: 2, memory: 1G }, IC2 { cpu: 2, memory: 3G }
 *   containers:     C1 { cpu: 2, memory: 1G }, C2 { cpu: 1, memory: 1G }
 *   Result: cpu 3 (max(2+1, 2)), memory 3G (max(1G+1G, 3G)).
 *
 * With `nonZero`, containers without a cpu or memory request count as 100m / 200Mi, which
 * scoring uses so that empty pods still spread.
 */
export function computePodResourceRequest(pod: Pod, nonZero = false): Resource {
  const spec = pod.spec;
  const reqs = new Resource();
  if (!spec) return reqs;
  for (const c of spec.containers ?? []) reqs.addResource(containerRequests(c, nonZero));
  const restartableInit = new Resource();
  const initMax = new Resource();
  for (const c of spec.initContainers ?? []) {
    const cr = containerRequests(c, nonZero);
    if (isRestartableInitContainer(c)) {
      reqs.addResource(cr);
      restartableInit.addResource(cr);
      continue;
    }
    const tmp = cr.clone();
    tmp.addResource(restartableInit);
    initMax.setMaxResource(tmp);
  }
  reqs.setMaxResource(initMax);
  const podLevel = spec.resources?.requests as Record<string, string> | undefined;
  if (podLevel) {
    if (podLevel.cpu !== undefined) reqs.milliCPU = quantityMilliValue(podLevel.cpu);
    if (podLevel.memory !== undefined) reqs.memory = quantityValue(podLevel.memory);
  }
  if (spec.overhead) reqs.add(spec.overhead as Record<string, string>);
  return reqs;
}

/** podKey returns `namespace/name`. */
/**
 * podRef is the ObjectReference of a pod for Events (objects from list responses may lack
 * `kind`, which the event recorder needs).
 */
export function podRef(pod: Pod): ObjectReference {
  return { kind: 'Pod', apiVersion: 'v1', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid, resourceVersion: pod.metadata?.resourceVersion };
}

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/** podUID returns the pod's uid, falling back to its key for objects that have none (tests). */
export function podUID(pod: Pod): string {
  return pod.metadata?.uid ?? podKey(pod);
}

/** PodInfo is a pod plus what the scheduler precomputes from it once. */
export class PodInfo {
  readonly pod: Pod;
  /** requests is {@link computePodResourceRequest} of the pod. */
  readonly requests: Resource;
  /** nonZeroRequests is the same with 100m/200Mi defaults, for scoring. */
  readonly nonZeroRequests: Resource;
  readonly requiredAffinityTerms: readonly PodAffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly PodAffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedPodAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedPodAffinityTerm[];
  /** parsedTermsCache holds the parsed affinity terms (`helper/affinity-term.ts` `parsedTerms`), filled on first use. */
  parsedTermsCache: unknown = undefined;

  constructor(pod: Pod) {
    this.pod = pod;
    this.requests = computePodResourceRequest(pod);
    this.nonZeroRequests = computePodResourceRequest(pod, true);
    const aff = pod.spec?.affinity;
    this.requiredAffinityTerms = aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    this.requiredAntiAffinityTerms = aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    this.preferredAffinityTerms = aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    this.preferredAntiAffinityTerms = aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  }
}

const podInfoCache = new WeakMap<Pod, PodInfo>();

/** podInfoFor returns the PodInfo of a pod object, computed once per object (plugins call it every cycle). */
export function podInfoFor(pod: Pod): PodInfo {
  let pi = podInfoCache.get(pod);
  if (!pi) {
    pi = new PodInfo(pod);
    podInfoCache.set(pod, pi);
  }
  return pi;
}

/** ImageStateSummary is what the cache knows about one image across nodes. */
export interface ImageStateSummary {
  size: number;
  numNodes: number;
}

/** HostPort identifies one host port in use: protocol, ip ('0.0.0.0' for any) and port. */
export interface HostPort {
  protocol: string;
  ip: string;
  port: number;
}

/** HostPortInfo tracks the host ports used on a node (upstream `HostPortInfo`), with wildcard IP semantics. */
export class HostPortInfo {
  /** ip -> set of `protocol/port` */
  private readonly byIP = new Map<string, Map<string, number>>();

  /** add records a use of a port (reference counted). */
  add(ip: string | undefined, protocol: string | undefined, port: number): void {
    const key = `${protocol || 'TCP'}/${port}`;
    const ipKey = ip || '0.0.0.0';
    let m = this.byIP.get(ipKey);
    if (!m) this.byIP.set(ipKey, (m = new Map()));
    m.set(key, (m.get(key) ?? 0) + 1);
  }

  /** remove releases a use of a port. */
  remove(ip: string | undefined, protocol: string | undefined, port: number): void {
    const key = `${protocol || 'TCP'}/${port}`;
    const ipKey = ip || '0.0.0.0';
    const m = this.byIP.get(ipKey);
    if (!m) return;
    const n = (m.get(key) ?? 0) - 1;
    if (n <= 0) m.delete(key);
    else m.set(key, n);
    if (m.size === 0) this.byIP.delete(ipKey);
  }

  /**
   * checkConflict reports whether a wanted port collides: the same protocol and port on the
   * same IP, or where either side is the wildcard 0.0.0.0.
   */
  checkConflict(ip: string | undefined, protocol: string | undefined, port: number): boolean {
    if (port <= 0) return false;
    const key = `${protocol || 'TCP'}/${port}`;
    const ipKey = ip || '0.0.0.0';
    if (ipKey === '0.0.0.0') {
      for (const m of this.byIP.values()) if (m.has(key)) return true;
      return false;
    }
    return (this.byIP.get(ipKey)?.has(key) ?? false) || (this.byIP.get('0.0.0.0')?.has(key) ?? false);
  }

  /** len is the number of distinct (ip, protocol, port) entries. */
  len(): number {
    let n = 0;
    for (const m of this.byIP.values()) n += m.size;
    return n;
  }

  /** clone copies the table. */
  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, m] of this.byIP) c.byIP.set(ip, new Map(m));
    return c;
  }
}

/**
 * NodeInfo is the scheduler's aggregated view of one node: the Node object, the pods on it
 * (bound and assumed), their summed requests, used host ports and image states. The cache
 * bumps `generation` on every change so snapshots copy only what changed.
 */
export class NodeInfo {
  node: Node | undefined;
  private name = '';
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts = new HostPortInfo();
  /** requested is the sum of the pods' requests. */
  requested = new Resource();
  /** nonZeroRequested is the sum with 100m/200Mi defaults, for scoring. */
  nonZeroRequested = new Resource();
  allocatable = new Resource();
  /** imageStates maps each image name on the node to its summary. */
  imageStates = new Map<string, ImageStateSummary>();
  generation = 0;

  constructor(...pods: Pod[]) {
    for (const p of pods) this.addPod(p);
  }

  /** nodeName returns the node's name ('' when the node object is unknown). */
  nodeName(): string {
    return this.name;
  }

  /** setNode sets the node object and its allocatable. */
  setNode(node: Node): void {
    this.node = node;
    this.name = node.metadata?.name ?? '';
    this.allocatable = Resource.fromList(node.status?.allocatable as Record<string, string> | undefined);
  }

  /** removeNode forgets the node object (pods may still reference it). */
  removeNode(): void {
    this.node = undefined;
  }

  /** setName records the node name before the Node object is known (pods bound to an unseen node). */
  setName(name: string): void {
    this.name = name;
  }

  /** addPod adds a pod (or a precomputed PodInfo). */
  addPod(pod: Pod | PodInfo): void {
    const pi = pod instanceof PodInfo ? pod : new PodInfo(pod);
    this.pods.push(pi);
    if (pi.requiredAffinityTerms.length || pi.requiredAntiAffinityTerms.length || pi.preferredAffinityTerms.length || pi.preferredAntiAffinityTerms.length) {
      this.podsWithAffinity.push(pi);
    }
    if (pi.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity.push(pi);
    this.update(pi, 1);
  }

  /** removePod removes the pod with the same uid; returns false when absent. */
  removePod(pod: Pod): boolean {
    const uid = podUID(pod);
    const i = this.pods.findIndex((p) => podUID(p.pod) === uid);
    if (i < 0) return false;
    const [pi] = this.pods.splice(i, 1);
    this.podsWithAffinity = this.podsWithAffinity.filter((p) => p !== pi);
    this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.filter((p) => p !== pi);
    this.update(pi!, -1);
    return true;
  }

  private update(pi: PodInfo, sign: 1 | -1): void {
    if (sign === 1) {
      this.requested.addResource(pi.requests);
      this.nonZeroRequested.addResource(pi.nonZeroRequests);
    } else {
      this.requested.subResource(pi.requests);
      this.nonZeroRequested.subResource(pi.nonZeroRequests);
    }
    for (const c of pi.pod.spec?.containers ?? []) {
      for (const p of c.ports ?? []) {
        if (!p.hostPort) continue;
        if (sign === 1) this.usedPorts.add(p.hostIP, p.protocol, p.hostPort);
        else this.usedPorts.remove(p.hostIP, p.protocol, p.hostPort);
      }
    }
  }

  /** snapshotClone copies the node info for a scheduling snapshot (pods are shared, containers copied). */
  snapshotClone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.name = this.name;
    c.pods = this.pods.slice();
    c.podsWithAffinity = this.podsWithAffinity.slice();
    c.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.slice();
    c.usedPorts = this.usedPorts.clone();
    c.requested = this.requested.clone();
    c.nonZeroRequested = this.nonZeroRequested.clone();
    c.allocatable = this.allocatable.clone();
    c.imageStates = this.imageStates;
    c.generation = this.generation;
    return c;
  }
}

/**
 * QueuedPodInfo is a pod in the scheduling queue with its queue bookkeeping: when it was
 * (re)queued, attempts so far, and which plugins rejected it (so only their events move it).
 */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** timestamp is when the pod was added to the queue (ms). */
  timestamp: number;
  /** attempts counts scheduling attempts. */
  attempts: number;
  /** initialAttemptTimestamp is when the pod was first popped (ms), for the SLI metric. */
  initialAttemptTimestamp?: number;
  /** unschedulablePlugins rejected the pod in the last attempt (Filter, PreFilter, PreEnqueue...). */
  unschedulablePlugins: Set<string>;
  /** pendingPlugins returned Pending in the last attempt. */
  pendingPlugins: Set<string>;
  /** gatingPlugin is the PreEnqueue plugin that keeps the pod out of activeQ. */
  gatingPlugin?: string;
  /** gated is true while a PreEnqueue plugin rejects the pod. */
  gated: boolean;
  /** backoffExpiration caches when the backoff ends (ms). */
  backoffExpiration?: number;
  /** consecutiveErrorsCount counts attempts that failed with Error (not Unschedulable). */
  consecutiveErrorsCount: number;
}

/** newQueuedPodInfo wraps a pod for the queue. */
export function newQueuedPodInfo(pod: Pod, now: number): QueuedPodInfo {
  return {
    podInfo: new PodInfo(pod),
    timestamp: now,
    attempts: 0,
    unschedulablePlugins: new Set(),
    pendingPlugins: new Set(),
    gated: false,
    consecutiveErrorsCount: 0,
  };
}

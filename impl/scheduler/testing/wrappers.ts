/**
 * Test builders for pods and nodes (upstream `pkg/scheduler/testing/wrappers.go`
 * `MakePod().Name("p").Req(...).Obj()`), plus a handle over a snapshot for plugin tests.
 */
import type { Container, Node, Pod, Taint, Toleration } from '#generated/k8s/index.ts';
import { Snapshot } from '../backend/cache/snapshot.ts';
import { CycleState } from '../framework/cycle-state.ts';
import type { Handle, Status } from '../framework/interface.ts';
import { NodeInfo } from '../framework/types.ts';

/** PodWrapper builds a Pod step by step. */
export class PodWrapper {
  readonly pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'uid-p' }, spec: { containers: [] } };

  name(n: string): this {
    this.pod.metadata!.name = n;
    this.pod.metadata!.uid = `uid-${n}`;
    return this;
  }
  namespace(ns: string): this {
    this.pod.metadata!.namespace = ns;
    return this;
  }
  uid(u: string): this {
    this.pod.metadata!.uid = u;
    return this;
  }
  labels(l: Record<string, string>): this {
    this.pod.metadata!.labels = { ...this.pod.metadata!.labels, ...l };
    return this;
  }
  priority(p: number): this {
    this.pod.spec!.priority = p;
    return this;
  }
  node(n: string): this {
    this.pod.spec!.nodeName = n;
    return this;
  }
  schedulerName(n: string): this {
    this.pod.spec!.schedulerName = n;
    return this;
  }
  /** req adds a container with these requests. */
  req(requests: Record<string, string>, image = 'busybox'): this {
    this.pod.spec!.containers.push({ name: `c${this.pod.spec!.containers.length}`, image, resources: { requests } });
    return this;
  }
  container(c: Partial<Container>): this {
    this.pod.spec!.containers.push({ name: `c${this.pod.spec!.containers.length}`, ...c } as Container);
    return this;
  }
  initReq(requests: Record<string, string>, restartPolicy?: 'Always'): this {
    (this.pod.spec!.initContainers ??= []).push({ name: `i${this.pod.spec!.initContainers?.length ?? 0}`, image: 'busybox', resources: { requests }, restartPolicy });
    return this;
  }
  overhead(o: Record<string, string>): this {
    this.pod.spec!.overhead = o;
    return this;
  }
  hostPort(port: number, protocol = 'TCP', hostIP?: string): this {
    this.pod.spec!.containers.push({ name: `c${this.pod.spec!.containers.length}`, image: 'busybox', ports: [{ containerPort: port, hostPort: port, protocol, hostIP }] });
    return this;
  }
  nodeSelector(s: Record<string, string>): this {
    this.pod.spec!.nodeSelector = s;
    return this;
  }
  toleration(t: Toleration): this {
    (this.pod.spec!.tolerations ??= []).push(t);
    return this;
  }
  affinity(a: NonNullable<Pod['spec']>['affinity']): this {
    this.pod.spec!.affinity = a;
    return this;
  }
  topologySpread(c: NonNullable<NonNullable<Pod['spec']>['topologySpreadConstraints']>[number]): this {
    (this.pod.spec!.topologySpreadConstraints ??= []).push(c);
    return this;
  }
  schedulingGates(...names: string[]): this {
    this.pod.spec!.schedulingGates = names.map((name) => ({ name }));
    return this;
  }
  preemptionPolicy(p: 'Never' | 'PreemptLowerPriority'): this {
    this.pod.spec!.preemptionPolicy = p;
    return this;
  }
  obj(): Pod {
    return structuredClone(this.pod);
  }
}

/** makePod starts a {@link PodWrapper}. */
export function makePod(): PodWrapper {
  return new PodWrapper();
}

/** NodeWrapper builds a Node step by step. */
export class NodeWrapper {
  readonly node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', labels: {} }, spec: {}, status: { allocatable: { pods: '110' } } };

  name(n: string): this {
    this.node.metadata!.name = n;
    this.node.metadata!.labels!['kubernetes.io/hostname'] = n;
    return this;
  }
  labels(l: Record<string, string>): this {
    this.node.metadata!.labels = { ...this.node.metadata!.labels, ...l };
    return this;
  }
  /** capacity sets allocatable (and capacity) resources; pods default to 110. */
  capacity(r: Record<string, string>): this {
    this.node.status!.allocatable = { pods: '110', ...r };
    this.node.status!.capacity = { pods: '110', ...r };
    return this;
  }
  taints(t: Taint[]): this {
    this.node.spec!.taints = t;
    return this;
  }
  unschedulable(u = true): this {
    this.node.spec!.unschedulable = u;
    return this;
  }
  images(images: Record<string, number>): this {
    this.node.status!.images = Object.entries(images).map(([name, sizeBytes]) => ({ names: [name], sizeBytes }));
    return this;
  }
  obj(): Node {
    return structuredClone(this.node);
  }
}

/** makeNode starts a {@link NodeWrapper}. */
export function makeNode(): NodeWrapper {
  return new NodeWrapper();
}

/** nodeInfoOf builds a NodeInfo with a node and pods on it. */
export function nodeInfoOf(node: Node | undefined, ...pods: Pod[]): NodeInfo {
  const ni = new NodeInfo(...pods);
  if (node) ni.setNode(node);
  return ni;
}

/** fakeHandle returns a plugin Handle over a fixed snapshot; runFilterPlugins uses `filter` if given. */
export function fakeHandle(snapshot: Snapshot = new Snapshot(), filter?: (state: CycleState, pod: Pod, ni: NodeInfo) => Status | undefined): Handle {
  return {
    snapshotSharedLister: () => snapshot,
    parallelism: 16,
    runFilterPlugins: (state, pod, ni) => filter?.(state, pod, ni),
  };
}

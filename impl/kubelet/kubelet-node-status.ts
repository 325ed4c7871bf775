/**
 * Node registration and status updates (upstream: pkg/kubelet/kubelet_node_status.go
 * registerWithAPIServer, initialNode, tryUpdateNodeStatus). The node is created once (an
 * existing Node of the same name is adopted), then its status is recomputed every
 * `nodeStatusUpdateFrequency` and PUT to `nodes/{name}/status` when it changed or
 * `nodeStatusReportFrequency` passed (the Lease carries the heartbeat in between).
 */
import type { Node, Taint } from '#generated/k8s/index.ts';
import { isAlreadyExists, isConflict } from '#impl/client/index.ts';
import type { Clock } from '#impl/apimachinery/util/clock/index.ts';
import type { KubeletClient } from './kubelet-client.ts';
import { toRFC3339 } from './kubelet-pods.ts';
import {
  setConditions,
  setDaemonEndpoints,
  setImages,
  setMachineInfo,
  setNodeAddress,
  setVersionInfo,
  type MachineInfo,
} from './nodestatus/setters.ts';

/** NodeRuntimeState is what the node status reads from the runtime on every update. */
export interface NodeRuntimeState {
  containerRuntimeVersion: string;
  runtimeErrors: string[];
  networkErrors: string[];
  images: { names: string[]; sizeBytes: number }[];
}

/** NodeStatusOptions configure a {@link NodeStatusUpdater}. */
export interface NodeStatusOptions {
  client: KubeletClient;
  clock: Clock;
  nodeName: string;
  hostname: string;
  nodeIPs: string[];
  nodeLabels: Record<string, string>;
  registerWithTaints: Taint[];
  maxPods: number;
  /** kubeletPort is the port of the kubelet server reported in daemonEndpoints. */
  kubeletPort: () => number;
  machineInfo: () => MachineInfo;
  runtimeState: (signal: AbortSignal) => Promise<NodeRuntimeState>;
  /** pressure reports the eviction manager's MemoryPressure/DiskPressure (default none). */
  pressure?: () => { memory: boolean; disk: boolean };
  nodeStatusUpdateFrequencyMs: number;
  nodeStatusReportFrequencyMs?: number;
  onError?: (err: unknown) => void;
  /** onNodeEvent hears node condition transitions (reason, e.g. NodeReady), recorded as "Node X status is now: REASON". */
  onNodeEvent?: (type: 'Normal', reason: string) => void;
  /** onReady is called once the node was first posted Ready. */
  onRegistered?: (node: Node) => void;
}

/** parseTaint parses `key[=value]:Effect` (upstream ParseTaints). */
export function parseTaint(spec: string): Taint {
  const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(spec.trim());
  if (!m) throw new Error(`invalid taint spec: ${spec}`);
  return m[2] !== undefined ? { key: m[1], value: m[2], effect: m[3] } : { key: m[1], effect: m[3] };
}

/** NodeStatusUpdater: see the module comment. */
export class NodeStatusUpdater {
  private readonly o: NodeStatusOptions;
  private lastReport = 0;
  private lastStatus = '';
  /** pendingEvents are the condition transitions of the last computed status, recorded once posted. */
  private pendingEvents: string[] = [];
  /** node is the last Node read from or written to the API. */
  node: Node | undefined;

  constructor(opts: NodeStatusOptions) {
    this.o = opts;
  }

  /** initialNode builds the Node object to register (upstream initialNode). */
  initialNode(): Node {
    const labels: Record<string, string> = {
      'kubernetes.io/hostname': this.o.hostname,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': this.o.machineInfo().architecture,
      'beta.kubernetes.io/os': 'linux',
      'beta.kubernetes.io/arch': this.o.machineInfo().architecture,
      ...this.o.nodeLabels,
    };
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: this.o.nodeName, labels, annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' } },
      spec: this.o.registerWithTaints.length ? { taints: this.o.registerWithTaints } : {},
    };
    return node;
  }

  /** nodeForAdmission is the node pods are admitted against: the last one seen, else the initial one with machine capacity. */
  nodeForAdmission(): Node {
    if (this.node?.status?.allocatable) return this.node;
    const n = this.initialNode();
    setMachineInfo(n, this.o.machineInfo(), this.o.maxPods);
    return n;
  }

  /**
   * refreshNode reads the Node from the API: labels and taints change between status updates,
   * and admission must not reject a pod on stale ones (upstream admits against its node informer).
   */
  async refreshNode(signal?: AbortSignal): Promise<Node> {
    const node = await this.o.client.getNode(this.o.nodeName, signal);
    if (node.status?.allocatable) this.node = node;
    return this.nodeForAdmission();
  }

  /** registerWithAPIServer creates the Node, adopting an existing one; retried until it works. */
  async registerWithAPIServer(signal: AbortSignal): Promise<Node> {
    let delay = 100;
    while (!signal.aborted) {
      try {
        const node = this.initialNode();
        try {
          this.node = await this.o.client.createNode(node, signal);
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          this.node = await this.o.client.getNode(this.o.nodeName, signal);
        }
        return this.node;
      } catch (err) {
        if (signal.aborted) break;
        this.o.onError?.(err);
        await new Promise((r) => this.o.clock.setTimeout(() => r(undefined), delay));
        delay = Math.min(delay * 2, 7000);
      }
    }
    throw new Error('registerWithAPIServer: aborted');
  }

  /** computeStatus fills a copy of `base` with the current status. */
  async computeStatus(base: Node, signal: AbortSignal): Promise<Node> {
    const node: Node = structuredClone(base);
    const info = this.o.machineInfo();
    const rt = await this.o.runtimeState(signal).catch((err: unknown) => ({
      containerRuntimeVersion: node.status?.nodeInfo?.containerRuntimeVersion ?? '',
      runtimeErrors: [`container runtime is down: ${(err as Error).message}`],
      networkErrors: [],
      images: [],
    }));
    setMachineInfo(node, info, this.o.maxPods);
    setNodeAddress(node, this.o.nodeIPs, this.o.hostname);
    setVersionInfo(node, info, rt.containerRuntimeVersion);
    setDaemonEndpoints(node, this.o.kubeletPort());
    setImages(node, rt.images);
    this.pendingEvents = setConditions(node, {
      now: toRFC3339(this.o.clock.now()),
      runtimeErrors: rt.runtimeErrors,
      networkErrors: rt.networkErrors,
      memoryPressure: this.o.pressure?.().memory ?? false,
      diskPressure: this.o.pressure?.().disk ?? false,
      pidPressure: false,
    });
    return node;
  }

  /** updateNodeStatus posts the status if changed or due (upstream tryUpdateNodeStatus, 5 retries). */
  async updateNodeStatus(signal: AbortSignal): Promise<void> {
    let lastErr: unknown;
    for (let i = 0; i < 5 && !signal.aborted; i++) {
      try {
        // Always from the API, as upstream tryUpdateNodeStatus: others write the status too (an
        // extended resource patched into capacity must reach allocatable on the next update).
        const current = await this.o.client.getNode(this.o.nodeName, signal);
        const next = await this.computeStatus(current, signal);
        const withoutHeartbeat = JSON.stringify({ ...next.status, conditions: next.status?.conditions?.map((c) => ({ ...c, lastHeartbeatTime: '' })) });
        const due = this.o.clock.now() - this.lastReport >= (this.o.nodeStatusReportFrequencyMs ?? 5 * 60_000);
        if (withoutHeartbeat === this.lastStatus && !due) return;
        this.node = await this.o.client.updateNodeStatus(next, signal);
        for (const reason of this.pendingEvents) this.o.onNodeEvent?.('Normal', reason);
        this.pendingEvents = [];
        this.lastStatus = withoutHeartbeat;
        this.lastReport = this.o.clock.now();
        return;
      } catch (err) {
        lastErr = err;
        this.node = undefined;
        if (!isConflict(err) && i >= 1) break;
      }
    }
    if (lastErr && !signal.aborted) throw lastErr;
  }

  /** run registers the node, posts its status at once and then every update period. */
  async run(signal: AbortSignal): Promise<void> {
    const node = await this.registerWithAPIServer(signal);
    let first = true;
    while (!signal.aborted) {
      try {
        await this.updateNodeStatus(signal);
        if (first) {
          first = false;
          this.o.onRegistered?.(this.node ?? node);
        }
      } catch (err) {
        if (!signal.aborted) this.o.onError?.(err);
      }
      await new Promise<void>((resolve) => {
        const t = this.o.clock.setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, this.o.nodeStatusUpdateFrequencyMs);
        const onAbort = (): void => {
          this.o.clock.clearTimeout(t);
          resolve();
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}

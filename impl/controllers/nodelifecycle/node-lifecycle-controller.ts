/**
 * NodeLifecycleController watches node health (upstream
 * `pkg/controller/nodelifecycle/node_lifecycle_controller.go`, with the taint-based eviction of
 * `pkg/controller/tainteviction`). Every `nodeMonitorPeriod` (5 s) `monitorNodeHealth`:
 *
 * - a node whose Lease (kube-node-lease) and Ready heartbeat have not moved for
 *   `nodeMonitorGracePeriod` (40 s), measured on this controller's clock from when it last saw
 *   them change, gets Ready/MemoryPressure/DiskPressure/PIDPressure = Unknown
 *   (NodeStatusUnknown, "Kubelet stopped posting node status.") and its pods Ready=False;
 * - taints follow conditions: Ready Unknown -> `node.kubernetes.io/unreachable`, Ready False ->
 *   `node.kubernetes.io/not-ready` (NoExecute and, by condition, NoSchedule); memory, disk and
 *   PID pressure, network-unavailable and `spec.unschedulable` -> their NoSchedule taints;
 * - pods on a node with NoExecute taints they do not tolerate are deleted; those tolerating
 *   with `tolerationSeconds` are deleted once that much time has passed since the taint's
 *   `timeAdded`.
 */
import { isNotFound, type KubeObject } from '#impl/client/index.ts';
import { noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { realClock, sleepUntilAborted, type Clock } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { findToleration, rfc3339, type Taint, type Toleration } from '../controller-utils.ts';
import { noopRecorder, type EventRecorder } from '#impl/client/tools/record/index.ts';
import { errMessage } from '../worker-loop.ts';

/** NODE_LIFECYCLE_CONTROLLER_NAME is the upstream controller name. */
export const NODE_LIFECYCLE_CONTROLLER_NAME = 'node-lifecycle-controller';

/** Taint keys (upstream `v1.TaintNode*`). */
export const TAINTS = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  unschedulable: 'node.kubernetes.io/unschedulable',
  memoryPressure: 'node.kubernetes.io/memory-pressure',
  diskPressure: 'node.kubernetes.io/disk-pressure',
  pidPressure: 'node.kubernetes.io/pid-pressure',
  networkUnavailable: 'node.kubernetes.io/network-unavailable',
} as const;

const MANAGED_KEYS = new Set<string>(Object.values(TAINTS));

interface Condition {
  type: string;
  status: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** NodeLifecycleControllerOptions configure {@link NodeLifecycleController}. */
export interface NodeLifecycleControllerOptions {
  client: ClientLike;
  nodeInformer: GenericInformer;
  leaseInformer: GenericInformer;
  podInformer: GenericInformer;
  /** `--node-monitor-grace-period` (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** `--node-monitor-period` (default 5 s). */
  nodeMonitorPeriodMs?: number;
  recorder?: EventRecorder;
  clock?: Clock;
  logger?: Logger;
}

/** desiredTaints computes the controller-managed taints from the node's conditions and spec. */
export function desiredTaints(node: KubeObject): Array<{ key: string; effect: string }> {
  const conds = (node.status?.conditions ?? []) as Condition[];
  const status = (type: string): string | undefined => conds.find((c) => c.type === type)?.status;
  const out: Array<{ key: string; effect: string }> = [];
  const ready = status('Ready');
  if (ready === 'False') out.push({ key: TAINTS.notReady, effect: 'NoExecute' }, { key: TAINTS.notReady, effect: 'NoSchedule' });
  if (ready === 'Unknown') out.push({ key: TAINTS.unreachable, effect: 'NoExecute' }, { key: TAINTS.unreachable, effect: 'NoSchedule' });
  if (status('MemoryPressure') === 'True') out.push({ key: TAINTS.memoryPressure, effect: 'NoSchedule' });
  if (status('DiskPressure') === 'True') out.push({ key: TAINTS.diskPressure, effect: 'NoSchedule' });
  if (status('PIDPressure') === 'True') out.push({ key: TAINTS.pidPressure, effect: 'NoSchedule' });
  if (status('NetworkUnavailable') === 'True') out.push({ key: TAINTS.networkUnavailable, effect: 'NoSchedule' });
  if (node.spec?.unschedulable) out.push({ key: TAINTS.unschedulable, effect: 'NoSchedule' });
  return out;
}

/** NodeLifecycleController implements the node lifecycle and taint eviction controllers. */
export class NodeLifecycleController implements Controller {
  readonly name = NODE_LIFECYCLE_CONTROLLER_NAME;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly recorder: EventRecorder;
  /** node -> last heartbeat seen and when this controller saw it change. */
  private readonly health = new Map<string, { heartbeat: string; observedAt: number }>();

  constructor(private readonly opts: NodeLifecycleControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.recorder = opts.recorder ?? noopRecorder;
  }

  /** monitorNodeHealth runs one pass over every node (upstream `monitorNodeHealth` + taint eviction). */
  async monitorNodeHealth(): Promise<void> {
    const now = this.clock.now();
    const grace = this.opts.nodeMonitorGracePeriodMs ?? 40_000;
    const nodesApi = resourceFor(this.opts.client, { group: '', version: 'v1', resource: 'nodes' });
    for (const cached of this.opts.nodeInformer.lister().list()) {
      const name = cached.metadata!.name!;
      let node = structuredClone(cached);
      try {
        const lease = this.opts.leaseInformer.lister().byNamespace('kube-node-lease').get(name);
        const conds = (node.status?.conditions ?? []) as Condition[];
        const ready = conds.find((c) => c.type === 'Ready');
        const heartbeat = `${lease?.spec?.renewTime ?? ''}|${ready?.lastHeartbeatTime ?? ''}`;
        const h = this.health.get(name);
        if (!h || h.heartbeat !== heartbeat) this.health.set(name, { heartbeat, observedAt: now });
        const observedAt = this.health.get(name)!.observedAt;
        // A node that never reported gets the grace period from its creation.
        const since = ready ? observedAt : Math.max(observedAt, Date.parse(node.metadata?.creationTimestamp ?? '') || observedAt);
        if (now - since > grace && ready?.status !== 'Unknown') {
          const stamp = rfc3339(now);
          const types = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
          const next = conds.filter((c) => !types.includes(c.type));
          for (const type of types) {
            const old = conds.find((c) => c.type === type);
            next.push({
              type,
              status: 'Unknown',
              reason: 'NodeStatusUnknown',
              message: old ? 'Kubelet stopped posting node status.' : 'Kubelet never posted node status.',
              lastHeartbeatTime: old?.lastHeartbeatTime ?? node.metadata?.creationTimestamp,
              lastTransitionTime: stamp,
            });
          }
          node = await nodesApi.update({ ...node, status: { ...(node.status ?? {}), conditions: next } }, { subresource: 'status' });
          this.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
          await this.markPodsNotReady(name);
        }
        node = await this.reconcileTaints(node, now);
        await this.evictPods(node, now);
      } catch (err) {
        if (!isNotFound(err)) this.logger.warn({ node: name, err: errMessage(err) }, 'failed to process node');
      }
    }
    for (const n of [...this.health.keys()]) if (!this.opts.nodeInformer.lister().get(n)) this.health.delete(n);
  }

  private async reconcileTaints(node: KubeObject, now: number): Promise<KubeObject> {
    const current = (node.spec?.taints ?? []) as Taint[];
    const want = desiredTaints(node);
    const kept = current.filter((t) => !MANAGED_KEYS.has(t.key) || want.some((w) => w.key === t.key && w.effect === t.effect));
    const added = want.filter((w) => !current.some((t) => t.key === w.key && t.effect === w.effect)).map((w) => (w.effect === 'NoExecute' ? { ...w, timeAdded: rfc3339(now) } : w));
    if (added.length === 0 && kept.length === current.length) return node;
    const taints = [...kept, ...added];
    const api = resourceFor(this.opts.client, { group: '', version: 'v1', resource: 'nodes' });
    return api.patch(node.metadata!.name!, { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints: taints.length ? taints : null } }, { type: 'merge' });
  }

  private async markPodsNotReady(nodeName: string): Promise<void> {
    for (const pod of this.opts.podInformer.lister().list()) {
      if (pod.spec?.nodeName !== nodeName || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      const conds = ((pod.status?.conditions ?? []) as Condition[]).map((c) => (c.type === 'Ready' && c.status !== 'False' ? { ...c, status: 'False', lastTransitionTime: rfc3339(this.clock.now()) } : c));
      if (JSON.stringify(conds) === JSON.stringify(pod.status?.conditions ?? [])) continue;
      await resourceFor(this.opts.client, { group: '', version: 'v1', resource: 'pods' }, pod.metadata?.namespace ?? '')
        .update({ ...pod, status: { ...pod.status, conditions: conds } }, { subresource: 'status' })
        .catch((err: unknown) => this.logger.debug({ pod: pod.metadata?.name, err: errMessage(err) }, 'mark pod not ready failed'));
    }
  }

  /** evictPods deletes pods that do not tolerate the node's NoExecute taints (or whose tolerationSeconds ran out). */
  private async evictPods(node: KubeObject, now: number): Promise<void> {
    const noExecute = ((node.spec?.taints ?? []) as Taint[]).filter((t) => t.effect === 'NoExecute');
    if (noExecute.length === 0) return;
    for (const pod of this.opts.podInformer.lister().list()) {
      if (pod.spec?.nodeName !== node.metadata?.name || pod.metadata?.deletionTimestamp) continue;
      const tols = (pod.spec?.tolerations ?? []) as Toleration[];
      let deadline = Infinity;
      let evict = false;
      for (const taint of noExecute) {
        const tol = findToleration(tols, taint);
        if (!tol) {
          evict = true;
          break;
        }
        if (tol.tolerationSeconds !== undefined && tol.tolerationSeconds !== null) {
          const added = Date.parse(taint.timeAdded ?? '') || now;
          deadline = Math.min(deadline, added + Math.max(0, tol.tolerationSeconds) * 1000);
        }
      }
      if (!evict && deadline > now) continue;
      try {
        await resourceFor(this.opts.client, { group: '', version: 'v1', resource: 'pods' }, pod.metadata?.namespace ?? '').delete(pod.metadata!.name!);
        this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata?.namespace}/${pod.metadata?.name}`);
      } catch (err) {
        if (!isNotFound(err)) this.logger.warn({ pod: pod.metadata?.name, err: errMessage(err) }, 'eviction failed');
      }
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const synced = [this.opts.nodeInformer, this.opts.leaseInformer, this.opts.podInformer].map((i) => () => i.informer().hasSynced());
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    while (!signal.aborted) {
      await this.monitorNodeHealth().catch((err: unknown) => this.logger.warn({ err: errMessage(err) }, 'monitorNodeHealth failed'));
      if (!(await sleepUntilAborted(this.clock, this.opts.nodeMonitorPeriodMs ?? 5000, signal))) return;
    }
  }
}

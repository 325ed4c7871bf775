/**
 * One scheduling attempt (upstream `pkg/scheduler/schedule_one.go`):
 *
 * 1. **Scheduling cycle** (serial): snapshot the cache, run PreFilter and Filter over the nodes
 *    (stopping after `numFeasibleNodesToFind`), PostFilter (preemption) when none fits, PreScore,
 *    Score and NormalizeScore, pick the best node (ties broken at random), assume the pod on it,
 *    then Reserve and Permit.
 * 2. **Binding cycle** (asynchronous, so the next pod's cycle can start): wait on Permit,
 *    PreBind, Bind, PostBind. A failure un-assumes the pod and requeues it.
 *
 * Failures go to {@link SchedulerCore.handleSchedulingFailure}: a FailedScheduling event, the
 * PodScheduled=False condition, and requeueing.
 */
import type { Pod } from '#generated/k8s/index.ts';
import { CycleState } from './framework/cycle-state.ts';
import { FitError, newDiagnosis, type Diagnosis } from './framework/fit-error.ts';
import { Code, Status, asStatus, type NodeToStatusReader } from './framework/interface.ts';
import type { Framework, NodePluginScores } from './framework/runtime/framework.ts';
import type { NodeInfo, QueuedPodInfo } from './framework/types.ts';
import { podKey } from './framework/types.ts';
import type { Cache } from './backend/cache/cache.ts';
import type { Snapshot } from './backend/cache/snapshot.ts';

/** MIN_FEASIBLE_NODES_TO_FIND: below this many nodes, all are evaluated. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND is the floor of the adaptive percentage. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * numFeasibleNodesToFind returns how many feasible nodes to look for (upstream
 * `numFeasibleNodesToFind`): all nodes below 100; otherwise `percentage` of them, where an unset
 * (0) percentage is adaptive, `50 - numAllNodes/125`, at least 5%; never fewer than 100.
 */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentageOfNodesToScore ?? 0;
  if (pct >= 100) return numAllNodes;
  if (pct <= 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** ScheduleResult is the outcome of a successful scheduling algorithm run. */
export interface ScheduleResult {
  suggestedHost: string;
  evaluatedNodes: number;
  feasibleNodes: number;
  nominatingInfo?: { nominatedNodeName: string };
}

/** SchedulerCoreOptions wire the algorithm to its collaborators. */
export interface SchedulerCoreOptions {
  cache: Cache;
  snapshot: Snapshot;
  /** percentageOfNodesToScore from the configuration (profiles may override). */
  percentageOfNodesToScore?: number;
  /** random returns [0,1) (injected for deterministic tie breaks in tests). */
  random?: () => number;
}

/**
 * SchedulerCore is the scheduling algorithm over a snapshot: {@link schedulePod} finds a node
 * or returns a FitError. It keeps the round-robin start index across cycles.
 */
export class SchedulerCore {
  private nextStartNodeIndex = 0;
  readonly cache: Cache;
  readonly snapshot: Snapshot;
  private readonly percentageOfNodesToScore: number | undefined;
  private readonly random: () => number;

  constructor(o: SchedulerCoreOptions) {
    this.cache = o.cache;
    this.snapshot = o.snapshot;
    this.percentageOfNodesToScore = o.percentageOfNodesToScore;
    this.random = o.random ?? Math.random;
  }

  /**
   * schedulePod updates the snapshot and runs the algorithm. It returns the chosen host, or a
   * FitError (expected: the pod fits nowhere) or another Error (unexpected).
   */
  schedulePod(fwk: Framework, state: CycleState, pod: Pod): { ok: true; value: ScheduleResult } | { ok: false; error: Error } {
    this.cache.updateSnapshot(this.snapshot);
    const numAll = this.snapshot.numNodes();
    if (numAll === 0) return { ok: false, error: new FitError(pod, 0, newDiagnosis()) };
    const found = this.findNodesThatFitPod(fwk, state, pod);
    if (!found.ok) return found;
    const { feasible, diagnosis } = found.value;
    if (feasible.length === 0) return { ok: false, error: new FitError(pod, numAll, diagnosis) };
    const evaluatedNodes = feasible.length + diagnosis.nodeToStatus.size;
    if (feasible.length === 1) {
      return { ok: true, value: { suggestedHost: feasible[0]!.nodeName(), evaluatedNodes, feasibleNodes: 1 } };
    }
    const scored = this.prioritizeNodes(fwk, state, pod, feasible);
    if (!scored.ok) return scored;
    return { ok: true, value: { suggestedHost: this.selectHost(scored.value), evaluatedNodes, feasibleNodes: feasible.length } };
  }

  /** findNodesThatFitPod runs PreFilter then Filter over the nodes, round robin from the last start index. */
  findNodesThatFitPod(fwk: Framework, state: CycleState, pod: Pod): { ok: true; value: { feasible: NodeInfo[]; diagnosis: Diagnosis } } | { ok: false; error: Error } {
    const diagnosis = newDiagnosis();
    const allNodes = this.snapshot.list();
    const pre = fwk.runPreFilterPlugins(state, pod, allNodes);
    if (pre.status && !pre.status.isSuccess()) {
      if (!pre.status.isRejected()) return { ok: false, error: pre.status.asError()! };
      diagnosis.nodeToStatus.setAbsentNodesStatus(pre.status);
      diagnosis.preFilterMsg = pre.status.message();
      for (const p of pre.unschedulablePlugins) diagnosis.unschedulablePlugins.add(p);
      if (pre.status.code === Code.Pending) diagnosis.pendingPlugins.add(pre.status.plugin);
      return { ok: true, value: { feasible: [], diagnosis } };
    }
    // A pod nominated to a node (after preemption) tries that node first.
    const nominated = pod.status?.nominatedNodeName;
    if (nominated) {
      const ni = this.snapshot.get(nominated);
      if (ni?.node) {
        const s = fwk.runFilterPluginsWithNominatedPods(state, pod, ni);
        if (!s) return { ok: true, value: { feasible: [ni], diagnosis } };
      }
    }
    let nodes: readonly NodeInfo[] = allNodes;
    if (pre.result?.nodeNames) {
      const names = pre.result.nodeNames;
      nodes = allNodes.filter((n) => names.has(n.nodeName()));
      diagnosis.nodeToStatus.setAbsentNodesStatus(new Status(Code.UnschedulableAndUnresolvable, ["node(s) didn't satisfy plugin(s) [" + [...pre.unschedulablePlugins].join(' ') + ']']));
    }
    const feasible: NodeInfo[] = [];
    const n = nodes.length;
    if (fwk.filterPlugins.length === 0) {
      const want = numFeasibleNodesToFind(fwk.percentageOfNodesToScore ?? this.percentageOfNodesToScore, n);
      for (let i = 0; i < want; i++) feasible.push(nodes[(this.nextStartNodeIndex + i) % n]!);
      this.nextStartNodeIndex = (this.nextStartNodeIndex + feasible.length) % Math.max(1, allNodes.length);
      return { ok: true, value: { feasible, diagnosis } };
    }
    const want = numFeasibleNodesToFind(fwk.percentageOfNodesToScore ?? this.percentageOfNodesToScore, n);
    let processed = 0;
    for (let i = 0; i < n && feasible.length < want; i++) {
      const ni = nodes[(this.nextStartNodeIndex + i) % n]!;
      processed++;
      const s = fwk.runFilterPluginsWithNominatedPods(state, pod, ni);
      if (!s) {
        feasible.push(ni);
        continue;
      }
      if (s.code === Code.Error) return { ok: false, error: s.asError()! };
      diagnosis.nodeToStatus.set(ni.nodeName(), s);
      if (s.plugin) {
        if (s.code === Code.Pending) diagnosis.pendingPlugins.add(s.plugin);
        else diagnosis.unschedulablePlugins.add(s.plugin);
      }
    }
    this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % Math.max(1, n);
    return { ok: true, value: { feasible, diagnosis } };
  }

  /** prioritizeNodes runs PreScore and Score; with no score plugins every node scores 1. */
  prioritizeNodes(fwk: Framework, state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { ok: true; value: NodePluginScores[] } | { ok: false; error: Error } {
    if (fwk.scorePlugins.length === 0) return { ok: true, value: nodes.map((n) => ({ name: n.nodeName(), totalScore: 1 })) };
    const pre = fwk.runPreScorePlugins(state, pod, nodes);
    if (pre) return { ok: false, error: pre.asError()! };
    const r = fwk.runScorePlugins(state, pod, nodes);
    if (r.status) return { ok: false, error: r.status.asError()! };
    return { ok: true, value: r.scores };
  }

  /** selectHost picks the highest total score, breaking ties uniformly at random (reservoir sampling). */
  selectHost(scores: readonly NodePluginScores[]): string {
    let best = scores[0]!;
    let cnt = 1;
    for (let i = 1; i < scores.length; i++) {
      const s = scores[i]!;
      if (s.totalScore > best.totalScore) {
        best = s;
        cnt = 1;
      } else if (s.totalScore === best.totalScore) {
        cnt++;
        if (Math.floor(this.random() * cnt) === 0) best = s;
      }
    }
    return best.name;
  }
}

/** assumedPodOf returns a copy of the pod with spec.nodeName set, for the cache. */
export function assumedPodOf(pod: Pod, nodeName: string): Pod {
  return { ...pod, spec: { ...pod.spec!, nodeName } };
}

/** runPostFilter runs preemption for a FitError and records its message in the diagnosis. */
export async function runPostFilter(fwk: Framework, state: CycleState, pod: Pod, fitErr: FitError, signal?: AbortSignal): Promise<{ nominatedNodeName?: string }> {
  if (!fwk.hasPostFilterPlugins()) return {};
  const statuses: NodeToStatusReader = fitErr.diagnosis.nodeToStatus;
  const r = await fwk.runPostFilterPlugins(state, pod, statuses, signal);
  if (r.status && r.status.message()) fitErr.diagnosis.postFilterMsg = r.status.message();
  if (r.status && r.status.code === Code.Error) return {};
  return { nominatedNodeName: r.result?.nominatedNodeName };
}

/** schedulingErrorStatus turns any thrown value into an Error status (for logs). */
export function schedulingErrorStatus(err: unknown, pod: Pod): Status {
  return asStatus(new Error(`scheduling ${podKey(pod)}: ${(err as Error)?.message ?? String(err)}`, { cause: err }));
}

/** QueuedPod is re-exported for the scheduler loop. */
export type { QueuedPodInfo };

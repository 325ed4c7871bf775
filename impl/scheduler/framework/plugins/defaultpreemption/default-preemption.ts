/**
 * DefaultPreemption is the PostFilter plugin that, when no node fits a pod, looks for a node
 * where evicting lower-priority pods would make room, deletes those victims and nominates the
 * node for the pod (`status.nominatedNodeName`).
 * upstream: pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go and
 * framework/preemption/preemption.go (Evaluator.Preempt).
 *
 * PodDisruptionBudgets are honoured as upstream: on each node, victims whose eviction would
 * violate a PDB (`status.disruptionsAllowed` exhausted) are reprieved first, and the node with the
 * fewest PDB violations wins. A pod whose `preemptionPolicy` (or its PriorityClass's) is `Never`
 * does not preempt.
 */
import type { Pod, PodDisruptionBudget } from '#generated/k8s/index.ts';
import { labels } from '#impl/apimachinery/index.ts';
import type { CycleState } from '../../cycle-state.ts';
import { FitError, newDiagnosis } from '../../fit-error.ts';
import {
  Code,
  Status,
  asStatus,
  unschedulable,
  unschedulableAndUnresolvable,
  type Handle,
  type NodeToStatusReader,
  type PluginFactory,
  type PostFilterPlugin,
  type PostFilterResult,
} from '../../interface.ts';
import { podKey, podRef, type NodeInfo, type PodInfo } from '../../types.ts';
import * as names from '../names/names.ts';
import { podPriority } from '../queuesort/priority-sort.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.DefaultPreemption;
/** ERR_NOT_HELPFUL is the status of nodes where preemption cannot help. */
export const ERR_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
/** ERR_NO_VICTIMS is the status of nodes without lower-priority pods. */
export const ERR_NO_VICTIMS = 'No preemption victims found for incoming pod';

/** Candidate is a node and the pods to evict from it. */
export interface Candidate {
  nodeName: string;
  /** victims, most important first. */
  victims: Pod[];
  /** numPDBViolations counts victims whose eviction violates a PodDisruptionBudget. */
  numPDBViolations?: number;
}

/** DISRUPTION_TARGET_REASON is the DisruptionTarget condition reason set on victims. */
export const DISRUPTION_TARGET_REASON = 'PreemptionByScheduler';

/** EligibilityContext is what {@link podEligibleToPreemptOthers} reads besides the pod. */
export interface EligibilityContext {
  /** preemptionPolicyOf resolves the pod's PriorityClass policy when the pod has none. */
  priorityClassPolicy?: (name: string) => string | undefined;
  /** nodeInfo returns a node of the snapshot (for the nominated-node check). */
  nodeInfo?: (name: string) => NodeInfo | undefined;
  /** nominatedNodeStatus is the filter status of the pod's nominated node, if any. */
  nominatedNodeStatus?: Status;
}

/**
 * podEligibleToPreemptOthers returns a reason when the pod may not preempt, else undefined
 * (upstream `PodEligibleToPreemptOthers`): `preemptionPolicy: Never` (on the pod, or on its
 * PriorityClass when the Priority admission plugin did not copy it), or a lower-priority pod still
 * terminating after an earlier preemption on the pod's nominated node.
 */
export function podEligibleToPreemptOthers(pod: Pod, ctx: EligibilityContext = {}): string | undefined {
  const policy = pod.spec?.preemptionPolicy ?? (pod.spec?.priorityClassName ? ctx.priorityClassPolicy?.(pod.spec.priorityClassName) : undefined);
  if (policy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
  const nominated = pod.status?.nominatedNodeName;
  if (nominated) {
    if (ctx.nominatedNodeStatus?.code === Code.UnschedulableAndUnresolvable) return undefined;
    const ni = ctx.nodeInfo?.(nominated);
    const prio = podPriority(pod);
    for (const pi of ni?.pods ?? []) {
      if (podPriority(pi.pod) < prio && podTerminatingByPreemption(pi.pod)) return 'not eligible due to a terminating pod on the nominated node.';
    }
  }
  return undefined;
}

/** podTerminatingByPreemption: the pod is being deleted after a scheduler preemption. */
export function podTerminatingByPreemption(pod: Pod): boolean {
  if (!pod.metadata?.deletionTimestamp) return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === 'DisruptionTarget' && c.status === 'True' && c.reason === DISRUPTION_TARGET_REASON);
}

/**
 * moreImportantPod orders pods by priority (higher first), then by start time (earlier first;
 * a pod that has not started counts as starting now), as upstream `util.MoreImportantPod`.
 */
export function moreImportantPod(a: Pod, b: Pod, now = Date.now()): number {
  return podPriority(b) - podPriority(a) || startTime(a, now) - startTime(b, now);
}

/**
 * filterPodsWithPDBViolation splits pods (in order) into those whose eviction would violate a
 * PodDisruptionBudget and the rest (upstream `filterPodsWithPDBViolation`): each matching PDB
 * (same namespace, non-empty selector, pod not already in `status.disruptedPods`) spends one of its
 * `status.disruptionsAllowed`; a pod that drives any budget below zero is violating.
 */
export function filterPodsWithPDBViolation<T extends { pod: Pod }>(podInfos: readonly T[], pdbs: readonly PodDisruptionBudget[]): { violating: T[]; nonViolating: T[] } {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const selectors = pdbs.map((p) => {
    try {
      return labels.labelSelectorAsSelector(p.spec?.selector);
    } catch {
      return undefined;
    }
  });
  const violating: T[] = [];
  const nonViolating: T[] = [];
  for (const pi of podInfos) {
    const pod = pi.pod;
    const podLabels = pod.metadata?.labels ?? {};
    let violated = false;
    if (Object.keys(podLabels).length) {
      pdbs.forEach((pdb, i) => {
        if ((pdb.metadata?.namespace ?? '') !== (pod.metadata?.namespace ?? '')) return;
        const sel = selectors[i];
        // A PDB with a nil or empty selector matches nothing.
        if (!sel || sel.empty() || !sel.matches(podLabels)) return;
        if (pdb.status?.disruptedPods && Object.hasOwn(pdb.status.disruptedPods, pod.metadata?.name ?? '')) return;
        allowed[i]!--;
        if (allowed[i]! < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(pi);
  }
  return { violating, nonViolating };
}

/**
 * selectVictimsOnNode removes every lower-priority pod from a copy of the node and checks the pod
 * fits; then it reprieves victims (adds them back while the pod still fits), those whose eviction
 * would violate a PDB first, each group from the most important down (upstream
 * `SelectVictimsOnNode`). It returns the victims, most important first, and how many of them
 * violate a PDB.
 */
export function selectVictimsOnNode(
  handle: Handle,
  state: CycleState,
  pod: Pod,
  nodeInfo: NodeInfo,
  pdbs: readonly PodDisruptionBudget[] = [],
): { victims: Pod[]; numPDBViolations: number; status?: Status } {
  const prio = podPriority(pod);
  const copy = nodeInfo.snapshotClone();
  const potential: PodInfo[] = [];
  for (const pi of nodeInfo.pods) {
    if (podPriority(pi.pod) < prio) {
      potential.push(pi);
      copy.removePod(pi.pod);
      handle.runPreFilterExtensionRemovePod?.(state, pod, pi.pod, copy);
    }
  }
  if (potential.length === 0) return { victims: [], numPDBViolations: 0, status: unschedulableAndUnresolvable(ERR_NO_VICTIMS) };
  const run = (st: CycleState, p: Pod, ni: NodeInfo): Status | undefined => (handle.runFilterPluginsWithNominatedPods ?? handle.runFilterPlugins).call(handle, st, p, ni);
  const s = run(state, pod, copy);
  if (s) return { victims: [], numPDBViolations: 0, status: s };
  const now = Date.now();
  potential.sort((a, b) => moreImportantPod(a.pod, b.pod, now));
  const { violating, nonViolating } = filterPodsWithPDBViolation(potential, pdbs);
  const victims: Pod[] = [];
  const reprieve = (pi: PodInfo): boolean => {
    copy.addPod(pi);
    handle.runPreFilterExtensionAddPod?.(state, pod, pi.pod, copy);
    if (!run(state, pod, copy)) return true;
    copy.removePod(pi.pod);
    handle.runPreFilterExtensionRemovePod?.(state, pod, pi.pod, copy);
    victims.push(pi.pod);
    return false;
  };
  let numPDBViolations = 0;
  for (const pi of violating) if (!reprieve(pi)) numPDBViolations++;
  for (const pi of nonViolating) reprieve(pi);
  if (violating.length && nonViolating.length) victims.sort((a, b) => moreImportantPod(a, b, now));
  return { victims, numPDBViolations };
}

function startTime(pod: Pod, now: number): number {
  const t = pod.status?.startTime;
  return t ? Date.parse(t) : now;
}

/**
 * pickOneNodeForPreemption chooses among candidates as upstream, each criterion breaking the
 * previous one's ties: fewest PDB violations, lowest highest-victim priority, lowest sum of victim
 * priorities, fewest victims, latest start time of the highest-priority victims, first candidate.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[], now = Date.now()): Candidate | undefined {
  const MAX_INT32 = 2 ** 31 - 1;
  const scoreFns: Array<(c: Candidate) => number> = [
    (c) => -(c.numPDBViolations ?? 0),
    (c) => (c.victims.length ? -Math.max(...c.victims.map(podPriority)) : Infinity),
    (c) => -c.victims.reduce((sum, v) => sum + podPriority(v) + MAX_INT32 + 1, 0),
    (c) => -c.victims.length,
    (c) => {
      if (!c.victims.length) return -Infinity;
      const top = Math.max(...c.victims.map(podPriority));
      return Math.min(...c.victims.filter((v) => podPriority(v) === top).map((v) => startTime(v, now)));
    },
  ];
  let remaining = [...candidates];
  for (const fn of scoreFns) {
    if (remaining.length <= 1) break;
    const scores = remaining.map(fn);
    const best = Math.max(...scores);
    remaining = remaining.filter((_, i) => scores[i] === best);
  }
  return remaining[0];
}

/** DefaultPreemption is the plugin instance. */
export class DefaultPreemption implements PostFilterPlugin {
  readonly name = NAME;
  constructor(private readonly handle: Handle) {}

  /** postFilter runs the preemption evaluator and prefixes its message with "preemption: ". */
  async postFilter(state: CycleState, pod: Pod, m: NodeToStatusReader, signal?: AbortSignal): Promise<{ result?: PostFilterResult; status?: Status }> {
    const { result, status } = await this.preempt(state, pod, m, signal);
    const msg = status?.message();
    if (status && msg) return { result, status: new Status(status.code, [`preemption: ${msg}`], status.err) };
    return { result, status };
  }

  private async preempt(state: CycleState, pod: Pod, m: NodeToStatusReader, signal?: AbortSignal): Promise<{ result?: PostFilterResult; status?: Status }> {
    const lister = this.handle.snapshotSharedLister().nodeInfos();
    const listers = this.handle.listers;
    const nominated = pod.status?.nominatedNodeName;
    const notEligible = podEligibleToPreemptOthers(pod, {
      priorityClassPolicy: (name) => listers?.priorityClass?.(name)?.preemptionPolicy,
      nodeInfo: (name) => lister.get(name),
      nominatedNodeStatus: nominated ? m.get(nominated) : undefined,
    });
    if (notEligible) return { status: unschedulable(notEligible) };
    this.handle.metrics?.preemptionAttempt();
    const allNodes = lister.list();
    const pdbs = listers?.podDisruptionBudgets?.() ?? [];
    const diagnosis = newDiagnosis();
    diagnosis.nodeToStatus.setAbsentNodesStatus(unschedulableAndUnresolvable(ERR_NOT_HELPFUL));
    const candidates: Candidate[] = [];
    for (const ni of allNodes) {
      const st = m.get(ni.nodeName()) ?? m.absentNodesStatus();
      if (st.code === Code.UnschedulableAndUnresolvable) continue;
      const r = selectVictimsOnNode(this.handle, state.clone(), pod, ni, pdbs);
      if (!r.status && r.victims.length) candidates.push({ nodeName: ni.nodeName(), victims: r.victims, numPDBViolations: r.numPDBViolations });
      else diagnosis.nodeToStatus.set(ni.nodeName(), r.status ?? asStatus(new Error(`expected at least one victim pod on node "${ni.nodeName()}"`)));
    }
    if (candidates.length === 0) {
      const fitErr = new FitError(pod, allNodes.length, diagnosis);
      return { result: { nominatedNodeName: '' }, status: unschedulable(fitErr.message) };
    }
    const best = pickOneNodeForPreemption(candidates)!;
    this.handle.metrics?.preemptionVictims(best.victims.length);
    const client = this.handle.client;
    if (!client) return { status: asStatus(new Error('DefaultPreemption: no API client')) };
    const pods = client.resource('', 'v1', 'pods');
    for (const v of best.victims) {
      const ns = v.metadata?.namespace ?? 'default';
      const name = v.metadata?.name ?? '';
      try {
        // Mark the victim (DisruptionTarget) before deleting it, so that a later cycle sees it is
        // terminating because of preemption.
        const condition = {
          type: 'DisruptionTarget',
          status: 'True',
          reason: DISRUPTION_TARGET_REASON,
          message: `${pod.spec?.schedulerName ?? 'default-scheduler'}: preempting to accommodate a higher priority pod`,
          lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        };
        await pods
          .namespace(ns)
          .patch(name, { status: { conditions: [condition] } }, { subresource: 'status', type: 'strategic', signal })
          .catch((err: unknown) => {
            if ((err as { code?: number }).code !== 404) throw err;
          });
        await pods.namespace(ns).delete(name, { signal, preconditions: { uid: v.metadata?.uid } });
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code !== 404) return { status: asStatus(new Error(`preempting ${podKey(v)}: ${(err as Error).message}`, { cause: err })) };
      }
      this.handle.eventRecorder?.event(podRef(v), 'Normal', 'Preempted', `Preempted by pod ${pod.metadata?.uid} on node ${best.nodeName}`);
    }
    // Lower-priority pods nominated to this node may no longer fit there: clear their nomination
    // so that they look for another place (upstream prepareCandidate).
    const prio = podPriority(pod);
    for (const { pod: np } of this.handle.nominatedPodsForNode?.(best.nodeName) ?? []) {
      if (podPriority(np) >= prio || np.metadata?.uid === pod.metadata?.uid) continue;
      try {
        await pods.namespace(np.metadata?.namespace ?? 'default').patch(np.metadata?.name ?? '', { status: { nominatedNodeName: null } }, { subresource: 'status', type: 'merge', signal });
      } catch (err) {
        if ((err as { code?: number }).code !== 404) return { status: asStatus(new Error(`clearing the nomination of ${podKey(np)}: ${(err as Error).message}`, { cause: err })) };
      }
    }
    return { result: { nominatedNodeName: best.nodeName } };
  }
}

/** newDefaultPreemption builds the plugin. */
export const newDefaultPreemption: PluginFactory = (_args, handle) => new DefaultPreemption(handle);

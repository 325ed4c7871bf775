/**
 * DefaultPreemption is the PostFilter plugin that, when no node fits a pod, looks for a node
 * where evicting lower-priority pods would make room, deletes those victims and nominates the
 * node for the pod (`status.nominatedNodeName`).
 * upstream: pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go and
 * framework/preemption/preemption.go (Evaluator.Preempt).
 *
 * Not yet honoured: PodDisruptionBudgets (TODO(#8)).
 */
import type { Pod } from '#generated/k8s/index.ts';
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
import { podKey, type NodeInfo, type PodInfo } from '../../types.ts';
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
  victims: Pod[];
}

/** podEligibleToPreemptOthers returns a reason when the pod may not preempt, else undefined. */
export function podEligibleToPreemptOthers(pod: Pod): string | undefined {
  if (pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
  return undefined;
}

/**
 * selectVictimsOnNode removes every lower-priority pod from a copy of the node, checks the pod
 * fits, then adds victims back from the highest priority down while it still fits.
 */
export function selectVictimsOnNode(handle: Handle, state: CycleState, pod: Pod, nodeInfo: NodeInfo): { victims: Pod[]; status?: Status } {
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
  if (potential.length === 0) return { victims: [], status: unschedulableAndUnresolvable(ERR_NO_VICTIMS) };
  const run = (st: CycleState, p: Pod, ni: NodeInfo): Status | undefined => (handle.runFilterPluginsWithNominatedPods ?? handle.runFilterPlugins).call(handle, st, p, ni);
  const s = run(state, pod, copy);
  if (s) return { victims: [], status: s };
  potential.sort((a, b) => podPriority(b.pod) - podPriority(a.pod) || startTime(a.pod) - startTime(b.pod));
  const victims: Pod[] = [];
  for (const pi of potential) {
    copy.addPod(pi);
    handle.runPreFilterExtensionAddPod?.(state, pod, pi.pod, copy);
    if (run(state, pod, copy)) {
      copy.removePod(pi.pod);
      handle.runPreFilterExtensionRemovePod?.(state, pod, pi.pod, copy);
      victims.push(pi.pod);
    }
  }
  return { victims };
}

function startTime(pod: Pod): number {
  const t = pod.status?.startTime ?? pod.metadata?.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

/**
 * pickOneNodeForPreemption prefers the candidate whose most important victim has the lowest
 * priority, then the lowest sum of victim priorities, then the fewest victims.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[]): Candidate | undefined {
  const key = (c: Candidate): [number, number, number] => {
    const prios = c.victims.map(podPriority);
    return [prios.length ? Math.max(...prios) : -Infinity, prios.reduce((a, b) => a + b + 2 ** 31, 0), prios.length];
  };
  let best: Candidate | undefined;
  let bestKey: [number, number, number] | undefined;
  for (const c of candidates) {
    const k = key(c);
    if (!bestKey || k[0] < bestKey[0] || (k[0] === bestKey[0] && (k[1] < bestKey[1] || (k[1] === bestKey[1] && k[2] < bestKey[2])))) {
      best = c;
      bestKey = k;
    }
  }
  return best;
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
    const notEligible = podEligibleToPreemptOthers(pod);
    if (notEligible) return { status: unschedulable(notEligible) };
    const allNodes = this.handle.snapshotSharedLister().nodeInfos().list();
    const diagnosis = newDiagnosis();
    diagnosis.nodeToStatus.setAbsentNodesStatus(unschedulableAndUnresolvable(ERR_NOT_HELPFUL));
    const candidates: Candidate[] = [];
    for (const ni of allNodes) {
      const st = m.get(ni.nodeName()) ?? m.absentNodesStatus();
      if (st.code === Code.UnschedulableAndUnresolvable) continue;
      const r = selectVictimsOnNode(this.handle, state.clone(), pod, ni);
      if (!r.status && r.victims.length) candidates.push({ nodeName: ni.nodeName(), victims: r.victims });
      else diagnosis.nodeToStatus.set(ni.nodeName(), r.status ?? asStatus(new Error(`expected at least one victim pod on node "${ni.nodeName()}"`)));
    }
    if (candidates.length === 0) {
      const fitErr = new FitError(pod, allNodes.length, diagnosis);
      return { result: { nominatedNodeName: '' }, status: unschedulable(fitErr.message) };
    }
    const best = pickOneNodeForPreemption(candidates)!;
    const client = this.handle.client;
    if (!client) return { status: asStatus(new Error('DefaultPreemption: no API client')) };
    for (const v of best.victims) {
      try {
        await client.resource('', 'v1', 'pods').namespace(v.metadata?.namespace ?? 'default').delete(v.metadata?.name ?? '', { signal, preconditions: { uid: v.metadata?.uid } });
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code !== 404) return { status: asStatus(new Error(`preempting ${podKey(v)}: ${(err as Error).message}`, { cause: err })) };
      }
      this.handle.eventRecorder?.eventf(v, 'Normal', 'Preempted', 'Preempting', `Preempted by pod ${pod.metadata?.uid} on node ${best.nodeName}`);
    }
    return { result: { nominatedNodeName: best.nodeName } };
  }
}

/** newDefaultPreemption builds the plugin. */
export const newDefaultPreemption: PluginFactory = (_args, handle) => new DefaultPreemption(handle);

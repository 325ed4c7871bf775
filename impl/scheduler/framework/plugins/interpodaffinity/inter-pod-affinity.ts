/**
 * InterPodAffinity enforces required pod affinity and anti-affinity (the incoming pod's terms,
 * and existing pods' anti-affinity terms against the incoming pod), and scores preferred terms.
 * Counting is per topology pair (`topologyKey=value` of the node a matching pod runs on).
 * upstream: pkg/scheduler/framework/plugins/interpodaffinity/{filtering,scoring,plugin}.go
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { CycleState, StateData } from '../../cycle-state.ts';
import { ActionType, type ClusterEventWithHint } from '../../events.ts';
import {
  Code,
  newStatus,
  unschedulable,
  unschedulableAndUnresolvable,
  type EnqueueExtensions,
  type FilterPlugin,
  type Handle,
  type NodeScore,
  type PluginFactory,
  type PreFilterExtensions,
  type PreFilterOutcome,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  MaxNodeScore,
} from '../../interface.ts';
import { PodInfo, podInfoFor, type NodeInfo } from '../../types.ts';
import { parsedTerms, termMatches, type AffinityTerm, type NamespaceLabels, type ParsedTerms } from '../helper/affinity-term.ts';
import * as names from '../names/names.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.InterPodAffinity;
/** PRE_FILTER_STATE_KEY is where PreFilter leaves the topology counts. */
export const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
/** PRE_SCORE_STATE_KEY is where PreScore leaves the scoring terms. */
export const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;
/** ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH: an existing pod's anti-affinity rejects the pod. */
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";
/** ERR_REASON_AFFINITY_RULES_NOT_MATCH: the pod's affinity is not satisfied. */
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
/** ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH: the pod's anti-affinity is not satisfied. */
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";

/** InterPodAffinityArgs are the plugin args. */
export interface InterPodAffinityArgs {
  /** hardPodAffinityWeight scores existing pods' required affinity terms (default 1). */
  hardPodAffinityWeight?: number;
  ignorePreferredTermsOfExistingPods?: boolean;
}

/** TopologyCounts counts matching pods per topology key, then value (upstream `topologyToMatchedTermCount`). */
class TopologyCounts {
  readonly byKey = new Map<string, Map<string, number>>();
  size = 0;

  add(key: string, value: string, delta: number): void {
    let m = this.byKey.get(key);
    if (!m) this.byKey.set(key, (m = new Map()));
    const n = (m.get(value) ?? 0) + delta;
    if (n === 0) {
      if (m.delete(value)) this.size--;
      if (m.size === 0) this.byKey.delete(key);
    } else {
      if (!m.has(value)) this.size++;
      m.set(value, n);
    }
  }

  get(key: string, value: string): number {
    return this.byKey.get(key)?.get(value) ?? 0;
  }

  /** anyMatch reports whether some (key, value) of the node's labels has a positive count. */
  anyMatch(nodeLabels: Record<string, string>): boolean {
    for (const [key, m] of this.byKey) {
      const v = nodeLabels[key];
      if (v !== undefined && (m.get(v) ?? 0) > 0) return true;
    }
    return false;
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, m] of this.byKey) c.byKey.set(k, new Map(m));
    c.size = this.size;
    return c;
  }
}

class PreFilterState implements StateData {
  constructor(
    readonly existingAntiAffinityCounts: TopologyCounts,
    readonly affinityCounts: TopologyCounts,
    readonly antiAffinityCounts: TopologyCounts,
    readonly podInfo: PodInfo,
  ) {
    this.ownTerms = parsedTerms(podInfo);
  }
  /** ownTerms are the incoming pod's parsed terms. */
  readonly ownTerms: ParsedTerms;
  clone(): StateData {
    return new PreFilterState(this.existingAntiAffinityCounts.clone(), this.affinityCounts.clone(), this.antiAffinityCounts.clone(), this.podInfo);
  }
}

class PreScoreState implements StateData {
  constructor(
    readonly topologyScore: Map<string, Map<string, number>>,
    readonly podInfo: PodInfo,
  ) {}
  clone(): StateData {
    return this;
  }
}

const NO_TERMS: readonly AffinityTerm[] = [];

/** InterPodAffinity is the plugin instance. */
export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly hardPodAffinityWeight: number;
  private readonly ignorePreferredTermsOfExistingPods: boolean;

  /** nsLabels reads namespace labels for namespaceSelector terms. */
  private readonly nsLabels: NamespaceLabels;

  constructor(
    private readonly handle: Handle,
    args: InterPodAffinityArgs = {},
  ) {
    this.nsLabels = (ns) => handle.listers?.namespace?.(ns)?.metadata?.labels;
    this.hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1;
    this.ignorePreferredTermsOfExistingPods = args.ignorePreferredTermsOfExistingPods ?? false;
  }

  /** updateWithPod adds (sign 1) or removes (-1) one existing pod's contribution to the counts. */
  private updateWithPod(s: PreFilterState, existing: PodInfo, node: NodeInfo['node'], sign: 1 | -1): void {
    if (!node) return;
    const nodeLabels = node.metadata?.labels ?? {};
    const incoming = s.podInfo.pod;
    const existingAnti = existing.requiredAntiAffinityTerms.length ? parsedTerms(existing).requiredAntiAffinity : NO_TERMS;
    for (let i = 0; i < existingAnti.length; i++) {
      const t = existingAnti[i]!;
      const v = nodeLabels[t.topologyKey];
      if (v !== undefined && termMatches(t, incoming, this.nsLabels)) s.existingAntiAffinityCounts.add(t.topologyKey, v, sign);
    }
    const own = s.ownTerms;
    if (own.requiredAffinity.length > 0 && own.requiredAffinity.every((t) => termMatches(t, existing.pod, this.nsLabels))) {
      for (const t of own.requiredAffinity) {
        const v = nodeLabels[t.topologyKey];
        if (v !== undefined) s.affinityCounts.add(t.topologyKey, v, sign);
      }
    }
    const ownAnti = own.requiredAntiAffinity;
    for (let i = 0; i < ownAnti.length; i++) {
      const t = ownAnti[i]!;
      if (!termMatches(t, existing.pod, this.nsLabels)) continue;
      const v = nodeLabels[t.topologyKey];
      if (v !== undefined) s.antiAffinityCounts.add(t.topologyKey, v, sign);
    }
  }

  /** preFilter counts, per topology pair, the pods that the incoming pod's terms (and existing anti-affinity) match. */
  preFilter(state: CycleState, pod: Pod): PreFilterOutcome {
    const aff = pod.spec?.affinity;
    const anyRequired = !!(aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length || aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length);
    if (!anyRequired && this.handle.snapshotSharedLister().nodeInfos().havePodsWithRequiredAntiAffinityList().length === 0) return { status: newStatus(Code.Skip) };
    const pi = podInfoFor(pod);
    const s = new PreFilterState(new TopologyCounts(), new TopologyCounts(), new TopologyCounts(), pi);
    const own = parsedTerms(pi);
    const lister = this.handle.snapshotSharedLister().nodeInfos();
    const needAll = own.requiredAffinity.length > 0 || own.requiredAntiAffinity.length > 0;
    const nodes = needAll ? lister.list() : lister.havePodsWithRequiredAntiAffinityList();
    for (const ni of nodes) {
      const list = needAll ? ni.pods : ni.podsWithRequiredAntiAffinity;
      for (const existing of list) this.updateWithPod(s, existing, ni.node, 1);
    }
    if (s.existingAntiAffinityCounts.size === 0 && own.requiredAffinity.length === 0 && own.requiredAntiAffinity.length === 0) {
      return { status: newStatus(Code.Skip) };
    }
    state.write(PRE_FILTER_STATE_KEY, s);
    return undefined;
  }

  /** preFilterExtensions keep the counts right when preemption adds or removes pods. */
  preFilterExtensions(): PreFilterExtensions {
    const upd = (state: CycleState, pod: Pod, ni: NodeInfo, sign: 1 | -1): Status | undefined => {
      const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
      if (s) this.updateWithPod(s, podInfoFor(pod), ni.node, sign);
      return undefined;
    };
    return {
      addPod: (state, _p, podToAdd, ni) => upd(state, podToAdd, ni, 1),
      removePod: (state, _p, podToRemove, ni) => upd(state, podToRemove, ni, -1),
    };
  }

  /** filter checks the pod's affinity, then its anti-affinity, then existing pods' anti-affinity (upstream order). */
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    if (!s) return undefined;
    const nodeLabels = nodeInfo.node?.metadata?.labels ?? {};
    const own = parsedTerms(s.podInfo);
    if (own.requiredAffinity.length && !this.satisfyPodAffinity(s, own.requiredAffinity, nodeLabels, pod)) {
      return unschedulableAndUnresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH);
    }
    for (const t of own.requiredAntiAffinity) {
      const v = nodeLabels[t.topologyKey];
      if (v !== undefined && s.antiAffinityCounts.get(t.topologyKey, v) > 0) return unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
    }
    if (s.existingAntiAffinityCounts.size && s.existingAntiAffinityCounts.anyMatch(nodeLabels)) return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);
    return undefined;
  }

  private satisfyPodAffinity(s: PreFilterState, terms: AffinityTerm[], nodeLabels: Record<string, string>, pod: Pod): boolean {
    let podsExist = true;
    for (const t of terms) {
      const v = nodeLabels[t.topologyKey];
      if (v === undefined) return false;
      if (s.affinityCounts.get(t.topologyKey, v) <= 0) podsExist = false;
    }
    if (podsExist) return true;
    // The first pod of a group that matches its own affinity may go anywhere with the labels.
    return s.affinityCounts.size === 0 && terms.every((t) => termMatches(t, pod, this.nsLabels));
  }

  /** preScore builds, per topology key and value, the summed weights of matching terms. */
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | undefined {
    const aff = pod.spec?.affinity;
    const anyPreferred = !!(aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length || aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length);
    if (!anyPreferred && this.handle.snapshotSharedLister().nodeInfos().havePodsWithAffinityList().length === 0) return newStatus(Code.Skip);
    const pi = podInfoFor(pod);
    const own = parsedTerms(pi);
    const hasPreferred = own.preferredAffinity.length > 0 || own.preferredAntiAffinity.length > 0;
    const lister = this.handle.snapshotSharedLister().nodeInfos();
    const all = hasPreferred ? lister.list() : lister.havePodsWithAffinityList();
    if (!hasPreferred && all.length === 0) return newStatus(Code.Skip);
    void nodes;
    const score = new Map<string, Map<string, number>>();
    const add = (key: string, value: string | undefined, w: number): void => {
      if (value === undefined || w === 0) return;
      let m = score.get(key);
      if (!m) score.set(key, (m = new Map()));
      m.set(value, (m.get(value) ?? 0) + w);
    };
    for (const ni of all) {
      const labelsOf = ni.node?.metadata?.labels ?? {};
      const pods = hasPreferred ? ni.pods : ni.podsWithAffinity;
      for (const existing of pods) {
        const et = parsedTerms(existing);
        if (!hasPreferred && !et.scoresOthers) continue;
        for (const t of own.preferredAffinity) if (termMatches(t, existing.pod, this.nsLabels)) add(t.topologyKey, labelsOf[t.topologyKey], t.weight);
        for (const t of own.preferredAntiAffinity) if (termMatches(t, existing.pod, this.nsLabels)) add(t.topologyKey, labelsOf[t.topologyKey], -t.weight);
        if (this.hardPodAffinityWeight > 0) for (const t of et.requiredAffinity) if (termMatches(t, pod, this.nsLabels)) add(t.topologyKey, labelsOf[t.topologyKey], this.hardPodAffinityWeight);
        if (!this.ignorePreferredTermsOfExistingPods) {
          for (const t of et.preferredAffinity) if (termMatches(t, pod, this.nsLabels)) add(t.topologyKey, labelsOf[t.topologyKey], t.weight);
          for (const t of et.preferredAntiAffinity) if (termMatches(t, pod, this.nsLabels)) add(t.topologyKey, labelsOf[t.topologyKey], -t.weight);
        }
      }
    }
    if (score.size === 0) return newStatus(Code.Skip);
    state.write(PRE_SCORE_STATE_KEY, new PreScoreState(score, pi));
    return undefined;
  }

  /** score sums the topology scores of the node's label pairs. */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number | Status {
    const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
    if (!s) return 0;
    const labelsOf = nodeInfo.node?.metadata?.labels ?? {};
    let total = 0;
    for (const [key, values] of s.topologyScore) {
      const v = labelsOf[key];
      if (v !== undefined) total += values.get(v) ?? 0;
    }
    return total;
  }

  /** scoreExtensions maps scores linearly onto [0, 100] between the min and max. */
  scoreExtensions(): { normalizeScore(state: CycleState, pod: Pod, scores: NodeScore[]): Status | undefined } {
    return {
      normalizeScore: (state, _pod, scores) => {
        if (!state.read<PreScoreState>(PRE_SCORE_STATE_KEY)) return undefined;
        let min = Infinity;
        let max = -Infinity;
        for (const s of scores) {
          min = Math.min(min, s.score);
          max = Math.max(max, s.score);
        }
        const diff = max - min;
        for (const s of scores) s.score = diff > 0 ? Math.trunc((MaxNodeScore * (s.score - min)) / diff) : 0;
        return undefined;
      },
    };
  }

  /** eventsToRegister: pods appearing, changing labels or leaving, and nodes added or relabelled. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel } },
    ];
  }
}

/** newInterPodAffinity builds the plugin. */
export const newInterPodAffinity: PluginFactory = (args, handle) => new InterPodAffinity(handle, (args ?? {}) as InterPodAffinityArgs);

/**
 * PodTopologySpread keeps matching pods spread across topology domains: DoNotSchedule
 * constraints filter (skew = matching pods in the node's domain + self - global minimum must not
 * exceed maxSkew; fewer domains than minDomains make the minimum 0), ScheduleAnyway constraints
 * score (fewer matching pods in the domain is better).
 * upstream: pkg/scheduler/framework/plugins/podtopologyspread/{common,filtering,scoring,plugin}.go
 *
 * A pod without constraints gets the default ones (args `defaultingType`: `System` — hostname
 * maxSkew 3 and zone maxSkew 5, ScheduleAnyway — or `List` with `defaultConstraints`), selecting
 * the pods of its group: the Services selecting it and its controlling RC/ReplicaSet/StatefulSet.
 */
import type { Node, Pod, TopologySpreadConstraint } from '#generated/k8s/index.ts';
import { labels } from '#impl/apimachinery/index.ts';
import type { CycleState, StateData } from '../../cycle-state.ts';
import { ActionType, type ClusterEventWithHint } from '../../events.ts';
import {
  Code,
  MaxNodeScore,
  newStatus,
  unschedulable,
  unschedulableAndUnresolvable,
  type EnqueueExtensions,
  type FilterPlugin,
  type Handle,
  type NodeInfoLister,
  type NodeScore,
  type PluginFactory,
  type PreFilterExtensions,
  type PreFilterOutcome,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from '../../interface.ts';
import type { NodeInfo } from '../../types.ts';
import { RequiredNodeAffinity } from '../helper/node-affinity.ts';
import { defaultSelector } from '../helper/spread.ts';
import { findMatchingUntoleratedTaint } from '../helper/taints.ts';
import * as names from '../names/names.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.PodTopologySpread;
/** PRE_FILTER_STATE_KEY is where PreFilter leaves the domain counts. */
export const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
/** PRE_SCORE_STATE_KEY is where PreScore leaves the scoring counts. */
export const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;
/** ERR_REASON_CONSTRAINTS_NOT_MATCH: the skew would exceed maxSkew. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
/** ERR_REASON_NODE_LABEL_NOT_MATCH: the node lacks a constraint's topology key. */
export const ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + ' (missing required label)';

/** Constraint is a parsed TopologySpreadConstraint. */
export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: labels.Selector;
  minDomains: number;
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

/** PodTopologySpreadArgs are the plugin's `pluginConfig` args. */
export interface PodTopologySpreadArgs {
  /** defaultingType: `System` (default) uses {@link SYSTEM_DEFAULT_CONSTRAINTS}; `List` uses `defaultConstraints`. */
  defaultingType?: 'System' | 'List';
  /** defaultConstraints apply to pods without constraints when defaultingType is List (no labelSelector allowed). */
  defaultConstraints?: TopologySpreadConstraint[];
}

/** SYSTEM_DEFAULT_CONSTRAINTS are upstream's `systemDefaultConstraints`. */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = [
  { topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

/**
 * parseConstraints keeps the constraints with the given whenUnsatisfiable, merging matchLabelKeys
 * into the selector. `selectorOverride` replaces every constraint's labelSelector (default constraints).
 */
export function parseConstraints(pod: Pod, action: 'DoNotSchedule' | 'ScheduleAnyway', from?: readonly TopologySpreadConstraint[], selectorOverride?: labels.Selector): Constraint[] {
  const own = pod.metadata?.labels ?? {};
  return (from ?? pod.spec?.topologySpreadConstraints ?? [])
    .filter((c: TopologySpreadConstraint) => c.whenUnsatisfiable === action)
    .map((c) => {
      let selector = selectorOverride ?? labels.labelSelectorAsSelector(c.labelSelector);
      for (const k of c.matchLabelKeys ?? []) if (k in own) selector = selector.add(labels.newRequirement(k, 'in', [own[k]!]));
      return {
        maxSkew: c.maxSkew,
        topologyKey: c.topologyKey,
        selector,
        minDomains: c.minDomains ?? 1,
        nodeAffinityPolicy: (c.nodeAffinityPolicy ?? 'Honor') as 'Honor' | 'Ignore',
        nodeTaintsPolicy: (c.nodeTaintsPolicy ?? 'Ignore') as 'Honor' | 'Ignore',
      };
    });
}

function countPodsMatchSelector(nodeInfo: NodeInfo, selector: labels.Selector, ns: string): number {
  let n = 0;
  for (const pi of nodeInfo.pods) {
    const p = pi.pod;
    if (p.metadata?.deletionTimestamp || p.metadata?.namespace !== ns) continue;
    if (selector.matches(p.metadata?.labels ?? {})) n++;
  }
  return n;
}

function nodeHasKeys(node: Node, cs: readonly Constraint[]): boolean {
  const l = node.metadata?.labels ?? {};
  for (const c of cs) if (!(c.topologyKey in l)) return false;
  return true;
}

function nodeEligible(c: Constraint, node: Node, affinity: RequiredNodeAffinity, pod: Pod): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !affinity.match(node)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && findMatchingUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) return false;
  return true;
}

class PreFilterState implements StateData {
  /** minCache holds each constraint's global minimum until the counts change. */
  private minCache: Array<number | undefined>;
  constructor(
    readonly constraints: Constraint[],
    /** per constraint: domain value -> matching pods. */
    readonly tpValueToMatchNum: Map<string, number>[],
  ) {
    this.minCache = constraints.map(() => undefined);
  }
  clone(): StateData {
    return new PreFilterState(this.constraints, this.tpValueToMatchNum.map((m) => new Map(m)));
  }
  /** update changes one domain's count (preemption what-ifs). */
  update(i: number, value: string, delta: number): void {
    const m = this.tpValueToMatchNum[i]!;
    m.set(value, (m.get(value) ?? 0) + delta);
    this.minCache[i] = undefined;
  }
  /** minMatchNum is the smallest domain count (0 with fewer domains than minDomains), as upstream's critical paths give. */
  minMatchNum(i: number): number {
    const cached = this.minCache[i];
    if (cached !== undefined) return cached;
    const m = this.tpValueToMatchNum[i]!;
    let min = Infinity;
    if (m.size < this.constraints[i]!.minDomains) min = 0;
    else for (const v of m.values()) if (v < min) min = v;
    if (min === Infinity) min = 0;
    this.minCache[i] = min;
    return min;
  }
}

/** DomainIndex is the node -> domain mapping of a node list, per topology key. */
interface DomainIndex {
  values: Array<Array<string | undefined>>;
  domains: Array<Set<string>>;
}

class PreScoreState implements StateData {
  constructor(
    readonly constraints: Constraint[],
    readonly ignoredNodes: Set<string>,
    readonly topologyPairToPodCounts: Map<string, number>[],
    readonly topologyNormalizingWeight: number[],
  ) {}
  clone(): StateData {
    return this;
  }
}

/** PodTopologySpread is the plugin instance. */
export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly defaults: readonly TopologySpreadConstraint[];
  /** systemDefaulted: the System defaults are in use (nodes missing a key are then still scored). */
  private readonly systemDefaulted: boolean;

  constructor(
    private readonly handle: Handle,
    args: PodTopologySpreadArgs = {},
  ) {
    this.systemDefaulted = (args.defaultingType ?? 'System') === 'System';
    this.defaults = this.systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : (args.defaultConstraints ?? []);
  }

  /**
   * constraintsFor returns the pod's own constraints of one kind, or the default ones (with the
   * pod's group selector) when the pod has none; `defaulted` tells which.
   */
  constraintsFor(pod: Pod, action: 'DoNotSchedule' | 'ScheduleAnyway'): { cs: Constraint[]; defaulted: boolean } {
    if (pod.spec?.topologySpreadConstraints?.length) return { cs: parseConstraints(pod, action), defaulted: false };
    if (!this.defaults.some((c) => c.whenUnsatisfiable === action)) return { cs: [], defaulted: true };
    const selector = defaultSelector(pod, this.handle.listers);
    if (selector.empty()) return { cs: [], defaulted: true };
    return { cs: parseConstraints(pod, action, this.defaults, selector), defaulted: true };
  }

  /** preFilter counts matching pods per domain for the DoNotSchedule constraints; Skip when there are none. */
  preFilter(state: CycleState, pod: Pod): PreFilterOutcome {
    const { cs } = this.constraintsFor(pod, 'DoNotSchedule');
    if (cs.length === 0) return { status: newStatus(Code.Skip) };
    const counts = cs.map(() => new Map<string, number>());
    const affinity = new RequiredNodeAffinity(pod);
    const ns = pod.metadata?.namespace ?? '';
    // Every node is visited each cycle (as upstream's calPreFilterState): keep the loop tight, and
    // take the node -> domain mapping from a cache while the Node objects are unchanged.
    const keys = cs.map((c) => c.topologyKey);
    const checkEligibility = cs.some((c) => (c.nodeAffinityPolicy === 'Honor' && affinity.constrains()) || c.nodeTaintsPolicy === 'Honor');
    const lister = this.handle.snapshotSharedLister().nodeInfos();
    const list = lister.list();
    const index = checkEligibility ? undefined : this.domainIndex(lister, keys);
    if (index) {
      for (let i = 0; i < cs.length; i++) for (const v of index.domains[i]!) counts[i]!.set(v, 0);
      for (let n = 0; n < list.length; n++) {
        const ni = list[n]!;
        if (ni.pods.length === 0) continue;
        for (let i = 0; i < cs.length; i++) {
          const v = index.values[i]![n];
          if (v === undefined) continue;
          const add = countPodsMatchSelector(ni, cs[i]!.selector, ns);
          if (add) counts[i]!.set(v, counts[i]!.get(v)! + add);
        }
      }
    } else {
      for (let n = 0; n < list.length; n++) {
        const ni = list[n]!;
        const nodeLabels = ni.node?.metadata?.labels;
        if (!nodeLabels || !keys.every((k) => nodeLabels[k] !== undefined)) continue;
        for (let i = 0; i < cs.length; i++) {
          if (checkEligibility && !nodeEligible(cs[i]!, ni.node!, affinity, pod)) continue;
          const m = counts[i]!;
          const v = nodeLabels[keys[i]!]!;
          const add = ni.pods.length ? countPodsMatchSelector(ni, cs[i]!.selector, ns) : 0;
          m.set(v, (m.get(v) ?? 0) + add);
        }
      }
    }
    state.write(PRE_FILTER_STATE_KEY, new PreFilterState(cs, counts));
    return undefined;
  }

  private domainCache: { lister: NodeInfoLister; generation: number; key: string; index: DomainIndex } | undefined;

  /**
   * domainIndex maps, per key, each list position to its domain value (undefined when the node
   * lacks one of the keys), and lists the domains. Cached while the lister's nodeGeneration holds.
   */
  private domainIndex(lister: NodeInfoLister, keys: readonly string[]): DomainIndex | undefined {
    const generation = lister.nodeGeneration?.();
    if (generation === undefined) return undefined;
    const key = keys.join('\0');
    const c = this.domainCache;
    if (c && c.lister === lister && c.generation === generation && c.key === key) return c.index;
    const list = lister.list();
    const values = keys.map(() => new Array<string | undefined>(list.length));
    const domains = keys.map(() => new Set<string>());
    for (let n = 0; n < list.length; n++) {
      const nodeLabels = list[n]!.node?.metadata?.labels;
      if (!nodeLabels || !keys.every((k) => nodeLabels[k] !== undefined)) continue;
      keys.forEach((k, i) => {
        values[i]![n] = nodeLabels[k];
        domains[i]!.add(nodeLabels[k]!);
      });
    }
    const index = { values, domains };
    this.domainCache = { lister, generation, key, index };
    return index;
  }

  /** preFilterExtensions keep the counts right when preemption adds or removes pods. */
  preFilterExtensions(): PreFilterExtensions {
    const upd = (state: CycleState, podToSchedule: Pod, pod: Pod, ni: NodeInfo, delta: number): Status | undefined => {
      const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
      const node = ni.node;
      if (!s || !node || pod.metadata?.namespace !== podToSchedule.metadata?.namespace || !nodeHasKeys(node, s.constraints)) return undefined;
      s.constraints.forEach((c, i) => {
        if (!c.selector.matches(pod.metadata?.labels ?? {})) return;
        s.update(i, node.metadata!.labels![c.topologyKey]!, delta);
      });
      return undefined;
    };
    return {
      addPod: (state, p, add, ni) => upd(state, p, add, ni, 1),
      removePod: (state, p, rm, ni) => upd(state, p, rm, ni, -1),
    };
  }

  /** filter rejects a node whose domain would exceed maxSkew. */
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    if (!s) return undefined;
    const nodeLabels = nodeInfo.node?.metadata?.labels ?? {};
    const podLabels = pod.metadata?.labels ?? {};
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      const v = nodeLabels[c.topologyKey];
      if (v === undefined) return unschedulableAndUnresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
      const selfMatch = c.selector.matches(podLabels) ? 1 : 0;
      const matchNum = s.tpValueToMatchNum[i]!.get(v) ?? 0;
      const skew = matchNum + selfMatch - s.minMatchNum(i);
      if (skew > c.maxSkew) return unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return undefined;
  }

  /** preScore counts matching pods per domain for the ScheduleAnyway constraints over the feasible nodes' domains. */
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | undefined {
    const { cs, defaulted } = this.constraintsFor(pod, 'ScheduleAnyway');
    if (cs.length === 0 || nodes.length === 0) return newStatus(Code.Skip);
    // With the System defaults, nodes missing a topology key are still scored (upstream requireAllTopologies).
    const requireAll = !(defaulted && this.systemDefaulted);
    const ignored = new Set<string>();
    const counts = cs.map(() => new Map<string, number>());
    for (const ni of nodes) {
      const node = ni.node;
      if (!node || (requireAll && !nodeHasKeys(node, cs))) {
        ignored.add(ni.nodeName());
        continue;
      }
      cs.forEach((c, i) => counts[i]!.set(node.metadata?.labels?.[c.topologyKey] ?? '', 0));
    }
    const weights = counts.map((m) => Math.log(m.size + 2));
    const affinity = new RequiredNodeAffinity(pod);
    const ns = pod.metadata?.namespace ?? '';
    for (const ni of this.handle.snapshotSharedLister().nodeInfos().list()) {
      const node = ni.node;
      if (!node || (requireAll && !nodeHasKeys(node, cs))) continue;
      if (ni.pods.length === 0) continue;
      cs.forEach((c, i) => {
        const v = node.metadata?.labels?.[c.topologyKey] ?? '';
        if (!counts[i]!.has(v) || !nodeEligible(c, node, affinity, pod)) return;
        counts[i]!.set(v, counts[i]!.get(v)! + countPodsMatchSelector(ni, c.selector, ns));
      });
    }
    state.write(PRE_SCORE_STATE_KEY, new PreScoreState(cs, ignored, counts, weights));
    return undefined;
  }

  /** score is the weighted count of matching pods in the node's domains (lower is better). */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number | Status {
    const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
    if (!s || s.ignoredNodes.has(nodeInfo.nodeName())) return 0;
    const nodeLabels = nodeInfo.node?.metadata?.labels ?? {};
    let score = 0;
    s.constraints.forEach((c, i) => {
      const v = nodeLabels[c.topologyKey];
      if (v === undefined) return;
      const cnt = s.topologyPairToPodCounts[i]!.get(v) ?? 0;
      score += cnt * s.topologyNormalizingWeight[i]! + (c.maxSkew - 1);
    });
    return Math.round(score);
  }

  /** scoreExtensions reverses and scales: the emptiest domain scores 100, ignored nodes 0. */
  scoreExtensions(): { normalizeScore(state: CycleState, pod: Pod, scores: NodeScore[]): Status | undefined } {
    return {
      normalizeScore: (state, _pod, scores) => {
        const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
        if (!s) return undefined;
        let min = Infinity;
        let max = 0;
        for (const sc of scores) {
          if (s.ignoredNodes.has(sc.name)) continue;
          min = Math.min(min, sc.score);
          max = Math.max(max, sc.score);
        }
        for (const sc of scores) {
          if (s.ignoredNodes.has(sc.name)) sc.score = 0;
          else if (max === 0) sc.score = MaxNodeScore;
          else sc.score = Math.trunc((MaxNodeScore * (max + min - sc.score)) / max);
        }
        return undefined;
      },
    };
  }

  /** eventsToRegister: pods added, relabelled or deleted; nodes added, relabelled or re-tainted. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint } },
    ];
  }
}

/** newPodTopologySpread builds the plugin. */
export const newPodTopologySpread: PluginFactory = (args, handle) => new PodTopologySpread(handle, (args ?? {}) as PodTopologySpreadArgs);

/**
 * NodeAffinity enforces `nodeSelector` and required node affinity, and scores preferred node
 * affinity. An optional `addedAffinity` from the plugin args is enforced on every pod.
 * upstream: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go
 */
import type { NodeAffinity as ApiNodeAffinity, Pod } from '#generated/k8s/index.ts';
import type { CycleState, StateData } from '../../cycle-state.ts';
import { ActionType, type ClusterEventWithHint } from '../../events.ts';
import {
  MaxNodeScore,
  unschedulableAndUnresolvable,
  type EnqueueExtensions,
  type FilterPlugin,
  type NodeScore,
  type PluginFactory,
  type PreFilterOutcome,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  Code,
  newStatus,
} from '../../interface.ts';
import type { NodeInfo } from '../../types.ts';
import { matchNodeSelectorTerms, PreferredSchedulingTerms, RequiredNodeAffinity } from '../helper/node-affinity.ts';
import { defaultNormalizeScore } from '../helper/normalize-score.ts';
import * as names from '../names/names.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.NodeAffinity;
/** PRE_FILTER_STATE_KEY is where PreFilter leaves the parsed required affinity. */
export const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
/** PRE_SCORE_STATE_KEY is where PreScore leaves the parsed preferred terms. */
export const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;
/** ERR_REASON_POD is returned when the pod's nodeSelector or required affinity does not match. */
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
/** ERR_REASON_ENFORCED is returned when the scheduler-enforced `addedAffinity` does not match. */
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
/** ERR_REASON_CONFLICT is returned when the terms cannot match any node name. */
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

/** NodeAffinityArgs are the plugin args (`addedAffinity`). */
export interface NodeAffinityArgs {
  addedAffinity?: ApiNodeAffinity;
}

class PreFilterState implements StateData {
  constructor(readonly requiredNodeSelectorAndAffinity: RequiredNodeAffinity) {}
  clone(): StateData {
    return this;
  }
}

class PreScoreState implements StateData {
  constructor(readonly preferredNodeAffinity: PreferredSchedulingTerms | undefined) {}
  clone(): StateData {
    return this;
  }
}

/**
 * NodeAffinityPlugin is the plugin instance; it carries the enforced `addedAffinity`.
 */
export class NodeAffinityPlugin implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly addedNodeSelector: ApiNodeAffinity['requiredDuringSchedulingIgnoredDuringExecution'];
  private readonly addedPrefSchedTerms: PreferredSchedulingTerms | undefined;

  constructor(args: NodeAffinityArgs = {}) {
    this.addedNodeSelector = args.addedAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    const pref = args.addedAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    this.addedPrefSchedTerms = pref?.length ? new PreferredSchedulingTerms(pref) : undefined;
  }

  /**
   * preFilter parses the pod's affinity once, and narrows the nodes when the required terms
   * name nodes by `metadata.name` (matchFields In).
   */
  preFilter(state: CycleState, pod: Pod): PreFilterOutcome {
    state.write(PRE_FILTER_STATE_KEY, new PreFilterState(new RequiredNodeAffinity(pod)));
    const affinity = pod.spec?.affinity?.nodeAffinity;
    const terms = affinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (!terms?.length) return undefined;
    let nodeNames: Set<string> | undefined;
    for (const t of terms) {
      let termNodeNames: Set<string> | undefined;
      for (const r of t.matchFields ?? []) {
        if (r.key === 'metadata.name' && r.operator === 'In') {
          const s = new Set(r.values ?? []);
          termNodeNames = termNodeNames ? new Set([...termNodeNames].filter((n) => s.has(n))) : s;
        }
      }
      // A term without a metadata.name constraint can match any node.
      if (!termNodeNames) return undefined;
      nodeNames = nodeNames ? new Set([...nodeNames, ...termNodeNames]) : termNodeNames;
    }
    if (nodeNames && nodeNames.size === 0) {
      return { status: unschedulableAndUnresolvable(ERR_REASON_CONFLICT) };
    }
    return { result: { nodeNames } };
  }

  /** filter checks the scheduler-enforced affinity, then the pod's nodeSelector and required affinity. */
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const node = nodeInfo.node;
    if (!node) return unschedulableAndUnresolvable('node not found');
    if (this.addedNodeSelector && !matchNodeSelectorTerms(this.addedNodeSelector.nodeSelectorTerms ?? [], node)) {
      return unschedulableAndUnresolvable(ERR_REASON_ENFORCED);
    }
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    const required = s ? s.requiredNodeSelectorAndAffinity : new RequiredNodeAffinity(pod);
    if (!required.match(node)) return unschedulableAndUnresolvable(ERR_REASON_POD);
    return undefined;
  }

  /** preScore parses the preferred terms; Skip when there are none. */
  preScore(state: CycleState, pod: Pod): Status | undefined {
    const pref = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    if (!pref?.length && !this.addedPrefSchedTerms) return newStatus(Code.Skip);
    state.write(PRE_SCORE_STATE_KEY, new PreScoreState(pref?.length ? new PreferredSchedulingTerms(pref) : undefined));
    return undefined;
  }

  /** score sums the weights of the matching preferred terms. */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    const node = nodeInfo.node;
    if (!node) return 0;
    let count = this.addedPrefSchedTerms?.score(node) ?? 0;
    const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
    const pref = s ? s.preferredNodeAffinity : preferredOf(pod);
    if (pref) count += pref.score(node);
    return count;
  }

  /** scoreExtensions normalizes to [0, 100] relative to the best node. */
  scoreExtensions(): { normalizeScore(state: CycleState, pod: Pod, scores: NodeScore[]): Status | undefined } {
    return {
      normalizeScore: (_s, _p, scores) => {
        defaultNormalizeScore(MaxNodeScore, false, scores);
        return undefined;
      },
    };
  }

  /** eventsToRegister: a node added or relabelled. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [{ event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel } }];
  }
}

function preferredOf(pod: Pod): PreferredSchedulingTerms | undefined {
  const pref = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  return pref?.length ? new PreferredSchedulingTerms(pref) : undefined;
}

/** newNodeAffinity builds the plugin from {@link NodeAffinityArgs}. */
export const newNodeAffinity: PluginFactory = (args) => new NodeAffinityPlugin((args ?? {}) as NodeAffinityArgs);

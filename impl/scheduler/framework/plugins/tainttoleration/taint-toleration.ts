/**
 * TaintToleration filters out nodes whose NoSchedule/NoExecute taints the pod does not tolerate,
 * and prefers nodes with fewer untolerated PreferNoSchedule taints.
 * upstream: pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go
 */
import type { Pod, Taint, Toleration } from '#generated/k8s/index.ts';
import type { CycleState, StateData } from '../../cycle-state.ts';
import { ActionType, type ClusterEventWithHint } from '../../events.ts';
import {
  MaxNodeScore,
  asStatus,
  unschedulableAndUnresolvable,
  type EnqueueExtensions,
  type FilterPlugin,
  type NodeScore,
  type PluginFactory,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from '../../interface.ts';
import type { NodeInfo } from '../../types.ts';
import { defaultNormalizeScore } from '../helper/normalize-score.ts';
import { findMatchingUntoleratedTaint, tolerationsTolerateTaint } from '../helper/taints.ts';
import * as names from '../names/names.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.TaintToleration;
/** PRE_SCORE_STATE_KEY is where PreScore leaves the PreferNoSchedule tolerations. */
export const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;
/** ERR_REASON_NOT_MATCH is returned when the node object is unknown. */
export const ERR_REASON_NOT_MATCH = "node(s) had taints that the pod didn't tolerate";

class PreScoreState implements StateData {
  constructor(readonly tolerationsPreferNoSchedule: readonly Toleration[]) {}
  clone(): StateData {
    return this;
  }
}

/** filter rejects nodes with an untolerated NoSchedule or NoExecute taint: "node(s) had untolerated taint {k: v}". */
export function filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
  const node = nodeInfo.node;
  if (!node) return unschedulableAndUnresolvable(ERR_REASON_NOT_MATCH);
  const taint = findMatchingUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (!taint) return undefined;
  return unschedulableAndUnresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
}

/** preScore keeps the tolerations that can match PreferNoSchedule taints. */
export function preScore(state: CycleState, pod: Pod): Status | undefined {
  const tols = (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
  state.write(PRE_SCORE_STATE_KEY, new PreScoreState(tols));
  return undefined;
}

/** countIntolerableTaintsPreferNoSchedule counts PreferNoSchedule taints none of the tolerations tolerate. */
export function countIntolerableTaintsPreferNoSchedule(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[]): number {
  let n = 0;
  for (const t of taints ?? []) {
    if (t.effect !== 'PreferNoSchedule') continue;
    if (!tolerationsTolerateTaint(tolerations, t)) n++;
  }
  return n;
}

/** score is the number of intolerable PreferNoSchedule taints (reversed by normalization). */
export function score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number | Status {
  const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
  if (!s) return asStatus(new Error(`reading "${PRE_SCORE_STATE_KEY}" from cycleState: not found`));
  return countIntolerableTaintsPreferNoSchedule(nodeInfo.node?.spec?.taints, s.tolerationsPreferNoSchedule);
}

/** normalizeScore reverses: fewer intolerable taints score higher. */
export function normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status | undefined {
  defaultNormalizeScore(MaxNodeScore, true, scores);
  return undefined;
}

/** eventsToRegister: a new node, a taint change, or the pod gaining tolerations. */
export function eventsToRegister(): ClusterEventWithHint[] {
  return [
    { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint } },
    { event: { resource: 'Pod', actionType: ActionType.UpdatePodToleration } },
  ];
}

/** newTaintToleration builds the plugin. */
export const newTaintToleration: PluginFactory = () =>
  ({
    name: NAME,
    filter,
    preScore,
    score,
    scoreExtensions: () => ({ normalizeScore }),
    eventsToRegister,
  }) satisfies FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions;

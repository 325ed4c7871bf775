/**
 * FitError and Diagnosis: why no node fits a pod, rendered in upstream's message format
 * (upstream `framework/types.go` `FitError.Error`):
 *
 *     0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.
 */
import type { Pod } from '#generated/k8s/index.ts';
import { Code, Status, type NodeToStatusReader } from './interface.ts';

/** NO_NODE_AVAILABLE_MSG is the head of every FitError message. */
export const NO_NODE_AVAILABLE_MSG = '0/%v nodes are available';

/** NodeToStatus records the status of each rejected node, plus one status for nodes absent from the map. */
export class NodeToStatus implements NodeToStatusReader {
  private readonly m = new Map<string, Status>();
  private absent: Status = new Status(Code.UnschedulableAndUnresolvable);

  set(nodeName: string, s: Status): void {
    this.m.set(nodeName, s);
  }

  get(nodeName: string): Status | undefined {
    return this.m.get(nodeName);
  }

  /** setAbsentNodesStatus sets the status of nodes not in the map (PreFilter rejections). */
  setAbsentNodesStatus(s: Status): void {
    this.absent = s;
  }

  absentNodesStatus(): Status {
    return this.absent;
  }

  entries(): Iterable<[string, Status]> {
    return this.m.entries();
  }

  get size(): number {
    return this.m.size;
  }
}

/** Diagnosis explains a failed scheduling attempt. */
export interface Diagnosis {
  nodeToStatus: NodeToStatus;
  /** unschedulablePlugins rejected the pod (they decide which events requeue it). */
  unschedulablePlugins: Set<string>;
  pendingPlugins: Set<string>;
  /** preFilterMsg is set when a PreFilter plugin rejected the pod for all nodes. */
  preFilterMsg?: string;
  /** postFilterMsg is the PostFilter (preemption) outcome. */
  postFilterMsg?: string;
}

/** newDiagnosis returns an empty diagnosis. */
export function newDiagnosis(): Diagnosis {
  return { nodeToStatus: new NodeToStatus(), unschedulablePlugins: new Set(), pendingPlugins: new Set() };
}

/** reasonsHistogram renders "N reason" entries sorted as strings, like upstream. */
export function reasonsHistogram(statuses: Iterable<Status>, numAllNodes: number, statusesLen: number, absent?: Status): string[] {
  const reasons = new Map<string, number>();
  for (const s of statuses) for (const r of s.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
  if (absent && statusesLen < numAllNodes) {
    for (const r of absent.reasons) reasons.set(r, (reasons.get(r) ?? 0) + (numAllNodes - statusesLen));
  }
  return [...reasons].map(([r, n]) => `${n} ${r}`).sort();
}

/** FitError is the error of a pod that fits no node. */
export class FitError extends Error {
  constructor(
    readonly pod: Pod,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    // No message argument: Error would define an own `message` that hides the getter below.
    super();
    this.name = 'FitError';
  }

  /** message renders the upstream message each time (postFilterMsg may be set later). */
  override get message(): string {
    return this.render();
  }

  private render(): string {
    let msg = `${NO_NODE_AVAILABLE_MSG.replace('%v', String(this.numAllNodes))}:`;
    const d = this.diagnosis;
    if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
    else {
      const statuses = [...d.nodeToStatus.entries()].map(([, s]) => s);
      const hist = reasonsHistogram(statuses, this.numAllNodes, statuses.length, d.nodeToStatus.absentNodesStatus());
      if (hist.length) msg += ` ${hist.join(', ')}.`;
    }
    if (d.postFilterMsg) msg += ` ${d.postFilterMsg}`;
    return msg;
  }
}

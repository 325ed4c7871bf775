/**
 * The shared machinery of the resource scoring strategies (upstream
 * `noderesources/resource_allocation.go`): for each configured resource, the node's requested
 * amount (including the incoming pod) and its allocatable amount, handed to a strategy scorer.
 */
import type { NodeInfo, Resource } from '../../types.ts';

/** ResourceSpec names one resource and its weight in a scoring strategy. */
export interface ResourceSpec {
  name: string;
  weight: number;
}

/** DEFAULT_RESOURCES is cpu and memory with weight 1 (upstream `defaultResourceSpec`). */
export const DEFAULT_RESOURCES: readonly ResourceSpec[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

/** Scorer turns per-resource requested and allocatable amounts into a 0..100 score. */
export type Scorer = (requested: number[], allocatable: number[]) => number;

/**
 * ResourceAllocationScorer scores a node by a strategy over `resources`. With `useRequested`
 * false, cpu and memory use the non-zero requests (100m / 200Mi for containers without one).
 */
export class ResourceAllocationScorer {
  constructor(
    readonly name: string,
    readonly scorer: Scorer,
    readonly resources: readonly ResourceSpec[],
    readonly useRequested: boolean,
  ) {}

  /** score computes the node's score for a pod with the given requests. */
  score(nodeInfo: NodeInfo, podRequests: Resource, podNonZeroRequests: Resource): number {
    const n = this.resources.length;
    const requested: number[] = new Array(n);
    const allocatable: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const [alloc, req] = this.allocatableRequest(nodeInfo, podRequests, podNonZeroRequests, this.resources[i]!.name);
      requested[i] = req;
      allocatable[i] = alloc;
    }
    return this.scorer(requested, allocatable);
  }

  private allocatableRequest(nodeInfo: NodeInfo, podRequests: Resource, podNonZero: Resource, name: string): [number, number] {
    const useNonZero = !this.useRequested && (name === 'cpu' || name === 'memory');
    const nodeRequested = useNonZero ? nodeInfo.nonZeroRequested : nodeInfo.requested;
    const podRequested = useNonZero ? podNonZero : podRequests;
    const alloc = nodeInfo.allocatable.get(name);
    if (alloc === 0) return [0, 0];
    return [alloc, nodeRequested.get(name) + podRequested.get(name)];
  }
}

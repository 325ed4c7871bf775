/**
 * The garbage collector's dependency graph (upstream `pkg/controller/garbagecollector/graph.go`):
 * one {@link GraphNode} per object uid, with the owner references it declares and the nodes
 * that declare it as owner. Owners referenced before they are observed are "virtual" nodes,
 * verified against the apiserver before anything is deleted on their account.
 */

/** ObjectIdentity names one object (upstream `objectReference`). */
export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  name: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  uid: string;
}

/** OwnerRef is the part of `metadata.ownerReferences[]` the collector reads. */
export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** identityString renders an identity for logs and events. */
export function identityString(id: ObjectIdentity): string {
  return `[${id.apiVersion}/${id.kind}, namespace: ${id.namespace}, name: ${id.name}, uid: ${id.uid}]`;
}

/** GraphNode is one object in the graph. */
export class GraphNode {
  /** Nodes that list this node as an owner. */
  readonly dependents = new Set<GraphNode>();
  /** True once an informer has seen the object (false for virtual nodes). */
  observed: boolean;
  /** The object has a deletionTimestamp. */
  beingDeleted = false;
  /** The object is being deleted in the foreground (`foregroundDeletion` finalizer). */
  deletingDependents = false;

  constructor(
    public identity: ObjectIdentity,
    public owners: OwnerRef[],
    observed: boolean,
  ) {
    this.observed = observed;
  }

  /** blockingDependents are dependents whose reference to this node sets blockOwnerDeletion. */
  blockingDependents(): GraphNode[] {
    return [...this.dependents].filter((d) => d.owners.some((o) => o.uid === this.identity.uid && o.blockOwnerDeletion === true));
  }
}

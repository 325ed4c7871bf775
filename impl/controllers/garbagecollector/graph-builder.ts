/**
 * GraphBuilder keeps the dependency graph current from informers over every deletable
 * resource (upstream `pkg/controller/garbagecollector/graph_builder.go`): each add, update and
 * delete is applied to the graph at once (handlers run one at a time, so the graph is never
 * seen half-updated), and the nodes that may now need action are put on the collector's
 * `attemptToDelete` or `attemptToOrphan` queues.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { DeletedFinalStateUnknown } from '#impl/client/tools/cache/index.ts';
import type { RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { GraphNode, type ObjectIdentity, type OwnerRef } from './graph.ts';

/** FINALIZER_ORPHAN_DEPENDENTS is the finalizer for orphaning deletes. */
export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';
/** FINALIZER_DELETE_DEPENDENTS is the finalizer for foreground deletes. */
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

/** GraphEventType is what happened to an object. */
export type GraphEventType = 'add' | 'update' | 'delete';

function ownersOf(obj: KubeObject): OwnerRef[] {
  return ((obj.metadata?.ownerReferences ?? []) as unknown as OwnerRef[]).map((r) => ({ ...r }));
}

function sameOwners(a: OwnerRef[], b: OwnerRef[]): boolean {
  return a.length === b.length && a.every((r, i) => r.uid === b[i]!.uid && r.blockOwnerDeletion === b[i]!.blockOwnerDeletion && r.name === b[i]!.name && r.kind === b[i]!.kind && r.apiVersion === b[i]!.apiVersion);
}

/** GraphBuilder owns `uidToNode`. */
export class GraphBuilder {
  /** Every node by uid. */
  readonly uidToNode = new Map<string, GraphNode>();

  constructor(
    private readonly attemptToDelete: RateLimitingInterface<string>,
    private readonly attemptToOrphan: RateLimitingInterface<string>,
  ) {}

  /** node returns the node for a uid. */
  node(uid: string): GraphNode | undefined {
    return this.uidToNode.get(uid);
  }

  /**
   * handle applies one informer notification; `apiVersion`/`kind` come from the informer's
   * resource because list items may omit them.
   */
  handle(type: GraphEventType, raw: KubeObject | DeletedFinalStateUnknown, apiVersion: string, kind: string): void {
    const obj = raw instanceof DeletedFinalStateUnknown ? (raw.obj as KubeObject) : raw;
    const m = obj.metadata;
    if (!m?.uid) return;
    const identity: ObjectIdentity = { apiVersion, kind, name: m.name ?? '', namespace: m.namespace ?? '', uid: m.uid };
    const existing = this.uidToNode.get(m.uid);
    if (type === 'delete') {
      if (existing) this.removeNode(existing);
      return;
    }
    if (!existing) {
      const node = new GraphNode(identity, ownersOf(obj), true);
      this.insertNode(node);
      this.processTransitions(obj, node);
      return;
    }
    if (!existing.observed) {
      existing.observed = true;
      existing.identity = identity;
    }
    const owners = ownersOf(obj);
    if (!sameOwners(existing.owners, owners)) {
      const before = new Map(existing.owners.map((o) => [o.uid, o]));
      const after = new Map(owners.map((o) => [o.uid, o]));
      for (const [uid, ref] of before) {
        const owner = this.uidToNode.get(uid);
        if (!owner) continue;
        const now = after.get(uid);
        if (!now) {
          owner.dependents.delete(existing);
          if (owner.deletingDependents) this.attemptToDelete.add(uid);
        } else if (ref.blockOwnerDeletion === true && now.blockOwnerDeletion !== true && owner.deletingDependents) {
          this.attemptToDelete.add(uid);
        }
      }
      existing.owners = owners;
      for (const ref of owners) if (!before.has(ref.uid)) this.addToOwner(existing, ref);
    }
    this.processTransitions(obj, existing);
  }

  /** virtualDelete removes a node the collector found missing (or replaced) in the apiserver. */
  virtualDelete(uid: string): void {
    const n = this.uidToNode.get(uid);
    if (n) this.removeNode(n);
  }

  private addToOwner(node: GraphNode, ref: OwnerRef): void {
    let owner = this.uidToNode.get(ref.uid);
    if (!owner) {
      // An owner not (yet) observed: a virtual node, verified by the collector.
      const ns = node.identity.namespace;
      owner = new GraphNode({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, namespace: ns, uid: ref.uid }, [], false);
      this.uidToNode.set(ref.uid, owner);
      this.attemptToDelete.add(ref.uid);
    }
    owner.dependents.add(node);
    // A dependent that appears while its owner waits in foreground deletion (e.g. a pod its
    // controller created just before it saw the deletion) must be seen by the owner's next
    // check, or the owner waits only for the dependents it knew about.
    if (owner.deletingDependents) this.attemptToDelete.add(owner.identity.uid);
  }

  private insertNode(node: GraphNode): void {
    this.uidToNode.set(node.identity.uid, node);
    for (const ref of node.owners) this.addToOwner(node, ref);
  }

  private removeNode(node: GraphNode): void {
    this.uidToNode.delete(node.identity.uid);
    for (const ref of node.owners) {
      const owner = this.uidToNode.get(ref.uid);
      if (!owner) continue;
      owner.dependents.delete(node);
      if (owner.deletingDependents) this.attemptToDelete.add(owner.identity.uid);
      // A virtual owner with no dependents left is forgotten.
      if (!owner.observed && owner.dependents.size === 0) this.uidToNode.delete(owner.identity.uid);
    }
    for (const dep of node.dependents) this.attemptToDelete.add(dep.identity.uid);
  }

  private processTransitions(obj: KubeObject, node: GraphNode): void {
    const m = obj.metadata!;
    node.beingDeleted = !!m.deletionTimestamp;
    const fins = m.finalizers ?? [];
    if (m.deletionTimestamp && fins.includes(FINALIZER_ORPHAN_DEPENDENTS)) {
      this.attemptToOrphan.add(node.identity.uid);
      return;
    }
    if (m.deletionTimestamp && fins.includes(FINALIZER_DELETE_DEPENDENTS)) {
      node.deletingDependents = true;
      for (const dep of node.dependents) this.attemptToDelete.add(dep.identity.uid);
      this.attemptToDelete.add(node.identity.uid);
    } else {
      node.deletingDependents = false;
    }
  }
}

/**
 * Cache is the scheduler's model of the cluster (upstream `backend/cache/cache.go`): nodes and
 * the pods bound (or assumed bound) to them, aggregated into {@link NodeInfo}s.
 *
 * Pod lifecycle in the cache:
 *
 *     assumePod --> [assumed] --finishBinding--> [assumed, bound] --addPod (informer)--> [added]
 *         |                                                                  |
 *     forgetPod (binding failed)                                updatePod / removePod
 *
 * An assumed pod counts against its node at once, so the next cycle does not overcommit the
 * node while the binding is in flight. Every change bumps a global generation; snapshots copy
 * only NodeInfos whose generation is newer than theirs.
 */
import type { Node, Pod } from '#generated/k8s/index.ts';
import { NodeInfo, podKey, podUID } from '../../framework/types.ts';
import { normalizedImageName } from '../../framework/plugins/imagelocality/image-locality.ts';
import type { Snapshot } from './snapshot.ts';

interface PodState {
  pod: Pod;
  bindingFinished: boolean;
}

/** Cache aggregates nodes and pods for the scheduler. */
export class Cache {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private readonly assumedPods = new Set<string>();
  /** imageStates: image name -> { size, nodes having it }. */
  private readonly imageStates = new Map<string, { size: number; nodes: Set<string> }>();
  private generation = 0;
  private nodeSetChanged = true;
  /** dirty lists nodes changed since the last snapshot update (the snapshot at lastSnapshotGeneration). */
  private readonly dirty = new Set<string>();
  private lastSnapshot: Snapshot | undefined;

  private nextGeneration(): number {
    return ++this.generation;
  }

  private touch(ni: NodeInfo): void {
    ni.generation = this.nextGeneration();
    this.dirty.add(ni.nodeName());
  }

  private nodeInfo(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) {
      ni = new NodeInfo();
      ni.setName(name);
      this.nodes.set(name, ni);
    }
    return ni;
  }

  private addPodToNode(pod: Pod): void {
    const ni = this.nodeInfo(pod.spec?.nodeName ?? '');
    ni.addPod(pod);
    this.touch(ni);
  }

  private removePodFromNode(pod: Pod): void {
    const name = pod.spec?.nodeName ?? '';
    const ni = this.nodes.get(name);
    if (!ni) return;
    ni.removePod(pod);
    this.touch(ni);
    if (ni.pods.length === 0 && !ni.node) {
      this.nodes.delete(name);
      this.nodeSetChanged = true;
    }
  }

  /** isAssumedPod reports whether the pod is assumed and not yet confirmed by the informer. */
  isAssumedPod(pod: Pod): boolean {
    return this.assumedPods.has(podUID(pod));
  }

  /** getPod returns the cached version of a pod. */
  getPod(pod: Pod): Pod | undefined {
    return this.podStates.get(podUID(pod))?.pod;
  }

  /** assumePod counts a pod (with spec.nodeName set) against its node before the binding. */
  assumePod(pod: Pod): void {
    const uid = podUID(pod);
    if (this.podStates.has(uid)) throw new Error(`pod ${podKey(pod)}(${uid}) is in the cache, so can't be assumed`);
    this.addPodToNode(pod);
    this.podStates.set(uid, { pod, bindingFinished: false });
    this.assumedPods.add(uid);
  }

  /** finishBinding records that the binding call returned. */
  finishBinding(pod: Pod): void {
    const st = this.podStates.get(podUID(pod));
    if (st) st.bindingFinished = true;
  }

  /** forgetPod removes an assumed pod (binding failed or reserve failed). */
  forgetPod(pod: Pod): void {
    const uid = podUID(pod);
    const st = this.podStates.get(uid);
    if (!st) return;
    if (!this.assumedPods.has(uid)) throw new Error(`pod ${podKey(pod)}(${uid}) was assumed on a different node or was not assumed`);
    this.removePodFromNode(st.pod);
    this.podStates.delete(uid);
    this.assumedPods.delete(uid);
  }

  /** addPod adds a bound pod seen by the informer; it confirms an assumed pod. */
  addPod(pod: Pod): void {
    const uid = podUID(pod);
    const st = this.podStates.get(uid);
    if (st && this.assumedPods.has(uid)) {
      // The informer confirmed the assumed pod; swap in the real object (the node may differ).
      this.removePodFromNode(st.pod);
      this.addPodToNode(pod);
      this.assumedPods.delete(uid);
      this.podStates.set(uid, { pod, bindingFinished: true });
      return;
    }
    if (st) {
      this.updatePod(st.pod, pod);
      return;
    }
    this.addPodToNode(pod);
    this.podStates.set(uid, { pod, bindingFinished: true });
  }

  /** updatePod replaces a bound pod. */
  updatePod(oldPod: Pod, newPod: Pod): void {
    const uid = podUID(oldPod);
    const st = this.podStates.get(uid);
    if (!st) {
      this.addPod(newPod);
      return;
    }
    this.removePodFromNode(st.pod);
    this.addPodToNode(newPod);
    st.pod = newPod;
    this.assumedPods.delete(uid);
  }

  /** removePod removes a bound pod. */
  removePod(pod: Pod): void {
    const uid = podUID(pod);
    const st = this.podStates.get(uid);
    if (!st) return;
    this.removePodFromNode(st.pod);
    this.podStates.delete(uid);
    this.assumedPods.delete(uid);
  }

  /** addNode adds (or replaces) a node. */
  addNode(node: Node): NodeInfo {
    const name = node.metadata?.name ?? '';
    const ni = this.nodeInfo(name);
    if (ni.node) this.removeNodeImageStates(ni.node);
    ni.setNode(node);
    this.addNodeImageStates(node, ni);
    this.touch(ni);
    this.nodeSetChanged = true;
    return ni;
  }

  /** updateNode replaces a node. */
  updateNode(_oldNode: Node | undefined, newNode: Node): NodeInfo {
    const name = newNode.metadata?.name ?? '';
    const ni = this.nodeInfo(name);
    const hadNode = !!ni.node;
    if (ni.node) this.removeNodeImageStates(ni.node);
    ni.setNode(newNode);
    this.addNodeImageStates(newNode, ni);
    this.touch(ni);
    if (!hadNode) this.nodeSetChanged = true;
    return ni;
  }

  /** removeNode removes a node; its NodeInfo stays while pods still reference it. */
  removeNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const ni = this.nodes.get(name);
    if (!ni) return;
    if (ni.node) this.removeNodeImageStates(ni.node);
    ni.removeNode();
    if (ni.pods.length === 0) this.nodes.delete(name);
    else this.touch(ni);
    this.nodeSetChanged = true;
    this.generation++;
  }

  private addNodeImageStates(node: Node, ni: NodeInfo): void {
    const states = new Map<string, { size: number; numNodes: number }>();
    for (const image of node.status?.images ?? []) {
      for (const raw of image.names ?? []) {
        const name = normalizedImageName(raw);
        let st = this.imageStates.get(name);
        if (!st) this.imageStates.set(name, (st = { size: image.sizeBytes ?? 0, nodes: new Set() }));
        st.nodes.add(node.metadata?.name ?? '');
        states.set(name, { size: st.size, numNodes: st.nodes.size });
      }
    }
    ni.imageStates = states;
  }

  private removeNodeImageStates(node: Node): void {
    for (const image of node.status?.images ?? []) {
      for (const raw of image.names ?? []) {
        const name = normalizedImageName(raw);
        const st = this.imageStates.get(name);
        if (!st) continue;
        st.nodes.delete(node.metadata?.name ?? '');
        if (st.nodes.size === 0) this.imageStates.delete(name);
      }
    }
  }

  /** nodeCount is the number of nodes with a Node object. */
  nodeCount(): number {
    let n = 0;
    for (const ni of this.nodes.values()) if (ni.node) n++;
    return n;
  }

  /** podCount is the number of pods in the cache (assumed included). */
  podCount(): number {
    return this.podStates.size;
  }

  /**
   * updateSnapshot brings a snapshot up to date: NodeInfos changed since its generation are
   * cloned, removed nodes dropped, and the lists rebuilt when the node set or affinity pods changed.
   */
  updateSnapshot(snapshot: Snapshot): void {
    if (snapshot.generation === this.generation && this.lastSnapshot === snapshot) return;
    let rebuild = this.nodeSetChanged;
    let rebuildAffinity = false;
    // Only the nodes touched since this snapshot's last update need copying; another snapshot gets a full scan.
    const candidates: Iterable<string> = this.lastSnapshot === snapshot ? [...this.dirty] : [...this.nodes.keys()];
    if (this.lastSnapshot !== snapshot) rebuild = true;
    for (const name of candidates) {
      const ni = this.nodes.get(name);
      if (!ni || ni.generation <= snapshot.generation) continue;
      const prev = snapshot.nodeInfoMap.get(name);
      const clone = ni.snapshotClone();
      // imageStates numNodes may change when other nodes change; refresh from the global table.
      if (ni.node) {
        for (const [img, st] of clone.imageStates) st.numNodes = this.imageStates.get(img)?.nodes.size ?? st.numNodes;
      }
      snapshot.nodeInfoMap.set(name, clone);
      if (rebuild) continue;
      const i = snapshot.indexByName.get(name);
      if (!prev || i === undefined || !!prev.node !== !!clone.node) {
        rebuild = true;
        continue;
      }
      snapshot.nodeInfoList[i] = clone;
      if (prev.node !== clone.node) snapshot.nodeGen++;
      // Keep the affinity lists in step without a full rescan (their order is not significant).
      if (!rebuildAffinity) {
        rebuildAffinity =
          !replaceInList(snapshot.podsWithAffinityList, prev, prev.podsWithAffinity.length > 0, clone, clone.podsWithAffinity.length > 0) ||
          !replaceInList(snapshot.podsWithRequiredAntiAffinityList, prev, prev.podsWithRequiredAntiAffinity.length > 0, clone, clone.podsWithRequiredAntiAffinity.length > 0);
      }
    }
    if (rebuild) {
      for (const name of [...snapshot.nodeInfoMap.keys()]) if (!this.nodes.has(name)) snapshot.nodeInfoMap.delete(name);
    }
    if (rebuild) snapshot.rebuildLists();
    else if (rebuildAffinity) snapshot.rebuildAffinityLists();
    this.nodeSetChanged = false;
    this.dirty.clear();
    this.lastSnapshot = snapshot;
    snapshot.generation = this.generation;
  }
}

/**
 * replaceInList swaps `prev` for `next` in an affinity list according to whether each belongs
 * there; false when `prev` should have been in the list but was not (the caller rebuilds).
 */
function replaceInList(list: NodeInfo[], prev: NodeInfo, prevIn: boolean, next: NodeInfo, nextIn: boolean): boolean {
  if (!prevIn) {
    if (nextIn) list.push(next);
    return true;
  }
  const i = list.indexOf(prev);
  if (i < 0) return false;
  if (nextIn) list[i] = next;
  else list.splice(i, 1);
  return true;
}

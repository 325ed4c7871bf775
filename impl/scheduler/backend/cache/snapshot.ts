/**
 * Snapshot is the immutable-per-cycle view of the cluster the algorithm reads (upstream
 * `backend/cache/snapshot.go`). The cache refreshes it in place at the start of each cycle,
 * copying only the NodeInfos whose generation changed.
 */
import type { NodeInfoLister, SharedLister } from '../../framework/interface.ts';
import type { NodeInfo } from '../../framework/types.ts';

/** Snapshot holds cloned NodeInfos by name and in list order. */
export class Snapshot implements SharedLister, NodeInfoLister {
  nodeInfoMap = new Map<string, NodeInfo>();
  nodeInfoList: NodeInfo[] = [];
  podsWithAffinityList: NodeInfo[] = [];
  podsWithRequiredAntiAffinityList: NodeInfo[] = [];
  /** generation is the cache generation this snapshot reflects. */
  generation = 0;
  /** nodeGen counts changes of the node set or of Node objects (see {@link nodeGeneration}). */
  nodeGen = 0;
  /** indexByName maps a node name to its position in nodeInfoList. */
  indexByName = new Map<string, number>();

  /** newSnapshotFromNodeInfos builds a snapshot directly (tests, benchmarks). */
  static fromNodeInfos(nodeInfos: NodeInfo[]): Snapshot {
    const s = new Snapshot();
    for (const ni of nodeInfos) s.nodeInfoMap.set(ni.nodeName(), ni);
    s.rebuildLists();
    return s;
  }

  /** rebuildLists recomputes the lists from the map (nodes with a Node object only). */
  rebuildLists(): void {
    this.nodeGen++;
    this.nodeInfoList = [];
    this.indexByName = new Map();
    for (const ni of this.nodeInfoMap.values()) {
      if (!ni.node) continue;
      this.indexByName.set(ni.nodeName(), this.nodeInfoList.length);
      this.nodeInfoList.push(ni);
    }
    this.rebuildAffinityLists();
  }

  /** rebuildAffinityLists recomputes the two affinity lists from nodeInfoList. */
  rebuildAffinityLists(): void {
    this.podsWithAffinityList = [];
    this.podsWithRequiredAntiAffinityList = [];
    for (const ni of this.nodeInfoList) {
      if (ni.podsWithAffinity.length) this.podsWithAffinityList.push(ni);
      if (ni.podsWithRequiredAntiAffinity.length) this.podsWithRequiredAntiAffinityList.push(ni);
    }
  }

  nodeInfos(): NodeInfoLister {
    return this;
  }

  list(): readonly NodeInfo[] {
    return this.nodeInfoList;
  }

  havePodsWithAffinityList(): readonly NodeInfo[] {
    return this.podsWithAffinityList;
  }

  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    return this.podsWithRequiredAntiAffinityList;
  }

  nodeGeneration(): number {
    return this.nodeGen;
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(nodeName);
  }

  /** numNodes is the number of schedulable node objects. */
  numNodes(): number {
    return this.nodeInfoList.length;
  }
}

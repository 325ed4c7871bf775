/**
 * PodManager stores the desired pods of this node, as the sources last reported them (upstream:
 * pkg/kubelet/pod/pod_manager.go). It is the kubelet's source of truth for "which pods should
 * exist"; the pod workers and the status manager read from it. Mirror pods: TODO #6 (static pods).
 */
import type { Pod } from '#generated/k8s/index.ts';

/** PodManager: see the module comment. */
export class PodManager {
  private readonly byUID = new Map<string, Pod>();
  /** mirrorByFullName holds the API copies of static pods, by `name_namespace`. */
  private readonly mirrorByFullName = new Map<string, Pod>();

  /** setPods replaces every pod. */
  setPods(pods: Pod[]): void {
    this.byUID.clear();
    for (const p of pods) this.addPod(p);
  }

  /** addPod adds or replaces one pod. */
  addPod(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (uid) this.byUID.set(uid, pod);
  }

  /** updatePod is addPod (upstream keeps both names). */
  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  /** removePod forgets a pod. */
  removePod(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (uid) this.byUID.delete(uid);
  }

  /** getPods returns every pod. */
  getPods(): Pod[] {
    return [...this.byUID.values()];
  }

  /** getPodByUID returns one pod. */
  getPodByUID(uid: string): Pod | undefined {
    return this.byUID.get(uid);
  }

  /** getPodByFullName finds a pod by `name_namespace`. */
  getPodByFullName(fullname: string): Pod | undefined {
    for (const p of this.byUID.values()) if (`${p.metadata?.name}_${p.metadata?.namespace}` === fullname) return p;
    return undefined;
  }

  /** setMirrorPod records (or replaces) a mirror pod. */
  setMirrorPod(pod: Pod): void {
    this.mirrorByFullName.set(`${pod.metadata?.name}_${pod.metadata?.namespace}`, pod);
  }

  /** removeMirrorPod forgets a mirror pod (only if it is the same object UID). */
  removeMirrorPod(pod: Pod): void {
    const k = `${pod.metadata?.name}_${pod.metadata?.namespace}`;
    if (this.mirrorByFullName.get(k)?.metadata?.uid === pod.metadata?.uid) this.mirrorByFullName.delete(k);
  }

  /** getMirrorPodByPod returns the mirror pod of a static pod, if any. */
  getMirrorPodByPod(pod: Pod): Pod | undefined {
    return this.mirrorByFullName.get(`${pod.metadata?.name}_${pod.metadata?.namespace}`);
  }

  /** uids returns the UIDs of every pod. */
  uids(): Set<string> {
    return new Set(this.byUID.keys());
  }
}

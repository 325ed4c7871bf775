/**
 * PodControllerRefManager adopts and releases pods for a controller (upstream
 * `pkg/controller/controller_ref_manager.go` `ClaimPods`): a pod owned by the controller but no
 * longer matching its selector is released (its controllerRef removed); an orphan that
 * matches is adopted (the controllerRef added), but only after re-reading the controller from
 * the apiserver to be sure it is not being deleted. Pods owned by another controller are left alone.
 */
import { isNotFound, type KubeObject } from '#impl/client/index.ts';
import type { ResourceApi } from './controller-client.ts';
import { getControllerOf, newControllerRef, type ControllerGVK } from './controller-utils.ts';

/** Matcher is a parsed label selector. */
export interface Matcher {
  matches(labels: Readonly<Record<string, string>>): boolean;
}

/** ClaimPodsOptions are the inputs of {@link claimPods}. */
export interface ClaimPodsOptions {
  controller: KubeObject;
  gvk: ControllerGVK;
  selector: Matcher;
  /** The namespace's pods client (for the patches). */
  pods: ResourceApi;
  /** Re-reads the controller (upstream `RecheckDeletionTimestamp`). */
  getController: () => Promise<KubeObject>;
}

/** claimPods returns the pods the controller owns after adopting and releasing. */
export async function claimPods(pods: readonly KubeObject[], o: ClaimPodsOptions): Promise<KubeObject[]> {
  const uid = o.controller.metadata?.uid;
  const claimed: KubeObject[] = [];
  const errors: string[] = [];
  let canAdopt: Promise<void> | undefined;
  const checkCanAdopt = (): Promise<void> =>
    (canAdopt ??= o.getController().then((fresh) => {
      if (fresh.metadata?.uid !== uid) throw new Error(`original ${o.gvk.kind} ${o.controller.metadata?.namespace}/${o.controller.metadata?.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${uid}`);
      if (fresh.metadata?.deletionTimestamp) throw new Error(`${o.gvk.kind} ${o.controller.metadata?.namespace}/${o.controller.metadata?.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }));
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    const ref = getControllerOf(pod);
    const refs = (pod.metadata?.ownerReferences ?? []) as Array<Record<string, unknown>>;
    try {
      if (ref) {
        if (ref.uid !== uid) continue;
        if (o.selector.matches(labels)) {
          claimed.push(pod);
          continue;
        }
        if (o.controller.metadata?.deletionTimestamp) continue;
        // Release: the pod no longer matches.
        await o.pods
          .patch(pod.metadata!.name!, { metadata: { ownerReferences: refs.filter((r) => r.uid !== uid), uid: pod.metadata?.uid, resourceVersion: pod.metadata?.resourceVersion } }, { type: 'merge' })
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
        continue;
      }
      if (!o.selector.matches(labels) || o.controller.metadata?.deletionTimestamp || pod.metadata?.deletionTimestamp) continue;
      await checkCanAdopt();
      const adopted = await o.pods.patch(
        pod.metadata!.name!,
        { metadata: { ownerReferences: [...refs, newControllerRef(o.controller, o.gvk)], uid: pod.metadata?.uid, resourceVersion: pod.metadata?.resourceVersion } },
        { type: 'merge' },
      );
      claimed.push(adopted);
    } catch (err) {
      if (isNotFound(err)) continue;
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (errors.length) throw new Error(errors.join('; '));
  return claimed;
}

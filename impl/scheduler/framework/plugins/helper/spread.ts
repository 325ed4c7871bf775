/**
 * The selector of a pod's "group" for default spreading (upstream `plugins/helper/spread.go`
 * `DefaultSelector`): the union of the selectors of the Services that select the pod and of its
 * controlling ReplicationController, ReplicaSet or StatefulSet.
 */
import type { Pod } from '#generated/k8s/index.ts';
import { labels } from '#impl/apimachinery/index.ts';
import type { SharedListers } from '../../interface.ts';

/** defaultSelector returns the merged selector; empty when nothing groups the pod. */
export function defaultSelector(pod: Pod, listers: SharedListers | undefined): labels.Selector {
  const ns = pod.metadata?.namespace ?? '';
  const podLabels = pod.metadata?.labels ?? {};
  const set: Record<string, string> = {};
  for (const svc of listers?.services?.(ns) ?? []) {
    const sel = svc.spec?.selector;
    if (!sel || Object.keys(sel).length === 0) continue;
    if (labels.selectorFromSet(sel).matches(podLabels)) Object.assign(set, sel);
  }
  let selector = labels.selectorFromSet(set);
  const owner = (pod.metadata?.ownerReferences ?? []).find((o) => o.controller);
  if (!owner) return selector;
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
  if (group === '' && owner.kind === 'ReplicationController') {
    const rc = listers?.replicationController?.(ns, owner.name);
    if (rc?.spec?.selector) selector = labels.selectorFromSet({ ...set, ...rc.spec.selector });
  } else if (group === 'apps' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
    const obj = owner.kind === 'ReplicaSet' ? listers?.replicaSet?.(ns, owner.name) : listers?.statefulSet?.(ns, owner.name);
    if (obj?.spec?.selector) {
      try {
        const other = labels.labelSelectorAsSelector(obj.spec.selector);
        if (!other.matchesNothing) selector = selector.add(...other.requirements);
      } catch {
        // An invalid selector adds nothing, as upstream ignores the conversion error.
      }
    }
  }
  return selector;
}

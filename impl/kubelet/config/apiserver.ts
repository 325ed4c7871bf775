/**
 * The apiserver pod source: the pods bound to this node (`spec.nodeName=<node>`), through a
 * shared informer of impl/client/tools/cache (list + watch, resume from the last
 * resourceVersion, relist after 410 Gone, back-off on errors), delivered as ADD / UPDATE /
 * DELETE updates (upstream: pkg/kubelet/config/apiserver.go NewSourceApiserver).
 */
import type { Pod } from '#generated/k8s/index.ts';
import { DeletedFinalStateUnknown, newSharedIndexInformer } from '#impl/client/tools/cache/index.ts';
import type { Clock } from '#impl/apimachinery/util/clock/index.ts';
import type { KubeletClient } from '../kubelet-client.ts';

/** PodUpdateOp is the closed set of pod source operations (upstream kubetypes.PodOperation). */
export type PodUpdateOp = 'SET' | 'ADD' | 'UPDATE' | 'DELETE';

/** PodUpdate is one change from a source (upstream kubetypes.PodUpdate). SET replaces everything. */
export interface PodUpdate {
  op: PodUpdateOp;
  pods: Pod[];
  source: 'api' | 'file';
}

/** PodSource feeds pod updates to the sync loop until the signal aborts. */
export interface PodSource {
  run(onUpdate: (u: PodUpdate) => void, signal: AbortSignal): Promise<void>;
  /** hasSynced is true once the source delivered its first complete list. */
  hasSynced(): boolean;
}

/** ApiserverSourceOptions configure {@link newSourceApiserver}. */
export interface ApiserverSourceOptions {
  client: KubeletClient;
  nodeName: string;
  clock: Clock;
  /** onError hears list/watch failures (the informer retries with back-off). */
  onError?: (err: unknown) => void;
}

/** newSourceApiserver returns the apiserver {@link PodSource}. */
export function newSourceApiserver(opts: ApiserverSourceOptions): PodSource {
  const informer = newSharedIndexInformer<Pod>({
    listWatch: opts.client.podListWatch(`spec.nodeName=${opts.nodeName}`),
    objectType: 'Pod',
    clock: opts.clock,
  });
  if (opts.onError) informer.setWatchErrorHandler(opts.onError);
  return {
    hasSynced: () => informer.hasSynced(),
    async run(onUpdate, signal) {
      informer.addEventHandler({
        onAdd: (pod) => onUpdate({ op: 'ADD', pods: [pod], source: 'api' }),
        onUpdate: (oldPod, pod) => {
          if (oldPod !== pod) onUpdate({ op: 'UPDATE', pods: [pod], source: 'api' });
        },
        onDelete: (obj) => onUpdate({ op: 'DELETE', pods: [obj instanceof DeletedFinalStateUnknown ? obj.obj : obj], source: 'api' }),
      });
      await informer.run(signal);
    },
  };
}

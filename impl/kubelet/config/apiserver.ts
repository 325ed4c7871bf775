/**
 * The apiserver pod source: list + watch of the pods bound to this node
 * (`spec.nodeName=<node>`), delivered as snapshots of adds/updates/deletes (upstream:
 * pkg/kubelet/config/apiserver.go NewSourceApiserver, through a reflector). It resumes the watch
 * from the last resourceVersion, relists after 410 Gone or errors (with a back-off), and stops
 * with its AbortSignal.
 *
 * TODO #6: switch to impl/client/tools/cache's reflector once it lands; the PodSource interface
 * stays the same.
 */
import type { Pod } from '#generated/k8s/index.ts';
import { isGone } from '#impl/client/index.ts';
import type { Clock } from '#impl/storage/clock.ts';
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
}

/** ApiserverSourceOptions configure {@link newSourceApiserver}. */
export interface ApiserverSourceOptions {
  client: KubeletClient;
  nodeName: string;
  clock: Clock;
  /** onError hears list/watch failures (logged, then retried). */
  onError?: (err: unknown) => void;
  /** onSynced is called after each successful list (the source is "ready"). */
  onSynced?: () => void;
}

function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clock.clearTimeout(t);
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** newSourceApiserver returns the apiserver {@link PodSource}. */
export function newSourceApiserver(opts: ApiserverSourceOptions): PodSource {
  const selector = `spec.nodeName=${opts.nodeName}`;
  return {
    async run(onUpdate, signal) {
      let backoff = 0;
      while (!signal.aborted) {
        try {
          const list = await opts.client.listPods(selector, signal);
          onUpdate({ op: 'SET', pods: list.items, source: 'api' });
          opts.onSynced?.();
          let rv = list.resourceVersion;
          backoff = 0;
          // Watch until the server ends the stream; then resume from the last resourceVersion.
          for (;;) {
            for await (const ev of opts.client.watchPods(selector, rv, signal)) {
              if (ev.type === 'ERROR') {
                const code = (ev.object as unknown as { code?: number }).code;
                if (code === 410) throw Object.assign(new Error('watch expired'), { gone: true });
                throw new Error(`watch error: ${JSON.stringify(ev.object)}`);
              }
              const newRv = ev.object.metadata?.resourceVersion;
              if (newRv) rv = newRv;
              if (ev.type === 'BOOKMARK') continue;
              onUpdate({ op: ev.type === 'ADDED' ? 'ADD' : ev.type === 'MODIFIED' ? 'UPDATE' : 'DELETE', pods: [ev.object], source: 'api' });
            }
            if (signal.aborted) return;
          }
        } catch (err) {
          if (signal.aborted) return;
          if (!isGone(err) && !(err as { gone?: boolean }).gone) opts.onError?.(err);
          backoff = Math.min(backoff ? backoff * 2 : 200, 5000);
          await sleep(opts.clock, backoff, signal);
        }
      }
    },
  };
}

/**
 * EventRecorder writes core/v1 Events about pods, as the scheduler's `events.EventRecorder` does
 * upstream (reportingController `default-scheduler`). Repeats of the same (object, reason,
 * message) within ten minutes bump `count` and `lastTimestamp` instead of creating new Events,
 * like client-go's event correlator. Writes are fire-and-forget: a failed Event never fails
 * scheduling.
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { RestClient } from '#impl/client/index.ts';
import type { Clock } from '#impl/client/util/workqueue/index.ts';

/** EventRecorder records one event about an object. */
export interface EventRecorder {
  eventf(obj: Pod, type: 'Normal' | 'Warning', reason: string, action: string, message: string): void;
}

/** MAX_MESSAGE_LENGTH is the upstream cap on event messages (1 KiB). */
export const MAX_MESSAGE_LENGTH = 1024;

/** truncateMessage cuts a message to the cap with "..." like upstream `truncateMessage`. */
export function truncateMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_LENGTH) return message;
  return message.slice(0, MAX_MESSAGE_LENGTH - 3) + '...';
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  at: number;
}

/** ApiEventRecorderOptions configure {@link newApiEventRecorder}. */
export interface ApiEventRecorderOptions {
  client: RestClient;
  clock: Clock;
  component?: string;
  /** host is `source.host` / `reportingInstance`. */
  instance?: string;
  /** onError is told of failed writes (logging). */
  onError?: (err: unknown) => void;
}

/** newApiEventRecorder returns a recorder that POSTs (or PATCHes) core/v1 Events. */
export function newApiEventRecorder(o: ApiEventRecorderOptions): EventRecorder & { flush(): Promise<void> } {
  const component = o.component ?? 'default-scheduler';
  const seen = new Map<string, Seen>();
  const inflight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>): void => {
    const q = p.catch((err) => o.onError?.(err)).finally(() => inflight.delete(q));
    inflight.add(q);
  };
  return {
    eventf(pod, type, reason, action, message) {
      const ns = pod.metadata?.namespace ?? 'default';
      const msg = truncateMessage(message);
      const now = o.clock.now();
      const ts = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const key = `${pod.metadata?.uid}/${reason}/${msg}`;
      const events = o.client.resource('', 'v1', 'events').namespace(ns);
      const prev = seen.get(key);
      if (prev && now - prev.at < 10 * 60_000) {
        prev.count++;
        prev.at = now;
        track(events.patch(prev.name, { count: prev.count, lastTimestamp: ts }, { type: 'merge' }));
        return;
      }
      if (seen.size > 4096) seen.clear();
      const name = `${pod.metadata?.name}.${(now * 1000 + Math.floor(Math.random() * 1000)).toString(16)}`;
      seen.set(key, { name, namespace: ns, count: 1, firstTimestamp: ts, at: now });
      track(
        events.create({
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace: ns },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'Pod',
            namespace: ns,
            name: pod.metadata?.name,
            uid: pod.metadata?.uid,
            resourceVersion: pod.metadata?.resourceVersion,
          },
          reason,
          action,
          message: msg,
          type,
          count: 1,
          firstTimestamp: ts,
          lastTimestamp: ts,
          source: { component, host: o.instance },
          reportingComponent: component,
          reportingInstance: o.instance ?? component,
        }),
      );
    },
    async flush() {
      await Promise.all([...inflight]);
    },
  };
}

/** FakeRecorder keeps events in memory (tests, benchmarks). */
export class FakeRecorder implements EventRecorder {
  readonly events: Array<{ pod: string; type: string; reason: string; action: string; message: string }> = [];
  eventf(pod: Pod, type: 'Normal' | 'Warning', reason: string, action: string, message: string): void {
    this.events.push({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, type, reason, action, message: truncateMessage(message) });
  }
}

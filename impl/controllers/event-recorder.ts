/**
 * EventRecorder, the controllers' view of client-go `tools/record`: `event(obj, type, reason,
 * message)` writes a core/v1 Event about `obj` (best effort, never throws). The shared
 * recorder in `impl/client/tools/record` replaces {@link newApiEventRecorder} once it lands.
 */
import type { KubeObject } from '#impl/client/index.ts';
import type { Clock } from '#impl/client/util/workqueue/index.ts';
import { RESOURCES, resourceFor, type ClientLike } from './controller-client.ts';

/** EVENT_TYPE are the two event types. */
export const EVENT_TYPE = { normal: 'Normal', warning: 'Warning' } as const;

/** EventRecorder records events about objects. */
export interface EventRecorder {
  event(obj: KubeObject, eventType: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** noopEventRecorder drops events. */
export const noopEventRecorder: EventRecorder = { event() {} };

/** FakeEventRecorder keeps `"<type> <reason> <message>"` strings (client-go `record.FakeRecorder`). */
export class FakeEventRecorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KubeObject, eventType: string, reason: string, message: string): void {
    this.events.push(`${eventType} ${reason} ${message}`);
  }
}

/** newApiEventRecorder posts core/v1 Events as `component` (errors are swallowed). */
export function newApiEventRecorder(client: ClientLike, component: string, clock: Clock): EventRecorder {
  return {
    event(obj, eventType, reason, message) {
      const m = obj.metadata ?? {};
      const ns = m.namespace || 'default';
      const now = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const ev = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { namespace: ns, name: `${m.name ?? 'unknown'}.${clock.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}` },
        involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion },
        reason,
        message,
        type: eventType,
        source: { component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        reportingComponent: component,
        reportingInstance: component,
      };
      resourceFor(client, RESOURCES.events, ns)
        .create(ev)
        .catch(() => undefined);
    },
  };
}

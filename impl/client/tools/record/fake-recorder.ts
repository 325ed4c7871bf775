/**
 * FakeRecorder records events as strings `"<type> <reason> <message>"` for tests (client-go
 * `record.FakeRecorder`); with `includeObject`, the involved object's kind/namespace/name is appended.
 */
import { format } from 'node:util';
import { getReference, type EventRecorder, type ObjectLike } from './event.ts';

/** FakeRecorder implements {@link EventRecorder} in memory. */
export class FakeRecorder implements EventRecorder {
  readonly events: string[] = [];
  constructor(private readonly opts: { includeObject?: boolean } = {}) {}

  event(obj: ObjectLike, type: string, reason: string, message: string): void {
    let line = `${type} ${reason} ${message}`;
    if (this.opts.includeObject) {
      const ref = getReference(obj);
      line += ` involvedObject{kind=${ref.kind},apiVersion=${ref.apiVersion ?? ''}}`;
    }
    this.events.push(line);
  }

  eventf(obj: ObjectLike, type: string, reason: string, messageFmt: string, ...args: unknown[]): void {
    this.event(obj, type, reason, format(messageFmt, ...args));
  }

  annotatedEventf(obj: ObjectLike, _annotations: Record<string, string>, type: string, reason: string, messageFmt: string, ...args: unknown[]): void {
    this.eventf(obj, type, reason, messageFmt, ...args);
  }
}

/** noopRecorder drops every event (for components built without a recorder). */
export const noopRecorder: EventRecorder = {
  event() {},
  eventf() {},
  annotatedEventf() {},
};

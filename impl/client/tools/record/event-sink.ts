/**
 * EventSink is where the event broadcaster writes core/v1 Events (client-go
 * `record.EventSink`, implemented by `typed/core/v1.EventSinkImpl`).
 */
import type { Event } from '#generated/k8s/index.ts';
import type { RestClient } from '../../rest-client.ts';

/**
 * EventSink creates, updates and patches Events. Each call rejects with an ApiError for HTTP
 * failures and a plain Error for transport failures; the broadcaster retries only the latter.
 */
export interface EventSink {
  create(event: Event): Promise<Event>;
  update(event: Event): Promise<Event>;
  /** patch applies a strategic-merge patch to the named event. */
  patch(event: Event, patch: Record<string, unknown>): Promise<Event>;
}

/** newEventSink writes Events through `rest` into each event's namespace (core/v1 `events`). */
export function newEventSink(rest: RestClient): EventSink {
  const events = rest.resource('', 'v1', 'events').as<Event>();
  const ns = (e: Event): string => e.metadata?.namespace ?? 'default';
  return {
    create: (e) => events.namespace(ns(e)).create(e),
    update: (e) => events.namespace(ns(e)).update(e),
    patch: (e, patch) => events.namespace(ns(e)).patch(e.metadata?.name ?? '', patch, { type: 'strategic' }),
  };
}

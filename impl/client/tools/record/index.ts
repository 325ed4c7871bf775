/**
 * Events, after client-go `tools/record`: the {@link EventBroadcaster} and {@link EventRecorder}
 * writing core/v1 Events with upstream dedup (`count`/`lastTimestamp`), aggregation and spam
 * filtering, the {@link EventSink} over the REST client, and a {@link FakeRecorder} for tests.
 */
export * from './event.ts';
export * from './event-sink.ts';
export * from './events-cache.ts';
export * from './fake-recorder.ts';

/**
 * Watch streams: the apiserver answers `?watch=1` with one JSON `WatchEvent` per line.
 * {@link readWatchEvents} turns such a stream into an async iterator of events.
 */
import type { IncomingMessage } from 'node:http';

/** WatchEventType is the closed set of watch event types. */
export const WATCH_EVENT_TYPES = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'] as const;
/** WatchEventType is one of {@link WATCH_EVENT_TYPES}. */
export type WatchEventType = (typeof WATCH_EVENT_TYPES)[number];

/** WatchEvent is one decoded line of a watch stream. */
export interface WatchEvent<T = Record<string, unknown>> {
  type: WatchEventType;
  object: T;
}

/**
 * readWatchEvents yields each event of a watch response until the server closes it or the
 * signal aborts (then it ends quietly). A line that is not valid JSON throws.
 */
export async function* readWatchEvents<T>(res: IncomingMessage, signal?: AbortSignal): AsyncGenerator<WatchEvent<T>> {
  const onAbort = (): void => {
    res.destroy();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let buffer = '';
  try {
    for await (const chunk of res) {
      buffer += (chunk as Buffer).toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line !== '') yield JSON.parse(line) as WatchEvent<T>;
      }
    }
    const rest = buffer.trim();
    if (rest !== '') yield JSON.parse(rest) as WatchEvent<T>;
  } catch (err) {
    if (signal?.aborted) return;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    res.destroy();
  }
}

/**
 * WATCH: streams events as JSON lines (or Table rows), with bookmarks, timeouts and
 * sendInitialEvents.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/watch.go.
 */
import { badRequest } from '#impl/apimachinery/index.ts';
import type { KubeObject } from '../../registry/rest/strategy.ts';
import { negotiateOutput } from '../../negotiation.ts';
import { buildPredicate } from './get.ts';
import { partialMeta, tableOf, includeObjectOf } from './response.ts';
import { type RestRequest, needStore, checkVerb, intParam } from './rest.ts';

export async function watchObjects(r: RestRequest): Promise<void> {
  checkVerb(r, 'watch');
  const out = negotiateOutput(r.req.headers.accept);
  const store = needStore(r);
  const q = r.query;
  const sendInitialEvents = q.has('sendInitialEvents') ? q.get('sendInitialEvents') === 'true' : undefined;
  const allowWatchBookmarks = q.get('allowWatchBookmarks') === 'true';
  if (sendInitialEvents !== undefined) {
    if (q.get('resourceVersionMatch') !== 'NotOlderThan' && sendInitialEvents) {
      throw badRequest('sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan');
    }
    if (sendInitialEvents && !allowWatchBookmarks) throw badRequest('sendInitialEvents requires setting allowWatchBookmarks to true');
  } else if (q.get('resourceVersionMatch')) {
    throw badRequest('resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
  }
  const predicate = buildPredicate(r.served, q, r.info.name || undefined);
  const timeoutSeconds = intParam(q, 'timeoutSeconds');
  // upstream: a random timeout between minRequestTimeout and 2x when none is given (30-60 min).
  const timeoutMs = (timeoutSeconds !== undefined && timeoutSeconds > 0 ? timeoutSeconds : 1800 + Math.floor(Math.random() * 1800)) * 1000;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const onClose = () => ac.abort();
  r.res.on('close', onClose);
  r.req.on('close', onClose);
  r.res.statusCode = 200;
  r.res.setHeader('Content-Type', 'application/json');
  r.res.setHeader('Transfer-Encoding', 'chunked');
  r.res.setHeader('Cache-Control', 'no-cache, private');
  for (const w of r.ctx.warnings) r.res.appendHeader('Warning', `299 - ${JSON.stringify(w)}`);
  r.res.flushHeaders();
  const includeObject = out.kind === 'table' ? includeObjectOf(q) : 'Object';
  try {
    const events = store.watch(r.ctx, {
      predicate,
      resourceVersion: q.get('resourceVersion') ?? undefined,
      allowWatchBookmarks,
      sendInitialEvents,
      signal: ac.signal,
    });
    // The store's watch ends by itself when `ac.signal` aborts (timeout, client gone), so the
    // events are iterated directly: racing every event against an abort promise would add a
    // reaction to that promise per event and watcher for the life of the watch.
    for await (const ev of events) {
      if (ac.signal.aborted) break;
      let obj: unknown = ev.object;
      if (ev.type !== 'ERROR' && ev.type !== 'BOOKMARK') {
        if (out.kind === 'table') obj = tableOf(r.served.printer, [ev.object as KubeObject], includeObject, out.version, r.now(), { resourceVersion: (ev.object as KubeObject).metadata.resourceVersion });
        else if (out.kind === 'partial') obj = partialMeta(ev.object as KubeObject, out.version);
      }
      const ok = r.res.write(encodeWatchEvent(ev.type, obj));
      if (!ok) await drainedOrAborted(r.res, ac.signal);
      if (ev.type === 'ERROR') break;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
    r.res.off('close', onClose);
    r.res.end();
  }
}

/** drainedOrAborted waits for the client to take what was written (backpressure), or for the watch to end. */
function drainedOrAborted(res: RestRequest['res'], signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * encodeWatchEvent serializes one watch event. Objects from the watch cache are shared by every
 * watcher, so their JSON is computed once per object (and event type) and reused across watchers.
 */
const watchEncodingCache = new WeakMap<object, Map<string, string>>();
export function encodeWatchEvent(type: string, obj: unknown): string {
  if (typeof obj !== 'object' || obj === null) return JSON.stringify({ type, object: obj }) + '\n';
  let m = watchEncodingCache.get(obj);
  let line = m?.get(type);
  if (line === undefined) {
    line = `{"type":${JSON.stringify(type)},"object":${JSON.stringify(obj)}}\n`;
    if (!m) watchEncodingCache.set(obj, (m = new Map()));
    m.set(type, line);
  }
  return line;
}

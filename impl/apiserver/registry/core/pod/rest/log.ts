/**
 * pods/log: streams a container's log from the pod's kubelet (`/containerLogs/...`).
 *
 * upstream: pkg/registry/core/pod/rest/log.go (LogREST), pkg/registry/core/pod/strategy.go
 * LogLocation, pkg/apis/core/validation ValidatePodLogOptions, and genericrest.LocationStreamer.
 */
import { badRequest, fieldPath, forbiddenField, invalid, invalidValue, type FieldError } from '#impl/apimachinery/index.ts';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer } from 'ws';
import type { ConnectRequest } from '../../../../endpoints/handlers/connect.ts';
import type { RequestContext } from '../../../rest/strategy.ts';
import { abortOnClose, containerFor, kubeletClient, kubeletError, kubeletPath, nodeLocation, type ConnectDeps } from './location.ts';

/** PodLogOptions are the query parameters of pods/log. */
export interface PodLogOptions {
  container: string | null;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  sinceTime?: string;
  tailLines?: number;
  limitBytes?: number;
  insecureSkipTLSVerifyBackend: boolean;
}

function bool(q: URLSearchParams, k: string): boolean {
  const v = q.get(k);
  if (v === null || v === '') return false;
  if (v === 'true' || v === '1' || v === 'True' || v === 'TRUE' || v === 't' || v === 'T') return true;
  if (v === 'false' || v === '0' || v === 'False' || v === 'FALSE' || v === 'f' || v === 'F') return false;
  throw badRequest(`strconv.ParseBool: parsing "${v}": invalid syntax`);
}

function int(q: URLSearchParams, k: string): number | undefined {
  const v = q.get(k);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

/** parsePodLogOptions decodes and validates the query (400 on syntax, 422 Invalid as upstream). */
export function parsePodLogOptions(q: URLSearchParams, name: string): PodLogOptions {
  const o: PodLogOptions = {
    container: q.get('container') || null,
    follow: bool(q, 'follow'),
    previous: bool(q, 'previous'),
    timestamps: bool(q, 'timestamps'),
    insecureSkipTLSVerifyBackend: bool(q, 'insecureSkipTLSVerifyBackend'),
  };
  const sinceSeconds = int(q, 'sinceSeconds');
  const tailLines = int(q, 'tailLines');
  const limitBytes = int(q, 'limitBytes');
  const sinceTime = q.get('sinceTime') || undefined;
  if (sinceTime !== undefined && Number.isNaN(Date.parse(sinceTime))) throw badRequest(`parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse "${sinceTime}" as "2006"`);
  const errs: FieldError[] = [];
  if (tailLines !== undefined && tailLines < 0) errs.push(invalidValue(fieldPath('tailLines'), tailLines, 'must be greater than or equal to 0'));
  if (limitBytes !== undefined && limitBytes < 1) errs.push(invalidValue(fieldPath('limitBytes'), limitBytes, 'must be greater than 0'));
  if (sinceSeconds !== undefined && sinceTime !== undefined) errs.push(forbiddenField(fieldPath(''), 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  if (sinceSeconds !== undefined && sinceSeconds < 1) errs.push(invalidValue(fieldPath('sinceSeconds'), sinceSeconds, 'must be greater than 0'));
  if (errs.length) throw invalid({ group: '', kind: 'PodLogOptions' }, name, errs);
  if (sinceSeconds !== undefined) o.sinceSeconds = sinceSeconds;
  if (sinceTime !== undefined) o.sinceTime = sinceTime;
  if (tailLines !== undefined) o.tailLines = tailLines;
  if (limitBytes !== undefined) o.limitBytes = limitBytes;
  return o;
}

/** kubeletLogQuery renders the options for the kubelet's /containerLogs endpoint. */
export function kubeletLogQuery(o: PodLogOptions): string {
  const q = new URLSearchParams();
  if (o.follow) q.set('follow', 'true');
  if (o.previous) q.set('previous', 'true');
  if (o.timestamps) q.set('timestamps', 'true');
  if (o.sinceSeconds !== undefined) q.set('sinceSeconds', String(o.sinceSeconds));
  if (o.sinceTime !== undefined) q.set('sinceTime', o.sinceTime);
  if (o.tailLines !== undefined) q.set('tailLines', String(o.tailLines));
  if (o.limitBytes !== undefined) q.set('limitBytes', String(o.limitBytes));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * newLogREST serves pods/log. A pod without a node yet has an empty log (upstream LogLocation
 * returns no location); kubelet errors come back as a Status with the kubelet's message.
 */
export function newLogREST(deps: ConnectDeps): (ctx: RequestContext, name: string, r: ConnectRequest) => Promise<void> {
  return async (ctx, name, r) => {
    const opts = parsePodLogOptions(r.query, name);
    const pod = await deps.pods.get(ctx, name);
    const container = containerFor(pod, name, opts.container);
    const nodeName: string = pod.spec?.nodeName ?? '';
    if (!nodeName) {
      r.res.writeHead(200, { 'Content-Type': 'text/plain' });
      r.res.end();
      return;
    }
    const loc = await nodeLocation(deps, ctx, nodeName);
    const websocket = r.upgrade && isWebSocketRequest(r.req) ? new AbortController() : undefined;
    const signal = websocket ? websocket.signal : abortOnClose(r.req, r.res);
    const path = kubeletPath('containerLogs', pod.metadata?.namespace ?? ctx.namespace, name, container) + kubeletLogQuery(opts);
    const kres = await kubeletClient(deps).request(loc, path, { insecureSkipTLSVerify: opts.insecureSkipTLSVerifyBackend, signal });
    const code = kres.statusCode ?? 500;
    if (code < 200 || code > 206) throw await kubeletError(kres);
    if (websocket) {
      await streamOverWebSocket(r, kres, websocket);
      return;
    }
    r.res.writeHead(200, { 'Content-Type': kres.headers['content-type'] ?? 'text/plain' });
    r.res.flushHeaders();
    kres.on('data', (c: Buffer) => r.res.write(c));
    await new Promise<void>((resolve) => {
      kres.once('end', resolve);
      kres.once('error', resolve);
      kres.once('close', resolve);
    });
    r.res.end();
  };
}

/** isWebSocketRequest is upstream wsstream.IsWebSocketRequest: `Connection: upgrade` + `Upgrade: websocket`. */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  const connection = String(req.headers.connection ?? '').toLowerCase().split(/\s*,\s*/);
  return connection.includes('upgrade') && String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/**
 * STREAM_PROTOCOLS are upstream's default reader protocols (wsstream.NewDefaultReaderProtocols):
 * raw binary frames for no protocol and `binary.k8s.io`, base64 text frames for
 * `base64.binary.k8s.io`.
 */
export const STREAM_PROTOCOLS: Record<string, { binary: boolean }> = { '': { binary: true }, 'binary.k8s.io': { binary: true }, 'base64.binary.k8s.io': { binary: false } };

/**
 * streamOverWebSocket answers a WebSocket request for a streamed body (upstream
 * endpoints/handlers/responsewriters StreamObject with wsstream.Reader): one message per chunk,
 * a normal close at the end of the stream, and the source is aborted when the client goes away.
 */
function streamOverWebSocket(r: ConnectRequest, source: IncomingMessage, done: AbortController): Promise<void> {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => [...offered].find((p) => p in STREAM_PROTOCOLS) ?? false,
  });
  const offered = String(r.req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  if (offered.length && !offered.some((p) => p in STREAM_PROTOCOLS)) {
    source.destroy();
    throw badRequest(`requested protocol(s) are not supported: ${offered.join(', ')}; supports ${Object.keys(STREAM_PROTOCOLS).filter(Boolean).join(', ')}`);
  }
  const upgrade = r.upgrade!;
  const socket = upgrade.take();
  return new Promise<void>((resolve) => {
    wss.handleUpgrade(r.req, socket, upgrade.head, (ws) => {
      const binary = STREAM_PROTOCOLS[ws.protocol]?.binary ?? true;
      const finish = (): void => {
        if (ws.readyState === ws.OPEN) ws.close(1000);
        resolve();
      };
      ws.on('close', () => {
        done.abort();
        source.destroy();
        resolve();
      });
      ws.on('error', () => ws.terminate());
      source.on('data', (c: Buffer) => ws.send(binary ? c : c.toString('base64'), { binary }));
      source.once('end', finish);
      source.once('error', finish);
      source.once('close', finish);
    });
  }).finally(() => wss.close());
}

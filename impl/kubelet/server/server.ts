/**
 * The kubelet's HTTPS server (upstream: pkg/kubelet/server/server.go), on `--port` (10250):
 * - `GET /healthz` (also `/healthz/ping`): `ok`, no authentication needed;
 * - `GET /pods`: the pods this kubelet runs, as a PodList;
 * - `GET /containerLogs/{namespace}/{pod}/{container}`: the container log with `follow`,
 *   `tailLines`, `timestamps`, `sinceSeconds`, `sinceTime`, `limitBytes`, `previous` — what the
 *   apiserver proxies `pods/log` to.
 * - `GET|POST /exec/...`, `/attach/...`, `/portForward/...` (upgrade requests): proxied to the
 *   runtime's streaming server (see streaming.ts), when the host has `streaming`.
 * Everything but healthz needs a client certificate signed by `clientCA` (the apiserver's
 * kubelet client cert), when one is configured; otherwise 401 Unauthorized.
 * - `GET /stats/summary`: node and pod stats (stats/v1alpha1 Summary), when the host has `statsSummary`.
 * TODO #6: webhook authn/authz.
 */
import https from 'node:https';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Pod } from '#generated/k8s/index.ts';
import { asStatusError } from '#impl/apimachinery/errors.ts';
import { findPod, parseStreamingRequest, streamingUrl, type StreamingRuntimeHost } from './streaming.ts';
import { proxyUpgrade } from './upgrade-proxy.ts';
import { readLogs, type LogOptions } from '../kuberuntime/logs.ts';
import type { ServingCert } from './serving-cert.ts';
import type { Summary } from '../stats/summary.ts';

/** ContainerLogTarget locates one container's log. */
export interface ContainerLogTarget {
  logPath: string;
  running: () => Promise<boolean>;
}

/** KubeletServerHost is what the server reads from the kubelet. */
export interface KubeletServerHost {
  getPods(): Pod[];
  /** containerLog finds the log of a container (the previous instance with `previous`). */
  containerLog(pod: Pod, container: string, previous: boolean): Promise<ContainerLogTarget | undefined>;
  /** statsSummary builds the `/stats/summary` body. */
  statsSummary?: (signal?: AbortSignal) => Promise<Summary>;
  /** streaming mints runtime URLs for exec/attach/portForward (absent: those paths answer 404). */
  streaming?: StreamingRuntimeHost;
}

/** KubeletServerOptions configure {@link startKubeletServer}. */
export interface KubeletServerOptions {
  host: KubeletServerHost;
  address: string;
  /** port: 0 picks a free one. */
  port: number;
  cert: ServingCert;
  /** clientCA (PEM): require client certificates signed by it (except /healthz). */
  clientCA?: string | Buffer;
}

/** RunningKubeletServer is a listening server. */
export interface RunningKubeletServer {
  port: number;
  close(): Promise<void>;
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

/** rawStatus answers an upgrade request (no ServerResponse) with a Status and closes the socket. */
function rawStatus(socket: Duplex, code: number, reason: string, message: string): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** errorStatus turns a thrown error into (code, reason, message): StatusErrors as they are, else 500. */
function errorStatus(err: unknown): [number, string, string] {
  const se = asStatusError(err);
  if (se) return [se.code, se.reason, se.message];
  return [500, 'InternalError', String((err as Error)?.message ?? err)];
}

/** parseLogOptions reads PodLogOptions query parameters (upstream). */
export function parseLogOptions(q: URLSearchParams, now: number): LogOptions & { previous: boolean } {
  const bool = (k: string): boolean => q.get(k) === 'true' || q.get(k) === '1';
  const num = (k: string): number | undefined => (q.get(k) !== null && q.get(k) !== '' ? Number(q.get(k)) : undefined);
  const opts: LogOptions & { previous: boolean } = { follow: bool('follow'), timestamps: bool('timestamps'), previous: bool('previous') };
  const tail = num('tailLines');
  if (tail !== undefined) opts.tailLines = tail;
  const limit = num('limitBytes');
  if (limit !== undefined) opts.limitBytes = limit;
  const since = num('sinceSeconds');
  if (since !== undefined) opts.sinceTime = now - since * 1000;
  const sinceTime = q.get('sinceTime');
  if (sinceTime) opts.sinceTime = Date.parse(sinceTime);
  return opts;
}

/** startKubeletServer listens and serves until `close`. */
export function startKubeletServer(opts: KubeletServerOptions): Promise<RunningKubeletServer> {
  const server = https.createServer({
    cert: opts.cert.cert,
    key: opts.cert.key,
    ca: opts.clientCA,
    requestCert: opts.clientCA !== undefined,
    rejectUnauthorized: false,
  });
  // Keep idle connections longer than Node's 5 s default, as the apiserver does, so the
  // apiserver's kept-alive connections are rarely closed under a request about to reuse them.
  server.keepAliveTimeout = 65_000;
  const open = new Set<ServerResponse>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) status(res, 500, 'InternalError', String((err as Error)?.message ?? err));
      else res.end();
    });
  });

  const upgrades = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrades.add(socket);
    socket.on('close', () => upgrades.delete(socket));
    socket.on('error', () => socket.destroy());
    void handleUpgrade(req, socket, head).catch((err: unknown) => {
      if (socket.writable) rawStatus(socket, ...errorStatus(err));
    });
  });

  /** handleUpgrade serves exec/attach/portForward upgrade requests by proxying them to the runtime. */
  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    if (opts.clientCA !== undefined && !(req.socket as TLSSocket).authorized) return rawStatus(socket, 401, 'Unauthorized', 'Unauthorized');
    const r = opts.host.streaming ? parseStreamingRequest(url) : undefined;
    if (!r || !opts.host.streaming) return rawStatus(socket, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    if (req.method !== 'GET' && req.method !== 'POST') return rawStatus(socket, 405, 'MethodNotAllowed', `${req.method} is not allowed`);
    const pod = findPod(opts.host.getPods(), r);
    const target = await streamingUrl(opts.host.streaming, pod, r);
    await proxyUpgrade({ target, req, socket, head });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    if (opts.host.streaming && /^\/(exec|attach|portForward)\//.test(url.pathname)) {
      if (opts.clientCA !== undefined && !(req.socket as TLSSocket).authorized) return status(res, 401, 'Unauthorized', 'Unauthorized');
      try {
        parseStreamingRequest(url);
      } catch (err) {
        return status(res, ...errorStatus(err));
      }
      return status(res, 400, 'BadRequest', 'Upgrade request required');
    }
    if (req.method !== 'GET') return status(res, 405, 'MethodNotAllowed', `${req.method} is not allowed`);
    if (url.pathname === '/healthz' || url.pathname === '/healthz/ping') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    if (opts.clientCA !== undefined && !(req.socket as TLSSocket).authorized) return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (url.pathname === '/pods' || url.pathname === '/pods/') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: opts.host.getPods() }));
      return;
    }
    if (opts.host.statsSummary && (url.pathname === '/stats/summary' || url.pathname === '/stats/summary/')) {
      const summary = await opts.host.statsSummary();
      // upstream: ?only_cpu_and_memory=true drops fs, runtime and rlimit stats.
      if (url.searchParams.get('only_cpu_and_memory') === 'true') {
        const { fs: _fs, runtime: _rt, rlimit: _rl, ...node } = summary.node;
        summary.node = node;
        for (const p of summary.pods) delete p['ephemeral-storage'];
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(summary));
      return;
    }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const [ns, name, container] = m.slice(1).map(decodeURIComponent);
      const pod = opts.host.getPods().find((p) => p.metadata?.namespace === ns && p.metadata?.name === name);
      if (!pod) return status(res, 404, 'NotFound', `pod "${name}" not found`);
      const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].find((c) => c.name === container);
      if (!spec) return status(res, 404, 'NotFound', `container ${container} is not valid for pod ${name}`);
      const lo = parseLogOptions(url.searchParams, Date.now());
      const target = await opts.host.containerLog(pod, container, lo.previous);
      if (!target) {
        const msg = lo.previous
          ? `previous terminated container "${container}" in pod "${name}" not found`
          : `container "${container}" in pod "${name}" is waiting to start: ContainerCreating`;
        return status(res, 400, 'BadRequest', msg);
      }
      const ctrl = new AbortController();
      res.on('close', () => ctrl.abort());
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
      await readLogs(target.logPath, lo, (chunk) => res.write(chunk), target.running, ctrl.signal).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      });
      res.end();
      return;
    }
    status(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.address, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            for (const res of open) res.destroy();
            for (const socket of upgrades) socket.destroy();
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}

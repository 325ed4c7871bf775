/**
 * FaultyProxy is a small HTTP proxy in front of an apiserver that breaks chosen API
 * semantics on purpose, to prove the conformance suite can fail (issue #7, acceptance 4):
 *
 * - `drop-watch-events`: watch streams lose every event for which `dropWatchEvent` returns
 *   true (default: every MODIFIED event);
 * - `stale-update-ok`: an update (PUT) that the apiserver rejects with 409 Conflict is
 *   answered 200 OK with the request body, as if optimistic concurrency did not exist.
 *
 * The proxy listens on plain HTTP on 127.0.0.1 and forwards over HTTPS with the upstream's
 * credentials; point a client at it with {@link FaultyProxy.restConfig}.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RestConfig } from '#impl/client/index.ts';

/** Fault names the broken behaviours the proxy can inject. */
export type Fault = 'drop-watch-events' | 'stale-update-ok';

/** FaultyProxyOptions configure {@link startFaultyProxy}. */
export interface FaultyProxyOptions {
  /** The real apiserver. */
  upstream: RestConfig;
  /** Faults to inject. */
  faults: Fault[];
  /** Which watch events to drop (for `drop-watch-events`); default every MODIFIED event. */
  dropWatchEvent?: (event: { type: string; object?: { metadata?: { name?: string } } }) => boolean;
}

/** FaultyProxy is a running proxy. */
export interface FaultyProxy {
  url: string;
  /** A client configuration that talks to the apiserver through the proxy. */
  restConfig: RestConfig;
  /** How many times each fault was injected. */
  injected: Record<Fault, number>;
  close(): Promise<void>;
}

/** startFaultyProxy starts the proxy on 127.0.0.1:0. */
export async function startFaultyProxy(opts: FaultyProxyOptions): Promise<FaultyProxy> {
  const up = new URL(opts.upstream.server);
  const agent = new https.Agent({
    keepAlive: true,
    ca: opts.upstream.ca,
    cert: opts.upstream.cert,
    key: opts.upstream.key,
    rejectUnauthorized: !opts.upstream.insecureSkipTLSVerify,
  });
  const injected: Record<Fault, number> = { 'drop-watch-events': 0, 'stale-update-ok': 0 };
  const drop = opts.dropWatchEvent ?? ((e) => e.type === 'MODIFIED');
  const has = (f: Fault): boolean => opts.faults.includes(f);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: http.OutgoingHttpHeaders = { ...req.headers, host: up.host };
      delete headers.connection;
      if (opts.upstream.token) headers.authorization = `Bearer ${opts.upstream.token}`;
      const upReq = https.request(
        { protocol: 'https:', hostname: up.hostname, port: up.port || 443, method: req.method, path: req.url, headers, agent },
        (upRes) => {
          const url = new URL(req.url ?? '/', 'http://x');
          const isWatch = ['1', 'true'].includes(url.searchParams.get('watch') ?? '') || url.pathname.includes('/watch/');
          if (has('stale-update-ok') && req.method === 'PUT' && upRes.statusCode === 409) {
            upRes.resume();
            injected['stale-update-ok']++;
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.end(body);
            return;
          }
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          if (!(isWatch && has('drop-watch-events') && upRes.statusCode === 200)) {
            upRes.pipe(res);
            return;
          }
          let buffer = '';
          upRes.on('data', (c: Buffer) => {
            buffer += c.toString('utf8');
            let nl: number;
            while ((nl = buffer.indexOf('\n')) >= 0) {
              const line = buffer.slice(0, nl + 1);
              buffer = buffer.slice(nl + 1);
              let dropIt = false;
              try {
                dropIt = drop(JSON.parse(line) as { type: string });
              } catch {
                dropIt = false;
              }
              if (dropIt) injected['drop-watch-events']++;
              else res.write(line);
            }
          });
          upRes.on('end', () => res.end(buffer));
          upRes.on('error', () => res.destroy());
          res.on('close', () => upRes.destroy());
        },
      );
      upReq.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`faulty proxy: upstream error: ${err.message}`);
      });
      res.on('close', () => {
        if (!res.writableFinished) upReq.destroy();
      });
      upReq.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    restConfig: { server: url },
    injected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          agent.destroy();
          resolve();
        });
      }),
  };
}

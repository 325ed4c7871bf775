/**
 * pods/proxy: HTTP (and upgrade) pass-through to `podIP:port/path`. The name may be `pod`,
 * `pod:port` or `scheme:pod:port`; without a port, the first declared container port is used.
 *
 * upstream: pkg/registry/core/pod/rest/subresources.go (ProxyREST), strategy.go
 * ResourceLocation and utilnet.SplitSchemeNamePort.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { rewriteHTML, rewriteURL, type RewriteContext } from '#impl/apimachinery/util/proxy/transport.ts';
import { badRequest } from '#impl/apimachinery/index.ts';
import type { ConnectRequest } from '../../../../endpoints/handlers/connect.ts';
import type { RequestContext } from '../../../rest/strategy.ts';
import { forwardHeaders, proxyUpgrade } from '../../../../kubelet-client.ts';
import type { ConnectDeps } from './location.ts';
import { serviceUnavailable } from '#impl/apimachinery/index.ts';

/** splitSchemeNamePort parses `name`, `name:port` or `scheme:name:port` (upstream SplitSchemeNamePort). */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name = '';
  let port = '';
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [name, port] = parts as [string, string];
  else if (parts.length === 3) [scheme, name, port] = parts as [string, string, string];
  else return undefined;
  if (!name || (scheme !== '' && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { scheme, name, port };
}

/** ProxyTarget is where a proxy request goes. */
export interface ProxyTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** TLS client options (https): client cert, CA; without a CA the server cert is not verified. */
  tls?: { cert?: string; key?: string; ca?: string };
}

function targetPath(path: string, query: URLSearchParams): string {
  const q = query.toString();
  return `/${path}${q ? `?${q}` : ''}`;
}

/** proxyPathPrefix is the request path up to and including `/proxy`: the path less the proxied remainder. */
function proxyPathPrefix(requestPath: string, remainder: string): string {
  const trimmed = requestPath.replace(/\/+$/, '');
  const rest = remainder.replace(/\/+$/, '');
  return rest && trimmed.endsWith(`/${rest}`) ? trimmed.slice(0, -(rest.length + 1)) : trimmed;
}

/**
 * proxyTo passes the request to the target and the answer back (status, headers, body), or pipes
 * the connection for upgrade requests.
 */
export async function proxyTo(t: ProxyTarget, r: ConnectRequest): Promise<void> {
  const path = targetPath(r.path, r.query);
  // An empty path is redirected to one ending in '/' for GET and HEAD (upstream
  // UpgradeAwareHandler, kubernetes issue 4958), so relative links in the answer resolve.
  const requestPath = (r.req.url ?? '').split('?')[0] ?? '';
  if (!r.upgrade && r.path === '' && !requestPath.endsWith('/') && (r.req.method === 'GET' || r.req.method === 'HEAD')) {
    const q = r.query.toString();
    r.res.writeHead(301, { Location: `${requestPath}/${q ? `?${q}` : ''}` });
    r.res.end();
    return;
  }
  if (r.upgrade) {
    const up = r.upgrade;
    await proxyUpgrade({ host: t.host, port: t.port, tls: t.scheme === 'https' ? (t.tls ?? {}) : undefined }, path, r.req, () => up.take(), up.head);
    return;
  }
  const lib = t.scheme === 'https' ? https : http;
  const hostHeader = `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const out = lib.request(
      {
        host: t.host,
        port: t.port,
        path,
        method: r.req.method,
        headers: { ...forwardHeaders(r.req.headers), host: hostHeader },
        // A fresh connection per request: a kept-alive one the backend closes while it is reused
        // would fail a request whose body is already streamed (no safe retry).
        agent: false,
        ...(t.scheme === 'https' ? { cert: t.tls?.cert, key: t.tls?.key, ca: t.tls?.ca, rejectUnauthorized: t.tls?.ca !== undefined, ...(t.tls?.ca === undefined ? { checkServerIdentity: () => undefined } : {}) } : {}),
      },
      resolve,
    );
    out.on('error', (err) => reject(serviceUnavailable(`error trying to reach service: dial tcp ${hostHeader}: ${err.message}`)));
    r.req.pipe(out);
  });
  const headers = { ...res.headers };
  delete headers.connection;
  delete headers['keep-alive'];
  delete headers['transfer-encoding'];
  // Root-relative links in the answer mean the proxied server's root: point them at the proxy path.
  const rewrite: RewriteContext = { pathPrepend: proxyPathPrefix(requestPath, r.path), targetHost: hostHeader, requestHost: r.req.headers.host ?? '' };
  if (typeof headers.location === 'string') headers.location = rewriteURL(headers.location, rewrite);
  if (String(headers['content-type'] ?? '').includes('text/html') && r.req.method !== 'HEAD') {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    const gzipped = String(headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
    if (gzipped) body = gunzipSync(body);
    const out = Buffer.from(rewriteHTML(body.toString('utf8'), rewrite));
    delete headers['content-encoding'];
    headers['content-length'] = String(out.length);
    r.res.writeHead(res.statusCode ?? 502, headers);
    r.res.end(out);
    return;
  }
  r.res.writeHead(res.statusCode ?? 502, headers);
  res.pipe(r.res);
  await new Promise<void>((resolve) => {
    r.res.once('close', resolve);
    r.res.once('finish', resolve);
  });
}

/** newPodProxyREST serves pods/proxy. */
export function newPodProxyREST(deps: ConnectDeps): (ctx: RequestContext, name: string, r: ConnectRequest) => Promise<void> {
  return async (ctx, id, r) => {
    const parsed = splitSchemeNamePort(id);
    if (!parsed) throw badRequest(`invalid pod request "${id}"`);
    const pod = await deps.pods.get(ctx, parsed.name);
    let port = parsed.port;
    if (!port) {
      for (const c of pod.spec?.containers ?? []) {
        if (c.ports?.length) {
          port = String(c.ports[0].containerPort);
          break;
        }
      }
    }
    const podIP: string = pod.status?.podIP ?? '';
    if (!isIP(podIP) || podIP === '0.0.0.0' || podIP.startsWith('127.') || podIP === '::1' || podIP === '::') throw badRequest('address not allowed');
    const scheme = parsed.scheme === 'https' ? 'https' : 'http';
    const portNum = port ? Number(port) : scheme === 'https' ? 443 : 80;
    if (!Number.isInteger(portNum) || portNum < 1 || portNum > 65535) throw badRequest(`invalid port "${port}"`);
    await proxyTo({ scheme, host: podIP, port: portNum }, r);
  };
}

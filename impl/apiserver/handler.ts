/**
 * The apiserver HTTP handler chain: recover/metrics -> requestInfo -> authentication -> routing
 * (health, version, metrics, OpenAPI, discovery, resources).
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/server/config.go DefaultBuildHandlerChain and
 * pkg/endpoints/installer.go. A hand-written router over RequestInfo replaces per-route
 * registration: Kubernetes paths have one fixed grammar, so parsing it once (as upstream's
 * RequestInfoFactory does) is simpler and faster than hundreds of express routes.
 */
import { deprecationWarning } from './deprecation.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { StatusError, unauthorized } from '#impl/apimachinery/index.ts';
import type { ApiRegistry } from './api-registry.ts';
import { aggregatedContentType, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.ts';
import { pageNotFound, serveResource } from './endpoints/rest-handler.ts';
import { writeJson, writeStatus } from './endpoints/responses.ts';
import type { ApiServerMetrics } from './metrics.ts';
import { aggregatedDiscoveryVersion, negotiateOutput, parseAccept } from './negotiation.ts';
import type { OpenApiV3Service } from './openapi/openapi-v3.ts';
import { OpenApiV2Service, serveOpenApiV2 } from './openapi/openapi-v2.ts';
import { newRequestInfo, type RequestInfo } from './request-info.ts';
import type { RequestContext, UserInfo } from './registry/rest/strategy.ts';
import type { RequestAuth } from './auth-wiring.ts';

/** KUBERNETES_VERSION is the version this server reports at /version. */
export const KUBERNETES_VERSION = { major: '1', minor: '35', gitVersion: 'v1.35.0+kubets' };

/** HandlerOptions wires the handler to the registry and services. */
export interface HandlerOptions {
  registry: ApiRegistry;
  openapi: OpenApiV3Service;
  metrics: ApiServerMetrics;
  /** host:port clients use, for /api's serverAddressByClientCIDRs. */
  serverAddress: () => string;
  /** False until bootstrap (default namespaces...) finished. */
  ready: () => boolean;
  now?: () => Date;
  /**
   * Authenticates a request (undefined = not authenticated, 401). Default: a client certificate
   * signed by the cluster CA. The security issue plugs impl/auth's authenticator chain in here.
   */
  authenticate?: (req: IncomingMessage) => UserInfo | undefined | Promise<UserInfo | undefined>;
  /**
   * The impl/auth chain (authentication, impersonation, authorization, issuer discovery). When
   * set it replaces `authenticate`.
   */
  auth?: RequestAuth;
}

const ANONYMOUS_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

/** certUser authenticates a request by its verified client certificate (CN = user, O = groups). */
const socketUsers = new WeakMap<object, UserInfo | null>();

export function certUser(req: IncomingMessage): UserInfo | undefined {
  const sock = req.socket as TLSSocket;
  const cached = socketUsers.get(sock);
  if (cached !== undefined) return cached ?? undefined;
  const u = peerUser(sock);
  socketUsers.set(sock, u ?? null);
  return u;
}

function peerUser(sock: TLSSocket): UserInfo | undefined {
  if (!sock.authorized || typeof sock.getPeerCertificate !== 'function') return undefined;
  const cert = sock.getPeerCertificate();
  if (!cert || !cert.subject) return undefined;
  const cn = cert.subject.CN;
  const o = cert.subject.O;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (!name) return undefined;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { name, groups: [...groups, 'system:authenticated'] };
}

function version(): Record<string, string> {
  return {
    ...KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsx',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
    emulationMajor: KUBERNETES_VERSION.major,
    emulationMinor: KUBERNETES_VERSION.minor,
    minCompatibilityMajor: '1',
    minCompatibilityMinor: '34',
  };
}

/** cleanVerb is upstream metrics.CleanVerb: the HTTP method, except LIST, WATCH and APPLY. */
function cleanVerb(info: RequestInfo, req: IncomingMessage): string {
  if (info.verb === 'list') return 'LIST';
  if (info.verb === 'watch') return 'WATCH';
  if (req.method === 'PATCH' && String(req.headers['content-type'] ?? '').startsWith('application/apply-patch')) return 'APPLY';
  return req.method ?? 'GET';
}

function acceptsJson(accept: string | undefined): boolean {
  return parseAccept(accept).some((m) => (m.type === 'application' && (m.subtype === 'json' || m.subtype === '*')) || m.type === '*');
}

/**
 * newApiHandler builds the request listener. Every error leaves through `writeStatus`, so
 * clients always get a Status body with the upstream code and reason.
 */
export function newApiHandler(opts: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const now = opts.now ?? (() => new Date());
  const authenticate = opts.authenticate ?? certUser;
  let v2Cache: { gen: number; docs: Map<string, Buffer> } = { gen: -1, docs: new Map() };
  const openapiV2 = new OpenApiV2Service(opts.openapi, { version: KUBERNETES_VERSION.gitVersion, now });

  const serveDiscovery = (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    const reg = opts.registry;
    const accept = req.headers.accept;
    if (path === '/api' || path === '/apis') {
      const agg = aggregatedDiscoveryVersion(accept);
      if (agg) {
        if (v2Cache.gen !== reg.generation) v2Cache = { gen: reg.generation, docs: new Map() };
        const k = `${path}|${agg}`;
        let buf = v2Cache.docs.get(k);
        if (!buf) {
          buf = Buffer.from(JSON.stringify(aggregatedDiscovery(reg, path === '/api', agg)));
          v2Cache.docs.set(k, buf);
        }
        res.statusCode = 200;
        res.setHeader('Content-Type', aggregatedContentType(agg));
        res.setHeader('Vary', 'Accept');
        res.setHeader('ETag', `"${reg.generation}"`);
        res.end(buf);
        return true;
      }
      writeJson(res, 200, path === '/api' ? apiVersions(opts.serverAddress()) : apiGroupList(reg));
      return true;
    }
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) {
      const doc = apiResourceList(reg, '', parts[1]!);
      if (!doc) throw pageNotFound();
      writeJson(res, 200, doc);
      return true;
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const doc = apiGroup(reg, parts[1]!);
      if (!doc) throw pageNotFound();
      writeJson(res, 200, doc);
      return true;
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const doc = apiResourceList(reg, parts[1]!, parts[2]!);
      if (!doc) throw pageNotFound();
      writeJson(res, 200, doc);
      return true;
    }
    return false;
  };

  const serveOpenApi = (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): boolean => {
    if (path === '/openapi/v3' || path === '/openapi/v3/') {
      writeJson(res, 200, opts.openapi.index());
      return true;
    }
    if (path.startsWith('/openapi/v3/')) {
      const doc = opts.openapi.document(path.slice('/openapi/v3/'.length));
      if (!doc) throw pageNotFound();
      if (!acceptsJson(req.headers.accept)) throw new StatusError({ reason: 'NotAcceptable', message: 'only application/json is supported' });
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('ETag', `"${doc.hash}"`);
      res.setHeader('Vary', 'Accept');
      res.setHeader('Last-Modified', doc.lastModified.toUTCString());
      if (query.get('hash') === doc.hash) res.setHeader('Cache-Control', 'public, immutable');
      else if (query.has('hash')) {
        // A stale hash redirects to the current one, as upstream does.
        res.statusCode = 301;
        res.setHeader('Location', `${path}?hash=${doc.hash}`);
        res.end();
        return true;
      } else res.setHeader('Cache-Control', 'no-cache, private');
      if (req.headers['if-none-match'] === `"${doc.hash}"`) {
        res.statusCode = 304;
        res.end();
        return true;
      }
      res.setHeader('Content-Length', doc.raw.length);
      res.end(doc.raw);
      return true;
    }
    if (path === '/openapi/v2') {
      serveOpenApiV2(req, res, openapiV2);
      return true;
    }
    return false;
  };

  const serveHealth = (res: ServerResponse, path: string, query: URLSearchParams): boolean => {
    const base = path.split('/')[1] ?? '';
    if (base !== 'healthz' && base !== 'livez' && base !== 'readyz') return false;
    const ok = base !== 'readyz' || opts.ready();
    res.statusCode = ok ? 200 : 500;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (query.has('verbose')) {
      const checks = ['ping', 'log', 'etcd', 'poststarthook/start-apiextensions-controllers', 'poststarthook/bootstrap-controller'];
      if (base === 'readyz') checks.push('shutdown');
      res.end(checks.map((c) => `[${ok ? '+' : '-'}]${c} ${ok ? 'ok' : 'failed'}`).join('\n') + `\n${base} check ${ok ? 'passed' : 'failed'}\n`);
    } else res.end(ok ? 'ok' : `[-]poststarthook/bootstrap-controller failed: not finished\n${base} check failed`);
    return true;
  };

  return (req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname;
    const query = url.searchParams;
    let info: RequestInfo | undefined;
    const ctx: RequestContext = { namespace: '', warnings: [] };
    const finish = (code: number) => {
      if (!info) return;
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      opts.metrics.observe(
        {
          verb: cleanVerb(info, req),
          group: info.apiGroup,
          version: info.apiVersion,
          resource: info.resource,
          subresource: info.subresource,
          scope: !info.isResourceRequest ? '' : info.namespace ? (info.name ? 'resource' : 'namespace') : info.name ? 'resource' : 'cluster',
          component: 'apiserver',
          dry_run: query.getAll('dryRun').join(','),
        },
        code,
        secs,
      );
    };
    res.on('finish', () => finish(res.statusCode));
    const run = async () => {
      info = newRequestInfo(req.method ?? 'GET', path, query);
      const healthPath = ANONYMOUS_PATHS.has(path) || /^\/(healthz|livez|readyz)(\/|$)/.test(path);
      if (opts.auth) {
        // upstream DefaultBuildHandlerChain: authentication -> impersonation -> authorization.
        const auth = opts.auth;
        ctx.user = await auth.authenticate(req, path);
        delete req.headers.authorization;
        ctx.user = await auth.impersonate(ctx.user, req);
        auth.beginAudit?.(req, res, info, ctx.user);
        if (!healthPath) await auth.authorize(ctx.user, info);
        if (auth.serveNonResource(req, res, path)) return;
      } else if (!healthPath) {
        const user = await authenticate(req);
        if (!user) throw unauthorized('Unauthorized');
        ctx.user = user;
      }
      if (serveHealth(res, path, query)) return;
      if (path === '/version' || path === '/version/') {
        writeJson(res, 200, version());
        return;
      }
      if (path === '/metrics') {
        const text = await opts.metrics.registry.metrics();
        res.statusCode = 200;
        res.setHeader('Content-Type', opts.metrics.registry.contentType);
        res.end(text);
        return;
      }
      if (path.startsWith('/openapi/') && serveOpenApi(req, res, path, query)) return;
      if (path === '/' || path === '') {
        writeJson(res, 200, { paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/metrics', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] });
        return;
      }
      if (!info.isResourceRequest) {
        if ((req.method === 'GET' || req.method === 'HEAD') && serveDiscovery(req, res, path.replace(/\/+$/, ''))) return;
        throw pageNotFound();
      }
      const served = opts.registry.lookup(info.apiGroup, info.apiVersion, info.resource);
      if (!served) {
        // Validate Accept before 404 so a protobuf-only client sees 406 like upstream.
        negotiateOutput(req.headers.accept);
        throw pageNotFound();
      }
      ctx.namespace = served.entry.namespaced || info.resource === 'namespaces' ? (info.resource === 'namespaces' ? '' : info.namespace) : '';
      ctx.apiVersion = info.apiGroup ? `${info.apiGroup}/${info.apiVersion}` : info.apiVersion;
      const deprecated = deprecationWarning(info.apiGroup, info.apiVersion, info.resource);
      if (deprecated) ctx.warnings.push(deprecated);
      await serveResource({ req, res, info, query, served, ctx, now });
    };
    run().catch((err: unknown) => {
      if (!(err instanceof StatusError)) process.stderr.write(`apiserver: ${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}\n`);
      writeStatus(res, err, ctx.warnings);
      if (!req.complete) req.resume();
    });
  };
}

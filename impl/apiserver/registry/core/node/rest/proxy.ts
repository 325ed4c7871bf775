/**
 * nodes/proxy: pass-through to the node's kubelet (`nodes/NAME/proxy/PATH` -> kubelet
 * `https://addr:port/PATH` with the apiserver's kubelet client certificate), or to another port
 * on the node (`NAME:PORT`, plain HTTP unless `https:NAME:PORT`, no client certificate).
 *
 * upstream: pkg/registry/core/node/rest/proxy.go (ProxyREST) and node/strategy.go ResourceLocation.
 */
import { badRequest } from '#impl/apimachinery/index.ts';
import type { ConnectRequest } from '../../../../endpoints/handlers/connect.ts';
import type { RequestContext } from '../../../rest/strategy.ts';
import { kubeletClient, type ConnectDeps } from '../../pod/rest/location.ts';
import { proxyTo, splitSchemeNamePort } from '../../pod/rest/proxy.ts';

/** newNodeProxyREST serves nodes/proxy. */
export function newNodeProxyREST(deps: Pick<ConnectDeps, 'nodes' | 'kubelet'>): (ctx: RequestContext, name: string, r: ConnectRequest) => Promise<void> {
  return async (ctx, id, r) => {
    const parsed = splitSchemeNamePort(id);
    if (!parsed) throw badRequest(`invalid node request "${id}"`);
    const nodes = deps.nodes();
    if (!nodes) throw badRequest('nodes are not served');
    const node = await nodes.get({ ...ctx, namespace: '' }, parsed.name);
    const kubelet = kubeletClient(deps as ConnectDeps);
    const loc = kubelet.connectionInfo(node);
    const port = parsed.port ? Number(parsed.port) : loc.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw badRequest(`invalid port "${parsed.port}"`);
    if (port === loc.port) {
      const c = kubelet.config;
      return proxyTo({ scheme: 'https', host: loc.host, port, tls: { cert: c.cert, key: c.key, ca: c.caCert } }, r);
    }
    return proxyTo({ scheme: parsed.scheme === 'https' ? 'https' : 'http', host: loc.host, port }, r);
  };
}

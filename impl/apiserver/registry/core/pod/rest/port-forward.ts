/**
 * pods/portforward: upgrade requests proxied as a byte pipe to the kubelet's
 * `/portForward/{ns}/{pod}` (the `ports` query becomes the kubelet's `port` parameters).
 *
 * upstream: pkg/registry/core/pod/rest/subresources.go (PortForwardREST) and strategy.go
 * PortForwardLocation.
 */
import { badRequest } from '#impl/apimachinery/index.ts';
import type { ConnectRequest } from '../../../../endpoints/handlers/connect.ts';
import type { RequestContext } from '../../../rest/strategy.ts';
import { kubeletClient, kubeletPath, nodeLocation, type ConnectDeps } from './location.ts';

/** newPortForwardREST serves pods/portforward. */
export function newPortForwardREST(deps: ConnectDeps): (ctx: RequestContext, name: string, r: ConnectRequest) => Promise<void> {
  return async (ctx, name, r) => {
    const pod = await deps.pods.get(ctx, name);
    const nodeName: string = pod.spec?.nodeName ?? '';
    if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    // PodPortForwardOptions.ports become the kubelet's `port` parameters (upstream PortForwardLocation).
    const params = new URLSearchParams();
    for (const p of r.query.getAll('ports')) {
      for (const one of p.split(',')) {
        const n = Number(one.trim());
        if (!/^\d+$/.test(one.trim()) || n < 1 || n > 65535) throw badRequest(`port "${one}" is not valid`);
        params.append('port', String(n));
      }
    }
    if (!r.upgrade) throw badRequest('Upgrade request required');
    const loc = await nodeLocation(deps, ctx, nodeName);
    const q = params.toString();
    const path = kubeletPath('portForward', pod.metadata?.namespace ?? ctx.namespace, name) + (q ? `?${q}` : '');
    const up = r.upgrade;
    await kubeletClient(deps).upgrade(loc, path, r.req, () => up.take(), up.head);
  };
}

/**
 * pods/exec and pods/attach: upgrade requests (SPDY/3.1, WebSocket channel.k8s.io) proxied as a
 * byte pipe to the kubelet's `/exec/{ns}/{pod}/{container}` and `/attach/...`, with the client's
 * query (command, stdin, stdout, stderr, tty) passed through.
 *
 * upstream: pkg/registry/core/pod/rest/subresources.go (ExecREST, AttachREST),
 * strategy.go ExecLocation/AttachLocation (streamLocation) and UpgradeAwareHandler.
 */
import { badRequest } from '#impl/apimachinery/index.ts';
import type { ConnectRequest } from '../../../../endpoints/handlers/connect.ts';
import type { RequestContext } from '../../../rest/strategy.ts';
import { containerFor, kubeletClient, kubeletPath, nodeLocation, type ConnectDeps } from './location.ts';

/** validateStreams checks the stream flags (upstream ValidatePodExecOptions / AttachOptions). */
export function validateStreams(q: URLSearchParams, kind: 'exec' | 'attach'): void {
  const on = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  if (kind === 'exec' && q.getAll('command').length === 0) throw badRequest('you must specify at least 1 command');
  if (!on('stdin') && !on('stdout') && !on('stderr')) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  if (on('tty') && on('stdout') && on('stderr')) throw badRequest('stdout and stderr cannot both be true when tty is true');
}

/** newStreamREST serves pods/exec (`kind` exec) or pods/attach. */
export function newStreamREST(deps: ConnectDeps, kind: 'exec' | 'attach'): (ctx: RequestContext, name: string, r: ConnectRequest) => Promise<void> {
  return async (ctx, name, r) => {
    const pod = await deps.pods.get(ctx, name);
    const container = containerFor(pod, name, r.query.get('container'));
    const nodeName: string = pod.spec?.nodeName ?? '';
    if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    validateStreams(r.query, kind);
    if (!r.upgrade) throw badRequest('Upgrade request required');
    const loc = await nodeLocation(deps, ctx, nodeName);
    const q = new URLSearchParams(r.query);
    q.delete('container');
    const path = kubeletPath(kind, pod.metadata?.namespace ?? ctx.namespace, name, container) + (q.size ? `?${q}` : '');
    const up = r.upgrade;
    await kubeletClient(deps).upgrade(loc, path, r.req, () => up.take(), up.head);
  };
}

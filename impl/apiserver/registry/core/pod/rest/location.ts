/**
 * Where a pod's connect subresources go: the pod's node's kubelet, and which container.
 *
 * upstream: pkg/registry/core/pod/strategy.go (LogLocation, streamLocation, PortForwardLocation,
 * ResourceLocation) and pkg/kubelet/client (NodeConnectionInfoGetter).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, internalError, StatusError } from '#impl/apimachinery/index.ts';
import type { KubeletClient, ConnectionInfo } from '../../../../kubelet-client.ts';
import type { KubeObject, RequestContext } from '../../../rest/strategy.ts';

/** Getter reads one object by name (a registry Store). */
export interface Getter {
  get(ctx: RequestContext, name: string): Promise<KubeObject>;
}

/** ConnectDeps are what the pod and node connect subresources use. */
export interface ConnectDeps {
  pods: Getter;
  /** Node store (looked up lazily: nodes may be registered after pods). */
  nodes: () => Getter | undefined;
  /** The kubelet client; undefined when the apiserver has none (503). */
  kubelet: () => KubeletClient | undefined;
}

function names(cs: Array<{ name?: string }> | undefined): string[] {
  return (cs ?? []).map((c) => c.name ?? '');
}

/** podHasContainer reports whether the pod has a container, init or ephemeral container `name`. */
export function podHasContainer(pod: KubeObject, name: string): boolean {
  const s = pod.spec ?? {};
  return [...names(s.containers), ...names(s.initContainers), ...names(s.ephemeralContainers)].includes(name);
}

/**
 * containerFor picks the container a log/exec/attach request means: the given one (it must
 * exist), else the only container, else 400 listing the choices (upstream wording).
 */
export function containerFor(pod: KubeObject, podName: string, container: string | null): string {
  if (container) {
    if (!podHasContainer(pod, container)) throw badRequest(`container ${container} is not valid for pod ${podName}`);
    return container;
  }
  const cs = names(pod.spec?.containers);
  if (cs.length === 1) return cs[0]!;
  if (cs.length === 0) throw badRequest(`a container name must be specified for pod ${podName}`);
  let msg = `a container name must be specified for pod ${podName}, choose one of: [${cs.join(' ')}]`;
  const init = names(pod.spec?.initContainers);
  if (init.length) msg += ` or one of the init containers: [${init.join(' ')}]`;
  const eph = names(pod.spec?.ephemeralContainers);
  if (eph.length) msg += ` or one of the ephemeral containers: [${eph.join(' ')}]`;
  throw badRequest(msg);
}

/** kubeletClient returns the kubelet client or fails with 503. */
export function kubeletClient(deps: ConnectDeps): KubeletClient {
  const k = deps.kubelet();
  if (!k) throw new StatusError({ reason: 'ServiceUnavailable', message: 'the apiserver has no kubelet client configured' });
  return k;
}

/** nodeLocation finds a node's kubelet endpoint. */
export async function nodeLocation(deps: ConnectDeps, ctx: RequestContext, nodeName: string): Promise<ConnectionInfo> {
  const nodes = deps.nodes();
  if (!nodes) throw internalError(new Error('nodes are not served'));
  const node = await nodes.get({ ...ctx, namespace: '' }, nodeName);
  return kubeletClient(deps).connectionInfo(node);
}

/** kubeletPath builds `/<prefix>/<ns>/<pod>[/<container>]` with escaped segments. */
export function kubeletPath(prefix: string, ...segments: string[]): string {
  return `/${prefix}/${segments.map(encodeURIComponent).join('/')}`;
}

/**
 * kubeletError turns a non-2xx kubelet answer into a StatusError (upstream
 * GenericHttpResponseChecker): 400 and 500 keep the kubelet's message, others keep the code.
 */
export async function kubeletError(res: IncomingMessage): Promise<StatusError> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    if (size < 4096) chunks.push(c);
    size += c.length;
  }
  let text = Buffer.concat(chunks).toString('utf8').slice(0, 4096).trim();
  try {
    const s = JSON.parse(text) as { kind?: string; message?: string };
    if (s?.kind === 'Status' && typeof s.message === 'string') text = s.message;
  } catch {
    // plain text, as upstream kubelets answer
  }
  const code = res.statusCode ?? 500;
  if (code === 400) return badRequest(text);
  if (code === 500) return internalError(new Error(text));
  const reason = code === 404 ? 'NotFound' : code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : code === 503 ? 'ServiceUnavailable' : 'InternalError';
  return new StatusError({ reason, code, message: text || `the server responded with the status code ${code} but did not return more information` });
}

/** abortOnClose aborts when the client goes away before the response finished. */
export function abortOnClose(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const ctrl = new AbortController();
  const onClose = () => ctrl.abort();
  req.socket.once('close', onClose);
  res.once('close', () => {
    req.socket.off('close', onClose);
    if (!res.writableFinished) ctrl.abort();
  });
  return ctrl.signal;
}

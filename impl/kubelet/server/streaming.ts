/**
 * The kubelet's streaming endpoints (upstream: pkg/kubelet/server/server.go getExec, getAttach,
 * getPortForward with the CRI streaming server, and pkg/kubelet/kubelet_pods.go GetExec,
 * GetAttach, GetPortForward):
 * - `/exec/{namespace}/{pod}[/{uid}]/{container}?command=...&stdin=1&stdout=1&stderr=1&tty=1`
 * - `/attach/{namespace}/{pod}[/{uid}]/{container}?stdin=1&stdout=1&stderr=1&tty=1`
 * - `/portForward/{namespace}/{pod}[/{uid}]?port=N...`
 * Each resolves the pod and its running container (or ready sandbox), asks the runtime for a
 * streaming URL (CRI Exec/Attach/PortForward) and proxies the client's upgrade request there
 * (`upgrade-proxy.ts`), so the session protocol (WebSocket `v4.channel.k8s.io`, SPDY/3.1) is
 * whatever the client and the runtime agree on.
 */
import type { Pod } from '#generated/k8s/index.ts';
import { badRequest, notFound, StatusError } from '#impl/apimachinery/errors.ts';
import type { RemoteRuntimeService } from '#impl/cri/index.ts';

/** StreamOptions are the remotecommand stream flags (upstream remotecommand.Options). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** StreamingRequest is a parsed streaming path and query. */
export type StreamingRequest =
  | { kind: 'exec'; namespace: string; pod: string; uid?: string; container: string; command: string[]; options: StreamOptions }
  | { kind: 'attach'; namespace: string; pod: string; uid?: string; container: string; options: StreamOptions }
  | { kind: 'portForward'; namespace: string; pod: string; uid?: string; ports: number[] };

/** StreamingRuntimeHost mints the runtime's streaming URLs for a pod (upstream HostInterface). */
export interface StreamingRuntimeHost {
  getExec(pod: Pod, container: string, command: string[], options: StreamOptions): Promise<string>;
  getAttach(pod: Pod, container: string, options: StreamOptions): Promise<string>;
  getPortForward(pod: Pod, ports: number[]): Promise<string>;
}

const flag = (q: URLSearchParams, k: string): boolean => q.get(k) === '1' || q.get(k) === 'true';

/** parseStreamOptions reads stdin/stdout/stderr/tty (upstream remotecommand NewOptions). */
export function parseStreamOptions(q: URLSearchParams): StreamOptions {
  const o: StreamOptions = { stdin: flag(q, 'stdin'), stdout: flag(q, 'stdout'), stderr: flag(q, 'stderr'), tty: flag(q, 'tty') };
  // A TTY merges stderr into stdout.
  if (o.tty) o.stderr = false;
  if (!o.stdin && !o.stdout && !o.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  return o;
}

/**
 * parseStreamingRequest matches a streaming path; undefined for other paths. Bad parameters
 * throw a 400 StatusError.
 */
export function parseStreamingRequest(url: URL): StreamingRequest | undefined {
  const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
  const [kind, namespace = '', pod = ''] = parts;
  const rest = parts.slice(3);
  if ((kind === 'exec' || kind === 'attach') && (rest.length === 1 || rest.length === 2) && namespace && pod) {
    const uid = rest.length === 2 ? rest[0] : undefined;
    const container = rest[rest.length - 1] ?? '';
    if (kind === 'attach') return { kind, namespace, pod, uid, container, options: parseStreamOptions(url.searchParams) };
    const command = url.searchParams.getAll('command');
    const options = parseStreamOptions(url.searchParams);
    return { kind, namespace, pod, uid, container, command, options };
  }
  if (kind === 'portForward' && rest.length <= 1 && namespace && pod) {
    const ports = url.searchParams.getAll('port').map((p) => {
      const n = Number(p);
      if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw badRequest(`invalid port value "${p}"`);
      return n;
    });
    return { kind, namespace, pod, uid: rest[0], ports };
  }
  return undefined;
}

/** findPod returns the pod the request names, or a 404 (upstream: "pod does not exist"). */
export function findPod(pods: Pod[], r: StreamingRequest): Pod {
  const pod = pods.find((p) => p.metadata?.namespace === r.namespace && p.metadata?.name === r.pod && (!r.uid || p.metadata?.uid === r.uid));
  if (!pod) throw notFound({ group: '', resource: 'pods' }, r.pod);
  return pod;
}

/** streamingUrl asks the host for the runtime URL that serves `r`. */
export function streamingUrl(host: StreamingRuntimeHost, pod: Pod, r: StreamingRequest): Promise<string> {
  switch (r.kind) {
    case 'exec':
      return host.getExec(pod, r.container, r.command, r.options);
    case 'attach':
      return host.getAttach(pod, r.container, r.options);
    case 'portForward':
      return host.getPortForward(pod, r.ports);
  }
}

/** RuntimePodStatusReader is the part of the runtime manager {@link criStreamingHost} reads. */
export interface RuntimePodStatusReader {
  getPodStatus(
    uid: string,
    name: string,
    namespace: string,
  ): Promise<{ sandboxStatuses: { id: string; ready: boolean }[]; containerStatuses: { id: string; name: string; state: string }[] }>;
}

/** StreamingRuntimeService is the CRI part of {@link criStreamingHost}. */
export type StreamingRuntimeService = Pick<RemoteRuntimeService, 'exec' | 'attach' | 'portForward'>;

/** isStreamingRuntimeService tells whether a runtime service can mint streaming URLs. */
export function isStreamingRuntimeService(rs: object): rs is StreamingRuntimeService {
  const r = rs as Partial<StreamingRuntimeService>;
  return typeof r.exec === 'function' && typeof r.attach === 'function' && typeof r.portForward === 'function';
}

/**
 * criStreamingHost implements {@link StreamingRuntimeHost} over the kubelet's runtime manager and
 * CRI client (upstream Kubelet.GetExec/GetAttach/GetPortForward with findContainer).
 */
export function criStreamingHost(runtime: RuntimePodStatusReader, rs: StreamingRuntimeService): StreamingRuntimeHost {
  const status = (pod: Pod) => runtime.getPodStatus(pod.metadata?.uid ?? '', pod.metadata?.name ?? '', pod.metadata?.namespace ?? '');
  const runningContainer = async (pod: Pod, container: string): Promise<string> => {
    const st = await status(pod);
    const c = st.containerStatuses.find((x) => x.name === container && x.state === 'running');
    if (!c) {
      const known = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].some((x) => x.name === container);
      if (!known) throw notFound({ group: '', resource: 'containers' }, container);
      throw badRequest(`container ${container} is not running in pod ${pod.metadata?.name ?? ''}`);
    }
    return c.id;
  };
  return {
    async getExec(pod, container, command, o) {
      if (command.length === 0) throw badRequest('you must specify a command');
      const containerId = await runningContainer(pod, container);
      return (await rs.exec({ containerId, cmd: command, tty: o.tty, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr })).url;
    },
    async getAttach(pod, container, o) {
      const containerId = await runningContainer(pod, container);
      return (await rs.attach({ containerId, tty: o.tty, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr })).url;
    },
    async getPortForward(pod, ports) {
      const st = await status(pod);
      const sb = st.sandboxStatuses.find((s) => s.ready);
      if (!sb) throw new StatusError({ reason: 'BadRequest', message: `pod ${pod.metadata?.name ?? ''} has no running sandbox` });
      return (await rs.portForward({ podSandboxId: sb.id, port: ports })).url;
    },
  };
}

/**
 * impl/cri — the CRI client: typed RuntimeService and ImageService clients over the generated
 * ts-proto/grpc-js stubs, typed errors, and the streaming clients for Exec/Attach/PortForward URLs.
 *
 * Typical use:
 * ```ts
 * import { connectCri, isNotFound, runRemoteCommand } from '#impl/cri/index.ts';
 * const cri = connectCri({ endpoint: 'unix:///var/lib/kubets/containerd/containerd.sock' });
 * await cri.runtime.version();                                  // { runtimeName: 'containerd', ... }
 * await cri.image.pullImage({ image: { image: 'busybox' } });
 * const { podSandboxId } = await cri.runtime.runPodSandbox({ config });
 * const { url } = await cri.runtime.exec({ containerId, cmd: ['sh', '-c', 'echo hi'], stdout: true, stderr: true });
 * const { stdout, exitCode } = await runRemoteCommand({ url });
 * cri.close();
 * ```
 *
 * Contracts:
 * - Every method takes a DeepPartial request and `{ timeoutMs, signal }`. Default deadline 2 min
 *   per call including retries (PullImage: none; StopContainer/ExecSync: their own timeout + 2 min).
 * - Idempotent calls (reads, stop, remove, the streaming-URL calls, PullImage) are retried on
 *   UNAVAILABLE with backoff (3 attempts); the others are never retried.
 * - Failures are `CriError` subclasses named after the gRPC status (`NotFoundError`,
 *   `UnavailableError`, `DeadlineExceededError`, `UnimplementedError`, ...), with `method`,
 *   `grpcCode` and the runtime's `details`; predicates `isNotFound` etc.
 * - NotFound from stop/remove is passed through unless `tolerateNotFound: true` (the kubelet's
 *   mode); a validator keeps the default so it sees what the runtime answers.
 * - `observer` hears one `CallObservation` per call (method, duration, attempts, error), for
 *   metrics (`kubelet_runtime_operations_duration_seconds`-style) and logs.
 * - Streaming: WebSocket `v4.channel.k8s.io`, which containerd 1.6 serves; stdin cannot be
 *   half-closed in v4 (see streaming/remotecommand.ts). Attach uses the same client as Exec.
 *   PortForward: one session per TCP connection (streaming/portforward.ts). No SPDY client.
 */
import { InstrumentedClient, type InstrumentedClientOptions } from './instrumented-client.ts';
import { RemoteImageService } from './remote-image.ts';
import { RemoteRuntimeService } from './remote-runtime.ts';

export * from './errors.ts';
export {
  InstrumentedClient,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_RETRY_POLICY,
  MAX_MESSAGE_SIZE,
  grpcTarget,
  operationName,
  type CallObservation,
  type CallObserver,
  type CallOptions,
  type InstrumentedClientOptions,
  type RetryPolicy,
} from './instrumented-client.ts';
export { RemoteRuntimeService, CRI_API_VERSION, type RemoteRuntimeServiceOptions } from './remote-runtime.ts';
export { RemoteImageService, type RemoteImageServiceOptions } from './remote-image.ts';
export {
  openRemoteCommand,
  runRemoteCommand,
  exitCodeFromStatus,
  RemoteCommandError,
  type OpenRemoteCommandOptions,
  type OutputSink,
  type RemoteCommandOutput,
  type RemoteCommandResult,
  type RemoteCommandSession,
  type RunRemoteCommandOptions,
  type StreamStatus,
} from './streaming/remotecommand.ts';
export {
  openPortForward,
  forwardLocalPort,
  PortForwardError,
  type ForwardLocalPortOptions,
  type LocalForward,
  type OpenPortForwardOptions,
} from './streaming/portforward.ts';
export { REMOTE_COMMAND_CHANNELS, V4_CHANNEL_PROTOCOL } from './streaming/channel-protocol.ts';

/** CriClients are the two services of one endpoint, sharing one channel. */
export interface CriClients {
  runtime: RemoteRuntimeService;
  image: RemoteImageService;
  /** close closes the shared channel (and the image channel when it is a different endpoint). */
  close(): void;
}

/** ConnectCriOptions configure {@link connectCri}. */
export interface ConnectCriOptions extends InstrumentedClientOptions {
  /** imageEndpoint defaults to `endpoint` (as crictl and critest do). */
  imageEndpoint?: string;
  tolerateNotFound?: boolean;
}

/**
 * connectCri builds the runtime and image clients for a CRI endpoint (lazy: nothing is dialled
 * until the first call; a wrong endpoint surfaces as UnavailableError within the deadline).
 */
export function connectCri(opts: ConnectCriOptions): CriClients {
  const runtimeClient = new InstrumentedClient(opts);
  const imageClient =
    opts.imageEndpoint && opts.imageEndpoint !== opts.endpoint
      ? new InstrumentedClient({ ...opts, endpoint: opts.imageEndpoint })
      : runtimeClient;
  return {
    runtime: new RemoteRuntimeService({ ...opts, client: runtimeClient }),
    image: new RemoteImageService({ ...opts, client: imageClient }),
    close: () => {
      runtimeClient.close();
      if (imageClient !== runtimeClient) imageClient.close();
    },
  };
}

/**
 * The validator's own view of a CRI endpoint: every unary RuntimeService and ImageService RPC as a
 * promise, with a deadline and an AbortSignal, and nothing else.
 *
 * Why not `impl/cri`'s instrumented wrapper: that wrapper is built for the kubelet and, as house
 * style requires, retries UNAVAILABLE and treats NotFound from stop/remove as success. A validator
 * must see exactly what the runtime answered (the Idempotence cases exist to catch a NotFound from
 * StopContainer), so it talks to the generated stubs directly. The streaming side (Exec, Attach and
 * PortForward URLs) is `impl/cri`'s.
 */
import * as grpc from '@grpc/grpc-js';
import type { handleUnaryCall } from '@grpc/grpc-js';
import * as api from '#generated/cri/api.ts';
import type { DeepPartial, ImageServiceServer, RuntimeServiceServer } from '#generated/cri/api.ts';

/** CallOptions bounds one RPC. */
export interface CallOptions {
  /** timeoutMs is the gRPC deadline for this call (default: the client's defaultTimeoutMs). */
  timeoutMs?: number;
  /** signal cancels the call (it then fails with CANCELLED). */
  signal?: AbortSignal;
}

type UnaryMethods<S> = {
  [K in keyof S as S[K] extends handleUnaryCall<infer _Q, infer _R> ? K : never]: S[K] extends handleUnaryCall<infer Q, infer R>
    ? (req?: DeepPartial<Q>, opts?: CallOptions) => Promise<R>
    : never;
};

/** RawRuntimeService has every unary RuntimeService RPC (method names as in ts-proto: `runPodSandbox`). */
export type RawRuntimeService = UnaryMethods<RuntimeServiceServer>;
/** RawImageService has every unary ImageService RPC. */
export type RawImageService = UnaryMethods<ImageServiceServer>;

/**
 * CriCallError is a failed CRI call: the gRPC status code and details, and which RPC it was.
 * `message` reads like `RuntimeService/StopContainer: NOT_FOUND: an error occurred ...`.
 */
export class CriCallError extends Error {
  /** code is the numeric gRPC status code (`grpc.status`). */
  readonly code: grpc.status;
  /** rpc is `Service/Method`. */
  readonly rpc: string;
  /** details is the runtime's own error text. */
  readonly details: string;
  constructor(rpc: string, code: grpc.status, details: string, options?: { cause?: unknown }) {
    super(`${rpc}: ${grpc.status[code] ?? code}: ${details}`, options);
    this.name = 'CriCallError';
    this.code = code;
    this.rpc = rpc;
    this.details = details;
  }
}

/** isCriCallError narrows to CriCallError, optionally with the given code. */
export function isCriCallError(err: unknown, code?: grpc.status): err is CriCallError {
  return err instanceof CriCallError && (code === undefined || err.code === code);
}

/** DialOptions says where the runtime is. */
export interface DialOptions {
  /** runtimeEndpoint is `unix:///path.sock` (or a bare path, or `host:port`). */
  runtimeEndpoint: string;
  /** imageEndpoint defaults to runtimeEndpoint. */
  imageEndpoint?: string;
  /** defaultTimeoutMs is each call's deadline unless the call says otherwise (default 2 min). */
  defaultTimeoutMs?: number;
}

/** RawCri holds both services and closes their channels. */
export interface RawCri {
  runtime: RawRuntimeService;
  image: RawImageService;
  runtimeEndpoint: string;
  imageEndpoint: string;
  close(): void;
}

/** normalizeEndpoint turns `/path.sock` into `unix:///path.sock` and checks the scheme. */
export function normalizeEndpoint(endpoint: string): string {
  if (endpoint.startsWith('/')) return `unix://${endpoint}`;
  if (/^unix:\/\//.test(endpoint) || /^[\w.-]+:\d+$/.test(endpoint) || /^(dns|ipv4|ipv6):/.test(endpoint)) return endpoint;
  if (/^tcp:\/\//.test(endpoint)) return endpoint.slice('tcp://'.length);
  throw new Error(`unsupported CRI endpoint ${JSON.stringify(endpoint)}: want unix:///path.sock or host:port`);
}

type Definition = Record<string, { path: string; requestStream: boolean; responseStream: boolean }>;
type MessageFns = { fromPartial(o: unknown): unknown };

function bindService(client: grpc.Client, def: Definition, service: string, defaultTimeoutMs: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [method, d] of Object.entries(def)) {
    if (d.requestStream || d.responseStream) continue;
    const rpcName = d.path.slice(d.path.lastIndexOf('/') + 1);
    const fns = (api as unknown as Record<string, MessageFns | undefined>)[`${rpcName}Request`];
    if (!fns) continue;
    const rpc = `${service}/${rpcName}`;
    const fn = (client as unknown as Record<string, (...a: unknown[]) => grpc.ClientUnaryCall>)[method]!.bind(client);
    out[method] = (req: unknown = {}, opts: CallOptions = {}) =>
      new Promise((resolve, reject) => {
        if (opts.signal?.aborted) {
          reject(new CriCallError(rpc, grpc.status.CANCELLED, `aborted before the call: ${String(opts.signal.reason)}`));
          return;
        }
        const deadline = new Date(Date.now() + (opts.timeoutMs ?? defaultTimeoutMs));
        const call = fn(fns.fromPartial(req), new grpc.Metadata(), { deadline }, (err: grpc.ServiceError | null, res: unknown) => {
          opts.signal?.removeEventListener('abort', onAbort);
          if (err) reject(new CriCallError(rpc, err.code, err.details || err.message, { cause: err }));
          else resolve(res);
        });
        const onAbort = (): void => call.cancel();
        opts.signal?.addEventListener('abort', onAbort, { once: true });
      });
  }
  return out;
}

/**
 * dialCri opens channels to the runtime and image endpoints (lazily: the first call connects) and
 * returns promise-returning methods for every unary RPC.
 */
export function dialCri(opts: DialOptions): RawCri {
  const runtimeEndpoint = normalizeEndpoint(opts.runtimeEndpoint);
  const imageEndpoint = normalizeEndpoint(opts.imageEndpoint || opts.runtimeEndpoint);
  const timeout = opts.defaultTimeoutMs ?? 120_000;
  const channelOptions = {
    'grpc.max_receive_message_length': 64 << 20,
    // Fail fast instead of waiting for a reconnect when the runtime is gone.
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 1000,
  };
  const rt = new api.RuntimeServiceClient(runtimeEndpoint, grpc.credentials.createInsecure(), channelOptions);
  const im = new api.ImageServiceClient(imageEndpoint, grpc.credentials.createInsecure(), channelOptions);
  return {
    runtime: bindService(rt, api.RuntimeServiceService as unknown as Definition, 'RuntimeService', timeout) as unknown as RawRuntimeService,
    image: bindService(im, api.ImageServiceService as unknown as Definition, 'ImageService', timeout) as unknown as RawImageService,
    runtimeEndpoint,
    imageEndpoint,
    close() {
      rt.close();
      im.close();
    },
  };
}

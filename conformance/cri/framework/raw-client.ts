/**
 * The validator's connection to a CRI endpoint: `impl/cri`'s clients (typed errors, deadlines,
 * AbortSignal), configured so the validator sees exactly what the runtime answered — no retries on
 * UNAVAILABLE and NotFound from stop/remove passed through (the Idempotence cases exist to catch a
 * NotFound from StopContainer).
 */
import * as grpc from '@grpc/grpc-js';
import { connectCri, CriError, type RemoteImageService, type RemoteRuntimeService } from '#impl/cri/index.ts';

/** RawRuntimeService is the runtime client the cases use (every RuntimeService RPC). */
export type RawRuntimeService = RemoteRuntimeService;
/** RawImageService is the image client the cases use (every ImageService RPC). */
export type RawImageService = RemoteImageService;

/** isCriCallError narrows to impl/cri's CriError, optionally with the given gRPC code. */
export function isCriCallError(err: unknown, code?: grpc.status): err is CriError {
  return err instanceof CriError && (code === undefined || err.grpcCode === code);
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

/** normalizeEndpoint turns `/path.sock` into `unix:///path.sock` and rejects unsupported schemes. */
export function normalizeEndpoint(endpoint: string): string {
  if (endpoint.startsWith('/')) return `unix://${endpoint}`;
  if (/^unix:\/\//.test(endpoint) || /^[\w.-]+:\d+$/.test(endpoint) || /^(dns|ipv4|ipv6):/.test(endpoint)) return endpoint;
  if (/^tcp:\/\//.test(endpoint)) return endpoint.slice('tcp://'.length);
  throw new Error(`unsupported CRI endpoint ${JSON.stringify(endpoint)}: want unix:///path.sock or host:port`);
}

/** dialCri connects (lazily: the first call dials) to the runtime and image endpoints. */
export function dialCri(opts: DialOptions): RawCri {
  const runtimeEndpoint = normalizeEndpoint(opts.runtimeEndpoint);
  const imageEndpoint = normalizeEndpoint(opts.imageEndpoint || opts.runtimeEndpoint);
  const clients = connectCri({
    endpoint: runtimeEndpoint,
    imageEndpoint,
    defaultTimeoutMs: opts.defaultTimeoutMs ?? 120_000,
    retry: { maxAttempts: 1 },
    tolerateNotFound: false,
    // Fail fast instead of waiting for a reconnect when the runtime is gone.
    channelOptions: { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 1000 },
  });
  return { runtime: clients.runtime, image: clients.image, runtimeEndpoint, imageEndpoint, close: () => clients.close() };
}

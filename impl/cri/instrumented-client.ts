/**
 * InstrumentedClient is the one wrapper every CRI call goes through (the TS form of the kubelet's
 * `instrumented_services.go` plus the deadline handling of `remote_runtime.go`): it resolves the
 * endpoint, applies a per-call deadline, retries UNAVAILABLE for calls marked idempotent with a
 * backoff, cancels on AbortSignal, maps gRPC failures to typed {@link CriError}s, and reports
 * each call (method, duration, outcome) to an optional observer for logs and metrics.
 * `RemoteRuntimeService` and `RemoteImageService` are thin typed facades over it.
 */
import * as grpc from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { CanceledError, DeadlineExceededError, toCriError, type CriError } from './errors.ts';

/** MAX_MESSAGE_SIZE is the gRPC message limit both ways (the kubelet's `maxMsgSize`, 16 MiB). */
export const MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

/** DEFAULT_TIMEOUT_MS is the per-call deadline (the kubelet's `--runtime-request-timeout`, 2m). */
export const DEFAULT_TIMEOUT_MS = 2 * 60 * 1000;

/**
 * UnaryMethodDefinition is the shape of one generated grpc-js method definition
 * (`RuntimeServiceService.version`, ...).
 */
export interface UnaryMethodDefinition<Req, Res> {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: (value: Req) => Buffer;
  responseDeserialize: (value: Buffer) => Res;
}

/** CallObservation is what the observer hears after every call (one per attempt series). */
export interface CallObservation {
  /** method is the full gRPC path, e.g. `/runtime.v1.RuntimeService/RunPodSandbox`. */
  method: string;
  /** operation is the RPC name, e.g. `RunPodSandbox` (the `operation_type` label of kubelet runtime metrics). */
  operation: string;
  durationMs: number;
  attempts: number;
  /** error is the mapped error, absent on success. */
  error?: CriError;
}

/** CallObserver receives {@link CallObservation}s (wire metrics and logs here). */
export type CallObserver = (o: CallObservation) => void;

/** RetryPolicy bounds retries of idempotent calls on UNAVAILABLE. */
export interface RetryPolicy {
  /** maxAttempts including the first; default 3. */
  maxAttempts: number;
  /** initialBackoffMs doubles per attempt; default 100. */
  initialBackoffMs: number;
  /** maxBackoffMs caps the backoff; default 1000. */
  maxBackoffMs: number;
}

/** DEFAULT_RETRY_POLICY is used when none is given. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 1000 };

/** InstrumentedClientOptions configure an {@link InstrumentedClient}. */
export interface InstrumentedClientOptions {
  /** endpoint: `unix:///path.sock`, a bare socket path, `tcp://host:port` or `host:port`. */
  endpoint: string;
  /** defaultTimeoutMs for calls that pass none; default {@link DEFAULT_TIMEOUT_MS}. */
  defaultTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  observer?: CallObserver;
  /** delay is injected for tests (backoff sleeps); default timers/promises setTimeout. */
  delay?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** now is injected for tests; default Date.now. */
  now?: () => number;
  /** channelOptions are passed to grpc-js (merged over the message-size limits). */
  channelOptions?: grpc.ChannelOptions;
}

/** CallOptions are the per-call knobs of every CRI client method. */
export interface CallOptions {
  /** timeoutMs is the deadline of the whole call including retries; 0 = no deadline. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** InternalCallOptions adds what the facades decide per method. */
export interface InternalCallOptions extends CallOptions {
  /** idempotent calls are retried on UNAVAILABLE. */
  idempotent: boolean;
}

/**
 * grpcTarget turns a CRI endpoint into a grpc-js target: `unix:///x.sock` and `/x.sock` become
 * `unix:///x.sock`, `tcp://h:p` becomes `h:p`; anything else is passed through.
 */
export function grpcTarget(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return endpoint;
  if (endpoint.startsWith('/')) return `unix://${endpoint}`;
  if (endpoint.startsWith('tcp://')) return endpoint.slice('tcp://'.length);
  return endpoint;
}

/** operationName returns `RunPodSandbox` from `/runtime.v1.RuntimeService/RunPodSandbox`. */
export function operationName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** InstrumentedClient performs unary and server-streaming CRI calls with the policies above. */
export class InstrumentedClient {
  readonly endpoint: string;
  private readonly client: grpc.Client;
  private readonly defaultTimeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly observer: CallObserver | undefined;
  private readonly delay: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  constructor(opts: InstrumentedClientOptions) {
    this.endpoint = opts.endpoint;
    this.client = new grpc.Client(grpcTarget(opts.endpoint), grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE_SIZE,
      'grpc.max_send_message_length': MAX_MESSAGE_SIZE,
      ...opts.channelOptions,
    });
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.observer = opts.observer;
    this.delay = opts.delay ?? ((ms, signal) => sleep(ms, undefined, { signal }));
    this.now = opts.now ?? Date.now;
  }

  /**
   * unary calls `def` with `request`. The deadline covers all attempts; only `idempotent` calls
   * are retried, and only on UNAVAILABLE, while time is left. Failures are thrown as CriErrors.
   */
  async unary<Req, Res>(def: UnaryMethodDefinition<Req, Res>, request: Req, opts: InternalCallOptions): Promise<Res> {
    const start = this.now();
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const deadline = timeoutMs > 0 ? start + timeoutMs : Infinity;
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        const res = await this.once(def, request, deadline, opts.signal);
        this.observe(def.path, start, attempts);
        return res;
      } catch (raw) {
        const err = toCriError(def.path, raw);
        const backoff = Math.min(this.retry.initialBackoffMs * 2 ** (attempts - 1), this.retry.maxBackoffMs);
        const retryable =
          opts.idempotent &&
          err.reason === 'Unavailable' &&
          attempts < this.retry.maxAttempts &&
          this.now() + backoff < deadline &&
          !opts.signal?.aborted;
        if (!retryable) {
          this.observe(def.path, start, attempts, err);
          throw err;
        }
        try {
          await this.delay(backoff, opts.signal);
        } catch (abort) {
          const canceled = new CanceledError({ reason: 'Canceled', grpcCode: grpc.status.CANCELLED, method: def.path, details: 'canceled while waiting to retry', cause: abort });
          this.observe(def.path, start, attempts, canceled);
          throw canceled;
        }
      }
    }
  }

  private once<Req, Res>(def: UnaryMethodDefinition<Req, Res>, request: Req, deadline: number, signal?: AbortSignal): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new CanceledError({ reason: 'Canceled', grpcCode: grpc.status.CANCELLED, method: def.path, details: 'canceled before the call', cause: signal.reason }));
        return;
      }
      if (deadline !== Infinity && deadline <= this.now()) {
        reject(new DeadlineExceededError({ reason: 'DeadlineExceeded', grpcCode: grpc.status.DEADLINE_EXCEEDED, method: def.path, details: 'deadline passed before the call' }));
        return;
      }
      const call = this.client.makeUnaryRequest<Req, Res>(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        new grpc.Metadata(),
        deadline === Infinity ? {} : { deadline },
        (err, value) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else if (value === undefined) reject(new Error('empty response'));
          else resolve(value);
        },
      );
      const onAbort = (): void => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * serverStream opens a server-streaming call and yields its messages until the server ends it,
   * the signal aborts it, or it fails (thrown as a CriError). No deadline, no retry: streams are
   * long-lived watches (GetContainerEvents).
   */
  async *serverStream<Req, Res>(def: UnaryMethodDefinition<Req, Res>, request: Req, signal?: AbortSignal): AsyncGenerator<Res> {
    const call = this.client.makeServerStreamRequest<Req, Res>(def.path, def.requestSerialize, def.responseDeserialize, request, new grpc.Metadata(), {});
    const onAbort = (): void => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const msg of call as AsyncIterable<Res>) yield msg;
    } catch (err) {
      throw toCriError(def.path, err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      call.cancel();
    }
  }

  private observe(method: string, start: number, attempts: number, error?: CriError): void {
    this.observer?.({ method, operation: operationName(method), durationMs: this.now() - start, attempts, error });
  }

  /** waitForReady resolves once the channel is connected, or throws after `timeoutMs`. */
  async waitForReady(timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** close closes the channel; in-flight calls fail with CANCELLED. */
  close(): void {
    this.client.close();
  }
}

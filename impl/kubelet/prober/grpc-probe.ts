/**
 * gRPC probes (upstream: pkg/probe/grpc/grpc.go): one unary call to
 * `grpc.health.v1.Health/Check` with the probe's optional `service`, over plaintext h2c,
 * bounded by the probe timeout. SERVING is a success; any other status, an RPC error or a
 * connection error is a failure, with upstream's messages. The two tiny messages are encoded by
 * hand (HealthCheckRequest{1: service string}, HealthCheckResponse{1: status enum}).
 */
import * as grpc from '@grpc/grpc-js';

/** HEALTH_CHECK_METHOD is the health protocol's unary method path. */
export const HEALTH_CHECK_METHOD = '/grpc.health.v1.Health/Check';

/** SERVING_STATUS names HealthCheckResponse.ServingStatus values as Go's String() prints them. */
export const SERVING_STATUS: Record<number, string> = { 0: 'UNKNOWN', 1: 'SERVING', 2: 'NOT_SERVING', 3: 'SERVICE_UNKNOWN' };

/** GrpcProbeOutcome is a probe result with the text upstream puts in the Unhealthy event. */
export interface GrpcProbeOutcome {
  result: 'success' | 'failure';
  output: string;
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** encodeHealthCheckRequest encodes HealthCheckRequest{service}. */
export function encodeHealthCheckRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0);
  const s = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]);
}

/** decodeHealthCheckResponse returns HealthCheckResponse.status (0 when absent); unknown fields are skipped. */
export function decodeHealthCheckResponse(buf: Buffer): number {
  let i = 0;
  let status = 0;
  const readVarint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++];
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = readVarint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const v = readVarint();
      if (field === 1) status = v;
    } else if (wire === 2) {
      const n = readVarint();
      i += n;
    }
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return status;
}

/** formatDuration prints a timeout the way Go's time.Duration does for whole seconds ("1s", "1m0s"). */
function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s % 60}s` : `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}

/** codeName prints a gRPC status code as Go's codes.Code.String() does ("DeadlineExceeded"). */
export function codeName(code: number): string {
  const upper = grpc.status[code] as string | undefined;
  if (!upper) return `Code(${code})`;
  if (upper === 'OK') return 'OK';
  return upper.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u: string, c: string) => c.toUpperCase());
}

/** GrpcProbeOptions addresses one health check. */
export interface GrpcProbeOptions {
  host: string;
  port: number;
  service?: string;
  timeoutMs: number;
}

/** grpcProbe runs one health check (upstream grpcProber.Probe). It never throws. */
export function grpcProbe(o: GrpcProbeOptions): Promise<GrpcProbeOutcome> {
  const addr = `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
  const timeout = formatDuration(o.timeoutMs);
  const client = new grpc.Client(addr, grpc.credentials.createInsecure(), {
    'grpc.primary_user_agent': 'kube-probe/1.35',
    'grpc.enable_retries': 0,
    'grpc.max_reconnect_backoff_ms': 1000,
  });
  const deadline = Date.now() + o.timeoutMs;
  return new Promise<GrpcProbeOutcome>((resolve) => {
    client.waitForReady(deadline, (connectErr) => {
      if (connectErr) {
        // upstream dials with WithBlock under the probe deadline: a refused connection is
        // retried until the deadline, which then ends the dial.
        resolve({ result: 'failure', output: `timeout: failed to connect service "${addr}" within ${timeout}: context deadline exceeded` });
        return;
      }
      client.makeUnaryRequest(
        HEALTH_CHECK_METHOD,
        (req: Buffer) => req,
        (res: Buffer) => res,
        encodeHealthCheckRequest(o.service ?? ''),
        new grpc.Metadata(),
        { deadline },
        (err, res) => {
          if (err) {
            if (err.code === grpc.status.UNIMPLEMENTED) resolve({ result: 'failure', output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${err.details}` });
            else if (err.code === grpc.status.DEADLINE_EXCEEDED) resolve({ result: 'failure', output: `timeout: health rpc did not complete within ${timeout}` });
            else resolve({ result: 'failure', output: `error: health rpc probe failed: rpc error: code = ${codeName(err.code)} desc = ${err.details}` });
            return;
          }
          let status: number;
          try {
            status = decodeHealthCheckResponse(res ?? Buffer.alloc(0));
          } catch (e) {
            resolve({ result: 'failure', output: `error: health rpc probe failed: ${(e as Error).message}` });
            return;
          }
          if (status !== 1) resolve({ result: 'failure', output: `service unhealthy (responded with "${SERVING_STATUS[status] ?? String(status)}")` });
          else resolve({ result: 'success', output: 'service healthy' });
        },
      );
    });
  }).finally(() => client.close());
}

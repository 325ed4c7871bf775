import test from 'ava';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { codeName, decodeHealthCheckResponse, encodeHealthCheckRequest, grpcProbe } from './grpc-probe.ts';

/** startHealthServer serves grpc.health.v1.Health/Check from a service -> status table. */
async function startHealthServer(statuses: Record<string, number> | undefined): Promise<{ port: number; seen: string[]; stop: () => void }> {
  const server = new grpc.Server();
  const seen: string[] = [];
  if (statuses) {
    server.addService(
      {
        Check: {
          path: '/grpc.health.v1.Health/Check',
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      {
        Check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
          // the request is HealthCheckRequest{1: service}; reuse the decoder's framing by hand
          const req = call.request;
          const service = req.length > 2 ? req.subarray(2, 2 + req[1]).toString('utf8') : '';
          seen.push(service);
          const status = statuses[service];
          if (status === undefined) cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
          else cb(null, status === 0 ? Buffer.alloc(0) : Buffer.from([0x08, status]));
        },
      },
    );
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, seen, stop: () => server.forceShutdown() };
}

const cases: { name: string; statuses?: Record<string, number>; service?: string; result: 'success' | 'failure'; output: RegExp }[] = [
  { name: 'SERVING is a success', statuses: { '': 1 }, result: 'success', output: /^service healthy$/ },
  { name: 'the service name is sent', statuses: { 'my.Svc': 1 }, service: 'my.Svc', result: 'success', output: /^service healthy$/ },
  { name: 'NOT_SERVING is a failure', statuses: { '': 2 }, result: 'failure', output: /^service unhealthy \(responded with "NOT_SERVING"\)$/ },
  { name: 'UNKNOWN (an empty response) is a failure', statuses: { '': 0 }, result: 'failure', output: /^service unhealthy \(responded with "UNKNOWN"\)$/ },
  { name: 'an unknown service is an RPC failure', statuses: { '': 1 }, service: 'nope', result: 'failure', output: /^error: health rpc probe failed: rpc error: code = NotFound desc = unknown service$/ },
  { name: 'a server without the health service', statuses: undefined, result: 'failure', output: /^error: this server does not implement the grpc health protocol \(grpc\.health\.v1\.Health\): / },
];
for (const tc of cases) {
  test(`grpcProbe: ${tc.name}`, async (t) => {
    const srv = await startHealthServer(tc.statuses);
    t.teardown(srv.stop);
    const r = await grpcProbe({ host: '127.0.0.1', port: srv.port, service: tc.service, timeoutMs: 20_000 });
    t.is(r.result, tc.result, r.output);
    t.regex(r.output, tc.output);
    if (tc.statuses) t.deepEqual(srv.seen, [tc.service ?? '']);
  });
}

test('grpcProbe: nothing listening is a connect timeout failure', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const r = await grpcProbe({ host: '127.0.0.1', port, timeoutMs: 1000 });
  t.is(r.result, 'failure');
  t.is(r.output, `timeout: failed to connect service "127.0.0.1:${port}" within 1s: context deadline exceeded`);
});

const codecCases: { name: string; service: string; bytes: number[] }[] = [
  { name: 'empty service encodes to nothing', service: '', bytes: [] },
  { name: 'a service is field 1', service: 'ab', bytes: [0x0a, 2, 0x61, 0x62] },
];
for (const tc of codecCases) {
  test(`encodeHealthCheckRequest: ${tc.name}`, (t) => {
    t.deepEqual([...encodeHealthCheckRequest(tc.service)], tc.bytes);
  });
}

const decodeCases: { name: string; bytes: number[]; status: number }[] = [
  { name: 'empty is UNKNOWN', bytes: [], status: 0 },
  { name: 'status SERVING', bytes: [0x08, 1], status: 1 },
  { name: 'unknown length-delimited fields are skipped', bytes: [0x12, 2, 0, 0, 0x08, 2], status: 2 },
];
for (const tc of decodeCases) {
  test(`decodeHealthCheckResponse: ${tc.name}`, (t) => {
    t.is(decodeHealthCheckResponse(Buffer.from(tc.bytes)), tc.status);
  });
}

test('codeName prints Go code names', (t) => {
  t.is(codeName(grpc.status.DEADLINE_EXCEEDED), 'DeadlineExceeded');
  t.is(codeName(grpc.status.NOT_FOUND), 'NotFound');
  t.is(codeName(grpc.status.OK), 'OK');
});

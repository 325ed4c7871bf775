import test from 'ava';
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImageServiceService, RuntimeServiceService, type ImageServiceServer, type RuntimeServiceServer } from '#generated/cri/api.ts';
import { connectCri, DeadlineExceededError, NotFoundError, UnavailableError, type CallObservation } from './index.ts';

type Impl = Partial<RuntimeServiceServer & ImageServiceServer>;

/** serve starts a fake CRI server on a unix socket with the given handlers. */
async function serve(impl: Impl): Promise<{ endpoint: string; stop: () => void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-cri-'));
  const sock = path.join(dir, 'cri.sock');
  const server = new grpc.Server();
  server.addService(RuntimeServiceService, impl as grpc.UntypedServiceImplementation);
  server.addService(ImageServiceService, impl as grpc.UntypedServiceImplementation);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return {
    endpoint: `unix://${sock}`,
    stop: () => {
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const unavailable = { code: grpc.status.UNAVAILABLE, details: 'try later' };
const noDelay = async (): Promise<void> => {};

test('version round-trips and the observer hears the call', async (t) => {
  const srv = await serve({ version: (_c, cb) => cb(null, { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '1', runtimeApiVersion: 'v1' }) });
  const seen: CallObservation[] = [];
  const cri = connectCri({ endpoint: srv.endpoint, observer: (o) => seen.push(o) });
  try {
    t.like(await cri.runtime.version(), { runtimeName: 'fake', runtimeApiVersion: 'v1' });
    t.like(seen[0], { operation: 'Version', attempts: 1, error: undefined });
  } finally {
    cri.close();
    srv.stop();
  }
});

const retryCases = [
  { name: 'idempotent StopContainer is retried on UNAVAILABLE', method: 'stopContainer', failures: 2, expectCalls: 3, ok: true },
  { name: 'idempotent call gives up after maxAttempts', method: 'stopContainer', failures: 5, expectCalls: 3, ok: false },
  { name: 'non-idempotent StartContainer is not retried', method: 'startContainer', failures: 1, expectCalls: 1, ok: false },
] as const;

for (const tc of retryCases) {
  test(tc.name, async (t) => {
    let calls = 0;
    const handler = (_c: unknown, cb: grpc.sendUnaryData<object>): void => {
      calls++;
      if (calls <= tc.failures) cb(unavailable, null);
      else cb(null, {});
    };
    const srv = await serve({ [tc.method]: handler } as Impl);
    const cri = connectCri({ endpoint: srv.endpoint, delay: noDelay });
    try {
      const p = cri.runtime[tc.method]({ containerId: 'c1' });
      if (tc.ok) t.deepEqual(await p, {});
      else await t.throwsAsync(p, { instanceOf: UnavailableError, message: /try later/ });
      t.is(calls, tc.expectCalls);
    } finally {
      cri.close();
      srv.stop();
    }
  });
}

test('NotFound is passed through by default and tolerated in kubelet mode', async (t) => {
  const srv = await serve({ removeContainer: (_c, cb) => cb({ code: grpc.status.NOT_FOUND, details: 'no such container' }, null) });
  const strict = connectCri({ endpoint: srv.endpoint });
  const tolerant = connectCri({ endpoint: srv.endpoint, tolerateNotFound: true });
  try {
    await t.throwsAsync(strict.runtime.removeContainer({ containerId: 'x' }), { instanceOf: NotFoundError });
    t.deepEqual(await tolerant.runtime.removeContainer({ containerId: 'x' }), {});
  } finally {
    strict.close();
    tolerant.close();
    srv.stop();
  }
});

test('a slow call fails with DeadlineExceededError at its deadline', async (t) => {
  const srv = await serve({ listContainers: (_c, cb) => void setTimeout(() => cb(null, { containers: [] }), 2000) });
  const cri = connectCri({ endpoint: srv.endpoint });
  try {
    const start = Date.now();
    await t.throwsAsync(cri.runtime.listContainers({}, { timeoutMs: 200 }), { instanceOf: DeadlineExceededError });
    t.true(Date.now() - start < 1500);
  } finally {
    cri.close();
    srv.stop();
  }
});

test('an AbortSignal cancels the call', async (t) => {
  const srv = await serve({ listPodSandbox: (_c, cb) => void setTimeout(() => cb(null, { items: [] }), 2000) });
  const cri = connectCri({ endpoint: srv.endpoint });
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await t.throwsAsync(cri.runtime.listPodSandbox({}, { signal: ac.signal }));
    t.is((err as { reason?: string }).reason, 'Canceled');
  } finally {
    cri.close();
    srv.stop();
  }
});

test('a wrong endpoint fails fast with UnavailableError', async (t) => {
  const cri = connectCri({ endpoint: 'unix:///nonexistent/kubets-cri.sock', delay: noDelay });
  try {
    const start = Date.now();
    await t.throwsAsync(cri.runtime.version({}, { timeoutMs: 5000 }), { instanceOf: UnavailableError });
    t.true(Date.now() - start < 5000);
  } finally {
    cri.close();
  }
});

test('image service: pull then status through the same endpoint', async (t) => {
  const images = new Set<string>();
  const srv = await serve({
    pullImage: (c, cb) => {
      images.add(c.request.image?.image ?? '');
      cb(null, { imageRef: 'sha256:abc' });
    },
    imageStatus: (c, cb) => cb(null, images.has(c.request.image?.image ?? '') ? { image: { id: 'sha256:abc', repoTags: [], repoDigests: [], size: '1', uid: undefined, username: '', spec: undefined, pinned: false }, info: {} } : { image: undefined, info: {} }),
  });
  const cri = connectCri({ endpoint: srv.endpoint });
  try {
    t.is((await cri.image.imageStatus({ image: { image: 'busybox' } })).image, undefined);
    t.is((await cri.image.pullImage({ image: { image: 'busybox' } })).imageRef, 'sha256:abc');
    t.is((await cri.image.imageStatus({ image: { image: 'busybox' } })).image?.id, 'sha256:abc');
  } finally {
    cri.close();
    srv.stop();
  }
});

/**
 * A deliberately faulty CRI runtime, served with the generated `RuntimeServiceService` and
 * `ImageServiceService` definitions, to prove that `kubets cri-validate` can fail and says why.
 *
 * With an upstream endpoint it proxies every unary RPC to a real runtime (containerd) and injects
 * the chosen faults on the way back; without one it is a fake that answers Version and Status,
 * runs "sandboxes" and "containers" after a short delay (nothing really runs), has one fake image,
 * and says UNIMPLEMENTED to everything else (enough to test how the validator and the benchmark
 * behave when the runtime dies mid-run).
 *
 * Run as a script (the bad-input tests kill it by PID):
 *   npx tsx conformance/cri/testing/faulty-runtime.ts --listen /tmp/x.sock [--upstream unix:///…] [--faults a,b] [--delay MS]
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as api from '#generated/cri/api.ts';
import { ContainerState } from '#generated/cri/api.ts';

/** FAULTS are the faults the runtime can inject, each named after what it gets wrong. */
export const FAULTS = {
  /** wrong-container-state: EXITED containers are reported RUNNING (ContainerStatus, ListContainers). */
  'wrong-container-state': 'reports exited containers as running',
  /** drop-exec-output: ExecSync returns no stdout/stderr (the exit code is kept). */
  'drop-exec-output': 'drops ExecSync output',
  /** ignore-stop: StopContainer answers OK and does nothing. */
  'ignore-stop': 'ignores StopContainer',
} as const;

/** Fault is one injectable fault. */
export type Fault = keyof typeof FAULTS;

/** FaultyRuntimeOptions configures startFaultyRuntime. */
export interface FaultyRuntimeOptions {
  /** socketPath is the unix socket to serve on (removed first if it exists). */
  socketPath: string;
  /** upstream is the real runtime's endpoint; absent = fake mode. */
  upstream?: string;
  faults?: readonly Fault[];
  /** fakeDelayMs is how long the fake takes to run a sandbox (default 300 ms). */
  fakeDelayMs?: number;
}

/** FaultyRuntime is a running faulty server. */
export interface FaultyRuntime {
  endpoint: string;
  /** stop shuts the server down at once (in-flight calls fail). */
  stop(): void;
}

type Definition = Record<string, { path: string; requestStream: boolean; responseStream: boolean }>;
type UnaryFn = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => unknown;

function unimplemented(name: string): grpc.handleUnaryCall<unknown, unknown> {
  return (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED, details: `faulty runtime (fake mode): ${name} is not implemented` } as grpc.ServiceError);
}

function proxyService(def: Definition, client: grpc.Client | undefined, name: string): Record<string, grpc.handleUnaryCall<unknown, unknown>> {
  const impl: Record<string, grpc.handleUnaryCall<unknown, unknown>> = {};
  for (const [method, d] of Object.entries(def)) {
    if (d.requestStream || d.responseStream) {
      impl[method] = unimplemented(`${name}/${method}`) as never;
      continue;
    }
    if (!client) {
      impl[method] = unimplemented(`${name}/${method}`);
      continue;
    }
    const fn = (client as unknown as Record<string, UnaryFn>)[method]!.bind(client);
    impl[method] = (call, cb) => {
      fn(call.request, new grpc.Metadata(), { deadline: call.getDeadline() }, (err, res) => (err ? cb(err) : cb(null, res)));
    };
  }
  return impl;
}

/** startFaultyRuntime serves the faulty runtime on a unix socket. */
export async function startFaultyRuntime(opts: FaultyRuntimeOptions): Promise<FaultyRuntime> {
  const faults = new Set(opts.faults ?? []);
  const upstream = opts.upstream;
  const rtClient = upstream ? new api.RuntimeServiceClient(upstream, grpc.credentials.createInsecure()) : undefined;
  const imClient = upstream ? new api.ImageServiceClient(upstream, grpc.credentials.createInsecure()) : undefined;
  const runtime = proxyService(api.RuntimeServiceService as unknown as Definition, rtClient, 'RuntimeService');
  const image = proxyService(api.ImageServiceService as unknown as Definition, imClient, 'ImageService');

  const wrap = (method: string, after: (res: never) => unknown, before?: (req: never) => unknown | undefined): void => {
    const inner = runtime[method]!;
    runtime[method] = (call, cb) => {
      const short = before?.(call.request as never);
      if (short !== undefined) return cb(null, short);
      inner(call, ((err: grpc.ServiceError | null, res?: unknown) => (err ? cb(err) : cb(null, after(res as never)))) as grpc.sendUnaryData<unknown>);
    };
  };

  if (faults.has('wrong-container-state')) {
    wrap('containerStatus', (res: api.ContainerStatusResponse) => {
      if (res.status?.state === ContainerState.CONTAINER_EXITED) res.status = { ...res.status, state: ContainerState.CONTAINER_RUNNING, exitCode: 0, reason: '', finishedAt: '0' };
      return res;
    });
    wrap('listContainers', (res: api.ListContainersResponse) => {
      for (const c of res.containers) if (c.state === ContainerState.CONTAINER_EXITED) c.state = ContainerState.CONTAINER_RUNNING;
      return res;
    });
  }
  if (faults.has('drop-exec-output')) {
    wrap('execSync', (res: api.ExecSyncResponse) => ({ ...res, stdout: new Uint8Array(), stderr: new Uint8Array() }));
  }
  if (faults.has('ignore-stop')) {
    wrap('stopContainer', (res: api.StopContainerResponse) => res, () => ({}));
  }

  if (!upstream) {
    const delay = opts.fakeDelayMs ?? 300;
    runtime.version = (_call, cb) => cb(null, { version: '0.1.0', runtimeName: 'faulty-fake', runtimeVersion: '0.0.1', runtimeApiVersion: 'v1' });
    runtime.status = (_call, cb) =>
      cb(null, { status: { conditions: [{ type: 'RuntimeReady', status: true }, { type: 'NetworkReady', status: true }] }, info: {}, runtimeHandlers: [] });
    runtime.runPodSandbox = (_call, cb) => void setTimeout(() => cb(null, { podSandboxId: randomUUID().replace(/-/g, '') }), delay);
    runtime.stopPodSandbox = (_call, cb) => cb(null, {});
    runtime.removePodSandbox = (_call, cb) => cb(null, {});
    runtime.podSandboxStatus = (call, cb) =>
      cb(null, { status: { id: (call.request as api.PodSandboxStatusRequest).podSandboxId, state: api.PodSandboxState.SANDBOX_READY, createdAt: String(Date.now() * 1e6) }, info: {} });
    runtime.listPodSandbox = (_call, cb) => cb(null, { items: [] });
    runtime.createContainer = (_call, cb) => void setTimeout(() => cb(null, { containerId: randomUUID().replace(/-/g, '') }), delay / 3);
    for (const m of ['startContainer', 'stopContainer', 'removeContainer']) runtime[m] = (_call, cb) => cb(null, {});
    runtime.listContainers = (_call, cb) => cb(null, { containers: [] });
    image.imageStatus = (call, cb) =>
      cb(null, { image: { id: 'sha256:' + '1'.repeat(64), repoTags: [(call.request as api.ImageStatusRequest).image?.image ?? ''], repoDigests: [], size: '1' }, info: {} });
    image.pullImage = (_call, cb) => cb(null, { imageRef: 'sha256:' + '1'.repeat(64) });
    image.removeImage = (_call, cb) => cb(null, {});
  }

  const server = new grpc.Server();
  server.addService(api.RuntimeServiceService, runtime as unknown as api.RuntimeServiceServer);
  server.addService(api.ImageServiceService, image as unknown as api.ImageServiceServer);
  rmSync(opts.socketPath, { force: true });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${opts.socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return {
    endpoint: `unix://${opts.socketPath}`,
    stop() {
      server.forceShutdown();
      rtClient?.close();
      imClient?.close();
    },
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const listen = (arg('listen') ?? '').replace(/^unix:\/\//, '');
  if (!listen) {
    process.stderr.write('usage: faulty-runtime.ts --listen PATH [--upstream ENDPOINT] [--faults a,b]\n');
    process.exit(2);
  }
  const faults = (arg('faults') ?? '').split(',').filter(Boolean) as Fault[];
  for (const f of faults) if (!(f in FAULTS)) throw new Error(`unknown fault ${f}; known: ${Object.keys(FAULTS).join(', ')}`);
  const rt = await startFaultyRuntime({ socketPath: listen, upstream: arg('upstream'), faults, fakeDelayMs: arg('delay') ? Number(arg('delay')) : undefined });
  process.stdout.write(`listening ${rt.endpoint}\n`);
  const bye = (): void => {
    rt.stop();
    process.exit(0);
  };
  process.once('SIGTERM', bye);
  process.once('SIGINT', bye);
}

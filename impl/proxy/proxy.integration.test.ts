/**
 * kube-proxy on a real single-node cluster (`kubets up`): a Deployment of the test server
 * behind a ClusterIP Service is reached from the host and from a pod, through a NodePort from
 * the host, with ClientIP session affinity; a Service without endpoints refuses connections at
 * once; `kubets down` leaves none of the instance's rules behind. Traffic from pods uses busybox
 * `nc` (busybox `wget` crashes on these machines). Skips with a message without containerd,
 * runc, kubectl or a working iptables.
 */
import test, { type ExecutionContext } from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKubeconfig, RestClient, type KubeObject } from '#impl/client/index.ts';
import { clusterTag } from './iptables/chain-names.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KUBETS = join(ROOT, 'bin', 'kubets.js');
const NS = 'proxy-it';

let dir = '';
let dataDir = '';
let kubeconfig = '';
let rest: RestClient | undefined;
let skipReason = '';

const have = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { cwd: ROOT, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 240_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => (err ? rej(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : res(stdout)));
  });
}
const kubets = (args: string[]): Promise<string> => run(process.execPath, [KUBETS, ...args]);
const kubectl = (args: string[]): Promise<string> => run('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig }, timeoutMs: 120_000 });

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** httpGet fetches `http://host:port/path` from the host; rejects with the socket error (ECONNREFUSED...). */
function httpGet(host: string, port: number, path: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((res, rej) => {
    const req = request({ host, port, path, agent: false, timeout: timeoutMs }, (r) => {
      let body = '';
      r.on('data', (d: Buffer) => (body += d.toString()));
      r.on('end', () => res(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end();
  });
}

const saveAll = async (): Promise<string> => (await run('iptables-save', ['-t', 'nat'])) + (await run('iptables-save', ['-t', 'filter']));
/** ruleFor waits until this instance's rules mention `ip` (so no packet to a service address ever leaves the machine unmatched). */
const ruleFor = (tag: string, ip: string, what: string): Promise<string> =>
  waitFor(`the proxy rule for ${what}`, async () => (await saveAll()).split('\n').find((l) => l.startsWith(`-A KUBE-`) && l.includes(tag) && l.includes(`${ip}`)));

function skip(t: ExecutionContext): boolean {
  if (!rest) {
    t.log(`skipped: ${skipReason}`);
    t.pass();
    return true;
  }
  return false;
}

test.before(async () => {
  const missing = ['containerd', 'runc', 'kubectl', 'iptables', 'iptables-save'].filter((b) => !have(b));
  if (missing.length) {
    skipReason = `needs ${missing.join(', ')} (bash tools/setup.sh installs them)`;
    return;
  }
  if (spawnSync('iptables-save', ['-t', 'nat']).status !== 0) {
    skipReason = 'iptables is not usable here (needs root)';
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'kubets-proxy-it-'));
  dataDir = join(dir, 'data');
  kubeconfig = join(dir, 'kubeconfig');
  await kubets(['up', '--data-dir', dataDir, '--secure-port', '0', '--kubelet-port', '0', '--kubeconfig-out', kubeconfig, '--detach']);
  rest = new RestClient(loadKubeconfig({ path: kubeconfig }));
  await waitFor('the default ServiceAccount', () => rest!.resource('', 'v1', 'serviceaccounts').namespace('default').get('default'));
  await kubectl(['create', 'namespace', NS]);
  await waitFor('the namespace default ServiceAccount', () => rest!.resource('', 'v1', 'serviceaccounts').namespace(NS).get('default'));
});

test.after.always(async () => {
  rest?.close();
  if (!dir) return;
  await kubets(['down', '--data-dir', dataDir]).catch((err: unknown) => process.stderr.write(`kubets down: ${String(err)}\n`));
  rmSync(dir, { recursive: true, force: true });
});

const tag = (): string => clusterTag(`data-dir:${resolve(dataDir)}`);

const deployment = (name: string, replicas: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'server', image: 'kubets/test-server:1.0', args: ['serve'], readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 } }] },
    },
  },
});

const service = (name: string, spec: KubeObject): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec } });

async function readyEndpoints(name: string, n: number): Promise<void> {
  await waitFor(`${n} ready endpoints of ${name}`, async () => {
    const slices = await rest!.resource('discovery.k8s.io', 'v1', 'endpointslices').namespace(NS).list({ labelSelector: `kubernetes.io/service-name=${name}` });
    return slices.items.flatMap((s) => (s.endpoints ?? []) as Array<{ conditions?: { ready?: boolean } }>).filter((e) => e.conditions?.ready !== false).length === n;
  });
}

test.serial('ClusterIP from the host and from a pod, NodePort from the host, hairpin', async (t) => {
  if (skip(t)) return;
  t.timeout(600_000);
  await rest!.resource('apps', 'v1', 'deployments').namespace(NS).create(deployment('web', 2));
  const svc = await rest!.resource('', 'v1', 'services').namespace(NS).create(service('web', { type: 'NodePort' }));
  const ip = svc.spec.clusterIP as string;
  const nodePort = svc.spec.ports[0].nodePort as number;
  await readyEndpoints('web', 2);
  await ruleFor(tag(), `${ip}/32`, 'the cluster IP');
  await waitFor('a DNAT to an endpoint', async () => (await saveAll()).includes(':8080') || undefined);

  const seen = new Set<string>();
  await waitFor('both pods through the cluster IP from the host', async () => {
    seen.add(await httpGet(ip, 80, '/hostname'));
    return seen.size === 2;
  });
  t.is(seen.size, 2);
  t.regex(await waitFor('the node port on 127.0.0.1', () => httpGet('127.0.0.1', nodePort, '/hostname')), /^web-/);

  await kubectl(['-n', NS, 'run', 'client', '--image=busybox', '--restart=Never', '--', 'sleep', '3600']);
  await kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'pod/client', '--timeout=120s']);
  const ncGet = (pod: string, host: string, port: number): Promise<string> =>
    kubectl(['-n', NS, 'exec', pod, '--', 'sh', '-c', `printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${host} ${port} | tail -n 1`]);
  t.regex(await waitFor('the cluster IP from a pod', () => ncGet('client', ip, 80)), /^web-/);
  // A pod reaching itself through its own Service (hairpin: needs the endpoint-chain masquerade).
  const pods = await rest!.resource('', 'v1', 'pods').namespace(NS).list({ labelSelector: 'app=web' });
  const server = pods.items[0].metadata!.name!;
  const fromServer = new Set<string>();
  await waitFor('both pods (itself included) from a server pod', async () => {
    fromServer.add((await ncGet(server, ip, 80)).trim());
    return fromServer.has(server) && fromServer.size === 2;
  });
  t.true(fromServer.has(server));
});

test.serial('ClientIP session affinity sticks to one pod', async (t) => {
  if (skip(t)) return;
  t.timeout(600_000);
  await rest!.resource('apps', 'v1', 'deployments').namespace(NS).create(deployment('sticky', 3));
  const svc = await rest!.resource('', 'v1', 'services').namespace(NS).create(service('sticky', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } }));
  const ip = svc.spec.clusterIP as string;
  await readyEndpoints('sticky', 3);
  await waitFor('three endpoint chains', async () => (await saveAll()).split('\n').filter((l) => l.includes('DNAT') && l.includes(`${NS}/sticky:http`)).length === 3);
  await ruleFor(tag(), `${ip}/32`, 'the cluster IP');
  const hosts = new Set<string>();
  for (let i = 0; i < 10; i++) hosts.add(await waitFor('a response', () => httpGet(ip, 80, '/hostname')));
  t.is(hosts.size, 1, `answered by ${[...hosts].join(', ')}`);
});

test.serial('a Service without endpoints refuses connections at once', async (t) => {
  if (skip(t)) return;
  t.timeout(300_000);
  const svc = await rest!.resource('', 'v1', 'services').namespace(NS).create(service('empty', {}));
  const ip = svc.spec.clusterIP as string;
  await waitFor('the REJECT rule', async () => (await saveAll()).split('\n').find((l) => l.includes(`${ip}/32`) && l.includes('REJECT')));
  const err = await t.throwsAsync(() => httpGet(ip, 80, '/', 20_000));
  t.is((err as NodeJS.ErrnoException).code, 'ECONNREFUSED');
});

test.serial('kubets down removes every rule of the instance', async (t) => {
  if (skip(t)) return;
  t.timeout(300_000);
  const before = await saveAll();
  t.true(before.includes(`KUBE-SERVICES-${tag()}`));
  rest!.close();
  rest = undefined;
  await kubets(['down', '--data-dir', dataDir]);
  const after = await saveAll();
  t.false(after.includes(tag()), after.split('\n').filter((l) => l.includes(tag())).join('\n'));
});

/**
 * Controller-manager benchmark (issue #9 acceptance 9): `kubets apiserver` and
 * `kubets controller-manager` each in their own process, as deployed; N fake Nodes (no kubelet,
 * no scheduler), then one ReplicaSet of 1,000 replicas. It reports the time from creating the
 * ReplicaSet until 1,000 pods exist (target <= 10 s), until `status.replicas` says so, pods/s,
 * and the controller-manager's RSS before and after.
 *
 * Run: `npx tsx tools/bench/controllers.ts [--replicas 1000] [--nodes 10]`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadKubeconfig, RestClient } from '#impl/client/index.ts';
import { rssMiBOf, stopChild } from './child-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KUBETS = join(ROOT, 'bin', 'kubets.js');

/** ControllersBenchOptions size the run. */
export interface ControllersBenchOptions {
  replicas?: number;
  nodes?: number;
}

/** ControllersBenchResult is one run's numbers. */
export interface ControllersBenchResult {
  replicas: number;
  nodes: number;
  /** ReplicaSet created -> that many pods listed. */
  podsExistSeconds: number;
  /** ReplicaSet created -> `status.replicas` equals the replicas. */
  statusSeconds: number;
  podsPerSecond: number;
  controllerManagerRssMiBIdle: number;
  controllerManagerRssMiBAfter: number;
  apiserverRssMiBAfter: number;
}

interface Proc {
  pid: number;
  stop(): Promise<void>;
}

function spawnProc(args: string[], what: string): { proc: Proc; stderr: () => string } {
  const child = spawn(process.execPath, [KUBETS, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  child.once('exit', (code) => {
    if (code !== 0 && code !== null) process.stderr.write(`${what} exited ${code}: ${err}\n`);
  });
  return {
    stderr: () => err,
    proc: {
      pid: child.pid!,
      stop: () => stopChild(child),
    },
  };
}


async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** benchControllers runs the benchmark once. */
export async function benchControllers(o: ControllersBenchOptions = {}): Promise<ControllersBenchResult> {
  const replicas = o.replicas ?? 1000;
  const nodes = o.nodes ?? 10;
  const dir = mkdtempSync(join(tmpdir(), 'kb-cm-'));
  const procs: Proc[] = [];
  let rest: RestClient | undefined;
  try {
    const api = spawnProc(['apiserver', '--data-dir', dir, '--secure-port', '0'], 'kubets apiserver');
    procs.push(api.proc);
    const kubeconfig = join(dir, 'admin.kubeconfig');
    await until('the apiserver kubeconfig', async () => (existsSync(kubeconfig) ? true : undefined), 60_000);
    rest = new RestClient(loadKubeconfig({ path: kubeconfig }));
    await until('the apiserver to serve', async () => ((await rest!.resource('', 'v1', 'namespaces').list({ limit: 1 })) ? true : undefined), 60_000, 200);
    const cm = spawnProc(['controller-manager', '--kubeconfig', kubeconfig, '--local-path-dir', ''], 'kubets controller-manager');
    procs.push(cm.proc);
    for (let i = 0; i < nodes; i++) {
      await rest.resource('', 'v1', 'nodes').create({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: `fake-node-${i}`, labels: { 'kubernetes.io/hostname': `fake-node-${i}` } },
        status: { capacity: { cpu: '32', memory: '256Gi', pods: '1000' }, allocatable: { cpu: '32', memory: '256Gi', pods: '1000' }, conditions: [{ type: 'Ready', status: 'True' }] },
      });
    }
    await rest.resource('', 'v1', 'namespaces').create({ metadata: { name: 'bench' } });
    // The controller-manager is up once the namespace controller gave the namespace its default ServiceAccount.
    await until('the controller-manager to run', () => rest!.resource('', 'v1', 'serviceaccounts').namespace('bench').get('default'), 60_000, 200);
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rssMiBOf(cm.proc.pid);
    const labels = { app: 'bench' };
    const t0 = performance.now();
    await rest.resource('apps', 'v1', 'replicasets').namespace('bench').create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'bench' },
      spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } } },
    });
    const pods = rest.resource('', 'v1', 'pods').namespace('bench');
    await until('the pods', async () => ((await pods.list()).items.length >= replicas ? true : undefined), 120_000, 250);
    const podsExist = (performance.now() - t0) / 1000;
    await until('status.replicas', async () => ((await rest!.resource('apps', 'v1', 'replicasets').namespace('bench').get('bench')).status?.replicas === replicas ? true : undefined), 120_000, 100);
    const status = (performance.now() - t0) / 1000;
    const after = rssMiBOf(cm.proc.pid);
    return {
      replicas,
      nodes,
      podsExistSeconds: podsExist,
      statusSeconds: status,
      podsPerSecond: replicas / podsExist,
      controllerManagerRssMiBIdle: idle,
      controllerManagerRssMiBAfter: after,
      apiserverRssMiBAfter: rssMiBOf(api.proc.pid),
    };
  } finally {
    rest?.close();
    for (const p of procs.reverse()) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** formatControllersBench renders a result for `npm run bench`. */
export function formatControllersBench(r: ControllersBenchResult): string {
  return [
    `ReplicaSet of ${r.replicas} on ${r.nodes} fake nodes: pods exist after ${r.podsExistSeconds.toFixed(2)} s (target <= 10 s${r.podsExistSeconds <= 10 ? ', met' : ', MISSED'}), status.replicas after ${r.statusSeconds.toFixed(2)} s, ${Math.round(r.podsPerSecond)} pods/s`,
    `controller-manager RSS ${r.controllerManagerRssMiBIdle} MiB idle, ${r.controllerManagerRssMiBAfter} MiB after; apiserver RSS ${r.apiserverRssMiBAfter} MiB`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { replicas: { type: 'string', default: '1000' }, nodes: { type: 'string', default: '10' } } });
  const r = await benchControllers({ replicas: Number(values.replicas), nodes: Number(values.nodes) });
  process.stdout.write(formatControllersBench(r) + '\n');
}

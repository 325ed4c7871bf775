/**
 * Kubelet benchmark (`npm run bench -- --only kubelet`, issue #6 acceptance 7): on one containerd
 * (tools/runtime) in one run,
 * - raw: the CRI sequence a pod start costs at minimum — RunPodSandbox (CNI bridge) +
 *   CreateContainer + StartContainer — for N pods one after the other;
 * - kubelet serial: N pods created one after the other through a real apiserver (in-process,
 *   SQLite) with `spec.nodeName` set, each timed from the create call until a watch sees it
 *   `Running`;
 * - kubelet burst: N pods created at once, per-pod create -> Running latency and the wall time;
 * - raw burst: the same CRI sequence for N pods at once (what containerd allows in parallel);
 * - the RSS of the kubelet process (`kubets kubelet`, a child process) after the burst.
 * Targets: kubelet serial p50 <= 1.5x raw p50, p99 <= 2 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '#generated/k8s/index.ts';
import { loadKubeconfig, RestClient } from '#impl/client/index.ts';
import { connectCri } from '#impl/cri/index.ts';
import { runtimeDown, runtimeUp } from '../runtime/index.ts';
import { percentile } from './cri.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** KubeletBenchOptions configure {@link benchKubelet}. */
export interface KubeletBenchOptions {
  /** pods per phase (default 30). */
  pods?: number;
  log?: (line: string) => void;
}

/** Latencies are p50/p99/max in ms. */
export interface Latencies {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** KubeletBenchResult is the outcome (`--json`). */
export interface KubeletBenchResult {
  raw: Latencies;
  rawBurst: Latencies & { wallMs: number };
  serial: Latencies;
  burst: Latencies & { wallMs: number };
  kubeletRssMiB: number;
  ratioP50: number;
  targets: { p50Within1_5xRaw: boolean; p99Under2s: boolean };
  skipped?: string;
}

function lat(samples: number[]): Latencies {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 10) / 10;
  return { n: s.length, p50: r(percentile(s, 50)), p99: r(percentile(s, 99)), max: r(s[s.length - 1] ?? 0) };
}

/** rawCriSequence times RunPodSandbox + CreateContainer + StartContainer for `n` pods (one after the other, or all at once), then removes them. */
async function rawCriSequence(endpoint: string, n: number, podLogDir: string, parallel = false): Promise<number[]> {
  const cri = connectCri({ endpoint });
  const out: number[] = [];
  const made: string[] = [];
  try {
    const img = await cri.image.imageStatus({ image: { image: 'busybox' } });
    if (!img.image?.id) await cri.image.pullImage({ image: { image: 'busybox' } });
    const one = async (i: number): Promise<void> => {
      const uid = randomUUID();
      const config = {
        metadata: { name: `raw-${i}`, uid, namespace: 'bench-raw', attempt: 0 },
        hostname: `raw-${i}`,
        logDirectory: join(podLogDir, uid),
        labels: { 'kubets.io/bench': 'raw' }, // no io.kubernetes.pod.uid: the kubelet leaves these alone
        linux: { cgroupParent: '', securityContext: { namespaceOptions: {} } },
      };
      const t0 = performance.now();
      const { podSandboxId } = await cri.runtime.runPodSandbox({ config });
      const { containerId } = await cri.runtime.createContainer({
        podSandboxId,
        config: { metadata: { name: 'c', attempt: 0 }, image: { image: 'busybox' }, command: ['sleep', '3600'], logPath: 'c/0.log', linux: {} },
        sandboxConfig: config,
      });
      made.push(podSandboxId);
      await cri.runtime.startContainer({ containerId });
      out.push(performance.now() - t0);
    };
    if (parallel) await Promise.all(Array.from({ length: n }, (_, i) => one(i)));
    else for (let i = 0; i < n; i++) await one(i);
  } finally {
    for (const id of made) {
      await cri.runtime.stopPodSandbox({ podSandboxId: id }).catch(() => {});
      await cri.runtime.removePodSandbox({ podSandboxId: id }).catch(() => {});
    }
    cri.close();
  }
  return out;
}

/** RunningWatch resolves per-pod promises when a watch sees the pod Running. */
function watchRunning(rest: RestClient, ns: string): { running(name: string): Promise<number>; stop(): void } {
  const waiters = new Map<string, (t: number) => void>();
  const seen = new Map<string, number>();
  const w = rest.resource('', 'v1', 'pods').namespace(ns).watch({});
  void (async () => {
    try {
      for await (const ev of w) {
        const p = ev.object as Pod;
        const name = p.metadata?.name ?? '';
        if (p.status?.phase === 'Running' && !seen.has(name)) {
          const t = performance.now();
          seen.set(name, t);
          waiters.get(name)?.(t);
        }
      }
    } catch {
      // stopped
    }
  })();
  return {
    running: (name) => {
      const t = seen.get(name);
      if (t !== undefined) return Promise.resolve(t);
      return new Promise((resolve) => waiters.set(name, resolve));
    },
    stop: () => w.stop(),
  };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

async function waitFor(fn: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** benchKubelet runs the benchmark (see the module comment). */
export async function benchKubelet(o: KubeletBenchOptions = {}): Promise<KubeletBenchResult> {
  const n = o.pods ?? 30;
  const log = o.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'kbk-'));
  let kubelet: ChildProcess | undefined;
  let srv: { kubeconfigPath: string; ready: Promise<void>; stop(): Promise<void> } | undefined;
  let rest: RestClient | undefined;
  try {
    const info = await runtimeUp({ dataDir: join(dir, 'rt') });
    log(`containerd ${info.runtimeName} at ${info.endpoint}`);
    const { startApiServer } = (await import('../../impl/apiserver/server.ts')) as unknown as { startApiServer(o: object): Promise<NonNullable<typeof srv>> };
    srv = await startApiServer({ dataDir: join(dir, 'api'), securePort: 0, log: () => {} });
    await srv.ready;
    rest = new RestClient(loadKubeconfig({ path: srv.kubeconfigPath }));
    const node = 'bench-node';
    kubelet = spawn(process.execPath, [join(ROOT, 'bin', 'kubets.js'), 'kubelet', '--kubeconfig', srv.kubeconfigPath, '--container-runtime-endpoint', info.endpoint, '--root-dir', join(dir, 'kubelet'), '--hostname-override', node, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    kubelet.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    await waitFor(async () => {
      const nd = (await rest!.resource('', 'v1', 'nodes').get(node)) as { status?: { conditions?: { type: string; status: string }[] } };
      return nd.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    }, 60_000, `node Ready (kubelet stderr: ${stderr})`);
    const pods = rest.resource('', 'v1', 'pods').namespace('default');
    const watch = watchRunning(rest, 'default');
    const podOf = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] } });
    // warm-up pod: the first pod also pulls nothing (image present) but warms caches.
    await pods.create(podOf('warmup'));
    await watch.running('warmup');
    // Serial phase, interleaved: one raw CRI pod, then one kubelet pod, so that both see the same
    // machine load (the machine is shared; absolute numbers move a lot between runs).
    await rawCriSequence(info.endpoint, 3, join(dir, 'rawlogs')); // raw warm-up (CNI, snapshots)
    const raw: number[] = [];
    const serial: number[] = [];
    for (let i = 0; i < n; i++) {
      raw.push(...(await rawCriSequence(info.endpoint, 1, join(dir, 'rawlogs'))));
      const name = `serial-${i}`;
      const t0 = performance.now();
      await pods.create(podOf(name));
      serial.push((await watch.running(name)) - t0);
    }
    log(`serial: ${n} raw and ${n} kubelet pods Running`);
    const rawBurst = await rawCriSequence(info.endpoint, n, join(dir, 'rawlogs'), true);
    const rawBurstWall = Math.max(...rawBurst); // all start together: the last one done is the wall time
    const t0 = performance.now();
    const burst = await Promise.all(Array.from({ length: n }, async (_, i) => {
      const name = `burst-${i}`;
      const s = performance.now();
      await pods.create(podOf(name));
      return (await watch.running(name)) - s;
    }));
    const wallMs = performance.now() - t0;
    const rss = rssMiB(kubelet.pid!);
    log(`kubelet burst: ${n} pods Running in ${Math.round(wallMs)} ms`);
    watch.stop();
    await pods.deleteCollection({ gracePeriodSeconds: 0 }).catch(() => {});
    await waitFor(async () => (await pods.list()).items.length === 0, 120_000, 'pods deleted').catch(() => {});
    const r = lat(raw);
    const s = lat(serial);
    const ratio = Math.round((s.p50 / r.p50) * 100) / 100;
    return { raw: r, rawBurst: { ...lat(rawBurst), wallMs: Math.round(rawBurstWall) }, serial: s, burst: { ...lat(burst), wallMs: Math.round(wallMs) }, kubeletRssMiB: rss, ratioP50: ratio, targets: { p50Within1_5xRaw: ratio <= 1.5, p99Under2s: s.p99 <= 2000 } };
  } finally {
    if (kubelet?.pid && kubelet.exitCode === null) {
      kubelet.kill('SIGTERM');
      await new Promise((r) => kubelet!.once('exit', r));
    }
    rest?.close();
    await runtimeDown({ dataDir: join(dir, 'rt') }).catch(() => {});
    await srv?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** formatKubeletBench renders the result as text. */
export function formatKubeletBench(r: KubeletBenchResult): string {
  const row = (name: string, l: Latencies): string => `${name.padEnd(26)} n=${l.n}  p50 ${l.p50.toFixed(1)} ms  p99 ${l.p99.toFixed(1)} ms  max ${l.max.toFixed(1)} ms`;
  return [
    row('raw CRI (sandbox+create+start)', r.raw),
    `${row('raw CRI 30 at once', r.rawBurst)}  wall ${r.rawBurst.wallMs} ms`,
    row('kubelet create->Running serial', r.serial),
    `${row('kubelet 30 at once', r.burst)}  wall ${r.burst.wallMs} ms`,
    `kubelet RSS ${r.kubeletRssMiB} MiB; serial p50 / raw p50 = ${r.ratioP50}x (target <= 1.5x: ${r.targets.p50Within1_5xRaw ? 'met' : 'MISSED'}); p99 <= 2 s: ${r.targets.p99Under2s ? 'met' : 'MISSED'}`,
  ].join('\n');
}

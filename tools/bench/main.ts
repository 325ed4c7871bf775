/**
 * `npm run bench [-- --only storage,apiserver,auth,scheduler,cri] [--json FILE]` runs every benchmark in one go and
 * prints its numbers, with ratios against the raw floor (raw storage puts, raw CRI calls).
 * Benchmarks need the real components (etcd, containerd, the registry): `bash tools/setup.sh`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'storage,apiserver,auth,scheduler,cri,kubelet,controllers' },
    json: { type: 'string' },
  },
});
const only = new Set(values.only.split(',').map((s) => s.trim()));
const results: Record<string, unknown> = {};
const print = (line = ''): void => {
  process.stdout.write(line + '\n');
};
const fmt = (ms: number): string => `${ms.toFixed(ms < 1 ? 3 : 1)} ms`;

if (only.has('storage')) {
  const { benchStorage } = await import('./storage.ts');
  print('== raw storage: serial puts');
  const rows = await benchStorage();
  results.storage = rows;
  for (const r of rows) {
    print(r.skipped ? `${r.backend.padEnd(7)} skipped: ${r.skipped}` : `${r.backend.padEnd(7)} p50 ${fmt(r.p50Ms)}  p99 ${fmt(r.p99Ms)}  ${Math.round(r.opsPerSecond)} puts/s`);
  }
  print();
}

if (only.has('apiserver')) {
  const { benchApiServer, formatApiServerBench } = await import('./apiserver.ts');
  print('== apiserver on both backends, against raw storage on the same backend');
  const res = await benchApiServer();
  results.apiserver = res;
  print(formatApiServerBench(res));
  print();
}

if (only.has('auth')) await import('./auth.ts').then(async (m) => { print('== request flow: authn + Node,RBAC (1,000 RoleBindings) + default admission vs none'); results.auth = await m.benchAuth(); print(m.formatAuthBench(results.auth as Awaited<ReturnType<typeof m.benchAuth>>) + '\n'); });

if (only.has('scheduler')) {
  const { benchScheduler, formatSchedulerBench } = await import('./scheduler.ts');
  print('== scheduler (in-process, in-memory list-watches: the scheduler alone)');
  const rows = [];
  for (const variant of ['SchedulingBasic', 'SchedulingPodAntiAffinity', 'TopologySpreading'] as const) {
    rows.push(await benchScheduler({ variant, nodes: 5000, pods: variant === 'SchedulingBasic' ? 10000 : 2000 }));
  }
  results.scheduler = rows;
  print(formatSchedulerBench(rows));
  print();
}

if (only.has('cri')) {
  const { runtimeUp, runtimeDown } = await import('../runtime/index.ts');
  const { runCriBench, formatBenchTable } = await import('./cri.ts');
  print('== raw CRI calls on containerd (the kubelet floor)');
  const dataDir = mkdtempSync(join(tmpdir(), 'kb-'));
  try {
    const info = await runtimeUp({ dataDir });
    const res = await runCriBench({ runtimeEndpoint: info.endpoint, iterations: 20, concurrency: 1 });
    results.cri = res;
    print(formatBenchTable(res));
  } catch (err) {
    print(`skipped: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await runtimeDown({ dataDir }).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
  print();
}

if (only.has('kubelet')) {
  const { benchKubelet, formatKubeletBench } = await import('./kubelet.ts');
  print('== kubelet: pod create -> Running vs the raw CRI sequence on the same containerd');
  try {
    const res = await benchKubelet({ pods: 30 });
    results.kubelet = res;
    print(formatKubeletBench(res));
  } catch (err) {
    print(`skipped: ${err instanceof Error ? err.message : String(err)}`);
  }
  print();
}

if (only.has('controllers')) {
  const { benchControllers, formatControllersBench } = await import('./controllers.ts');
  print('== controllers: a 1,000-replica ReplicaSet on fake nodes (apiserver and controller-manager in their own processes)');
  try {
    const res = await benchControllers({ replicas: 1000 });
    results.controllers = res;
    print(formatControllersBench(res));
  } catch (err) {
    print(`skipped: ${err instanceof Error ? err.message : String(err)}`);
  }
  print();
}

if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2) + '\n');

/**
 * Raw storage write latency, the floor the apiserver's create latency is compared against
 * (issue 3 acceptance 5: apiserver create p50 <= 1.3x raw storage writes on the same backend).
 *
 * `benchStorage()` measures serial creates of ConfigMap-sized objects straight through the
 * storage `Interface` on each backend: SQLite in a temp file (WAL, synchronous=NORMAL, as the
 * apiserver runs it) and a throwaway etcd 3.4 (skipped when /usr/bin/etcd is missing, or pass an
 * endpoint). Run alone with `npx tsx tools/bench/storage.ts [count]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Interface } from '../../impl/storage/interfaces.ts';
import { newEtcd3Storage, newSqliteStorage } from '../../impl/storage/index.ts';
import { etcdAvailable, startEtcdServer } from '../../impl/storage/testing/index.ts';

/** StorageBenchResult is one backend's serial put latency. */
export interface StorageBenchResult {
  backend: 'sqlite' | 'etcd3';
  operations: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  opsPerSecond: number;
  /** Set when the backend was not measured. */
  skipped?: string;
}

/** StorageBenchOptions configures `benchStorage`. */
export interface StorageBenchOptions {
  /** Creates per backend (default 2000), after 100 warm-up writes. */
  count?: number;
  /** Which backends to run (default both). */
  backends?: Array<'sqlite' | 'etcd3'>;
  /** Use this etcd instead of starting one. */
  etcdEndpoint?: string;
}

/** benchStorage measures serial create latency p50/p99 on each backend. */
export async function benchStorage(opts: StorageBenchOptions = {}): Promise<StorageBenchResult[]> {
  const count = opts.count ?? 2000;
  const results: StorageBenchResult[] = [];
  for (const backend of opts.backends ?? ['sqlite', 'etcd3']) {
    if (backend === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-sqlite-'));
      const storage = newSqliteStorage({ path: join(dir, 'state.db') });
      try {
        results.push({ backend, ...(await measurePuts(storage, count)) });
      } finally {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      let endpoint = opts.etcdEndpoint;
      let stop: (() => Promise<void>) | undefined;
      if (!endpoint) {
        if (!etcdAvailable()) {
          results.push({ backend, operations: 0, p50Ms: 0, p99Ms: 0, meanMs: 0, opsPerSecond: 0, skipped: '/usr/bin/etcd is missing' });
          continue;
        }
        const server = await startEtcdServer();
        endpoint = server.endpoint;
        stop = () => server.stop();
      }
      const storage = newEtcd3Storage({ endpoints: [endpoint] });
      try {
        results.push({ backend, ...(await measurePuts(storage, count)) });
      } finally {
        await storage.close();
        await stop?.();
      }
    }
  }
  return results;
}

/** measurePuts creates `count` objects one after another and reports the latency distribution. */
export async function measurePuts(storage: Interface, count: number): Promise<Omit<StorageBenchResult, 'backend'>> {
  const prefix = `/registry/configmaps/bench-${Date.now().toString(36)}/`;
  const object = (i: number) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: 'bench', uid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, creationTimestamp: new Date().toISOString() },
    data: { 'config.yaml': 'key: value\n'.repeat(20) },
  });
  for (let i = 0; i < 100; i++) await storage.create(`${prefix}warm-${i}`, object(i));
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await storage.create(`${prefix}cm-${i}`, object(i));
    latencies.push(performance.now() - t0);
  }
  const total = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))]!;
  return {
    operations: count,
    p50Ms: round(pick(0.5)),
    p99Ms: round(pick(0.99)),
    meanMs: round(total / count),
    opsPerSecond: Math.round((count / total) * 1000),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const count = Number(process.argv[2] ?? 2000);
  const results = await benchStorage({ count });
  console.log('backend  ops    p50 ms   p99 ms   mean ms  ops/s');
  for (const r of results) {
    if (r.skipped) console.log(`${r.backend.padEnd(8)} skipped: ${r.skipped}`);
    else console.log(`${r.backend.padEnd(8)} ${String(r.operations).padEnd(6)} ${String(r.p50Ms).padEnd(8)} ${String(r.p99Ms).padEnd(8)} ${String(r.meanMs).padEnd(8)} ${r.opsPerSecond}`);
  }
}

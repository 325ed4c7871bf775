/**
 * Apiserver benchmark (issue 3 acceptance 5), for each storage backend:
 * - create p50/p99 through the apiserver (HTTPS, one client, serial) vs raw storage creates of the
 *   same ConfigMap on the same backend (target: apiserver p50 <= 1.3x raw);
 * - creates/s with 16 concurrent clients (these creates load the 10,000 ConfigMaps);
 * - LIST of 10,000 ConfigMaps (target <= 250 ms) and the process RSS after loading them;
 * - watch delivery p99 to 100 watchers (target <= 50 ms);
 * - cold start of `kubets apiserver` to /readyz on SQLite (target <= 1 s), fresh and with an
 *   existing data dir.
 *
 * `benchApiServer()` returns the numbers; `formatApiServerBench()` renders them. Run alone with
 * `npx tsx tools/bench/apiserver.ts`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest, Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Interface } from '../../impl/storage/interfaces.ts';
import { newSqliteStorage } from '../../impl/storage/sqlite/store.ts';
import { newEtcd3Storage } from '../../impl/storage/etcd3/store.ts';
import { etcdAvailable, startEtcdServer } from '../../impl/storage/testing/etcd-server.ts';
import { startApiServer, type RunningApiServer } from '../../impl/apiserver/server.ts';

/** ApiServerBenchResult is one backend's numbers. */
export interface ApiServerBenchResult {
  backend: 'sqlite' | 'etcd3';
  skipped?: string;
  createP50Ms: number;
  createP99Ms: number;
  rawCreateP50Ms: number;
  rawCreateP99Ms: number;
  /** apiserver p50 / raw p50 (target <= 1.3). */
  createRatio: number;
  concurrentCreatesPerSecond: number;
  listItems: number;
  listMs: number;
  /** LIST served from the watch cache (resourceVersion=0). */
  listCacheMs: number;
  rssMiB: number;
  watchers: number;
  watchP50Ms: number;
  watchP99Ms: number;
  /** Set when a LIST failed. */
  listError?: string;
}

/** ApiServerBenchOptions configures {@link benchApiServer}. */
export interface ApiServerBenchOptions {
  backends?: Array<'sqlite' | 'etcd3'>;
  /** Serial creates for the latency comparison (default 1000). */
  serialCreates?: number;
  /** Objects to load and LIST (default 10,000). */
  listObjects?: number;
  /** Concurrent clients (default 16). */
  concurrency?: number;
  /** Watchers (default 100) and events measured (default 50). */
  watchers?: number;
  watchEvents?: number;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const round = (n: number) => Math.round(n * 100) / 100;

class Client {
  readonly agent: Agent;
  constructor(
    private readonly srv: RunningApiServer,
    maxSockets = 32,
  ) {
    this.agent = new Agent({ ca: srv.pki.caCert, cert: srv.pki.adminCert, key: srv.pki.adminKey, keepAlive: true, maxSockets });
  }
  send(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const buf = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = httpsRequest(new URL(path, this.srv.url), { method, agent: this.agent, headers: { Accept: 'application/json', ...(buf ? { 'Content-Type': 'application/json', 'Content-Length': buf.length } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(buf);
    });
  }
}

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'bench', labels: { app: 'bench' } }, data: { key: 'value', other: 'x'.repeat(64) } });

async function rawCreates(storage: Interface, n: number, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const o = cm(`raw-${tag}-${i}`);
    const obj = { ...o, metadata: { ...o.metadata, uid: crypto.randomUUID(), creationTimestamp: new Date().toISOString() } };
    const t0 = performance.now();
    await storage.create(`/registry/rawbench/bench/raw-${tag}-${i}`, obj);
    out.push(performance.now() - t0);
  }
  return out;
}

async function benchOne(backend: 'sqlite' | 'etcd3', o: Required<ApiServerBenchOptions>): Promise<ApiServerBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), `kubets-bench-apiserver-${backend}-`));
  let etcd: Awaited<ReturnType<typeof startEtcdServer>> | undefined;
  let storage: Interface;
  if (backend === 'etcd3') {
    etcd = await startEtcdServer();
    storage = newEtcd3Storage({ endpoints: [etcd.endpoint] });
  } else {
    storage = newSqliteStorage({ path: join(dir, 'state.db') });
  }
  const srv = await startApiServer({ dataDir: dir, securePort: 0, storage, log: () => {} });
  try {
    await srv.ready;
    const c = new Client(srv);
    await c.send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    // Warm up both paths.
    await rawCreates(storage, 100, 'warm');
    for (let i = 0; i < 100; i++) await c.send('POST', '/api/v1/namespaces/bench/configmaps', cm(`warm-${i}`));
    const raw = await rawCreates(storage, o.serialCreates, 'measure');
    const api: number[] = [];
    for (let i = 0; i < o.serialCreates; i++) {
      const t0 = performance.now();
      const r = await c.send('POST', '/api/v1/namespaces/bench/configmaps', cm(`serial-${i}`));
      api.push(performance.now() - t0);
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`);
    }
    // Concurrent creates up to listObjects ConfigMaps in the namespace.
    const have = 100 + o.serialCreates;
    const remaining = Math.max(0, o.listObjects - have);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= remaining) return;
          const r = await c.send('POST', '/api/v1/namespaces/bench/configmaps', cm(`load-${i}`));
          if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`);
        }
      }),
    );
    const concurrentSecs = (performance.now() - t0) / 1000;
    // LIST (consistent) and from the cache; best of 3 after a warm-up.
    const timeList = async (q: string) => {
      let best = Infinity;
      let items = 0;
      for (let i = 0; i < 4; i++) {
        const s = performance.now();
        const r = await c.send('GET', `/api/v1/namespaces/bench/configmaps${q}`);
        const ms = performance.now() - s;
        if (r.status !== 200) throw new Error(`LIST failed: ${r.status} ${r.text.slice(0, 500)}`);
        items = (JSON.parse(r.text).items as unknown[]).length;
        if (i > 0) best = Math.min(best, ms);
      }
      return { best, items };
    };
    // A failing LIST (e.g. a backend limit) is reported, not fatal.
    let listError: string | undefined;
    const safeList = (q: string) =>
      timeList(q).catch((err: unknown) => {
        listError = (err as Error).message.slice(0, 300);
        return { best: NaN, items: 0 };
      });
    const listed = await safeList('');
    const cached = await safeList('?resourceVersion=0');
    const rssMiB = process.memoryUsage().rss / 1024 / 1024;
    // Watch delivery to N watchers.
    const sent = new Map<string, number>();
    const lat: number[] = [];
    const watchAgent = new Agent({ ca: srv.pki.caCert, cert: srv.pki.adminCert, key: srv.pki.adminKey, keepAlive: false, maxSockets: o.watchers + 4 });
    const reqs: Array<ReturnType<typeof httpsRequest>> = [];
    let ready = 0;
    await new Promise<void>((resolve) => {
      for (let w = 0; w < o.watchers; w++) {
        const req = httpsRequest(new URL('/api/v1/namespaces/bench/configmaps?watch=1&labelSelector=w%3Dyes&resourceVersion=0&timeoutSeconds=120', srv.url), { agent: watchAgent, headers: { Accept: 'application/json' } }, (res) => {
          ready++;
          if (ready === o.watchers) resolve();
          let buf = '';
          res.on('data', (d: Buffer) => {
            buf += d.toString();
            let i;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i);
              buf = buf.slice(i + 1);
              const ev = JSON.parse(line);
              const t = sent.get(ev.object?.metadata?.name);
              if (t !== undefined && ev.type === 'ADDED') lat.push(performance.now() - t);
            }
          });
        });
        req.end();
        reqs.push(req);
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < o.watchEvents; i++) {
      const name = `watch-${i}`;
      sent.set(name, performance.now());
      await c.send('POST', '/api/v1/namespaces/bench/configmaps', { ...cm(name), metadata: { ...cm(name).metadata, labels: { w: 'yes' } } });
      await new Promise((r) => setTimeout(r, 20));
    }
    const deadline = Date.now() + 5000;
    while (lat.length < o.watchers * o.watchEvents && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const r of reqs) r.destroy();
    watchAgent.destroy();
    c.agent.destroy();
    const p50 = pct(api, 50);
    const rp50 = pct(raw, 50);
    return {
      backend,
      createP50Ms: round(p50),
      createP99Ms: round(pct(api, 99)),
      rawCreateP50Ms: round(rp50),
      rawCreateP99Ms: round(pct(raw, 99)),
      createRatio: round(p50 / rp50),
      concurrentCreatesPerSecond: Math.round(remaining / concurrentSecs),
      listItems: listed.items,
      listMs: round(listed.best),
      listCacheMs: round(cached.best),
      rssMiB: Math.round(rssMiB),
      watchers: o.watchers,
      watchP50Ms: round(pct(lat, 50)),
      watchP99Ms: round(pct(lat, 99)),
      ...(listError ? { listError } : {}),
    };
  } finally {
    await srv.stop();
    await storage.close();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ColdStartResult is the time from spawning `kubets apiserver` to /readyz answering ok. */
export interface ColdStartResult {
  firstStartMs: number;
  restartMs: number;
}

async function readyzOnce(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest(new URL('/readyz', url), { rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function startAndTime(dataDir: string): Promise<number> {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubets.js');
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'apiserver', '--data-dir', dataDir, '--secure-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /listening on (https:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`apiserver exited ${code}: ${err}`)));
    });
    while (!(await readyzOnce(url))) await new Promise((r) => setTimeout(r, 5));
    return performance.now() - t0;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** benchColdStart measures `kubets apiserver` to /readyz on SQLite: a fresh data dir, then a restart. */
export async function benchColdStart(): Promise<ColdStartResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-coldstart-'));
  try {
    const firstStartMs = await startAndTime(dir);
    const restartMs = await startAndTime(dir);
    return { firstStartMs: Math.round(firstStartMs), restartMs: Math.round(restartMs) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** benchApiServer runs the apiserver benchmark on each backend plus the cold start. */
export async function benchApiServer(opts: ApiServerBenchOptions = {}): Promise<{ backends: ApiServerBenchResult[]; coldStart: ColdStartResult }> {
  const o: Required<ApiServerBenchOptions> = {
    backends: opts.backends ?? ['sqlite', 'etcd3'],
    serialCreates: opts.serialCreates ?? 1000,
    listObjects: opts.listObjects ?? 10_000,
    concurrency: opts.concurrency ?? 16,
    watchers: opts.watchers ?? 100,
    watchEvents: opts.watchEvents ?? 50,
  };
  const backends: ApiServerBenchResult[] = [];
  for (const b of o.backends) {
    if (b === 'etcd3' && !etcdAvailable()) {
      backends.push({ backend: b, skipped: '/usr/bin/etcd is missing' } as ApiServerBenchResult);
      continue;
    }
    try {
      backends.push(await benchOne(b, o));
    } catch (err) {
      backends.push({ backend: b, skipped: `failed: ${(err as Error).message.slice(0, 300)}` } as ApiServerBenchResult);
    }
  }
  return { backends, coldStart: await benchColdStart() };
}

/** formatApiServerBench renders the results as a Markdown table. */
export function formatApiServerBench(r: { backends: ApiServerBenchResult[]; coldStart: ColdStartResult }): string {
  const lines = [
    '| backend | create p50 / p99 (ms) | raw storage p50 / p99 (ms) | ratio (<= 1.3) | creates/s (16 clients) | LIST 10k (ms, <= 250) | LIST 10k rv=0 (ms) | RSS (MiB) | watch p50 / p99 to 100 watchers (ms, <= 50) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const b of r.backends) {
    if (b.skipped) {
      lines.push(`| ${b.backend} | skipped: ${b.skipped} | | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${b.backend} | ${b.createP50Ms} / ${b.createP99Ms} | ${b.rawCreateP50Ms} / ${b.rawCreateP99Ms} | ${b.createRatio} | ${b.concurrentCreatesPerSecond} | ${b.listMs} (${b.listItems} items) | ${b.listCacheMs} | ${b.rssMiB} | ${b.watchP50Ms} / ${b.watchP99Ms} |`,
    );
  }
  for (const b of r.backends) if (b.listError) lines.push('', `${b.backend} LIST error: ${b.listError}`);
  lines.push('', `Cold start to /readyz on SQLite: ${r.coldStart.firstStartMs} ms (fresh data dir, PKI generated), ${r.coldStart.restartMs} ms (existing data dir) — target <= 1000 ms.`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchApiServer();
  process.stdout.write(formatApiServerBench(r) + '\n');
}

/**
 * Apiserver benchmark (issue 3 acceptance 5), for each storage backend. The apiserver runs as it
 * is deployed: `kubets apiserver` in its own process (so its CPU is not shared with the benchmark
 * client's). The bench process is the client of everything:
 * - raw storage: the storage layer's `create` from the bench process, serial — on etcd the etcd3
 *   client's transaction (compare mod_revision = 0, put), exactly what the apiserver's store sends;
 *   on SQLite the same SQLite transaction in-process (an in-process call: no network at all);
 * - HTTPS floor (`floor-server.ts`, its own process): the same create behind a minimal HTTPS
 *   server with the apiserver's TLS setup and the same payload — what any networked service on
 *   that backend costs. On SQLite this, not the in-process call, is the honest floor;
 * - apiserver: POST of the same ConfigMap, serial, keep-alive agent.
 * The three serial series are measured in interleaved rounds after a warm-up, so load from
 * other work on the machine hits them alike. Then: creates/s with 16 concurrent clients (these
 * load the 10,000 ConfigMaps; raw puts/s with 16 in flight for comparison), LIST of 10,000
 * ConfigMaps (target <= 250 ms) and the apiserver process RSS after loading them, watch delivery
 * p99 to 100 watchers (target <= 50 ms), and cold start of `kubets apiserver` to /readyz on
 * SQLite (target <= 1 s), fresh and with an existing data dir.
 *
 * `benchApiServer()` returns the numbers; `formatApiServerBench()` renders them. Run alone with
 * `npx tsx tools/bench/apiserver.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest, Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Interface } from '../../impl/storage/interfaces.ts';
import { newSqliteStorage } from '../../impl/storage/sqlite/store.ts';
import { newEtcd3Storage } from '../../impl/storage/etcd3/store.ts';
import { etcdAvailable, freePort, startEtcdServer } from '../../impl/storage/testing/etcd-server.ts';
import { rssMiBOf, stopChild } from './child-process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const KUBETS = join(ROOT, 'bin', 'kubets.js');

/** LatencyStats are the p50/p99 of one serial series, in ms. */
export interface LatencyStats {
  p50Ms: number;
  p99Ms: number;
}

/** ApiServerBenchResult is one backend's numbers. */
export interface ApiServerBenchResult {
  backend: 'sqlite' | 'etcd3';
  skipped?: string;
  samples: number;
  /** The storage layer's create from the bench process (SQLite: in-process). */
  raw: LatencyStats;
  /** The same create behind a minimal HTTPS server in its own process. */
  floor: LatencyStats;
  /** POST through `kubets apiserver`. */
  create: LatencyStats;
  /** create p50 / raw p50 (issue target <= 1.3). */
  ratioToRaw: number;
  /** create p50 / floor p50. */
  ratioToFloor: number;
  concurrentCreatesPerSecond: number;
  rawConcurrentPutsPerSecond: number;
  listItems: number;
  listMs: number;
  /** LIST served from the watch cache (resourceVersion=0). */
  listCacheMs: number;
  /** RSS of the apiserver process after loading and listing. */
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
  /** Serial creates per series (default 1000), in `rounds` interleaved rounds (default 10). */
  serialCreates?: number;
  rounds?: number;
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
const stats = (xs: number[]): LatencyStats => ({ p50Ms: round(pct(xs, 50)), p99Ms: round(pct(xs, 99)) });

/** TlsIdentity is what a client needs to reach the apiserver (or the floor) as the admin. */
interface TlsIdentity {
  ca: string;
  cert: string;
  key: string;
}

class Client {
  readonly agent: Agent;
  constructor(
    private readonly url: string,
    id: TlsIdentity,
    maxSockets = 32,
  ) {
    this.agent = new Agent({ ca: id.ca, cert: id.cert, key: id.key, keepAlive: true, maxSockets });
  }
  send(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const buf = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = httpsRequest(new URL(path, this.url), { method, agent: this.agent, headers: { Accept: 'application/json', ...(buf ? { 'Content-Type': 'application/json', 'Content-Length': buf.length } : {}) } }, (res) => {
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

/** A child process that prints a URL on stdout once it serves, stopped with SIGTERM. */
interface Child {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function spawnServer(args: string[], what: string, timeoutMs = 60_000): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(https:\/\/\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited ${code}: ${err}`));
    });
  });
  child.stdout!.resume();
  return {
    url,
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}

/** timed runs one request and returns its latency, failing on an unexpected status. */
async function timed(fn: () => Promise<{ status: number; text: string } | void>, want = 201): Promise<number> {
  const t0 = performance.now();
  const r = await fn();
  const ms = performance.now() - t0;
  if (r && r.status !== want) throw new Error(`request failed: ${r.status} ${r.text.slice(0, 300)}`);
  return ms;
}

async function benchOne(backend: 'sqlite' | 'etcd3', o: Required<ApiServerBenchOptions>): Promise<ApiServerBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), `kubets-bench-apiserver-${backend}-`));
  const etcd = backend === 'etcd3' ? await startEtcdServer() : undefined;
  const children: Child[] = [];
  const agents: Agent[] = [];
  let raw: Interface | undefined;
  try {
    const backendArgs = etcd ? ['--storage-backend', 'etcd3', '--etcd-servers', etcd.endpoint] : ['--storage-backend', 'sqlite'];
    const api = await spawnServer([KUBETS, 'apiserver', '--data-dir', dir, '--secure-port', '0', ...backendArgs], 'kubets apiserver');
    children.push(api);
    const pkiDir = join(dir, 'pki');
    const id: TlsIdentity = { ca: readFileSync(join(pkiDir, 'ca.crt'), 'utf8'), cert: readFileSync(join(pkiDir, 'admin.crt'), 'utf8'), key: readFileSync(join(pkiDir, 'admin.key'), 'utf8') };
    const floorArgs = etcd ? ['--etcd-servers', etcd.endpoint] : ['--sqlite', join(dir, 'floor.db')];
    const floor = await spawnServer(['--import', 'tsx', join(ROOT, 'tools', 'bench', 'floor-server.ts'), '--pki', pkiDir, ...floorArgs], 'floor server');
    children.push(floor);
    raw = etcd ? newEtcd3Storage({ endpoints: [etcd.endpoint] }) : newSqliteStorage({ path: join(dir, 'raw.db') });
    const c = new Client(api.url, id);
    const f = new Client(floor.url, id);
    agents.push(c.agent, f.agent);
    const ns = await c.send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    if (ns.status !== 201) throw new Error(`namespace: ${ns.status} ${ns.text}`);

    const rawCreate = (name: string) => {
      const obj = cm(name);
      return raw!.create(`/registry/rawbench/bench/${name}`, { ...obj, metadata: { ...obj.metadata, uid: crypto.randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } }).then(() => undefined);
    };
    const series = {
      raw: (name: string) => timed(() => rawCreate(name)),
      floor: (name: string) => timed(() => f.send('POST', '/api/v1/namespaces/bench/configmaps', cm(name))),
      create: (name: string) => timed(() => c.send('POST', '/api/v1/namespaces/bench/configmaps', cm(name))),
    };
    const lat: Record<keyof typeof series, number[]> = { raw: [], floor: [], create: [] };
    // Warm-up (JIT, connections, caches), then interleaved rounds.
    for (const k of Object.keys(series) as Array<keyof typeof series>) for (let i = 0; i < 200; i++) await series[k](`warm-${i}`);
    const perRound = Math.ceil(o.serialCreates / o.rounds);
    for (let r = 0; r < o.rounds; r++) {
      for (const k of Object.keys(series) as Array<keyof typeof series>) {
        for (let i = 0; i < perRound; i++) lat[k].push(await series[k](`serial-${r}-${i}`));
      }
    }

    // 16 concurrent clients: raw puts/s, then apiserver creates up to listObjects ConfigMaps.
    const concurrently = async (n: number, fn: (i: number) => Promise<unknown>) => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: o.concurrency }, async () => {
          for (let i = next++; i < n; i = next++) await fn(i);
        }),
      );
      return n / ((performance.now() - t0) / 1000);
    };
    const rawConcurrent = await concurrently(2000, (i) => rawCreate(`conc-${i}`));
    const have = 200 + perRound * o.rounds;
    const remaining = Math.max(0, o.listObjects - have);
    const concurrent = await concurrently(remaining, async (i) => {
      const r = await c.send('POST', '/api/v1/namespaces/bench/configmaps', cm(`load-${i}`));
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`);
    });

    // LIST (consistent) and from the cache; best of 3 after a warm-up. A failing LIST is reported.
    let listError: string | undefined;
    const timeList = async (q: string) => {
      let best = Infinity;
      let items = 0;
      try {
        for (let i = 0; i < 4; i++) {
          const s = performance.now();
          const r = await c.send('GET', `/api/v1/namespaces/bench/configmaps${q}`);
          const ms = performance.now() - s;
          if (r.status !== 200) throw new Error(`LIST failed: ${r.status} ${r.text.slice(0, 500)}`);
          items = (JSON.parse(r.text).items as unknown[]).length;
          if (i > 0) best = Math.min(best, ms);
        }
      } catch (err) {
        listError = (err as Error).message.slice(0, 300);
        return { best: NaN, items: 0 };
      }
      return { best, items };
    };
    const listed = await timeList('');
    const cached = await timeList('?resourceVersion=0');
    const rssMiB = rssMiBOf(api.pid);

    // Watch delivery to N watchers.
    const sent = new Map<string, number>();
    const wlat: number[] = [];
    const watchAgent = new Agent({ ca: id.ca, cert: id.cert, key: id.key, keepAlive: false, maxSockets: o.watchers + 4 });
    agents.push(watchAgent);
    const reqs: Array<ReturnType<typeof httpsRequest>> = [];
    let ready = 0;
    await new Promise<void>((resolve, reject) => {
      for (let w = 0; w < o.watchers; w++) {
        const req = httpsRequest(new URL('/api/v1/namespaces/bench/configmaps?watch=1&labelSelector=w%3Dyes&resourceVersion=0&timeoutSeconds=120', api.url), { agent: watchAgent, headers: { Accept: 'application/json' } }, (res) => {
          ready++;
          if (ready === o.watchers) resolve();
          let buf = '';
          res.on('data', (d: Buffer) => {
            const now = performance.now();
            buf += d.toString();
            let i;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i);
              buf = buf.slice(i + 1);
              const ev = JSON.parse(line);
              const t = sent.get(ev.object?.metadata?.name);
              if (t !== undefined && ev.type === 'ADDED') wlat.push(now - t);
            }
          });
        });
        req.on('error', reject);
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
    while (wlat.length < o.watchers * o.watchEvents && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const r of reqs) r.destroy();

    const res = { raw: stats(lat.raw), floor: stats(lat.floor), create: stats(lat.create) };
    return {
      backend,
      samples: lat.create.length,
      ...res,
      ratioToRaw: round(res.create.p50Ms / res.raw.p50Ms),
      ratioToFloor: round(res.create.p50Ms / res.floor.p50Ms),
      concurrentCreatesPerSecond: Math.round(concurrent),
      rawConcurrentPutsPerSecond: Math.round(rawConcurrent),
      listItems: listed.items,
      listMs: round(listed.best),
      listCacheMs: round(cached.best),
      rssMiB,
      watchers: o.watchers,
      watchP50Ms: round(pct(wlat, 50)),
      watchP99Ms: round(pct(wlat, 99)),
      ...(listError ? { listError } : {}),
    };
  } finally {
    for (const a of agents) a.destroy();
    for (const ch of children.reverse()) await ch.stop();
    await raw?.close();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ColdStartResult is the time from spawning `kubets apiserver` to /readyz answering ok. */
export interface ColdStartResult {
  firstStartMs: number;
  /** Median of the restarts with the existing data dir. */
  restartMs: number;
  restartsMs: number[];
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

async function startAndTime(dataDir: string, port: number): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [KUBETS, 'apiserver', '--data-dir', dataDir, '--secure-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
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

/**
 * benchColdStart measures `kubets apiserver` to /readyz on SQLite: a fresh data dir, then 3
 * restarts with the same flags (one free port kept across them, as a deployed apiserver keeps
 * its --secure-port).
 */
export async function benchColdStart(): Promise<ColdStartResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-coldstart-'));
  try {
    const port = await freePort();
    const firstStartMs = await startAndTime(dir, port);
    const restartsMs: number[] = [];
    for (let i = 0; i < 3; i++) restartsMs.push(Math.round(await startAndTime(dir, port)));
    return { firstStartMs: Math.round(firstStartMs), restartMs: pct(restartsMs, 50), restartsMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** benchApiServer runs the apiserver benchmark on each backend plus the cold start. */
export async function benchApiServer(opts: ApiServerBenchOptions = {}): Promise<{ backends: ApiServerBenchResult[]; coldStart: ColdStartResult }> {
  const o: Required<ApiServerBenchOptions> = {
    backends: opts.backends ?? ['sqlite', 'etcd3'],
    serialCreates: opts.serialCreates ?? 1000,
    rounds: opts.rounds ?? 10,
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

/** formatApiServerBench renders the results as Markdown tables with what each number compares. */
export function formatApiServerBench(r: { backends: ApiServerBenchResult[]; coldStart: ColdStartResult }): string {
  const lines = [
    '| backend | raw storage create p50 / p99 (ms) | HTTPS floor p50 / p99 (ms) | apiserver create p50 / p99 (ms) | ratio to raw (target <= 1.3) | ratio to floor | creates/s, 16 clients (raw puts/s) | LIST 10k (ms, <= 250) | LIST 10k rv=0 (ms) | apiserver RSS (MiB) | watch p50 / p99, 100 watchers (ms, <= 50) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const b of r.backends) {
    if (b.skipped) {
      lines.push(`| ${b.backend} | skipped: ${b.skipped} | | | | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${b.backend} | ${b.raw.p50Ms} / ${b.raw.p99Ms} | ${b.floor.p50Ms} / ${b.floor.p99Ms} | ${b.create.p50Ms} / ${b.create.p99Ms} | ${b.ratioToRaw} | ${b.ratioToFloor} | ${b.concurrentCreatesPerSecond} (${b.rawConcurrentPutsPerSecond}) | ${b.listMs} (${b.listItems} items) | ${b.listCacheMs} | ${b.rssMiB} | ${b.watchP50Ms} / ${b.watchP99Ms} |`,
    );
  }
  for (const b of r.backends) if (b.listError) lines.push('', `${b.backend} LIST error: ${b.listError}`);
  const n = r.backends.find((b) => !b.skipped)?.samples ?? 0;
  lines.push(
    '',
    `Serial series of ${n} creates each (after 200 warm-up), interleaved in rounds; the apiserver and the floor run in their own processes.`,
    'raw = the storage layer\'s create from the bench process: etcd3 = the etcd3 client\'s compare-and-put txn to the same etcd; sqlite = the same SQLite transaction, in-process (no network: its ratio is not meaningful).',
    'floor = that same create behind a minimal HTTPS server (same TLS and client certs, same payload): the least any networked service on the backend costs; the SQLite target is judged against it.',
    '',
    `Cold start to /readyz on SQLite: ${r.coldStart.firstStartMs} ms (fresh data dir, PKI generated), ${r.coldStart.restartMs} ms median with an existing data dir (${r.coldStart.restartsMs.join(', ')}) — target <= 1000 ms.`,
  );
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchApiServer();
  process.stdout.write(formatApiServerBench(r) + '\n');
}

/**
 * Request-flow benchmark (issue #4 acceptance 8): what authentication + authorization (Node,RBAC
 * with 1,000 RoleBindings loaded) + the default admission chain add to one request, at p50.
 *
 * Three in-process apiservers on in-memory SQLite, the same client (a keep-alive HTTPS agent in
 * this process), the same requests:
 * - `bare`: no authentication chain (a fixed user), no authorization, no admission;
 * - `alwaysAllow`: bearer-token authentication, `--authorization-mode=AlwaysAllow`, no admission
 *   plugins (`--disable-admission-plugins` with every default);
 * - `full`: bearer-token authentication, `--authorization-mode=Node,RBAC`, the default admission
 *   plugins, 1,000 RoleBindings in the request's namespace (the user's own binding among them, so
 *   the RBAC authorizer walks the namespace's bindings as upstream's does).
 * Requests: GET of one ConfigMap (authn + authz) and POST of a new ConfigMap (authn + authz +
 * mutating and validating admission). Series are measured in interleaved rounds after a warm-up.
 *
 * `benchAuth()` returns the numbers; `formatAuthBench()` renders them. Run alone with
 * `npx tsx tools/bench/auth.ts`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startApiServer, type RunningApiServer } from '../../impl/apiserver/server.ts';
import { DEFAULT_ADMISSION_PLUGINS } from '../../impl/apiserver/admission-wiring.ts';
import { newSqliteStorage } from '../../impl/storage/sqlite/store.ts';

const NS = 'bench';
const TOKEN = 'bench-user-token-0123456789abcdef';
const USER = 'bench-user';

type Variant = 'bare' | 'alwaysAllow' | 'full';
const VARIANTS: readonly Variant[] = ['bare', 'alwaysAllow', 'full'];

interface Stats {
  p50Ms: number;
  p99Ms: number;
}

/** AuthBenchResult holds p50/p99 per variant and request, and the added p50 costs. */
export interface AuthBenchResult {
  roleBindings: number;
  samples: number;
  get: Record<Variant, Stats>;
  create: Record<Variant, Stats>;
  /** full - bare at p50: authn + Node,RBAC + admission. */
  addedGetMs: number;
  addedCreateMs: number;
  /** full - alwaysAllow at p50: Node,RBAC + admission only. */
  addedGetOverAlwaysAllowMs: number;
  addedCreateOverAlwaysAllowMs: number;
  /** Issue target: <= 0.2 ms added at p50. */
  targetMs: number;
}

interface Server {
  srv: RunningApiServer;
  agent: Agent;
  headers: Record<string, string>;
  dir: string;
}

function call(s: Server, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const url = new URL(path, s.srv.url);
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, agent: s.agent, headers: { Accept: 'application/json', ...(data ? { 'Content-Type': 'application/json', 'Content-Length': String(data.length) } : {}), ...s.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function must(s: Server, method: string, path: string, body?: unknown): Promise<void> {
  const r = await call(s, method, path, body);
  if (r.status >= 300 && r.status !== 409) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
}

async function startVariant(v: Variant, roleBindings: number): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), `kubets-bench-auth-${v}-`));
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, `${TOKEN},${USER},uid-bench\n`);
  const srv = await startApiServer({
    dataDir: dir,
    securePort: 0,
    storage: newSqliteStorage({ path: ':memory:' }),
    log: () => {},
    ...(v === 'bare'
      ? { authenticate: () => ({ name: USER, groups: ['system:masters', 'system:authenticated'] }), admission: { enable: [], disable: [...DEFAULT_ADMISSION_PLUGINS] } }
      : v === 'alwaysAllow'
        ? { auth: { tokenAuthFile: tokens, authorizationMode: ['AlwaysAllow'] }, admission: { enable: [], disable: [...DEFAULT_ADMISSION_PLUGINS] } }
        : { auth: { tokenAuthFile: tokens, authorizationMode: ['Node', 'RBAC'] }, admission: { enable: [], disable: [] } }),
  });
  await srv.ready;
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: srv.pki.caCert });
  const admin: Server = { srv, agent: new Agent({ keepAlive: true, ca: srv.pki.caCert, cert: srv.pki.adminCert, key: srv.pki.adminKey }), headers: {}, dir };
  await must(admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await must(admin, 'POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target' }, data: { k: 'v' } });
  if (v === 'full') {
    // 1,000 RoleBindings in the namespace, the user's in the middle (upstream visits them all).
    for (let i = 0; i < roleBindings; i++) {
      const mine = i === Math.floor(roleBindings / 2);
      await must(admin, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: mine ? 'bench-user-edit' : `rb-${i}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: mine ? 'edit' : 'view' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: mine ? USER : `someone-${i}` }],
      });
    }
  }
  admin.agent.destroy();
  const headers: Record<string, string> = v === 'bare' ? {} : { Authorization: `Bearer ${TOKEN}` };
  return { srv, agent, headers, dir };
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** benchAuth measures the three variants; `samples` requests of each kind per variant. */
export async function benchAuth(opts: { samples?: number; roleBindings?: number; rounds?: number } = {}): Promise<AuthBenchResult> {
  const samples = opts.samples ?? 2000;
  const roleBindings = opts.roleBindings ?? 1000;
  const rounds = opts.rounds ?? 10;
  const servers = {} as Record<Variant, Server>;
  try {
    for (const v of VARIANTS) servers[v] = await startVariant(v, roleBindings);
    // The RBAC caches see the bindings through a watch: wait until the user is allowed.
    for (let i = 0; i < 100; i++) {
      if ((await call(servers.full, 'GET', `/api/v1/namespaces/${NS}/configmaps/target`)).status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const times = { get: {} as Record<Variant, number[]>, create: {} as Record<Variant, number[]> };
    for (const v of VARIANTS) {
      times.get[v] = [];
      times.create[v] = [];
    }
    let seq = 0;
    const one = async (v: Variant, kind: 'get' | 'create', record: boolean) => {
      const s = servers[v];
      const t0 = process.hrtime.bigint();
      const r =
        kind === 'get'
          ? await call(s, 'GET', `/api/v1/namespaces/${NS}/configmaps/target`)
          : await call(s, 'POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${seq++}` }, data: { k: 'v' } });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 200 && r.status !== 201) throw new Error(`${v} ${kind}: ${r.status} ${r.text.slice(0, 300)}`);
      if (record) times[kind][v].push(ms);
    };
    // Warm-up, then interleaved rounds so that other load on the machine hits every variant alike.
    for (const v of VARIANTS) for (let i = 0; i < 200; i++) await one(v, i % 2 ? 'get' : 'create', false);
    const perRound = Math.ceil(samples / rounds);
    for (let round = 0; round < rounds; round++) {
      for (const v of VARIANTS) {
        for (let i = 0; i < perRound; i++) await one(v, 'get', true);
        for (let i = 0; i < perRound; i++) await one(v, 'create', true);
      }
    }
    const get = Object.fromEntries(VARIANTS.map((v) => [v, stats(times.get[v])])) as Record<Variant, Stats>;
    const create = Object.fromEntries(VARIANTS.map((v) => [v, stats(times.create[v])])) as Record<Variant, Stats>;
    return {
      roleBindings,
      samples: perRound * rounds,
      get,
      create,
      addedGetMs: get.full.p50Ms - get.bare.p50Ms,
      addedCreateMs: create.full.p50Ms - create.bare.p50Ms,
      addedGetOverAlwaysAllowMs: get.full.p50Ms - get.alwaysAllow.p50Ms,
      addedCreateOverAlwaysAllowMs: create.full.p50Ms - create.alwaysAllow.p50Ms,
      targetMs: 0.2,
    };
  } finally {
    for (const v of VARIANTS) {
      const s = servers[v];
      if (!s) continue;
      s.agent.destroy();
      await s.srv.stop().catch(() => undefined);
      await s.srv.storage.close().catch(() => undefined);
      rmSync(s.dir, { recursive: true, force: true });
    }
  }
}

/** formatAuthBench renders the result as a small table. */
export function formatAuthBench(r: AuthBenchResult): string {
  const f = (ms: number) => `${ms.toFixed(3)} ms`;
  const row = (name: string, s: Record<Variant, Stats>) =>
    `${name.padEnd(22)} ${VARIANTS.map((v) => `${v} p50 ${f(s[v].p50Ms)} p99 ${f(s[v].p99Ms)}`).join('  |  ')}`;
  const verdict = (ms: number) => (ms <= r.targetMs ? `ok (target <= ${r.targetMs} ms)` : `OVER target ${r.targetMs} ms`);
  return [
    `${r.samples} serial requests per series, ${r.roleBindings} RoleBindings in the namespace (full)`,
    row('GET configmap', r.get),
    row('POST configmap', r.create),
    `added by authn + Node,RBAC + admission (full - bare), p50: GET ${f(r.addedGetMs)} ${verdict(r.addedGetMs)}; POST ${f(r.addedCreateMs)} ${verdict(r.addedCreateMs)}`,
    `added by Node,RBAC + admission (full - alwaysAllow), p50: GET ${f(r.addedGetOverAlwaysAllowMs)}; POST ${f(r.addedCreateOverAlwaysAllowMs)}`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const res = await benchAuth();
  process.stdout.write(formatAuthBench(res) + '\n');
  process.exit(0);
}

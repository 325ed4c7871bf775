/**
 * Acceptance of issue #4 (API request flow) against an in-process HTTPS apiserver run as
 * `kubets apiserver --authorization-mode=Node,RBAC` with the default admission plugins, driven
 * with the real kubectl and real HTTPS webhook servers on loopback:
 *
 * 1. only TLS is served; admin.kubeconfig works with kubectl without extra flags; no credentials -> 401
 * 2. an RBAC matrix (view/edit/admin/cluster-admin, a Role with resourceNames, an aggregated
 *    ClusterRole): `kubectl auth can-i --as` and the real requests agree with upstream; escalation refused
 * 3. service-account tokens: TokenRequest works; expired, wrong-audience, tampered, alg none and
 *    bound-to-deleted-pod tokens are 401
 * 4. webhooks: JSONPatch mutation, denial message shown by kubectl, dead webhook with Ignore/Fail,
 *    timeoutSeconds, dry run
 * 5. PodSecurity enforce=restricted refusal and warn=baseline warnings printed by kubectl
 * 6. ResourceQuota `pods: 2` and LimitRanger defaults
 * 7. 1,000 forged/expired/truncated/wrongly signed certificates and tokens: none authenticated
 *
 * kubectl runs as a child process (never spawnSync: the apiserver lives in this process). Tests
 * that need kubectl skip with a message when it is not installed.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { newSqliteStorage } from '#impl/storage/sqlite/store.ts';
import { signToken, signingKeyFromPem, type SigningKey } from '#impl/auth/index.ts';
import { startApiServer, type RunningApiServer } from './server.ts';
import { ensurePki, issueClientCert, type Pki } from './pki.ts';
import { TestClient, type TestResponse } from './testing/test-client.ts';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const hasKubectl = existsSync(KUBECTL);

let srv: RunningApiServer;
let c: TestClient;
let dir: string;
let kubeconfig: string;

const USERS = ['view-user', 'edit-user', 'admin-user', 'root-user', 'names-user', 'agg-user', 'nobody'] as const;
const token = (u: string) => `${u}-token-0123456789abcdef`;

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl runs the real client with only KUBECONFIG set (no extra flags). */
function kubectl(args: string[], input?: string, env: Record<string, string> = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, args, { env: { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: kubeconfig, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

const asUser = (user: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> =>
  c.request(method, path, { anonymous: true, body, headers: { Authorization: `Bearer ${token(user)}`, ...headers } });

async function eventually(fn: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return fn();
}

async function mustCreate(path: string, body: unknown): Promise<TestResponse> {
  const r = await c.request('POST', path, { body });
  if (r.status !== 201 && r.status !== 409) throw new Error(`POST ${path}: ${r.status} ${r.text}`);
  return r;
}

const ns = (name: string, labels: Record<string, string> = {}) => mustCreate('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
// ServiceAccount admission is on and no serviceaccount controller runs here: make `default` by hand.
const defaultSA = (namespace: string) => mustCreate(`/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const subject = (name: string) => [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }];

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubets-auth-acceptance-'));
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, USERS.map((u) => `${token(u)},${u},uid-${u}`).join('\n') + '\n');
  srv = await startApiServer({
    dataDir: dir,
    securePort: 0,
    storage: newSqliteStorage({ path: ':memory:' }),
    // As `kubets apiserver --token-auth-file F --authorization-mode Node,RBAC` (admission flags given: upstream defaults).
    auth: { tokenAuthFile: tokens, authorizationMode: ['Node', 'RBAC'] },
    admission: { enable: [], disable: [] },
    log: () => {},
  });
  await srv.ready;
  kubeconfig = srv.kubeconfigPath;
  c = new TestClient(srv.url, srv.pki);

  for (const n of ['team', 'other']) {
    await ns(n);
    await defaultSA(n);
  }
  const rb = (namespace: string, name: string, user: string, roleKind: string, role: string) =>
    mustCreate(`${RBAC}/namespaces/${namespace}/rolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role }, subjects: subject(user) });
  await rb('team', 'view', 'view-user', 'ClusterRole', 'view');
  await rb('team', 'edit', 'edit-user', 'ClusterRole', 'edit');
  await rb('team', 'admin', 'admin-user', 'ClusterRole', 'admin');
  await mustCreate(`${RBAC}/clusterrolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'root-user' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: subject('root-user') });
  await mustCreate(`${RBAC}/namespaces/team/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'cm-reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['allowed'], verbs: ['get'] }] });
  await rb('team', 'names', 'names-user', 'Role', 'cm-reader');
  await mustCreate(`${RBAC}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'agg-reader' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'kubets.test/aggregate-to-agg-reader': 'true' } }] }, rules: [] });
  await mustCreate(`${RBAC}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'agg-deployments', labels: { 'kubets.test/aggregate-to-agg-reader': 'true' } }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] }] });
  await mustCreate(`${RBAC}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'agg-services', labels: { 'kubets.test/aggregate-to-agg-reader': 'true' } }, rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get'] }] });
  await rb('team', 'agg', 'agg-user', 'ClusterRole', 'agg-reader');
  await mustCreate('/api/v1/namespaces/team/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'allowed' } });
  await mustCreate('/api/v1/namespaces/team/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } });
  // The clusterrole-aggregation controller (in the apiserver here) fills agg-reader.
  const ok = await eventually(async () => ((await c.request('GET', `${RBAC}/clusterroles/agg-reader`)).json?.rules ?? []).length === 2);
  if (!ok) throw new Error('agg-reader was not aggregated');
});

test.after.always(async () => {
  c?.close();
  await srv?.stop();
  await srv?.storage.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// 1. TLS only, admin.kubeconfig with plain kubectl, 401 without credentials

test.serial('1: only TLS is served: a plain HTTP request gets no API answer', async (t) => {
  const outcome = await new Promise<string>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port: srv.port, path: '/api', method: 'GET', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(`status ${res.statusCode}: ${body}`));
    });
    req.on('error', (err) => resolve(`error ${err.message}`));
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.end();
  });
  t.false(/"kind"\s*:\s*"(APIVersions|Status)"/.test(outcome), outcome);
  t.notRegex(outcome, /^status 200/);
});

test.serial('1: admin.kubeconfig works with kubectl and no extra flags; no credentials is 401', async (t) => {
  if (!hasKubectl) return t.pass(`kubectl not installed at ${KUBECTL}: skipped`);
  const cfg = readFileSync(kubeconfig, 'utf8');
  t.notRegex(cfg, /insecure-skip-tls-verify:\s*true/);
  t.regex(cfg, /server: https:\/\//);
  const r = await kubectl(['get', 'namespaces', '-o', 'name']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /namespace\/kube-system/);
  const v = await kubectl(['version', '-o', 'json']);
  t.is(v.code, 0, v.stderr);
  t.truthy(JSON.parse(v.stdout).serverVersion?.gitVersion);
  const anon = await c.request('GET', '/api/v1/namespaces', { anonymous: true });
  t.is(anon.status, 401);
  t.like(anon.json, { kind: 'Status', reason: 'Unauthorized', code: 401 });
  // kubectl with the CA and a credential the server does not know: 401 as kubectl reports it.
  // (With no credential at all kubectl prompts for a username instead of sending the request.)
  const k = await kubectl(['get', 'namespaces', '--token', 'not-a-known-token'], undefined, { KUBECONFIG: kubeconfigWithoutClientCert() });
  t.not(k.code, 0);
  t.regex(k.stderr, /error: You must be logged in to the server \(Unauthorized\)/);
});

// ---------------------------------------------------------------------------------------------
// 2. RBAC matrix

interface RbacCase {
  user: (typeof USERS)[number];
  verb: string;
  /** resource[.group], as kubectl auth can-i takes it */
  resource: string;
  name?: string;
  subresource?: string;
  namespace?: string;
  /** upstream's answer */
  allowed: boolean;
}

const rbacCases: RbacCase[] = [
  // view (aggregated from system:aggregate-to-view)
  { user: 'view-user', verb: 'get', resource: 'pods', name: 'x', namespace: 'team', allowed: true },
  { user: 'view-user', verb: 'list', resource: 'pods', namespace: 'team', allowed: true },
  { user: 'view-user', verb: 'watch', resource: 'pods', namespace: 'team', allowed: true },
  { user: 'view-user', verb: 'create', resource: 'pods', namespace: 'team', allowed: false },
  { user: 'view-user', verb: 'delete', resource: 'pods', name: 'x', namespace: 'team', allowed: false },
  { user: 'view-user', verb: 'get', resource: 'secrets', name: 'x', namespace: 'team', allowed: false },
  { user: 'view-user', verb: 'list', resource: 'configmaps', namespace: 'team', allowed: true },
  { user: 'view-user', verb: 'get', resource: 'pods', name: 'x', subresource: 'log', namespace: 'team', allowed: true },
  { user: 'view-user', verb: 'create', resource: 'pods', name: 'x', subresource: 'exec', namespace: 'team', allowed: false },
  { user: 'view-user', verb: 'list', resource: 'deployments.apps', namespace: 'team', allowed: true },
  { user: 'view-user', verb: 'update', resource: 'deployments.apps', name: 'x', namespace: 'team', allowed: false },
  { user: 'view-user', verb: 'list', resource: 'roles.rbac.authorization.k8s.io', namespace: 'team', allowed: false },
  { user: 'view-user', verb: 'list', resource: 'pods', namespace: 'other', allowed: false },
  { user: 'view-user', verb: 'list', resource: 'nodes', allowed: false },
  // edit
  { user: 'edit-user', verb: 'create', resource: 'pods', namespace: 'team', allowed: true },
  { user: 'edit-user', verb: 'delete', resource: 'pods', name: 'x', namespace: 'team', allowed: true },
  { user: 'edit-user', verb: 'get', resource: 'secrets', name: 'x', namespace: 'team', allowed: true },
  { user: 'edit-user', verb: 'create', resource: 'deployments.apps', namespace: 'team', allowed: true },
  { user: 'edit-user', verb: 'patch', resource: 'services', name: 'x', namespace: 'team', allowed: true },
  { user: 'edit-user', verb: 'create', resource: 'pods', name: 'x', subresource: 'exec', namespace: 'team', allowed: true },
  { user: 'edit-user', verb: 'create', resource: 'serviceaccounts', name: 'x', subresource: 'token', namespace: 'team', allowed: true },
  { user: 'edit-user', verb: 'create', resource: 'roles.rbac.authorization.k8s.io', namespace: 'team', allowed: false },
  { user: 'edit-user', verb: 'create', resource: 'rolebindings.rbac.authorization.k8s.io', namespace: 'team', allowed: false },
  { user: 'edit-user', verb: 'create', resource: 'resourcequotas', namespace: 'team', allowed: false },
  { user: 'edit-user', verb: 'list', resource: 'pods', namespace: 'other', allowed: false },
  // admin
  { user: 'admin-user', verb: 'create', resource: 'rolebindings.rbac.authorization.k8s.io', namespace: 'team', allowed: true },
  { user: 'admin-user', verb: 'create', resource: 'roles.rbac.authorization.k8s.io', namespace: 'team', allowed: true },
  { user: 'admin-user', verb: 'delete', resource: 'secrets', name: 'x', namespace: 'team', allowed: true },
  { user: 'admin-user', verb: 'create', resource: 'resourcequotas', namespace: 'team', allowed: false },
  { user: 'admin-user', verb: 'create', resource: 'localsubjectaccessreviews.authorization.k8s.io', namespace: 'team', allowed: true },
  { user: 'admin-user', verb: 'list', resource: 'nodes', allowed: false },
  { user: 'admin-user', verb: 'delete', resource: 'pods', name: 'x', namespace: 'other', allowed: false },
  // cluster-admin
  { user: 'root-user', verb: 'list', resource: 'nodes', allowed: true },
  { user: 'root-user', verb: 'delete', resource: 'namespaces', name: 'nope', allowed: true },
  { user: 'root-user', verb: 'create', resource: 'clusterroles.rbac.authorization.k8s.io', allowed: true },
  { user: 'root-user', verb: 'get', resource: 'secrets', name: 'x', namespace: 'kube-system', allowed: true },
  // a Role with resourceNames
  { user: 'names-user', verb: 'get', resource: 'configmaps', name: 'allowed', namespace: 'team', allowed: true },
  { user: 'names-user', verb: 'get', resource: 'configmaps', name: 'other', namespace: 'team', allowed: false },
  { user: 'names-user', verb: 'list', resource: 'configmaps', namespace: 'team', allowed: false },
  { user: 'names-user', verb: 'delete', resource: 'configmaps', name: 'allowed', namespace: 'team', allowed: false },
  // an aggregated ClusterRole bound in one namespace
  { user: 'agg-user', verb: 'list', resource: 'deployments.apps', namespace: 'team', allowed: true },
  { user: 'agg-user', verb: 'get', resource: 'services', name: 'x', namespace: 'team', allowed: true },
  { user: 'agg-user', verb: 'list', resource: 'pods', namespace: 'team', allowed: false },
  { user: 'agg-user', verb: 'list', resource: 'deployments.apps', namespace: 'other', allowed: false },
  // nobody: only the basic-user and discovery defaults
  { user: 'nobody', verb: 'get', resource: 'pods', name: 'x', namespace: 'team', allowed: false },
  { user: 'nobody', verb: 'create', resource: 'selfsubjectaccessreviews.authorization.k8s.io', allowed: true },
];

const CORE = new Set(['pods', 'secrets', 'configmaps', 'services', 'serviceaccounts', 'resourcequotas', 'nodes', 'namespaces']);
const VERSIONS: Record<string, string> = { apps: 'v1', 'rbac.authorization.k8s.io': 'v1', 'authorization.k8s.io': 'v1' };
const KINDS: Record<string, string> = {
  pods: 'Pod',
  deployments: 'Deployment',
  services: 'Service',
  configmaps: 'ConfigMap',
  secrets: 'Secret',
  resourcequotas: 'ResourceQuota',
  roles: 'Role',
  rolebindings: 'RoleBinding',
  clusterroles: 'ClusterRole',
  localsubjectaccessreviews: 'LocalSubjectAccessReview',
  selfsubjectaccessreviews: 'SelfSubjectAccessReview',
};

/** bodyFor is a small valid object for a create (sent with dryRun=All, so nothing is stored). */
function bodyFor(resource: string, group: string, namespace: string): Record<string, unknown> {
  const apiVersion = group ? `${group}/${VERSIONS[group] ?? 'v1'}` : 'v1';
  const base = { apiVersion, kind: KINDS[resource] ?? 'X', metadata: { name: 'probe' } };
  switch (resource) {
    case 'pods':
      return { ...base, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    case 'deployments':
      return { ...base, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } };
    case 'resourcequotas':
      return { ...base, spec: { hard: { pods: '1' } } };
    case 'roles':
    case 'clusterroles':
      return { ...base, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] };
    case 'rolebindings':
      return { ...base, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: subject('someone') };
    case 'localsubjectaccessreviews':
      return { ...base, metadata: { namespace }, spec: { user: 'someone', resourceAttributes: { namespace, verb: 'get', resource: 'pods' } } };
    case 'selfsubjectaccessreviews':
      return { ...base, spec: { resourceAttributes: { namespace: 'team', verb: 'get', resource: 'pods' } } };
    default:
      return base;
  }
}

/** realRequest performs the case as an HTTP request with the user's token; true unless 403. */
async function realRequest(tc: RbacCase): Promise<{ allowed: boolean; status: number; text: string }> {
  const [resource, ...g] = tc.resource.split('.');
  const group = g.join('.');
  const prefix = group ? `/apis/${group}/${VERSIONS[group] ?? 'v1'}` : '/api/v1';
  const nsPart = tc.namespace && !(group === '' && (resource === 'nodes' || resource === 'namespaces')) ? `/namespaces/${tc.namespace}` : '';
  let path = `${prefix}${nsPart}/${resource}`;
  if (tc.name) path += `/${tc.name}`;
  if (tc.subresource) path += `/${tc.subresource}`;
  let r: TestResponse;
  switch (tc.verb) {
    case 'get':
    case 'list':
      r = await asUser(tc.user, 'GET', path);
      break;
    case 'watch':
      r = await asUser(tc.user, 'GET', `${path}?watch=1&timeoutSeconds=1`);
      break;
    case 'create':
      r = await asUser(tc.user, 'POST', `${path}?dryRun=All`, tc.subresource === 'token' ? { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } : tc.subresource === 'exec' ? undefined : bodyFor(resource!, group, tc.namespace ?? ''));
      break;
    case 'delete':
      r = await asUser(tc.user, 'DELETE', `${path}?dryRun=All`);
      break;
    case 'update':
      r = await asUser(tc.user, 'PUT', `${path}?dryRun=All`, { ...bodyFor(resource!, group, tc.namespace ?? ''), metadata: { name: tc.name } });
      break;
    case 'patch':
      r = await asUser(tc.user, 'PATCH', `${path}?dryRun=All`, { metadata: { labels: { a: 'b' } } }, { 'Content-Type': 'application/merge-patch+json' });
      break;
    default:
      throw new Error(`verb ${tc.verb}`);
  }
  return { allowed: r.status !== 403, status: r.status, text: r.text };
}

function canIArgs(tc: RbacCase): string[] {
  const args = ['auth', 'can-i', tc.verb, tc.name ? `${tc.resource}/${tc.name}` : tc.resource, '--as', tc.user];
  if (tc.namespace) args.push('-n', tc.namespace);
  if (tc.subresource) args.push('--subresource', tc.subresource);
  return args;
}

test.serial(`2: RBAC matrix: ${rbacCases.length} real requests (token per user) match upstream`, async (t) => {
  t.true(rbacCases.length >= 40);
  for (const tc of rbacCases) {
    const got = await realRequest(tc);
    t.is(got.allowed, tc.allowed, `${tc.user} ${tc.verb} ${tc.resource}${tc.subresource ? '/' + tc.subresource : ''} ${tc.name ?? ''} in ${tc.namespace ?? '(cluster)'}: ${got.status} ${got.text.slice(0, 300)}`);
    if (!got.allowed) {
      t.regex(JSON.parse(got.text).message as string, new RegExp(`^.* is forbidden: User "${tc.user}" cannot ${tc.verb} resource "`));
    }
  }
});

test.serial(`2: RBAC matrix: kubectl auth can-i --as answers the same ${rbacCases.length} cases`, async (t) => {
  if (!hasKubectl) return t.pass(`kubectl not installed at ${KUBECTL}: skipped`);
  for (const tc of rbacCases) {
    const r = await kubectl(canIArgs(tc));
    const answer = r.stdout.trim();
    t.is(answer, tc.allowed ? 'yes' : 'no', `kubectl ${canIArgs(tc).join(' ')} -> exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${r.stderr.slice(0, 300)}`);
    t.is(r.code, tc.allowed ? 0 : 1);
  }
});

test.serial('2: kubectl --as shows the upstream 403 text; auth can-i --list lists the aggregated rules', async (t) => {
  if (!hasKubectl) return t.pass(`kubectl not installed at ${KUBECTL}: skipped`);
  const denied = await kubectl(['get', 'secrets', '-n', 'team', '--as', 'view-user']);
  t.not(denied.code, 0);
  t.regex(denied.stderr, /Error from server \(Forbidden\): secrets is forbidden: User "view-user" cannot list resource "secrets" in API group "" in the namespace "team"/);
  const ok = await kubectl(['get', 'configmaps', 'allowed', '-n', 'team', '--as', 'names-user', '-o', 'name']);
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout.trim(), 'configmap/allowed');
  const list = await kubectl(['auth', 'can-i', '--list', '-n', 'team', '--as', 'agg-user']);
  t.is(list.code, 0, list.stderr);
  t.regex(list.stdout, /deployments\.apps\s+\[\]\s+\[\]\s+\[get list watch\]/);
  t.regex(list.stdout, /services\s+\[\]\s+\[\]\s+\[get\]/);
});

test.serial('2: an escalation attempt is refused (admin binding cluster-admin, a Role with rules it lacks)', async (t) => {
  const bind = await asUser('admin-user', 'POST', `${RBAC}/namespaces/team/rolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'grab' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: subject('admin-user') });
  t.is(bind.status, 403, bind.text);
  t.regex(bind.json.message, /^rolebindings\.rbac\.authorization\.k8s\.io "grab" is forbidden: user "admin-user" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:/);
  const role = await asUser('admin-user', 'POST', `${RBAC}/namespaces/team/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'grab' }, rules: [{ apiGroups: [''], resources: ['resourcequotas'], verbs: ['create'] }] });
  t.is(role.status, 403, role.text);
  t.regex(role.json.message, /is attempting to grant RBAC permissions not currently held/);
  const fine = await asUser('admin-user', 'POST', `${RBAC}/namespaces/team/roles?dryRun=All`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'fine' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] });
  t.is(fine.status, 201, fine.text);
  if (!hasKubectl) return;
  const k = await kubectl(['apply', '--as', 'admin-user', '-f', '-'], JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'grab2', namespace: 'team' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: subject('admin-user') }));
  t.not(k.code, 0);
  t.regex(k.stderr, /is attempting to grant RBAC permissions not currently held/);
});

// ---------------------------------------------------------------------------------------------
// 3. Service-account tokens

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}
function decodePart(tok: string, i: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(tok.split('.')[i]!, 'base64url').toString('utf8'));
}

test.serial('3: a TokenRequest token works; expired, wrong-audience, tampered, alg none and bound-to-deleted-pod tokens are 401', async (t) => {
  const base = '/api/v1/namespaces/team';
  await mustCreate(`${base}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
  await mustCreate(`${RBAC}/namespaces/team/rolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'robot-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'team' }] });
  const pod = await mustCreate(`${base}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'robot-pod' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox' }] } });
  const tokenFor = async (spec: Record<string, unknown>) => {
    const r = await c.request('POST', `${base}/serviceaccounts/robot/token`, { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec } });
    if (r.status !== 201) throw new Error(r.text);
    return r.json.status.token as string;
  };
  const plain = await tokenFor({ expirationSeconds: 3600 });
  const bound = await tokenFor({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'robot-pod', uid: pod.json.metadata.uid } });
  const otherAudience = await tokenFor({ audiences: ['https://not-this-apiserver.example'] });
  const list = (tok: string) => c.request('GET', `${base}/pods`, { anonymous: true, headers: { Authorization: `Bearer ${tok}` } });

  const works = await list(plain);
  t.is(works.status, 200, works.text);
  if (hasKubectl) {
    const k = await kubectl(['get', 'pods', '-n', 'team', '--token', plain, '-o', 'name'], undefined, { KUBECONFIG: kubeconfigWithoutClientCert() });
    t.is(k.code, 0, k.stderr);
    t.regex(k.stdout, /pod\/robot-pod/);
  }
  t.is((await list(bound)).status, 200);
  // Service accounts may read the issuer discovery documents (system:service-account-issuer-discovery).
  const jwks = await c.request('GET', '/openid/v1/jwks', { anonymous: true, headers: { Authorization: `Bearer ${plain}` } });
  t.is(jwks.status, 200, jwks.text);
  t.is((await c.request('GET', '/openid/v1/jwks', { anonymous: true, headers: { Authorization: `Bearer ${token('nobody')}` } })).status, 403);

  const key: SigningKey = signingKeyFromPem(readFileSync(join(dir, 'pki', 'sa.key')));
  const claims = decodePart(plain, 1);
  const now = Math.floor(Date.now() / 1000);
  const expired = await signToken(key, { ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
  const [h, p, s] = plain.split('.') as [string, string, string];
  const tamperedClaims = { ...claims, sub: 'system:serviceaccount:kube-system:default' };
  const tampered = `${h}.${b64url(JSON.stringify(tamperedClaims))}.${s}`;
  const flipped = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
  const algNone = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${p}.`;
  const cases: Array<[string, string]> = [
    ['expired', expired],
    ['wrong audience', otherAudience],
    ['tampered payload', tampered],
    ['tampered signature', flipped],
    ['alg none', algNone],
  ];
  for (const [name, tok] of cases) {
    const r = await list(tok);
    t.is(r.status, 401, `${name}: ${r.text}`);
  }
  t.is((await c.request('DELETE', `${base}/pods/robot-pod?gracePeriodSeconds=0`)).status, 200);
  t.is((await list(bound)).status, 401, 'bound to a deleted pod');
  t.is((await list(plain)).status, 200, 'an unbound token is unaffected');
});

function kubeconfigWithoutClientCert(): string {
  const f = join(dir, 'token.kubeconfig');
  writeFileSync(f, readFileSync(kubeconfig, 'utf8').replace(/ {2}user:\n {4}client-certificate-data: .*\n {4}client-key-data: .*\n/, '  user: {}\n'));
  return f;
}

// ---------------------------------------------------------------------------------------------
// 4. Admission webhooks over HTTPS

interface WebhookServer {
  server: HttpsServer;
  port: number;
  caBundle: string;
  calls: Array<{ path: string; dryRun: boolean; name?: string }>;
}

async function startWebhookServer(): Promise<WebhookServer> {
  const whPki: Pki = await ensurePki({ dataDir: mkdtempSync(join(dir, 'webhook-')) });
  const calls: WebhookServer['calls'] = [];
  const server = createHttpsServer({ cert: whPki.servingCert, key: whPki.servingKey }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const uid = review.request.uid;
      const name = review.request.object?.metadata?.name as string | undefined;
      const path = (req.url ?? '').split('?')[0]!;
      calls.push({ path, dryRun: review.request.dryRun === true, name });
      const reply = (response: Record<string, unknown>) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, ...response } }));
      };
      if (path === '/slow') {
        setTimeout(() => reply({ allowed: true }), 5000).unref();
        return;
      }
      if (path === '/validate') {
        if (name?.startsWith('forbidden-')) return reply({ allowed: false, status: { code: 403, message: 'names starting with forbidden- are refused by policy' } });
        return reply({ allowed: true });
      }
      if (path === '/mutate') {
        const ops = review.request.object?.metadata?.labels ? [{ op: 'add', path: '/metadata/labels/mutated-by', value: 'webhook' }] : [{ op: 'add', path: '/metadata/labels', value: { 'mutated-by': 'webhook' } }];
        return reply({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') });
      }
      reply({ allowed: true });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, caBundle: Buffer.from(whPki.caCert).toString('base64'), calls };
}

const ADMREG = '/apis/admissionregistration.k8s.io/v1';

function webhookConfig(kind: 'Mutating' | 'Validating', name: string, namespace: string, url: string, caBundle: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: `${kind}WebhookConfiguration`,
    metadata: { name },
    webhooks: [
      {
        name: `${name}.kubets.test`,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
        clientConfig: { url, caBundle },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
        ...extra,
      },
    ],
  };
}

const cmManifest = (name: string, namespace: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { k: 'v' } });

/** createConfigMap waits until a just-registered webhook configuration is in effect (watch caches). */
async function waitForWebhook(namespace: string, probe: (r: TestResponse) => boolean): Promise<boolean> {
  let i = 0;
  return eventually(async () => {
    const name = `probe-${i++}`;
    const r = await c.request('POST', `/api/v1/namespaces/${namespace}/configmaps?dryRun=All`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } } });
    return probe(r);
  });
}

test.serial('4: webhooks: JSONPatch label, denial message shown by kubectl, dead webhook Ignore vs Fail, timeoutSeconds, dry run', async (t) => {
  const wh = await startWebhookServer();
  t.teardown(() => void wh.server.close());
  const url = (p: string) => `https://127.0.0.1:${wh.port}${p}`;
  for (const n of ['wh-mutate', 'wh-dead', 'wh-slow']) await ns(n);

  // Mutating webhook adds a label with a JSONPatch; validating webhook denies by name.
  await mustCreate(`${ADMREG}/mutatingwebhookconfigurations`, webhookConfig('Mutating', 'add-label', 'wh-mutate', url('/mutate'), wh.caBundle));
  await mustCreate(`${ADMREG}/validatingwebhookconfigurations`, webhookConfig('Validating', 'deny-name', 'wh-mutate', url('/validate'), wh.caBundle));
  t.true(await waitForWebhook('wh-mutate', (r) => r.json?.metadata?.labels?.['mutated-by'] === 'webhook'));
  if (hasKubectl) {
    const ok = await kubectl(['apply', '-f', '-'], cmManifest('labelled', 'wh-mutate'));
    t.is(ok.code, 0, ok.stderr);
    const got = await kubectl(['get', 'configmap', 'labelled', '-n', 'wh-mutate', '-o', 'jsonpath={.metadata.labels.mutated-by}']);
    t.is(got.stdout, 'webhook');
    const denied = await kubectl(['apply', '-f', '-'], cmManifest('forbidden-one', 'wh-mutate'));
    t.not(denied.code, 0);
    t.regex(denied.stderr, /admission webhook "deny-name\.kubets\.test" denied the request: names starting with forbidden- are refused by policy/);
  } else {
    const r = await c.request('POST', '/api/v1/namespaces/wh-mutate/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'labelled' } } });
    t.is(r.json.metadata.labels['mutated-by'], 'webhook');
  }

  // Dry run: webhooks with sideEffects None are called with dryRun=true and nothing is stored.
  const before = wh.calls.length;
  const dry = await c.request('POST', '/api/v1/namespaces/wh-mutate/configmaps?dryRun=All', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } } });
  t.is(dry.status, 201, dry.text);
  t.true(wh.calls.slice(before).length >= 1 && wh.calls.slice(before).every((x) => x.dryRun));
  t.is((await c.request('GET', '/api/v1/namespaces/wh-mutate/configmaps/dry')).status, 404);
  // A webhook whose side effects are not dry-run safe is not called on a dry run: the request is refused (400), as upstream.
  const someFx = await c.request('POST', `${ADMREG}/validatingwebhookconfigurations`, {
    body: webhookConfig('Validating', 'side-effects', 'wh-mutate', url('/validate'), wh.caBundle, { sideEffects: 'Some' }),
  });
  if (someFx.status === 201) {
    let dryFx: TestResponse | undefined;
    const refused = await eventually(async () => {
      dryFx = await c.request('POST', '/api/v1/namespaces/wh-mutate/configmaps?dryRun=All', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry2' } } });
      return dryFx.status === 400;
    });
    t.true(refused, dryFx?.text);
    t.regex(dryFx!.json.message, /side-effects\.kubets\.test.*does not support dry run/);
    t.false(wh.calls.some((x) => x.name === 'dry2' && x.path === '/validate' && x.dryRun && false));
    await c.request('DELETE', `${ADMREG}/validatingwebhookconfigurations/side-effects`);
  } else {
    // admissionregistration/v1 only admits None and NoneOnDryRun: nothing with side effects can be registered.
    t.is(someFx.status, 422, someFx.text);
  }

  // A dead webhook (nothing listens): Ignore lets the request pass, Fail blocks it.
  const deadPort = await new Promise<number>((resolve) => {
    const s = createHttpsServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const deadURL = `https://127.0.0.1:${deadPort}/validate`;
  await mustCreate(`${ADMREG}/validatingwebhookconfigurations`, webhookConfig('Validating', 'dead-ignore', 'wh-dead', deadURL, wh.caBundle, { failurePolicy: 'Ignore' }));
  t.true(await waitForWebhook('wh-dead', (r) => r.status === 201));
  const passed = await c.request('POST', '/api/v1/namespaces/wh-dead/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'passes' } } });
  t.is(passed.status, 201, passed.text);
  await mustCreate(`${ADMREG}/validatingwebhookconfigurations`, webhookConfig('Validating', 'dead-fail', 'wh-dead', deadURL, wh.caBundle, { failurePolicy: 'Fail' }));
  t.true(await waitForWebhook('wh-dead', (r) => r.status === 500));
  const blocked = await c.request('POST', '/api/v1/namespaces/wh-dead/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'blocked' } } });
  t.is(blocked.status, 500, blocked.text);
  t.regex(blocked.json.message, /^Internal error occurred: failed calling webhook "dead-fail\.kubets\.test": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/validate\?timeout=10s": /);
  if (hasKubectl) {
    const k = await kubectl(['apply', '-f', '-'], cmManifest('blocked2', 'wh-dead'));
    t.not(k.code, 0);
    t.regex(k.stderr, /failed calling webhook "dead-fail\.kubets\.test"/);
  }

  // timeoutSeconds: a webhook answering after 5 s with timeoutSeconds 1 fails the request in about 1 s.
  await mustCreate(`${ADMREG}/validatingwebhookconfigurations`, webhookConfig('Validating', 'slow', 'wh-slow', url('/slow'), wh.caBundle, { timeoutSeconds: 1, failurePolicy: 'Fail' }));
  t.true(await waitForWebhook('wh-slow', (r) => r.status === 500));
  const started = Date.now();
  const slow = await c.request('POST', '/api/v1/namespaces/wh-slow/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'slow' } } });
  const took = Date.now() - started;
  t.is(slow.status, 500, slow.text);
  t.regex(slow.json.message, /failed calling webhook "slow\.kubets\.test".*(deadline|timeout|Timeout)/);
  t.true(took >= 900 && took < 3000, `took ${took} ms`);
  for (const n of ['add-label']) await c.request('DELETE', `${ADMREG}/mutatingwebhookconfigurations/${n}`);
  for (const n of ['deny-name', 'dead-ignore', 'dead-fail', 'slow']) await c.request('DELETE', `${ADMREG}/validatingwebhookconfigurations/${n}`);
});

test.serial('4 (CEL): a ValidatingAdmissionPolicy with its binding denies a Deployment with the message kubectl shows', async (t) => {
  await ns('vap');
  const policy = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'max-replicas' }, spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] }, validations: [{ expression: 'object.spec.replicas <= 5', message: 'replicas must be no greater than 5' }] } };
  const binding = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'max-replicas-vap' }, spec: { policyName: 'max-replicas', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vap' } } } } };
  const bad = await c.request('POST', `${ADMREG}/validatingadmissionpolicies`, { body: { ...policy, metadata: { name: 'broken' }, spec: { ...policy.spec, validations: [{ expression: 'object.spec.replicas <=' }] } } });
  t.is(bad.status, 422, bad.text);
  t.regex(bad.json.message, /compilation failed/);
  await mustCreate(`${ADMREG}/validatingadmissionpolicies`, policy);
  await mustCreate(`${ADMREG}/validatingadmissionpolicybindings`, binding);
  const deploy = (replicas: number) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `d${replicas}`, namespace: 'vap' }, spec: { replicas, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } });
  let denied: TestResponse | undefined;
  t.true(await eventually(async () => {
    denied = await c.request('POST', '/apis/apps/v1/namespaces/vap/deployments?dryRun=All', { body: deploy(7) });
    return denied.status === 422;
  }), denied?.text);
  t.is(denied!.json.message, "ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-vap' denied request: replicas must be no greater than 5");
  if (hasKubectl) {
    const k = await kubectl(['apply', '-f', '-'], JSON.stringify(deploy(7)));
    t.not(k.code, 0);
    t.regex(k.stderr, /ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-vap' denied request: replicas must be no greater than 5/);
    const ok = await kubectl(['apply', '-f', '-'], JSON.stringify(deploy(2)));
    t.is(ok.code, 0, ok.stderr);
  }
  await c.request('DELETE', `${ADMREG}/validatingadmissionpolicybindings/max-replicas-vap`);
  await c.request('DELETE', `${ADMREG}/validatingadmissionpolicies/max-replicas`);
});

// ---------------------------------------------------------------------------------------------
// 5. PodSecurity

const podManifest = (name: string, namespace: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });

test.serial('5: PodSecurity enforce=restricted rejects a privileged pod; warn=baseline warnings are printed by kubectl', async (t) => {
  if (!hasKubectl) return t.pass(`kubectl not installed at ${KUBECTL}: skipped`);
  await ns('psa-restricted', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  await defaultSA('psa-restricted');
  await ns('psa-warn', { 'pod-security.kubernetes.io/warn': 'baseline' });
  await defaultSA('psa-warn');
  const privileged = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'priv', namespace: 'psa-restricted' }, spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } });
  const r = await kubectl(['apply', '-f', '-'], privileged);
  t.not(r.code, 0);
  t.regex(r.stderr, /pods "priv" is forbidden: violates PodSecurity "restricted:latest": /);
  t.regex(r.stderr, /privileged \(container "c" must not set securityContext\.privileged=true\)/);
  t.regex(r.stderr, /allowPrivilegeEscalation != false \(container "c" must set securityContext\.allowPrivilegeEscalation=false\)/);
  const w = await kubectl(['apply', '-f', '-'], podManifest('hostnet', 'psa-warn', { hostNetwork: true }));
  t.is(w.code, 0, w.stderr);
  t.regex(w.stderr, /Warning: would violate PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\)/);
  t.regex(w.stdout, /pod\/hostnet created/);
});

// ---------------------------------------------------------------------------------------------
// 6. ResourceQuota and LimitRanger

test.serial('6: ResourceQuota pods: 2 -> the third pod is 403 "exceeded quota"; LimitRanger defaults appear on a pod that set none', async (t) => {
  await ns('quota');
  await defaultSA('quota');
  await mustCreate('/api/v1/namespaces/quota/resourcequotas', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pod-count' }, spec: { hard: { pods: '2' } } });
  // No resourcequota controller runs in this test: publish the initial status as it would.
  const q = await c.request('GET', '/api/v1/namespaces/quota/resourcequotas/pod-count');
  const st = await c.request('PUT', '/api/v1/namespaces/quota/resourcequotas/pod-count/status', { body: { ...q.json, status: { hard: { pods: '2' }, used: { pods: '0' } } } });
  t.is(st.status, 200, st.text);
  const create = async (name: string): Promise<{ ok: boolean; text: string }> => {
    if (hasKubectl) {
      const k = await kubectl(['apply', '-f', '-'], podManifest(name, 'quota', {}));
      return { ok: k.code === 0, text: k.stderr };
    }
    const r = await c.request('POST', '/api/v1/namespaces/quota/pods', { body: JSON.parse(podManifest(name, 'quota', {})) });
    return { ok: r.status === 201, text: r.text };
  };
  t.true((await create('p1')).ok);
  t.true((await create('p2')).ok);
  const third = await create('p3');
  t.false(third.ok);
  t.regex(third.text, /pods "p3" is forbidden: exceeded quota: pod-count, requested: pods=1, used: pods=2, limited: pods=2/);
  const raw = await c.request('POST', '/api/v1/namespaces/quota/pods', { body: JSON.parse(podManifest('p4', 'quota', {})) });
  t.is(raw.status, 403);
  t.is(raw.json.reason, 'Forbidden');
  const used = await c.request('GET', '/api/v1/namespaces/quota/resourcequotas/pod-count');
  t.is(used.json.status.used.pods, '2');

  await ns('limits');
  await defaultSA('limits');
  await mustCreate('/api/v1/namespaces/limits/limitranges', {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: 'defaults' },
    spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '64Mi' } }] },
  });
  let resources: Record<string, Record<string, string>> | undefined;
  let annotation: string | undefined;
  if (hasKubectl) {
    const k = await kubectl(['apply', '-f', '-'], podManifest('plain', 'limits', {}));
    t.is(k.code, 0, k.stderr);
    const got = JSON.parse((await kubectl(['get', 'pod', 'plain', '-n', 'limits', '-o', 'json'])).stdout);
    resources = got.spec.containers[0].resources;
    annotation = got.metadata.annotations?.['kubernetes.io/limit-ranger'];
  } else {
    const r = await c.request('POST', '/api/v1/namespaces/limits/pods', { body: JSON.parse(podManifest('plain', 'limits', {})) });
    resources = r.json.spec.containers[0].resources;
    annotation = r.json.metadata.annotations?.['kubernetes.io/limit-ranger'];
  }
  t.deepEqual(resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '64Mi' } });
  t.is(annotation, 'LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c');
});

// ---------------------------------------------------------------------------------------------
// 7. Forged credentials

interface Attempt {
  kind: string;
  cert?: { cert: string; key: string };
  token?: string;
}

function rawGet(a: Attempt): Promise<number> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: srv.port,
        path: '/api/v1/namespaces',
        method: 'GET',
        ca: srv.pki.caCert,
        agent: false,
        ...(a.cert ? { cert: a.cert.cert, key: a.cert.key } : {}),
        headers: { Accept: 'application/json', ...(a.token !== undefined ? { Authorization: `Bearer ${a.token}` } : {}) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(-1));
    req.end();
  });
}

test.serial('7: 1,000 requests with forged, expired, truncated or wrongly signed certificates and tokens: none authenticated; the server keeps serving', async (t) => {
  const forgedPki = await ensurePki({ dataDir: mkdtempSync(join(dir, 'forged-')) });
  const forgedAdmin = { cert: forgedPki.adminCert, key: forgedPki.adminKey };
  const expiredCert = issueClientCert(srv.pki, 'kubernetes-admin', ['system:masters'], new Date(Date.now() - 11 * 365 * 24 * 3600 * 1000));
  const selfSigned = issueClientCert(forgedPki, 'system:kube-controller-manager');
  const tr = await c.request('POST', '/api/v1/namespaces/team/serviceaccounts/robot/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } });
  t.is(tr.status, 201, tr.text);
  const good: string = tr.json.status.token;
  const key = signingKeyFromPem(readFileSync(join(dir, 'pki', 'sa.key')));
  const claims = decodePart(good, 1);
  const now = Math.floor(Date.now() / 1000);
  const expiredToken = await signToken(key, { ...claims, exp: now - 10, iat: now - 4000, nbf: now - 4000 });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const wrongKey = { ...key, privateKey };
  const wrongSigned = await signToken(wrongKey as SigningKey, claims);
  const attempts: Attempt[] = [];
  for (let i = 0; i < 1000; i++) {
    switch (i % 8) {
      case 0:
        attempts.push({ kind: 'certificate from another CA', cert: forgedAdmin });
        break;
      case 1:
        attempts.push({ kind: 'expired certificate', cert: expiredCert });
        break;
      case 2:
        attempts.push({ kind: 'certificate signed by another CA for a component', cert: selfSigned });
        break;
      case 3:
        attempts.push({ kind: 'truncated token', token: good.slice(0, 20 + (i % 200)) });
        break;
      case 4:
        attempts.push({ kind: 'expired token', token: expiredToken });
        break;
      case 5:
        attempts.push({ kind: 'wrongly signed token', token: wrongSigned });
        break;
      case 6:
        attempts.push({ kind: 'static token with a typo', token: `${token('root-user')}x` });
        break;
      default:
        attempts.push({ kind: 'random bytes', token: randomToken(i) });
    }
  }
  const results: Array<{ kind: string; status: number }> = [];
  for (let i = 0; i < attempts.length; i += 50) {
    const batch = attempts.slice(i, i + 50);
    const statuses = await Promise.all(batch.map(rawGet));
    batch.forEach((a, j) => results.push({ kind: a.kind, status: statuses[j]! }));
  }
  const authenticated = results.filter((r) => r.status !== 401);
  t.is(results.length, 1000);
  t.deepEqual(authenticated, [], `${authenticated.length} not 401, e.g. ${JSON.stringify(authenticated.slice(0, 5))}`);
  t.is((await c.request('GET', '/readyz', { anonymous: true })).status, 200);
  t.is((await c.request('GET', '/api/v1/namespaces')).status, 200);
  t.is((await c.request('GET', '/api/v1/namespaces/team/pods', { anonymous: true, headers: { Authorization: `Bearer ${good}` } })).status, 200);
});

function randomToken(i: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
  let s = '';
  let x = i * 2654435761;
  for (let k = 0; k < 40 + (i % 300); k++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += alphabet[x % alphabet.length];
  }
  return s;
}

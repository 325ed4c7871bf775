/**
 * The apiserver's request chain with impl/auth plugged in: bearer tokens, 401s, RBAC 403s with
 * upstream text, impersonation, TokenRequest-bound service account tokens, SelfSubjectReview,
 * and service-account issuer discovery. Runs against an in-process HTTPS apiserver (no external
 * binaries needed).
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSqliteStorage } from '#impl/storage/sqlite/store.ts';
import { startApiServer, type RunningApiServer } from './server.ts';
import { TestClient, type TestResponse } from './testing/test-client.ts';

let srv: RunningApiServer;
let c: TestClient;
let dir: string;

const TOKENS = {
  alice: 'alice-token-0123456789',
  bob: 'bob-token-0123456789',
  root: 'root-token-0123456789',
};

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubets-auth-'));
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, [`${TOKENS.alice},alice,uid-alice`, `${TOKENS.bob},bob,uid-bob,"devs"`, `${TOKENS.root},root,uid-root,"system:masters"`].join('\n') + '\n');
  srv = await startApiServer({
    dataDir: dir,
    securePort: 0,
    storage: newSqliteStorage({ path: ':memory:' }),
    auth: { tokenAuthFile: tokenFile, authorizationMode: ['Node', 'RBAC'] },
    log: () => {},
  });
  await srv.ready;
  c = new TestClient(srv.url, srv.pki);
});

test.after.always(async () => {
  c?.close();
  await srv?.stop();
  await srv?.storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const asToken = (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> =>
  c.request(method, path, { anonymous: true, body, headers: { Authorization: `Bearer ${token}`, ...headers } });

async function eventually(fn: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return fn();
}

const SSR = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
const ssrBody = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };

test.serial('a token from --token-auth-file authenticates; SelfSubjectReview returns the user', async (t) => {
  const r = await asToken(TOKENS.bob, 'POST', SSR, ssrBody);
  t.is(r.status, 201, r.text);
  t.is(r.json.status.userInfo.username, 'bob');
  t.is(r.json.status.userInfo.uid, 'uid-bob');
  t.deepEqual(r.json.status.userInfo.groups, ['devs', 'system:authenticated']);
});

test.serial('the admin client certificate authenticates as system:masters', async (t) => {
  const r = await c.request('POST', SSR, { body: ssrBody });
  t.is(r.status, 201, r.text);
  t.true(r.json.status.userInfo.groups.includes('system:masters'));
});

interface UnauthCase {
  name: string;
  headers: Record<string, string>;
  path: string;
}
const unauthCases: UnauthCase[] = [
  { name: 'unknown bearer token', headers: { Authorization: 'Bearer not-a-real-token' }, path: '/api/v1/namespaces' },
  { name: 'no credentials', headers: {}, path: '/api/v1/namespaces' },
  { name: 'forged JWT', headers: { Authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMuY2x1c3Rlci5sb2NhbCJ9.' }, path: '/api' },
];
for (const tc of unauthCases) {
  test.serial(`401 Status: ${tc.name}`, async (t) => {
    const r = await c.request('GET', tc.path, { anonymous: true, headers: tc.headers });
    t.is(r.status, 401);
    t.like(r.json, { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401, message: 'Unauthorized' });
  });
}

test.serial('health and version are anonymous', async (t) => {
  for (const p of ['/healthz', '/livez', '/readyz', '/version']) t.is((await c.request('GET', p, { anonymous: true })).status, 200, p);
});

test.serial('RBAC: a user without bindings gets the upstream 403; a RoleBinding to view lets it list pods', async (t) => {
  const denied = await asToken(TOKENS.alice, 'GET', '/api/v1/namespaces/default/pods');
  t.is(denied.status, 403);
  t.like(denied.json, { kind: 'Status', reason: 'Forbidden', code: 403, message: 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"', details: { kind: 'pods' } });
  const named = await asToken(TOKENS.alice, 'GET', '/api/v1/namespaces/default/pods/x');
  t.is(named.json.message, 'pods "x" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default"');
  const rb = await c.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
    body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'alice-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }] },
  });
  t.is(rb.status, 201, rb.text);
  t.true(await eventually(async () => (await asToken(TOKENS.alice, 'GET', '/api/v1/namespaces/default/pods')).status === 200));
  const write = await asToken(TOKENS.alice, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
  t.is(write.status, 403);
  t.is(write.json.message, 'configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "default"');
  const other = await asToken(TOKENS.alice, 'GET', '/api/v1/namespaces/kube-system/pods');
  t.is(other.status, 403);
});

test.serial('SelfSubjectAccessReview and SelfSubjectRulesReview answer for the caller', async (t) => {
  const r = await asToken(TOKENS.bob, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } },
  });
  t.is(r.status, 201, r.text);
  t.false(r.json.status.allowed);
  const sar = await c.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'alice', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } } },
  });
  t.is(sar.status, 201, sar.text);
  t.true(sar.json.status.allowed);
  const rules = await asToken(TOKENS.alice, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } });
  t.is(rules.status, 201, rules.text);
  t.true(rules.json.status.resourceRules.some((r: { resources?: string[] }) => r.resources?.includes('pods')));
});

test.serial('impersonation works for system:masters and is forbidden for others', async (t) => {
  const asAlice = await asToken(TOKENS.root, 'POST', SSR, ssrBody, { 'Impersonate-User': 'alice' });
  t.is(asAlice.status, 201, asAlice.text);
  t.is(asAlice.json.status.userInfo.username, 'alice');
  t.deepEqual(asAlice.json.status.userInfo.groups, ['system:authenticated']);
  const refused = await asToken(TOKENS.bob, 'GET', '/api/v1/namespaces', undefined, { 'Impersonate-User': 'root' });
  t.is(refused.status, 403);
  t.is(refused.json.message, 'users "root" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');
});

test.serial('TokenRequest: a bound service account token authenticates until its Pod is deleted', async (t) => {
  const ns = '/api/v1/namespaces/default';
  t.is((await c.request('POST', `${ns}/serviceaccounts`, { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } } })).status, 201);
  const pod = await c.request('POST', `${ns}/pods`, { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' }, spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'busybox' }] } } });
  t.is(pod.status, 201, pod.text);
  const tr = await c.request('POST', `${ns}/serviceaccounts/builder/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p1', uid: pod.json.metadata.uid } } },
  });
  t.is(tr.status, 201, tr.text);
  t.is(tr.json.kind, 'TokenRequest');
  const token: string = tr.json.status.token;
  t.truthy(token);
  const who = await asToken(token, 'POST', SSR, ssrBody);
  t.is(who.status, 201, who.text);
  t.is(who.json.status.userInfo.username, 'system:serviceaccount:default:builder');
  t.true(who.json.status.userInfo.groups.includes('system:serviceaccounts:default'));
  t.deepEqual(who.json.status.userInfo.extra['authentication.kubernetes.io/pod-name'], ['p1']);
  const review = await c.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } });
  t.is(review.status, 201, review.text);
  t.true(review.json.status.authenticated);
  t.is(review.json.status.user.username, 'system:serviceaccount:default:builder');
  t.is((await c.request('DELETE', `${ns}/pods/p1?gracePeriodSeconds=0`)).status, 200);
  const after = await asToken(token, 'POST', SSR, ssrBody);
  t.is(after.status, 401);
});

test.serial('service account issuer discovery documents', async (t) => {
  const cfg = await c.request('GET', '/.well-known/openid-configuration');
  t.is(cfg.status, 200, cfg.text);
  t.is(cfg.json.issuer, 'https://kubernetes.default.svc.cluster.local');
  const keys = await c.request('GET', '/openid/v1/jwks');
  t.is(keys.status, 200);
  t.is(keys.headers['content-type'], 'application/jwk-set+json');
  t.is(keys.json.keys.length, 1);
});

test.serial('bootstrap policy exists and view is aggregated', async (t) => {
  const view = await c.request('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/view');
  t.is(view.status, 200);
  t.true(view.json.rules.length > 0);
  t.is((await c.request('GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin')).status, 200);
});

test.serial('admission webhooks: a validating webhook denies with the upstream message; a mutating one patches', async (t) => {
  const https = await import('node:https');
  const { ensurePki } = await import('./pki.ts');
  const whDir = mkdtempSync(join(tmpdir(), 'kubets-webhook-'));
  const whPki = await ensurePki({ dataDir: whDir });
  const server = https.createServer({ cert: whPki.servingCert, key: whPki.servingKey }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const uid = review.request.uid;
      const name = review.request.object?.metadata?.name;
      let response: Record<string, unknown>;
      if (req.url?.startsWith('/validate')) response = name === 'bad' ? { uid, allowed: false, status: { code: 403, message: 'configmaps named bad are not allowed' } } : { uid, allowed: true };
      else response = { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/metadata/labels', value: { mutated: 'yes' } }])).toString('base64') };
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as import('node:net').AddressInfo).port;
  t.teardown(() => {
    server.close();
    rmSync(whDir, { recursive: true, force: true });
  });
  const caBundle = Buffer.from(whPki.caCert).toString('base64');
  const rules = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }];
  const nsSelector = { matchLabels: { 'kubernetes.io/metadata.name': 'default' } };
  const v = await c.request('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
    body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'deny-bad' }, webhooks: [{ name: 'deny.kubets.test', admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle }, rules }] },
  });
  t.is(v.status, 201, v.text);
  const m = await c.request('POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', {
    body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'label' }, webhooks: [{ name: 'label.kubets.test', admissionReviewVersions: ['v1'], sideEffects: 'None', namespaceSelector: nsSelector, clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle }, rules }] },
  });
  t.is(m.status, 201, m.text);
  const cm = (name: string) => c.request('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } } });
  let denied: TestResponse | undefined;
  const ok = await eventually(async () => {
    denied = await cm('bad');
    if (denied.status === 201) await c.request('DELETE', '/api/v1/namespaces/default/configmaps/bad');
    return denied.status === 403;
  });
  t.true(ok, denied?.text);
  t.like(denied!.json, { kind: 'Status', code: 403, message: 'admission webhook "deny.kubets.test" denied the request: configmaps named bad are not allowed' });
  const good = await cm('good');
  t.is(good.status, 201, good.text);
  t.is(good.json.metadata.labels?.mutated, 'yes');
  await c.request('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/deny-bad');
  await c.request('DELETE', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/label');
});

test.serial('NamespaceLifecycle admission: immortal namespaces cannot be deleted', async (t) => {
  const r = await c.request('DELETE', '/api/v1/namespaces/kube-system');
  t.is(r.status, 403);
  t.is(r.json.message, 'namespaces "kube-system" is forbidden: this namespace may not be deleted');
});

test.serial('RBAC escalation: a user cannot create a Role granting more than it holds, nor bind cluster-admin', async (t) => {
  const rbacApi = '/apis/rbac.authorization.k8s.io/v1/namespaces/default';
  // bob may manage roles and rolebindings in default, but holds nothing else.
  const role = await c.request('POST', `${rbacApi}/roles`, {
    body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'rbac-manager' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['create', 'get', 'list'] }] },
  });
  t.is(role.status, 201, role.text);
  const rb = await c.request('POST', `${rbacApi}/rolebindings`, {
    body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'bob-rbac' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rbac-manager' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }] },
  });
  t.is(rb.status, 201, rb.text);
  t.true(await eventually(async () => (await asToken(TOKENS.bob, 'GET', `${rbacApi}/roles`)).status === 200));
  const escalate = await asToken(TOKENS.bob, 'POST', `${rbacApi}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'secrets' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] });
  t.is(escalate.status, 403, escalate.text);
  t.regex(escalate.json.message, /^roles\.rbac\.authorization\.k8s\.io "secrets" is forbidden: user "bob" .* is attempting to grant RBAC permissions not currently held/);
  const held = await asToken(TOKENS.bob, 'POST', `${rbacApi}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'sub' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get'] }] });
  t.is(held.status, 201, held.text);
  const bindAdmin = await asToken(TOKENS.bob, 'POST', `${rbacApi}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bob-admin' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
  });
  t.is(bindAdmin.status, 403, bindAdmin.text);
});

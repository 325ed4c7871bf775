/**
 * Audit end to end: an in-process apiserver with `--audit-policy-file` and `--audit-log-path`
 * writes audit.k8s.io/v1 Events as JSON lines; levels, omitStages, rule selectors, request and
 * response objects, 401/403 events and the watch ResponseStarted stage are checked in the file.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSqliteStorage } from '#impl/storage/sqlite/store.ts';
import { startApiServer, type RunningApiServer } from '../server.ts';
import { TestClient } from '../testing/test-client.ts';

let srv: RunningApiServer;
let c: TestClient;
let dir: string;
let logPath: string;

const POLICY = `
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  nonResourceURLs: ["/healthz*", "/readyz*", "/livez*", "/version"]
- level: None
  users: ["system:apiserver"]
- level: RequestResponse
  resources: [{group: "", resources: ["configmaps"]}]
  namespaces: ["audited"]
- level: Request
  verbs: ["create"]
  resources: [{group: "", resources: ["secrets"]}]
- level: None
  resources: [{group: "", resources: ["secrets"]}]
- level: Metadata
  omitStages: []
`;

interface Event {
  kind: string;
  apiVersion: string;
  level: string;
  auditID: string;
  stage: string;
  requestURI: string;
  verb: string;
  user: { username: string; groups?: string[] };
  impersonatedUser?: { username: string };
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; apiVersion?: string };
  responseStatus?: { code?: number; reason?: string; message?: string };
  requestObject?: Record<string, unknown>;
  responseObject?: Record<string, unknown>;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

const events = (): Event[] =>
  readFileSync(logPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Event);

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubets-audit-'));
  logPath = join(dir, 'audit.log');
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, 'nobody-token-0123456789,nobody,uid-nobody\n');
  srv = await startApiServer({
    dataDir: dir,
    securePort: 0,
    storage: newSqliteStorage({ path: ':memory:' }),
    auth: { tokenAuthFile: tokens, authorizationMode: ['RBAC'], auditPolicyFile: policyFile, auditLogPath: logPath },
    log: () => {},
  });
  await srv.ready;
  c = new TestClient(srv.url, srv.pki);
  const ns = await c.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'audited' } } });
  if (ns.status !== 201) throw new Error(ns.text);
});

test.after.always(async () => {
  c?.close();
  await srv?.stop();
  await srv?.storage.close();
  rmSync(dir, { recursive: true, force: true });
});

test.serial('RequestResponse level: ResponseComplete with both objects; RequestReceived omitted by the policy', async (t) => {
  const r = await c.request('POST', '/api/v1/namespaces/audited/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { a: 'b' } }, headers: { 'User-Agent': 'audit-test/1.0' } });
  t.is(r.status, 201, r.text);
  const auditID = r.headers['audit-id'];
  t.truthy(auditID, 'Audit-ID header');
  const mine = events().filter((e) => e.auditID === auditID);
  t.deepEqual(mine.map((e) => e.stage), ['ResponseComplete']);
  const e = mine[0]!;
  t.is(e.kind, 'Event');
  t.is(e.apiVersion, 'audit.k8s.io/v1');
  t.is(e.level, 'RequestResponse');
  t.is(e.verb, 'create');
  t.is(e.requestURI, '/api/v1/namespaces/audited/configmaps');
  t.is(e.userAgent, 'audit-test/1.0');
  t.true((e.sourceIPs ?? []).includes('127.0.0.1'));
  t.deepEqual(e.objectRef, { resource: 'configmaps', namespace: 'audited', apiGroup: '', apiVersion: 'v1' } as Event['objectRef']);
  t.is(e.responseStatus?.code, 201);
  t.is((e.requestObject?.data as Record<string, string>).a, 'b');
  t.is((e.responseObject?.metadata as { name: string }).name, 'cm1');
  t.is(e.annotations?.['authorization.k8s.io/decision'], 'allow');
  t.regex(e.requestReceivedTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  t.true(e.stageTimestamp >= e.requestReceivedTimestamp);
});

test.serial('Request level keeps the request object only; a None rule drops other verbs', async (t) => {
  const r = await c.request('POST', '/api/v1/namespaces/audited/secrets', { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, stringData: { k: 'v' } } });
  t.is(r.status, 201, r.text);
  const e = events().find((x) => x.auditID === r.headers['audit-id'])!;
  t.is(e.level, 'Request');
  t.truthy(e.requestObject);
  t.is(e.responseObject, undefined);
  const g = await c.request('GET', '/api/v1/namespaces/audited/secrets/s1');
  t.is(g.status, 200);
  t.false(events().some((x) => x.auditID === g.headers['audit-id']));
  t.is(g.headers['audit-id'], undefined, 'no Audit-ID header at level None');
});

test.serial('Metadata level (rule without omitStages still inherits the policy-wide omission); 403 and 401 are audited', async (t) => {
  const r = await c.request('GET', '/api/v1/namespaces/audited/pods');
  t.is(r.status, 200);
  const e = events().find((x) => x.auditID === r.headers['audit-id'])!;
  t.is(e.level, 'Metadata');
  t.is(e.requestObject, undefined);
  t.is(e.responseObject, undefined);
  t.deepEqual(events().filter((x) => x.auditID === e.auditID).map((x) => x.stage), ['ResponseComplete']);

  const denied = await c.request('GET', '/api/v1/namespaces/audited/pods', { anonymous: true, headers: { Authorization: 'Bearer nobody-token-0123456789' } });
  t.is(denied.status, 403);
  const d = events().find((x) => x.auditID === denied.headers['audit-id'])!;
  t.is(d.user.username, 'nobody');
  t.is(d.responseStatus?.code, 403);
  t.is(d.responseStatus?.reason, 'Forbidden');
  t.is(d.annotations?.['authorization.k8s.io/decision'], 'forbid');

  const before = events().length;
  const unauth = await c.request('GET', '/api/v1/namespaces/audited/pods', { anonymous: true, headers: { Authorization: 'Bearer forged' } });
  t.is(unauth.status, 401);
  const u = events().slice(before).find((x) => x.responseStatus?.code === 401)!;
  t.is(u.stage, 'ResponseStarted');
  t.is(u.annotations?.['authentication.k8s.io/failure'], 'true');
});

test.serial('impersonation: user is the requester, impersonatedUser the target', async (t) => {
  const r = await c.request('GET', '/api/v1/namespaces/audited/pods', { headers: { 'Impersonate-User': 'someone' } });
  t.is(r.status, 403);
  const e = events().find((x) => x.auditID === r.headers['audit-id'])!;
  t.is(e.impersonatedUser?.username, 'someone');
  t.not(e.user.username, 'someone');
});

test.serial('a client Audit-ID is kept; a watch gets ResponseStarted then ResponseComplete', async (t) => {
  // timeoutSeconds ends the watch, so the request completes on its own.
  await c.request('GET', '/api/v1/namespaces/audited/configmaps?watch=1&timeoutSeconds=1', { headers: { 'Audit-ID': 'client-chosen-id' } });
  await new Promise((r) => setTimeout(r, 100));
  const mine = events().filter((e) => e.auditID === 'client-chosen-id');
  t.deepEqual(mine.map((e) => e.stage), ['ResponseStarted', 'ResponseComplete']);
  t.is(mine[0]!.verb, 'watch');
});

import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newAuditor } from './auditor.ts';
import { newLogBackend, newMemoryBackend } from './log-backend.ts';
import { evaluateAuditPolicy, parseAuditPolicy, type AuditLevel, type AuditRequestAttributes, type AuditStage } from './policy.ts';

const policy = parseAuditPolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    users: ["system:kube-proxy"]
  - level: None
    nonResourceURLs: ["/healthz*", "/version"]
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "configmaps"]
  - level: RequestResponse
    resources:
      - group: ""
        resources: ["pods/log", "pods/status"]
  - level: Request
    verbs: ["create", "update", "patch"]
    namespaces: ["prod"]
  - level: Metadata
    omitStages: ["ResponseStarted"]
`);
const alice = { name: 'alice', groups: ['system:authenticated'] };
const attrs = (o: Partial<AuditRequestAttributes>): AuditRequestAttributes => ({ user: alice, verb: 'get', resourceRequest: true, path: '/api/v1/namespaces/ns/pods', namespace: 'ns', apiGroup: '', resource: 'pods', subresource: '', name: '', ...o });

const cases: Array<{ name: string; a: AuditRequestAttributes; level: AuditLevel; omit?: AuditStage[] }> = [
  { name: 'kube-proxy is not audited', a: attrs({ user: { name: 'system:kube-proxy', groups: [] } }), level: 'None' },
  { name: 'healthz prefix is not audited', a: attrs({ resourceRequest: false, path: '/healthz/etcd', resource: '' }), level: 'None' },
  { name: 'secrets at Metadata', a: attrs({ resource: 'secrets' }), level: 'Metadata' },
  { name: 'pods/log at RequestResponse', a: attrs({ subresource: 'log' }), level: 'RequestResponse' },
  { name: 'writes in prod at Request', a: attrs({ verb: 'create', namespace: 'prod' }), level: 'Request' },
  { name: 'everything else at Metadata with both omitted stages', a: attrs({}), level: 'Metadata', omit: ['RequestReceived', 'ResponseStarted'] },
];
for (const tc of cases) {
  test(tc.name, (t) => {
    const c = evaluateAuditPolicy(policy, tc.a);
    t.is(c.level, tc.level);
    if (tc.omit) t.deepEqual(c.omitStages.sort(), tc.omit.sort());
  });
}

test('policy validation rejects bad levels and empty rules', (t) => {
  t.throws(() => parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n'), { message: /0 rules/ });
  t.throws(() => parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Loud}]\n'), { message: /Unsupported value: "Loud"/ });
});

test('events: stages, objects by level, annotations, impersonation', (t) => {
  const backend = newMemoryBackend();
  const clock = new Date('2026-01-01T00:00:00.123Z');
  const auditor = newAuditor({ policy, backend, now: () => clock });
  const r = auditor.start({ attributes: attrs({ verb: 'create', namespace: 'prod', name: '' }), apiVersion: 'v1', requestURI: '/api/v1/namespaces/prod/pods', sourceIPs: ['127.0.0.1'], userAgent: 'kubectl', auditID: 'id-1', impersonator: { name: 'admin', groups: ['system:masters'] } });
  r.requestReceived();
  r.setRequestObject({ kind: 'Pod', metadata: { name: 'p', managedFields: [] } });
  r.setResponseObject({ kind: 'Pod' });
  r.setObjectMeta({ name: 'p', uid: 'u1', resourceVersion: '5' });
  r.addAnnotation('authorization.k8s.io/decision', 'allow');
  r.responseComplete(201);
  t.is(backend.events.length, 1, 'RequestReceived omitted by policy');
  const e = backend.events[0]!;
  t.like(e, { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Request', auditID: 'id-1', stage: 'ResponseComplete', verb: 'create', requestURI: '/api/v1/namespaces/prod/pods', stageTimestamp: '2026-01-01T00:00:00.123000Z' });
  t.deepEqual(e.user, { username: 'admin', groups: ['system:masters'] });
  t.deepEqual(e.impersonatedUser, { username: 'alice', groups: ['system:authenticated'] });
  t.deepEqual(e.objectRef, { resource: 'pods', namespace: 'prod', name: 'p', apiGroup: '', apiVersion: 'v1', uid: 'u1', resourceVersion: '5' });
  t.deepEqual(e.responseStatus, { metadata: {}, code: 201 });
  t.deepEqual(e.requestObject, { kind: 'Pod', metadata: { name: 'p', managedFields: [] } });
  t.is(e.responseObject, undefined, 'Request level has no response object');
  t.deepEqual(e.annotations, { 'authorization.k8s.io/decision': 'allow' });
});

test('failed authentication is audited at Metadata with 401', (t) => {
  const backend = newMemoryBackend();
  newAuditor({ policy, backend }).failedAuthentication({ attributes: { verb: 'list', resourceRequest: true, path: '/api/v1/pods', namespace: '', apiGroup: '', resource: 'pods', subresource: '', name: '' }, requestURI: '/api/v1/pods' });
  t.is(backend.events.length, 0, 'the catch-all rule omits ResponseStarted');
  const backend2 = newMemoryBackend();
  newAuditor({ policy: parseAuditPolicy('rules: [{level: RequestResponse}]'), backend: backend2 }).failedAuthentication({ attributes: { verb: 'list', resourceRequest: true, path: '/api/v1/pods', namespace: '', apiGroup: '', resource: 'pods', subresource: '', name: '' }, requestURI: '/api/v1/pods' });
  t.like(backend2.events[0], { level: 'Metadata', stage: 'ResponseStarted', responseStatus: { code: 401 }, annotations: { 'authentication.k8s.io/failure': 'true' } });
});

test('log backend writes JSON lines and rotates', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-'));
  try {
    const path = join(dir, 'audit.log');
    const backend = newLogBackend({ path, maxSizeMB: 0.0005, maxBackup: 1 });
    const auditor = newAuditor({ policy: parseAuditPolicy('rules: [{level: Metadata}]'), backend });
    for (let i = 0; i < 3; i++) auditor.start({ attributes: attrs({ name: `p${i}` }), requestURI: `/api/v1/namespaces/ns/pods/p${i}` }).responseComplete(200);
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    t.true(lines.length >= 1);
    t.is(lines[0].kind, 'Event');
    t.true(existsSync(`${path}.1`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import test from 'ava';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isBadRequest } from '#impl/apimachinery/index.ts';
import { newRequestAuthenticator } from '../authenticator/config.ts';
import { newTokenFileAuthenticator, parseTokenFile } from '../authenticator/token-file.ts';
import { newAuthorizer } from './config.ts';
import { clusterRoleBindings, clusterRoles } from './rbac/bootstrappolicy/bootstrap-policy.ts';
import { newRBACAuthorizer, newStaticRBACListers } from './rbac/rbac.ts';
import { localSubjectAccessReview, selfSubjectAccessReview, selfSubjectReview, selfSubjectRulesReview, subjectAccessReview, tokenReview } from './reviews.ts';
import { newWebhookAuthorizer } from './webhook/webhook-authorizer.ts';

const rbac = newRBACAuthorizer(newStaticRBACListers({ clusterRoles: clusterRoles(), clusterRoleBindings: clusterRoleBindings() }));
const { authorizer, ruleResolver } = newAuthorizer({ modes: ['RBAC'], rbac });
const alice = { name: 'alice', groups: ['system:authenticated'] };

test('SubjectAccessReview for system:masters is allowed', async (t) => {
  const r = await subjectAccessReview(authorizer, { spec: { user: 'x', groups: ['system:masters'], resourceAttributes: { verb: 'delete', resource: 'nodes' } } });
  t.deepEqual(r.status, { allowed: true });
});
test('SelfSubjectAccessReview (can-i) for a plain user is not allowed', async (t) => {
  const r = await selfSubjectAccessReview(authorizer, alice, { spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } } });
  t.false(r.status!.allowed);
});
test('LocalSubjectAccessReview namespace must match', async (t) => {
  const err = await t.throwsAsync(localSubjectAccessReview(authorizer, 'a', { metadata: { namespace: 'a' }, spec: { user: 'x', resourceAttributes: { namespace: 'b', verb: 'get', resource: 'pods' } } }));
  t.true(isBadRequest(err));
  t.is(err!.message, 'spec.resourceAttributes.namespace must match namespace: a');
});
test('SelfSubjectRulesReview lists basic-user and discovery rules', async (t) => {
  const r = await selfSubjectRulesReview(ruleResolver, alice, { spec: { namespace: 'default' } });
  t.true(r.status!.resourceRules.some((x) => x.resources?.includes('selfsubjectaccessreviews')));
  t.true(r.status!.nonResourceRules.some((x) => x.nonResourceURLs?.includes('/api')));
  t.false(r.status!.incomplete);
});
test('SelfSubjectReview returns the identity', (t) => {
  t.deepEqual(selfSubjectReview({ name: 'alice', uid: '1', groups: ['g'] }).status, { userInfo: { username: 'alice', uid: '1', groups: ['g'] } });
});
test('TokenReview authenticates or reports', async (t) => {
  const auth = newRequestAuthenticator({ tokenFile: newTokenFileAuthenticator(parseTokenFile('tok,alice,1\n').tokens) });
  const ok = await tokenReview(auth, { spec: { token: 'tok' } }, ['api']);
  t.true(ok.status!.authenticated);
  t.is(ok.status!.user!.username, 'alice');
  const bad = await tokenReview(auth, { spec: { token: 'nope' } }, ['api']);
  t.falsy(bad.status!.authenticated);
  t.is(bad.status!.error, 'invalid bearer token');
});
test('Webhook authorizer: allowed, denied, failure, cache', async (t) => {
  let calls = 0;
  const server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      calls++;
      const sar = JSON.parse(b);
      const user = sar.spec.user as string;
      res.setHeader('Content-Type', 'application/json');
      if (user === 'slow') return setTimeout(() => res.end('{}'), 500);
      res.end(JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', status: user === 'alice' ? { allowed: true, reason: 'ok' } : { allowed: false, denied: true, reason: 'nope' } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/authorize`;
  try {
    const wh = newWebhookAuthorizer({ target: { url }, timeoutMs: 100 });
    const attrs = { verb: 'get', resourceRequest: true, namespace: 'ns', apiGroup: '', resource: 'pods', subresource: '', name: '', path: '' };
    t.deepEqual(await wh.authorize({ ...attrs, user: alice }), { decision: 'allow', reason: 'ok' });
    await wh.authorize({ ...attrs, user: alice });
    t.is(calls, 1);
    t.deepEqual(await wh.authorize({ ...attrs, user: { name: 'bob', groups: [] } }), { decision: 'deny', reason: 'nope' });
    const slow = await wh.authorize({ ...attrs, user: { name: 'slow', groups: [] } });
    t.is(slow.decision, 'noOpinion');
    t.regex(slow.error ?? '', /deadline exceeded/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

import test from 'ava';
import type { Attributes } from '../interfaces.ts';
import { newAbacAuthorizer, parseAbacPolicyFile } from './abac.ts';

const policy = parseAbacPolicyFile(`
{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"user": "alice", "namespace": "*", "resource": "*", "apiGroup": "*"}}
{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"user": "bob", "namespace": "projectCaribou", "resource": "pods", "readonly": true}}
{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"group": "system:authenticated", "readonly": true, "nonResourcePath": "/apis/*"}}
`);
const authz = newAbacAuthorizer(policy);
const a = (o: Partial<Attributes> & { user: Attributes['user'] }): Attributes => ({ verb: 'get', resourceRequest: true, namespace: 'projectCaribou', apiGroup: '', resource: 'pods', subresource: '', name: '', path: '', ...o });
const alice = { name: 'alice', groups: [] };
const bob = { name: 'bob', groups: ['system:authenticated'] };
const cases = [
  { name: 'alice may do anything', attrs: a({ user: alice, verb: 'delete', resource: 'secrets' }), allowed: true },
  { name: 'bob may read pods in projectCaribou', attrs: a({ user: bob }), allowed: true },
  { name: 'bob may not write pods', attrs: a({ user: bob, verb: 'create' }), allowed: false },
  { name: 'bob may not read pods elsewhere', attrs: a({ user: bob, namespace: 'other' }), allowed: false },
  { name: 'authenticated may read /apis/*', attrs: a({ user: bob, resourceRequest: false, path: '/apis/apps' }), allowed: true },
  { name: 'authenticated may not read /metrics', attrs: a({ user: bob, resourceRequest: false, path: '/metrics' }), allowed: false },
];
for (const tc of cases) test(tc.name, (t) => t.is((authz.authorize(tc.attrs) as { decision: string }).decision, tc.allowed ? 'allow' : 'noOpinion'));
test('bad lines are rejected', (t) => t.throws(() => parseAbacPolicyFile('{"user":"x"}'), { message: /unsupported policy/ }));

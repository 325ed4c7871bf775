import test from 'ava';
import type { IncomingHttpHeaders } from 'node:http';
import { isBadRequest, isForbidden, StatusError } from '#impl/apimachinery/index.ts';
import type { Attributes, Authorizer } from '../authorizer/interfaces.ts';
import { impersonate, impersonationHeaderNames } from './impersonation.ts';

const alice = { name: 'alice', groups: ['system:authenticated'] };
/** May impersonate user bob, group devs, sa ns1/robot, extra scopes=view and uid 42. */
const authz: Authorizer = {
  authorize: (a: Attributes) => {
    const ok =
      (a.resource === 'users' && a.name === 'bob') ||
      (a.resource === 'groups' && a.name === 'devs') ||
      (a.resource === 'serviceaccounts' && a.namespace === 'ns1' && a.name === 'robot') ||
      (a.resource === 'userextras' && a.subresource === 'scopes' && a.name === 'view') ||
      (a.resource === 'uids' && a.name === '42');
    return { decision: ok && a.verb === 'impersonate' ? 'allow' : 'noOpinion', reason: '' };
  },
};

const cases: Array<{ name: string; headers: IncomingHttpHeaders; want: unknown }> = [
  { name: 'no headers keeps the requester', headers: {}, want: alice },
  { name: 'user', headers: { 'impersonate-user': 'bob' }, want: { name: 'bob', groups: ['system:authenticated'] } },
  { name: 'user, group, extra, uid', headers: { 'impersonate-user': 'bob', 'impersonate-group': 'devs', 'impersonate-extra-scopes': 'view', 'impersonate-uid': '42' }, want: { name: 'bob', uid: '42', groups: ['devs', 'system:authenticated'], extra: { scopes: ['view'] } } },
  { name: 'service account gets its groups', headers: { 'impersonate-user': 'system:serviceaccount:ns1:robot' }, want: { name: 'system:serviceaccount:ns1:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'] } },
  { name: 'unauthorized user', headers: { 'impersonate-user': 'root' }, want: 'users "root" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope' },
  { name: 'unauthorized group', headers: { 'impersonate-user': 'bob', 'impersonate-group': 'system:masters' }, want: 'groups "system:masters" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope' },
  { name: 'unauthorized service account', headers: { 'impersonate-user': 'system:serviceaccount:kube-system:admin' }, want: 'serviceaccounts "admin" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"' },
  { name: 'group without user', headers: { 'impersonate-group': 'devs' }, want: 400 },
];
for (const tc of cases) {
  test(tc.name, async (t) => {
    const p = impersonate(alice, tc.headers, authz);
    if (typeof tc.want === 'string') {
      const err = await t.throwsAsync(p);
      t.true(isForbidden(err));
      t.is((err as StatusError).message, tc.want);
    } else if (tc.want === 400) {
      const err = await t.throwsAsync(p);
      t.true(isBadRequest(err));
      t.regex((err as Error).message, /without impersonating a user/);
    } else t.deepEqual(await p, tc.want);
  });
}

test('impersonationHeaderNames lists every impersonation header', (t) => {
  t.deepEqual(impersonationHeaderNames({ 'impersonate-user': 'a', 'impersonate-extra-x': 'b', accept: 'c' }).sort(), ['impersonate-extra-x', 'impersonate-user']);
});

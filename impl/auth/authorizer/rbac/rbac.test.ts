import test from 'ava';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '#generated/k8s/index.ts';
import { isForbidden } from '#impl/apimachinery/index.ts';
import type { Attributes } from '../interfaces.ts';
import { newAuthorizer, authorizeRequest } from '../config.ts';
import { aggregateAll } from './aggregation.ts';
import { clusterRoleBindings, clusterRoles } from './bootstrappolicy/bootstrap-policy.ts';
import { checkBindingWrite, checkRoleWrite, covers } from './escalation.ts';
import { newRBACAuthorizer, newStaticRBACListers } from './rbac.ts';

/** aggregated applies aggregation to the bootstrap roles plus a custom aggregated role. */
function aggregated(extra: ClusterRole[]): ClusterRole[] {
  let all = [...clusterRoles(), ...extra];
  const changed = aggregateAll(all);
  all = all.map((r) => changed.find((c) => c.metadata?.name === r.metadata?.name) ?? r);
  return all;
}
const crdRole: ClusterRole = { metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ verbs: ['get', 'list'], apiGroups: ['example.com'], resources: ['widgets'] }] };
const monitoring: ClusterRole = { metadata: { name: 'monitoring' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/monitoring': 'true' } }] }, rules: [] };
const monitoringPart: ClusterRole = { metadata: { name: 'monitoring-endpoints', labels: { 'example.com/monitoring': 'true' } }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['endpoints'] }] };
const roles: Role[] = [{ metadata: { name: 'one-cm', namespace: 'team' }, rules: [{ verbs: ['get', 'update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['app-config'] }] }];
const rb = (name: string, ns: string, kind: string, role: string, subject: { kind: string; name: string; namespace?: string }): RoleBinding => ({
  metadata: { name, namespace: ns },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role },
  subjects: [{ apiGroup: subject.kind === 'ServiceAccount' ? '' : 'rbac.authorization.k8s.io', ...subject }],
});
const roleBindings: RoleBinding[] = [
  rb('viewers', 'team', 'ClusterRole', 'view', { kind: 'User', name: 'vic' }),
  rb('editors', 'team', 'ClusterRole', 'edit', { kind: 'User', name: 'eve' }),
  rb('admins', 'team', 'ClusterRole', 'admin', { kind: 'Group', name: 'team-admins' }),
  rb('one-cm', 'team', 'Role', 'one-cm', { kind: 'User', name: 'carl' }),
  rb('robot', 'team', 'ClusterRole', 'view', { kind: 'ServiceAccount', name: 'robot' }),
  rb('dangling', 'team', 'Role', 'missing', { kind: 'User', name: 'dan' }),
];
const crbs: ClusterRoleBinding[] = [
  ...clusterRoleBindings(),
  { metadata: { name: 'mon' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'monitoring' }, subjects: [{ kind: 'User', name: 'mona', apiGroup: 'rbac.authorization.k8s.io' }] },
];
const listers = newStaticRBACListers({ roles, clusterRoles: aggregated([crdRole, monitoring, monitoringPart]), roleBindings, clusterRoleBindings: crbs });
const rbac = newRBACAuthorizer(listers);
const { authorizer } = newAuthorizer({ modes: ['RBAC'], rbac });

const users: Record<string, { name: string; groups: string[] }> = {
  vic: { name: 'vic', groups: ['system:authenticated'] },
  eve: { name: 'eve', groups: ['system:authenticated'] },
  ada: { name: 'ada', groups: ['team-admins', 'system:authenticated'] },
  carl: { name: 'carl', groups: ['system:authenticated'] },
  root: { name: 'root', groups: ['system:masters', 'system:authenticated'] },
  mona: { name: 'mona', groups: ['system:authenticated'] },
  nobody: { name: 'nobody', groups: ['system:authenticated'] },
  anon: { name: 'system:anonymous', groups: ['system:unauthenticated'] },
  robot: { name: 'system:serviceaccount:team:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] },
  sched: { name: 'system:kube-scheduler', groups: ['system:authenticated'] },
  rsc: { name: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] },
};

type Case = [user: string, verb: string, resource: string, ns: string, allowed: boolean, extra?: Partial<Attributes>];
const matrix: Case[] = [
  ['vic', 'get', 'pods', 'team', true],
  ['vic', 'list', 'pods', 'team', true],
  ['vic', 'watch', 'deployments', 'team', true, { apiGroup: 'apps' }],
  ['vic', 'create', 'pods', 'team', false],
  ['vic', 'delete', 'pods', 'team', false],
  ['vic', 'get', 'secrets', 'team', false],
  ['vic', 'get', 'pods', 'other', false],
  ['vic', 'get', 'pods', 'team', true, { subresource: 'log' }],
  ['vic', 'create', 'pods', 'team', false, { subresource: 'exec' }],
  ['vic', 'list', 'roles', 'team', false, { apiGroup: 'rbac.authorization.k8s.io' }],
  ['vic', 'list', 'widgets', 'team', true, { apiGroup: 'example.com' }],
  ['eve', 'create', 'pods', 'team', true],
  ['eve', 'delete', 'deployments', 'team', true, { apiGroup: 'apps' }],
  ['eve', 'get', 'secrets', 'team', true],
  ['eve', 'create', 'pods', 'team', true, { subresource: 'exec' }],
  ['eve', 'list', 'roles', 'team', false, { apiGroup: 'rbac.authorization.k8s.io' }],
  ['eve', 'create', 'rolebindings', 'team', false, { apiGroup: 'rbac.authorization.k8s.io' }],
  ['eve', 'update', 'resourcequotas', 'team', false],
  ['eve', 'list', 'widgets', 'team', true, { apiGroup: 'example.com' }],
  ['eve', 'get', 'nodes', '', false],
  ['ada', 'create', 'rolebindings', 'team', true, { apiGroup: 'rbac.authorization.k8s.io' }],
  ['ada', 'create', 'localsubjectaccessreviews', 'team', true, { apiGroup: 'authorization.k8s.io' }],
  ['ada', 'delete', 'secrets', 'team', true],
  ['ada', 'get', 'pods', 'other', false],
  ['ada', 'list', 'namespaces', '', false],
  ['ada', 'list', 'widgets', 'team', true, { apiGroup: 'example.com' }],
  ['carl', 'get', 'configmaps', 'team', true, { name: 'app-config' }],
  ['carl', 'update', 'configmaps', 'team', true, { name: 'app-config' }],
  ['carl', 'get', 'configmaps', 'team', false, { name: 'other' }],
  ['carl', 'list', 'configmaps', 'team', false],
  ['carl', 'delete', 'configmaps', 'team', false, { name: 'app-config' }],
  ['root', 'delete', 'nodes', '', true],
  ['root', 'get', 'anything', 'any', true, { apiGroup: 'x.io' }],
  ['mona', 'get', 'endpoints', 'any', true],
  ['mona', 'list', 'endpoints', 'any', false],
  ['nobody', 'get', 'pods', 'team', false],
  ['nobody', 'create', 'selfsubjectaccessreviews', '', true, { apiGroup: 'authorization.k8s.io' }],
  ['nobody', 'get', '', '', true, { resourceRequest: false, path: '/apis/apps/v1' }],
  ['nobody', 'get', '', '', false, { resourceRequest: false, path: '/metrics' }],
  ['anon', 'get', '', '', true, { resourceRequest: false, path: '/healthz' }],
  ['anon', 'get', '', '', false, { resourceRequest: false, path: '/api' }],
  ['robot', 'list', 'services', 'team', true],
  ['robot', 'list', 'services', 'other', false],
  ['sched', 'create', 'pods', 'team', true, { subresource: 'binding' }],
  ['sched', 'update', 'leases', 'kube-system', true, { apiGroup: 'coordination.k8s.io', name: 'kube-scheduler' }],
  ['sched', 'update', 'leases', 'kube-system', false, { apiGroup: 'coordination.k8s.io', name: 'kube-controller-manager' }],
  ['rsc', 'create', 'pods', 'team', true],
  ['rsc', 'update', 'replicasets', 'team', true, { apiGroup: 'apps', subresource: 'status' }],
  ['rsc', 'delete', 'deployments', 'team', false, { apiGroup: 'apps' }],
];

for (const [u, verb, resource, ns, allowed, extra] of matrix) {
  const attrs: Attributes = { user: users[u]!, verb, resource, namespace: ns, apiGroup: '', subresource: '', name: '', path: '', resourceRequest: true, ...extra };
  const what = attrs.resourceRequest ? `${verb} ${attrs.apiGroup ? `${attrs.apiGroup}/` : ''}${resource}${attrs.subresource ? `/${attrs.subresource}` : ''}${attrs.name ? ` ${attrs.name}` : ''} in "${ns}"` : `${verb} ${attrs.path}`;
  test(`${u} ${allowed ? 'may' : 'may not'} ${what}`, async (t) => {
    t.is((await authorizer.authorize(attrs)).decision, allowed ? 'allow' : 'noOpinion');
  });
}

test('forbidden message is upstream text', async (t) => {
  const attrs: Attributes = { user: users.vic!, verb: 'create', resource: 'pods', namespace: 'team', apiGroup: '', subresource: '', name: '', path: '', resourceRequest: true };
  const err = await t.throwsAsync(authorizeRequest(authorizer, attrs));
  t.true(isForbidden(err));
  t.is(err!.message, 'pods is forbidden: User "vic" cannot create resource "pods" in API group "" in the namespace "team"');
  const named = await t.throwsAsync(authorizeRequest(authorizer, { ...attrs, verb: 'get', resource: 'nodes', namespace: '', name: 'n1' }));
  t.is(named!.message, 'nodes "n1" is forbidden: User "vic" cannot get resource "nodes" in API group "" at the cluster scope');
  const path = await t.throwsAsync(authorizeRequest(authorizer, { ...attrs, verb: 'get', resourceRequest: false, path: '/metrics', resource: '', namespace: '' }));
  t.is(path!.message, 'forbidden: User "vic" cannot get path "/metrics"');
});

test('allow reason names the binding; missing role is reported', async (t) => {
  const d = await rbac.authorize({ user: users.vic!, verb: 'get', resource: 'pods', namespace: 'team', apiGroup: '', subresource: '', name: '', path: '', resourceRequest: true });
  t.is(d.reason, 'RBAC: allowed by RoleBinding "viewers/team" of ClusterRole "view" to User "vic"');
  const dan = await rbac.authorize({ user: { name: 'dan', groups: [] }, verb: 'get', resource: 'pods', namespace: 'team', apiGroup: '', subresource: '', name: '', path: '', resourceRequest: true });
  t.is(dan.decision, 'noOpinion');
  t.is(dan.reason, 'RBAC: role.rbac.authorization.k8s.io "missing" not found');
});

test('escalation: edit user cannot create a Role granting rbac writes; admin can create what it holds', async (t) => {
  const esc = await checkRoleWrite({ user: users.eve!, namespace: 'team', clusterScoped: false, name: 'sneaky', rules: [{ verbs: ['create'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'] }], authorizer, resolver: rbac.resolver });
  t.truthy(esc);
  t.true(isForbidden(esc));
  t.regex(esc!.message, /^roles.rbac.authorization.k8s.io "sneaky" is forbidden: user "eve" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["rbac.authorization.k8s.io"\], Resources:\["rolebindings"\], Verbs:\["create"\]\}/);
  t.is(await checkRoleWrite({ user: users.ada!, namespace: 'team', clusterScoped: false, name: 'ok', rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], authorizer, resolver: rbac.resolver }), undefined);
  t.is(await checkRoleWrite({ user: users.root!, namespace: '', clusterScoped: true, name: 'x', rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], authorizer, resolver: rbac.resolver }), undefined);
});

test('escalation: binding cluster-admin needs bind or its rules', async (t) => {
  const err = await checkBindingWrite({ user: users.ada!, namespace: 'team', clusterScoped: false, name: 'pwn', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, roleRules: listers.getClusterRole('cluster-admin')!.rules, authorizer, resolver: rbac.resolver });
  t.true(isForbidden(err));
  t.is(await checkBindingWrite({ user: users.ada!, namespace: 'team', clusterScoped: false, name: 'v', roleRef: { kind: 'ClusterRole', name: 'view' }, roleRules: listers.getClusterRole('view')!.rules, authorizer, resolver: rbac.resolver }), undefined);
});

const coverCases = [
  { name: 'star covers everything', owner: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], req: [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }], want: true },
  { name: '*/scale covers deployments/scale', owner: [{ verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] }], req: [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }], want: true },
  { name: 'named owner does not cover unnamed', owner: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }], req: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], want: false },
  { name: 'url prefix', owner: [{ verbs: ['get'], nonResourceURLs: ['/apis/*'] }], req: [{ verbs: ['get'], nonResourceURLs: ['/apis/apps'] }], want: true },
];
for (const tc of coverCases) test(`covers: ${tc.name}`, (t) => t.is(covers(tc.owner, tc.req).covered, tc.want));

test('bootstrap policy: autoupdate annotation, labels, aggregation rules', (t) => {
  const roles = clusterRoles();
  for (const r of roles) {
    t.is(r.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true');
    t.is(r.metadata?.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults');
  }
  const names = roles.map((r) => r.metadata!.name);
  for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:node', 'system:node-proxier', 'system:kube-scheduler', 'system:kube-controller-manager', 'system:controller:namespace-controller', 'system:controller:service-account-controller', 'system:controller:generic-garbage-collector', 'system:controller:root-ca-cert-publisher']) {
    t.true(names.includes(n), n);
  }
  const view = aggregated([]).find((r) => r.metadata?.name === 'view')!;
  t.true((view.rules ?? []).length > 5);
  const bindings = clusterRoleBindings();
  // The controller's service account, and the controller-manager's own user (kubets runs every loop with it).
  t.deepEqual(bindings.find((b) => b.metadata?.name === 'system:controller:replicaset-controller')?.subjects, [
    { kind: 'ServiceAccount', name: 'replicaset-controller', namespace: 'kube-system' },
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:kube-controller-manager' },
  ]);
  t.deepEqual(bindings.find((b) => b.metadata?.name === 'system:volume-scheduler')?.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:kube-scheduler' }]);
});

test('long binding lists (subject index) decide exactly as a walk over every binding', (t) => {
  const padding = Array.from({ length: 300 }, (_, i) => rb(`pad-${i}`, 'team', 'ClusterRole', i % 2 ? 'edit' : 'view', { kind: i % 3 ? 'User' : 'Group', name: `other-${i}` }));
  // The real bindings sit in the middle of the padding, as in a busy namespace.
  const padded = newRBACAuthorizer(newStaticRBACListers({ roles, clusterRoles: aggregated([crdRole, monitoring, monitoringPart]), roleBindings: [...padding.slice(0, 150), ...roleBindings, ...padding.slice(150)], clusterRoleBindings: crbs }));
  const users = [
    { name: 'vic', groups: ['system:authenticated'] },
    { name: 'eve', groups: ['system:authenticated'] },
    { name: 'someone', groups: ['team-admins', 'system:authenticated'] },
    { name: 'system:serviceaccount:team:robot', groups: ['system:serviceaccounts', 'system:authenticated'] },
    { name: 'other-1', groups: ['system:authenticated'] },
    { name: 'nobody', groups: ['other-6'] },
    { name: 'carl', groups: [] },
  ];
  const probes: Array<Omit<Attributes, 'user'>> = [
    { verb: 'get', resourceRequest: true, path: '', namespace: 'team', apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource: '', name: 'x' },
    { verb: 'create', resourceRequest: true, path: '', namespace: 'team', apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource: '', name: '' },
    { verb: 'create', resourceRequest: true, path: '', namespace: 'team', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1', resource: 'rolebindings', subresource: '', name: '' },
    { verb: 'get', resourceRequest: true, path: '', namespace: 'team', apiGroup: '', apiVersion: 'v1', resource: 'configmaps', subresource: '', name: 'app-config' },
    { verb: 'list', resourceRequest: true, path: '', namespace: 'other', apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource: '', name: '' },
  ];
  let allowed = 0;
  for (const user of users) {
    for (const p of probes) {
      const a = { ...p, user } as Attributes;
      const want = rbac.authorize(a) as { decision: string };
      const got = padded.authorize(a) as { decision: string };
      const padOnly = user.name === 'other-1' || user.groups.includes('other-6');
      if (!padOnly) t.is(got.decision, want.decision, `${user.name} ${p.verb} ${p.resource} in ${p.namespace}`);
      if (got.decision === 'allow') allowed++;
    }
  }
  t.true(allowed > 5);
  // Padding users get their own bindings through the index too.
  t.is((padded.authorize({ ...probes[0]!, user: users[4]! } as Attributes) as { decision: string }).decision, 'allow');
  t.is((padded.authorize({ ...probes[1]!, user: users[5]! } as Attributes) as { decision: string }).decision, 'noOpinion');
});

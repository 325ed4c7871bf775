import test from 'ava';
import { newAuthorizer, type AuthorizationMode } from './config.ts';
import type { Authorizer, RuleResolver, RulesResult } from './interfaces.ts';
import { noOpinion } from './interfaces.ts';

/** clusterAdminRbac grants cluster-admin's two rules to system:masters, like the bootstrap binding. */
const clusterAdminRbac: Authorizer & RuleResolver = {
  authorize: () => noOpinion(''),
  rulesFor: (u): RulesResult =>
    u.groups.includes('system:masters')
      ? { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false }
      : { resourceRules: [], nonResourceRules: [], incomplete: false },
};

const admin = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const cases: Array<{ name: string; modes: AuthorizationMode[]; resource: number; nonResource: number }> = [
  { name: 'RBAC: an admin sees cluster-admin rules once (the privileged group adds none)', modes: ['Node', 'RBAC'], resource: 1, nonResource: 1 },
  { name: 'AlwaysAllow: the * rules once', modes: ['AlwaysAllow'], resource: 1, nonResource: 1 },
  { name: 'AlwaysDeny: no rules', modes: ['AlwaysDeny'], resource: 0, nonResource: 0 },
];

for (const tc of cases) {
  test(`rulesFor: ${tc.name}`, async (t) => {
    const { ruleResolver, authorizer } = newAuthorizer({ modes: tc.modes, rbac: clusterAdminRbac, node: { authorize: () => noOpinion('') } });
    const r = await ruleResolver.rulesFor(admin, 'default');
    t.is(r.resourceRules.length, tc.resource);
    t.is(r.nonResourceRules.length, tc.nonResource);
    // The privileged group still authorizes everything.
    t.is((await authorizer.authorize({ user: admin, verb: 'get', path: '/x', resourceRequest: false } as never)).decision, 'allow');
  });
}

/**
 * "should support <Kind> API operations" specs for API machinery kinds: flowcontrol.go
 * (AM-01, AM-02) and validatingadmissionpolicy.go (AM-85, AM-86).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { verifyApiOperations } from '../framework/api-operations.ts';

const condition = (type: string): KubeObject => ({ type, status: 'True', reason: 'E2E', message: 'Set from an e2e test', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
const statusWithCondition = (type: string) => ({
  patch: { status: { conditions: [condition(`${type}Patched`)] } },
  update: (o: KubeObject): KubeObject => ({ ...o, status: { ...o.status, conditions: [...(o.status?.conditions ?? []), condition(`${type}Updated`)] } }),
  check: (o: KubeObject, phase: 'patched' | 'updated'): string | undefined => {
    const want = `${type}${phase === 'patched' ? 'Patched' : 'Updated'}`;
    return (o.status?.conditions ?? []).some((c: KubeObject) => c.type === want) ? undefined : `status.conditions has no ${want} condition: ${JSON.stringify(o.status?.conditions)}`;
  },
});

export const cases = [
  defineCase(import.meta.url, {
    id: 'AM-01',
    codename: '[sig-api-machinery] API priority and fairness should support FlowSchema API operations [Conformance]',
    run: (ctx) =>
      verifyApiOperations(ctx, {
        group: 'flowcontrol.apiserver.k8s.io',
        version: 'v1',
        resource: 'flowschemas',
        namespaced: false,
        make: (name, labels) => ({
          metadata: { name, labels },
          spec: {
            matchingPrecedence: 10000,
            priorityLevelConfiguration: { name: 'global-default' },
            distinguisherMethod: { type: 'ByUser' },
            rules: [{ subjects: [{ kind: 'Group', group: { name: `e2e-${ctx.uid}` } }], resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], namespaces: ['*'] }] }],
          },
        }),
        status: statusWithCondition('FlowSchema'),
      }),
  }),

  defineCase(import.meta.url, {
    id: 'AM-02',
    codename: '[sig-api-machinery] API priority and fairness should support PriorityLevelConfiguration API operations [Conformance]',
    run: (ctx) =>
      verifyApiOperations(ctx, {
        group: 'flowcontrol.apiserver.k8s.io',
        version: 'v1',
        resource: 'prioritylevelconfigurations',
        namespaced: false,
        make: (name, labels) => ({ metadata: { name, labels }, spec: { type: 'Limited', limited: { nominalConcurrencyShares: 2, limitResponse: { type: 'Reject' } } } }),
        status: statusWithCondition('PriorityLevel'),
      }),
  }),

  defineCase(import.meta.url, {
    id: 'AM-85',
    codename: '[sig-api-machinery] ValidatingAdmissionPolicy [Privileged:ClusterAdmin] should support ValidatingAdmissionPolicy API operations [Conformance]',
    run: (ctx) =>
      verifyApiOperations(ctx, {
        group: 'admissionregistration.k8s.io',
        version: 'v1',
        resource: 'validatingadmissionpolicies',
        namespaced: false,
        make: (name, labels) => ({
          metadata: { name, labels },
          spec: {
            failurePolicy: 'Fail',
            matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] },
            validations: [{ expression: 'object.spec.replicas <= 100' }],
          },
        }),
        status: statusWithCondition('Policy'),
      }),
  }),

  defineCase(import.meta.url, {
    id: 'AM-86',
    codename: '[sig-api-machinery] ValidatingAdmissionPolicy [Privileged:ClusterAdmin] should support ValidatingAdmissionPolicyBinding API operations [Conformance]',
    run: (ctx) =>
      verifyApiOperations(ctx, {
        group: 'admissionregistration.k8s.io',
        version: 'v1',
        resource: 'validatingadmissionpolicybindings',
        namespaced: false,
        make: (name, labels) => ({ metadata: { name, labels }, spec: { policyName: `e2e-nonexistent-policy-${ctx.uid}`, validationActions: ['Deny'] } }),
      }),
  }),
];

/** Table tests for ValidatingAdmissionPolicy: matching, validations, actions, params, variables. */
import test from 'ava';
import type { Namespace, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from '#generated/k8s/index.ts';
import { fieldPath } from '#impl/apimachinery/index.ts';
import { newAttributes } from '../../chain.ts';
import { newValidatingAdmissionPolicy, validateValidatingAdmissionPolicy } from './admission.ts';

const deployment = (replicas: number, labels: Record<string, string> = {}) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns', labels }, spec: { replicas } });
const attrs = (obj: Record<string, unknown>, op: 'CREATE' | 'UPDATE' = 'CREATE') =>
  newAttributes({
    operation: op,
    kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    resource: { group: 'apps', version: 'v1', resource: 'deployments' },
    namespace: 'ns',
    name: 'd',
    object: obj,
    ...(op === 'UPDATE' ? { oldObject: obj } : {}),
    userInfo: { name: 'alice', groups: [] },
    dryRun: false,
  });

const policy = (name: string, spec: Partial<NonNullable<ValidatingAdmissionPolicy['spec']>>): ValidatingAdmissionPolicy => ({
  metadata: { name },
  spec: { matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] }, ...spec },
});
const binding = (name: string, policyName: string, actions: string[], extra: Partial<NonNullable<ValidatingAdmissionPolicyBinding['spec']>> = {}): ValidatingAdmissionPolicyBinding => ({ metadata: { name }, spec: { policyName, validationActions: actions, ...extra } });
const namespaces: Record<string, Namespace> = { ns: { metadata: { name: 'ns', labels: { env: 'test' } } } };

interface Case {
  name: string;
  policies: ValidatingAdmissionPolicy[];
  bindings: ValidatingAdmissionPolicyBinding[];
  obj: Record<string, unknown>;
  params?: Record<string, Record<string, unknown>>;
  want: 'allow' | { code: number; message: string };
  warnings?: string[];
}

const replicas = policy('replicas', { validations: [{ expression: 'object.spec.replicas <= 5', message: 'replicas must be no greater than 5' }] });
const cases: Case[] = [
  { name: 'a passing validation allows', policies: [replicas], bindings: [binding('b', 'replicas', ['Deny'])], obj: deployment(3), want: 'allow' },
  { name: 'a failing validation with Deny is 422 with the upstream prefix', policies: [replicas], bindings: [binding('b', 'replicas', ['Deny'])], obj: deployment(7), want: { code: 422, message: "ValidatingAdmissionPolicy 'replicas' with binding 'b' denied request: replicas must be no greater than 5" } },
  { name: 'Warn only warns', policies: [replicas], bindings: [binding('b', 'replicas', ['Warn'])], obj: deployment(7), want: 'allow', warnings: ["Validation failed for ValidatingAdmissionPolicy 'replicas' with binding 'b': replicas must be no greater than 5"] },
  { name: 'no binding, no effect', policies: [replicas], bindings: [], obj: deployment(7), want: 'allow' },
  {
    name: 'reason, messageExpression and variables',
    policies: [policy('v', { variables: [{ name: 'max', expression: '2' }], validations: [{ expression: 'object.spec.replicas <= variables.max', messageExpression: "'replicas ' + string(object.spec.replicas) + ' > ' + string(variables.max)", reason: 'Forbidden' }] })],
    bindings: [binding('b', 'v', ['Deny'])],
    obj: deployment(3),
    want: { code: 403, message: "ValidatingAdmissionPolicy 'v' with binding 'b' denied request: replicas 3 > 2" },
  },
  { name: 'default message names the expression', policies: [policy('m', { validations: [{ expression: "has(object.metadata.labels) && 'app' in object.metadata.labels" }] })], bindings: [binding('b', 'm', ['Deny'])], obj: deployment(1), want: { code: 422, message: "ValidatingAdmissionPolicy 'm' with binding 'b' denied request: failed expression: has(object.metadata.labels) && 'app' in object.metadata.labels" } },
  { name: 'binding matchResources narrows by namespace labels', policies: [replicas], bindings: [binding('b', 'replicas', ['Deny'], { matchResources: { namespaceSelector: { matchLabels: { env: 'prod' } } } })], obj: deployment(7), want: 'allow' },
  { name: 'matchConditions false skips', policies: [policy('mc', { matchConditions: [{ name: 'only-labelled', expression: "has(object.metadata.labels) && 'check' in object.metadata.labels" }], validations: [{ expression: 'false' }] })], bindings: [binding('b', 'mc', ['Deny'])], obj: deployment(1), want: 'allow' },
  {
    name: 'params from the binding paramRef',
    policies: [policy('p', { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'object.spec.replicas <= int(params.data.max)', message: 'too many' }] })],
    bindings: [binding('b', 'p', ['Deny'], { paramRef: { name: 'limits', namespace: 'ns' } })],
    params: { 'ns/limits': { data: { max: '2' } } },
    obj: deployment(3),
    want: { code: 422, message: "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: too many" },
  },
  {
    name: 'a missing param with parameterNotFoundAction Deny refuses',
    policies: [policy('p', { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'true' }] })],
    bindings: [binding('b', 'p', ['Deny'], { paramRef: { name: 'gone', namespace: 'ns', parameterNotFoundAction: 'Deny' } })],
    obj: deployment(1),
    want: { code: 422, message: "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction" },
  },
  { name: 'a runtime error with failurePolicy Ignore allows', policies: [policy('e', { failurePolicy: 'Ignore', validations: [{ expression: 'object.spec.nothere.x > 1' }] })], bindings: [binding('b', 'e', ['Deny'])], obj: deployment(1), want: 'allow' },
];
for (const tc of cases) {
  test(`ValidatingAdmissionPolicy: ${tc.name}`, async (t) => {
    const plugin = newValidatingAdmissionPolicy({
      listPolicies: () => tc.policies,
      listBindings: () => tc.bindings,
      getNamespace: (n) => namespaces[n],
      getParam: async (ref) => tc.params?.[`${ref.namespace}/${ref.name}`],
    });
    const a = attrs(tc.obj);
    const run = plugin.validate(a);
    if (tc.want === 'allow') {
      await t.notThrowsAsync(run);
      t.deepEqual(a.warnings, tc.warnings ?? []);
      return;
    }
    const err = (await t.throwsAsync(run)) as Error & { code: number };
    t.is(err.code, tc.want.code);
    t.is(err.message, tc.want.message);
  });
}

test('ValidatingAdmissionPolicy: expressions that do not compile are refused at create', (t) => {
  const errs = validateValidatingAdmissionPolicy(policy('bad', { validations: [{ expression: 'object.spec.replicas <= ' }], variables: [{ name: 'x', expression: '1 +' }] }));
  t.is(errs.length, 2);
  t.regex(`${errs[0]!.field}: ${errs[0]!.errorBody()}`, /^spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas <= ": compilation failed: ERROR: /);
  t.is(errs[1]!.field, fieldPath('spec', 'variables').index(0).child('expression').toString());
});

/**
 * ValidatingAdmissionPolicy: upstream test/e2e/apimachinery/validatingadmissionpolicy.go
 * ("should validate against a Deployment", "should allow expressions to refer variables.").
 * As upstream, the case namespace is labelled `<namespace>=true` and both the policy and its
 * binding select that label, so that no other namespace is affected. The Deployments and the
 * ReplicaSet run the pause image where upstream's basicDeployment runs nginx. The policy
 * matches CREATE and UPDATE (upstream: every operation), so that the marker Deployment can be
 * deleted between attempts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail } from '../framework/expect.ts';

const policies = (ctx: CaseContext) => ctx.api('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies');
const bindings = (ctx: CaseContext) => ctx.api('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicybindings');

/** labelNamespace is upstream's: mark the case namespace so the policy matches only it. */
async function labelNamespace(ctx: CaseContext): Promise<Record<string, string>> {
  const labels = { [ctx.ns]: 'true' };
  await ctx.api('', 'v1', 'namespaces').patch(ctx.ns, { metadata: { labels } }, { type: 'merge' });
  return labels;
}

/** createPolicyAndBinding creates the policy (deployments in the case namespace) and its Deny binding. */
async function createPolicyAndBinding(ctx: CaseContext, spec: { validations: KubeObject[]; variables?: KubeObject[] }): Promise<void> {
  const nsLabels = await labelNamespace(ctx);
  const name = `${ctx.ns}.policy.example.com`;
  ctx.step('creating the policy');
  await policies(ctx).create({
    metadata: { name },
    spec: {
      matchConstraints: {
        namespaceSelector: { matchLabels: nsLabels },
        resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE', 'UPDATE'] }],
      },
      ...(spec.variables ? { variables: spec.variables } : {}),
      validations: spec.validations,
    },
  });
  ctx.defer(() => policies(ctx).delete(name).catch(() => undefined));
  const bindingName = `${ctx.ns}.binding.example.com`;
  await bindings(ctx).create({
    metadata: { name: bindingName },
    spec: { policyName: name, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: nsLabels } } },
  });
  ctx.defer(() => bindings(ctx).delete(bindingName).catch(() => undefined));
}

const podTemplate = (ctx: CaseContext, labels: Record<string, string>): KubeObject => ({ metadata: { labels }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'nginx', image: ctx.images.pause }] } });

/** basicDeployment / basicReplicaSet are upstream's. */
const basicDeployment = (ctx: CaseContext, name: string, replicas: number): KubeObject => ({
  metadata: { name, labels: { app: 'nginx' } },
  spec: { replicas, selector: { matchLabels: { app: 'nginx' } }, template: podTemplate(ctx, { app: 'nginx' }) },
});
const basicReplicaSet = (ctx: CaseContext, name: string, replicas: number): KubeObject => ({
  metadata: { name, labels: { app: 'nginx' } },
  spec: { replicas, selector: { matchLabels: { app: 'nginx' } }, template: podTemplate(ctx, { app: 'nginx' }) },
});

/** waitUntilMarkerDenied is upstream's: create a 1-replica Deployment until the policy rejects it as Invalid. */
async function waitUntilMarkerDenied(ctx: CaseContext): Promise<void> {
  ctx.step('waiting until the marker is denied');
  const d = ctx.api('apps', 'v1', 'deployments', true);
  let last = '';
  await ctx.waitFor(async () => {
    try {
      await d.create(basicDeployment(ctx, 'marker-deployment', 1));
      last = 'the marker Deployment was allowed';
      await d.delete('marker-deployment').catch(() => undefined);
      await sleep(100);
      return false;
    } catch (err) {
      const e = err as { code?: number; status?: { reason?: string } };
      if (e.code === 422 || e.status?.reason === 'Invalid') return true;
      throw err;
    }
  }, { timeoutMs: 60_000, intervalMs: 100, message: 'the policy to deny a 1-replica Deployment (422 Invalid)', describe: () => last });
}

/** allowed creates an object that the policy must let through. */
async function allowed(what: string, p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    fail(`${what} was denied: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'AM-87',
    codename: '[sig-api-machinery] ValidatingAdmissionPolicy [Privileged:ClusterAdmin] should validate against a Deployment [Conformance]',
    async run(ctx) {
      await createPolicyAndBinding(ctx, {
        validations: [
          { expression: 'object.spec.replicas > 1', messageExpression: "'wants replicas > 1, got ' + object.spec.replicas" },
          { expression: `namespaceObject.metadata.name == '${ctx.ns}'`, message: 'Internal error! Other namespace should not be allowed.' },
        ],
      });
      await waitUntilMarkerDenied(ctx);
      ctx.step('testing a replicated Deployment to be allowed');
      await allowed('a Deployment with 2 replicas', ctx.api('apps', 'v1', 'deployments', true).create(basicDeployment(ctx, 'replicated', 2)));
      ctx.step('testing a non-replicated ReplicaSet not to be denied');
      await allowed('a ReplicaSet with 1 replica (not matched by the policy)', ctx.api('apps', 'v1', 'replicasets', true).create(basicReplicaSet(ctx, 'non-replicated', 1)));
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-84',
    codename: '[sig-api-machinery] ValidatingAdmissionPolicy [Privileged:ClusterAdmin] should allow expressions to refer variables. [Conformance]',
    async run(ctx) {
      ctx.step('creating a policy with variables');
      await createPolicyAndBinding(ctx, {
        variables: [
          { name: 'replicas', expression: 'object.spec.replicas' },
          { name: 'oddReplicas', expression: 'variables.replicas % 2 == 1' },
        ],
        validations: [{ expression: 'variables.replicas > 1' }, { expression: 'variables.oddReplicas' }],
      });
      await waitUntilMarkerDenied(ctx);
      ctx.step('testing a replicated Deployment to be allowed');
      await allowed('a Deployment with 3 replicas', ctx.api('apps', 'v1', 'deployments', true).create(basicDeployment(ctx, 'replicated', 3)));
      ctx.step('testing a non-replicated ReplicaSet not to be denied');
      await allowed('a ReplicaSet with 1 replica (not matched by the policy)', ctx.api('apps', 'v1', 'replicasets', true).create(basicReplicaSet(ctx, 'non-replicated', 1)));
    },
  }),
];

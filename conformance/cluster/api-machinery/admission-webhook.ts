/**
 * Admission webhook configuration specs that need no webhook call: upstream webhook.go
 * (AM-07, AM-08, AM-22, AM-23, AM-24). Upstream's BeforeEach also deploys the agnhost
 * webhook server; these specs never call it, so it is not deployed here.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectApiError, expectEqual } from '../framework/expect.ts';

type Kind = 'mutating' | 'validating';

function configClient(ctx: CaseContext, kind: Kind) {
  return ctx.api('admissionregistration.k8s.io', 'v1', `${kind}webhookconfigurations`);
}

function webhookConfig(ctx: CaseContext, kind: Kind, name: string, matchConditions: KubeObject[], extra: KubeObject = {}): KubeObject {
  return {
    metadata: { name },
    webhooks: [
      {
        name: `${kind}-webhook.e2e.example.com`,
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
        clientConfig: { service: { namespace: ctx.ns, name: 'e2e-test-webhook', path: '/always-allow-delay-5s', port: 8443 } },
        admissionReviewVersions: ['v1', 'v1beta1'],
        sideEffects: 'None',
        failurePolicy: 'Ignore',
        timeoutSeconds: 10,
        namespaceSelector: { matchLabels: { [`e2e-${ctx.uid}`]: 'never-matches' } },
        matchConditions,
        ...extra,
      },
    ],
  };
}

function matchConditionsCase(id: string, kind: Kind, codename: string) {
  return defineCase(import.meta.url, {
    id,
    codename,
    async run(ctx) {
      const client = configClient(ctx, kind);
      const name = `e2e-${kind}-mc-${ctx.uid}`;
      ctx.defer(() => client.delete(name).catch(() => undefined));
      const initial = [{ name: 'expression-1', expression: 'object.metadata.name.startsWith("e2e")' }];
      ctx.step(`creating a ${kind} webhook configuration with match conditions`);
      await client.create(webhookConfig(ctx, kind, name, initial));
      const got = await client.get(name);
      expectEqual(got.webhooks?.[0]?.matchConditions, initial, 'matchConditions stored by the apiserver');
      ctx.step(`updating the ${kind} webhook configuration's match conditions`);
      const updatedConditions = [{ name: 'expression-1', expression: 'object.metadata.name.startsWith("e2e-updated")' }, { name: 'expression-2', expression: 'true' }];
      got.webhooks[0].matchConditions = updatedConditions;
      await client.update(got);
      const after = await client.get(name);
      expectEqual(after.webhooks?.[0]?.matchConditions, updatedConditions, 'matchConditions after the update');
    },
  });
}

function invalidMatchConditionsCase(id: string, kind: Kind, codename: string) {
  return defineCase(import.meta.url, {
    id,
    codename,
    async run(ctx) {
      const client = configClient(ctx, kind);
      const name = `e2e-${kind}-bad-mc-${ctx.uid}`;
      ctx.defer(() => client.delete(name).catch(() => undefined));
      ctx.step(`creating a ${kind} webhook configuration with an invalid CEL match condition`);
      await expectApiError(
        client.create(webhookConfig(ctx, kind, name, [{ name: 'invalid-expression-1', expression: '... [] bad expression' }])),
        { code: 422, message: 'compilation failed' },
        `create a ${kind} webhook configuration with invalid matchConditions`,
      );
    },
  });
}

export const cases = [
  matchConditionsCase('AM-07', 'mutating', '[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should be able to create and update mutating webhook configurations with match conditions [Conformance]'),
  matchConditionsCase('AM-08', 'validating', '[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should be able to create and update validating webhook configurations with match conditions [Conformance]'),
  invalidMatchConditionsCase('AM-22', 'mutating', '[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should reject mutating webhook configurations with invalid match conditions [Conformance]'),
  invalidMatchConditionsCase('AM-23', 'validating', '[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should reject validating webhook configurations with invalid match conditions [Conformance]'),

  defineCase(import.meta.url, {
    id: 'AM-24',
    codename: '[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should unconditionally reject operations on fail closed webhook [Conformance]',
    async run(ctx) {
      const client = configClient(ctx, 'validating');
      const name = `fail-closed-${ctx.uid}`;
      const label = `fail-closed-webhook-${ctx.uid}`;
      ctx.defer(() => client.delete(name).catch(() => undefined));
      ctx.step('Registering a webhook that server cannot talk to, with fail closed policy, via the AdmissionRegistration API');
      await client.create({
        metadata: { name },
        webhooks: [
          {
            name: 'fail-closed.k8s.io',
            rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
            clientConfig: { service: { namespace: ctx.ns, name: 'e2e-test-webhook', path: '/configmaps', port: 8443 } },
            failurePolicy: 'Fail',
            sideEffects: 'None',
            admissionReviewVersions: ['v1', 'v1beta1'],
            namespaceSelector: { matchLabels: { [label]: 'true' } },
          },
        ],
      });
      const target = await ctx.createNamespace('fail-closed-namespace', { [label]: 'true' });
      ctx.step('create a configmap should be unconditionally rejected by the webhook');
      await ctx.waitFor(
        async () => {
          try {
            const cm = await ctx.core('configmaps', target).create({ metadata: { name: `foo-${Date.now()}` }, data: { foo: 'bar' } });
            await ctx.core('configmaps', target).delete(cm.metadata!.name!).catch(() => undefined);
            return false;
          } catch (err) {
            return err instanceof Error && err.message.includes('failed calling webhook') ? true : false;
          }
        },
        { timeoutMs: 30_000, message: 'creating a configmap to be rejected with "failed calling webhook" by the fail-closed webhook' },
      );
    },
  }),
];

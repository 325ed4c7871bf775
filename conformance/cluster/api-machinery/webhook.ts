/**
 * Admission webhook specs that call a webhook server: upstream test/e2e/apimachinery/webhook.go
 * (AM-03..AM-06, AM-09..AM-13, AM-15..AM-21). Every case deploys the agnhost `webhook` server
 * (framework/webhook-server.ts: tools/images `kubets/agnhost:1.0`) behind the `e2e-test-webhook`
 * Service with a certificate signed by a CA generated here, registers webhooks that select only
 * the case namespace (or objects labelled with its unique name), and waits for the marker
 * configmap to be denied before it checks the behaviour.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { ApiError, isNotFound } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { createTestCrd, crdClient, crdObject, randomNames, waitForServed } from '../framework/crd.ts';
import { expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { createPod, waitForPodRunning } from '../framework/pods.ts';
import {
  configMapRule,
  deployWebhookAndService,
  isReadyWebhook,
  waitWebhookConfigurationReady,
  type WebhookFixture,
} from '../framework/webhook-server.ts';
import { readWebSocket } from '../node/websocket.ts';

type Kind = 'validating' | 'mutating';
const P = '[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] ';
const REVIEW = { sideEffects: 'None', admissionReviewVersions: ['v1', 'v1beta1'] };

const configs = (ctx: CaseContext, kind: Kind) => ctx.api('admissionregistration.k8s.io', 'v1', `${kind}webhookconfigurations`);

/** register creates a webhook configuration (deleted after the case) and waits until it is honoured. */
async function register(ctx: CaseContext, w: WebhookFixture, kind: Kind, name: string, webhooks: KubeObject[], opts: { marker?: boolean; labels?: Record<string, string> } = {}): Promise<string> {
  const full = `${name}-${ctx.ns}`;
  const hooks = opts.marker === false ? webhooks : [...webhooks, isReadyWebhook(w, kind)];
  await configs(ctx, kind).create({ metadata: { name: full, ...(opts.labels ? { labels: opts.labels } : {}) }, webhooks: hooks });
  ctx.defer(() => configs(ctx, kind).delete(full).catch(() => undefined));
  if (opts.marker !== false) await waitWebhookConfigurationReady(ctx, w);
  return full;
}

const errorText = (err: unknown): string => (err instanceof ApiError ? (err.status.message ?? err.message) : err instanceof Error ? err.message : String(err));

/** expectRejected fails unless `p` rejects with every one of `parts` in its message. */
async function expectRejected(p: Promise<unknown>, parts: string[], what: string): Promise<string> {
  try {
    await p;
  } catch (err) {
    const msg = errorText(err);
    for (const part of parts) expectTrue(msg.includes(part), `${what}: expected the error to contain ${JSON.stringify(part)}, got ${JSON.stringify(msg)}`);
    return msg;
  }
  return fail(`${what}: expected the request to be rejected (${parts.join(', ')}), but it succeeded`);
}

/** newDenyConfigMapWebhook is upstream's newDenyConfigMapWebhookFixture. */
function denyConfigMapWebhook(w: WebhookFixture): KubeObject {
  return {
    name: 'deny-unwanted-configmap-data.k8s.io',
    rules: [configMapRule(['CREATE', 'UPDATE', 'DELETE'])],
    namespaceSelector: {
      matchExpressions: [
        { key: w.uniqueName, operator: 'In', values: ['true'] },
        { key: 'skip-webhook-admission', operator: 'NotIn', values: ['yes'] },
      ],
    },
    clientConfig: w.clientConfig('/configmaps'),
    ...REVIEW,
  };
}

/** mutateConfigMapWebhook is upstream's newMutateConfigMapWebhookFixture (stage 1 or 2). */
function mutateConfigMapWebhook(w: WebhookFixture, stage: number, extra: KubeObject = {}): KubeObject {
  return {
    name: `adding-configmap-data-stage-${stage}.k8s.io`,
    rules: [configMapRule()],
    clientConfig: w.clientConfig('/mutating-configmaps'),
    namespaceSelector: w.namespaceSelector(),
    ...REVIEW,
    ...extra,
  };
}

const nonCompliantConfigMap = (name: string): KubeObject => ({ metadata: { name }, data: { 'webhook-e2e-test': 'webhook-disallow' } });
const toBeMutatedConfigMap = (name: string): KubeObject => ({ metadata: { name }, data: { 'mutation-start': 'yes' } });

/** pollCreate creates configmaps until `done(error | undefined, created)` holds. */
async function pollConfigMaps(ctx: CaseContext, message: string, make: (name: string) => KubeObject, done: (err: unknown, created?: KubeObject) => boolean): Promise<void> {
  const cms = ctx.core('configmaps');
  let lastErr = '';
  await ctx
    .waitFor(
      async () => {
        const name = ctx.uniqueName('cm');
        let created: KubeObject | undefined;
        try {
          created = await cms.create(make(name));
        } catch (err) {
          lastErr = errorText(err);
          return done(err);
        }
        await cms.delete(name).catch(() => undefined);
        return done(undefined, created);
      },
      { timeoutMs: 60_000, intervalMs: 250, message },
    )
    .catch((err: unknown) => fail(`${err instanceof Error ? err.message : String(err)}${lastErr ? ` (last error: ${lastErr})` : ''}`, err));
}

const isDenied = (err: unknown): boolean => err !== undefined && errorText(err).includes('denied');
const isMutated = (cm?: KubeObject): boolean => cm?.data?.['mutation-stage-1'] === 'yes';

function webhookCase(id: string, name: string, body: (ctx: CaseContext, w: WebhookFixture) => Promise<void>, timeoutMs?: number) {
  return defineCase(import.meta.url, {
    id,
    codename: `${P}${name} [Conformance]`,
    ...(timeoutMs ? { timeoutMs } : {}),
    async run(ctx) {
      const w = await deployWebhookAndService(ctx);
      await body(ctx, w);
    },
  });
}

// ---- listing, patching/updating --------------------------------------------------------------

function listingCase(id: string, kind: Kind) {
  return webhookCase(id, `listing ${kind} webhooks should work`, async (ctx, w) => {
    const uuid = ctx.uniqueName('list');
    const selector = `e2e-list-test-uuid=${uuid}`;
    const client = configs(ctx, kind);
    ctx.defer(() => client.deleteCollection({ labelSelector: selector }).catch(() => undefined));
    ctx.step(`Creating 10 ${kind} webhook configurations`);
    for (let i = 0; i < 10; i++) {
      const hook = kind === 'validating' ? denyConfigMapWebhook(w) : mutateConfigMapWebhook(w, 1);
      await client.create({ metadata: { name: `${ctx.ns}-${i}`, labels: { 'e2e-list-test-uuid': uuid } }, webhooks: [hook, isReadyWebhook(w, kind)] });
    }
    ctx.step(`Listing all of the created ${kind} webhooks`);
    const list = await client.list({ labelSelector: selector });
    expectEqual(list.items.length, 10, `number of ${kind} webhook configurations listed with ${selector}`);
    await waitWebhookConfigurationReady(ctx, w);
    if (kind === 'validating') {
      ctx.step('Creating a configMap that does not comply to the validation webhook rules');
      await pollConfigMaps(ctx, 'a non-compliant configmap to be denied', nonCompliantConfigMap, (err) => isDenied(err));
    } else {
      ctx.step('Creating a configMap that should be mutated');
      await pollConfigMaps(ctx, 'a configmap to be mutated', toBeMutatedConfigMap, (err, cm) => err === undefined && isMutated(cm));
    }
    ctx.step(`Deleting the collection of ${kind} webhooks`);
    await client.deleteCollection({ labelSelector: selector });
    if (kind === 'validating') {
      ctx.step('Creating a configMap that does not comply to the validation webhook rules');
      await pollConfigMaps(ctx, 'a non-compliant configmap to be admitted after the webhooks are deleted', nonCompliantConfigMap, (err) => err === undefined);
    } else {
      ctx.step('Creating a configMap that should not be mutated');
      await pollConfigMaps(ctx, 'a configmap not to be mutated after the webhooks are deleted', toBeMutatedConfigMap, (err, cm) => err === undefined && !isMutated(cm));
    }
  });
}

function patchingCase(id: string, kind: Kind) {
  return webhookCase(id, `patching/updating a ${kind} webhook should work`, async (ctx, w) => {
    const client = configs(ctx, kind);
    const hook = kind === 'validating' ? denyConfigMapWebhook(w) : mutateConfigMapWebhook(w, 1);
    ctx.step(`Creating a ${kind} webhook configuration`);
    const name = await register(ctx, w, kind, `e2e-test-${kind}-webhook-config`, [hook]);
    const blocked = kind === 'validating' ? nonCompliantConfigMap : toBeMutatedConfigMap;
    const affected = (err: unknown, cm?: KubeObject) => (kind === 'validating' ? isDenied(err) : err === undefined && isMutated(cm));
    const unaffected = (err: unknown, cm?: KubeObject) => err === undefined && (kind === 'validating' || !isMutated(cm));
    ctx.step(kind === 'validating' ? 'Creating a configMap that does not comply to the validation webhook rules' : 'Creating a configMap that should be mutated');
    await pollConfigMaps(ctx, `a configmap to be ${kind === 'validating' ? 'denied' : 'mutated'}`, blocked, affected);

    ctx.step(`Updating a ${kind} webhook configuration's rules to not include the create operation`);
    await ctx.waitFor(
      async () => {
        const cur = await client.get(name);
        cur.webhooks[0].rules[0].operations = ['UPDATE'];
        try {
          await client.update(cur);
          return true;
        } catch (err) {
          if (err instanceof ApiError && err.code === 409) return false;
          throw err;
        }
      },
      { timeoutMs: 30_000, message: `update of ${name}` },
    );
    ctx.step(kind === 'validating' ? 'Creating a configMap that does not comply to the validation webhook rules' : 'Creating a configMap that should not be mutated');
    await pollConfigMaps(ctx, `a configmap not to be ${kind === 'validating' ? 'denied' : 'mutated'} after the update`, blocked, unaffected);

    ctx.step(`Patching a ${kind} webhook configuration's rules to include the create operation`);
    await client.patch(name, [{ op: 'replace', path: '/webhooks/0/rules/0/operations', value: ['CREATE'] }], { type: 'json' });
    ctx.step(kind === 'validating' ? 'Creating a configMap that does not comply to the validation webhook rules' : 'Creating a configMap that should be mutated');
    await pollConfigMaps(ctx, `a configmap to be ${kind === 'validating' ? 'denied' : 'mutated'} after the patch`, blocked, affected);
  });
}

// ---- deny ------------------------------------------------------------------------------------

const denyPodAndConfigMap = webhookCase('AM-11', 'should be able to deny pod and configmap creation', async (ctx, w) => {
  ctx.step('Registering the webhook via the AdmissionRegistration API');
  await register(ctx, w, 'validating', 'e2e-test-webhook-config', [
    {
      name: 'deny-unwanted-pod-container-name-and-label.k8s.io',
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      clientConfig: w.clientConfig('/pods'),
      namespaceSelector: w.namespaceSelector(),
      ...REVIEW,
    },
    denyConfigMapWebhook(w),
    {
      // A webhook the server cannot talk to (no CA bundle), fail-open: requests are admitted.
      name: 'fail-open.k8s.io',
      rules: [configMapRule()],
      clientConfig: { service: { namespace: ctx.ns, name: 'e2e-test-webhook', path: '/configmaps', port: 8443 } },
      failurePolicy: 'Ignore',
      namespaceSelector: w.namespaceSelector(),
      ...REVIEW,
    },
  ]);
  const pods = ctx.core('pods');
  ctx.step('create a pod that should be denied by the webhook');
  const disallowed = {
    metadata: { name: 'disallowed-pod', labels: { 'webhook-e2e-test': 'webhook-disallow' } },
    spec: { containers: [{ name: 'webhook-disallow', image: ctx.images.pause }] },
  };
  await expectRejected(pods.create(disallowed), ['the pod contains unwanted container name', 'the pod contains unwanted label'], 'create pod disallowed-pod');

  ctx.step('create a pod that causes the webhook to hang');
  const hanging = {
    metadata: { name: 'hanging-pod', labels: { 'webhook-e2e-test': 'wait-forever' } },
    spec: { containers: [{ name: 'wait-forever', image: ctx.images.pause }] },
  };
  await expectRejected(pods.create(hanging), ['webhook', 'deadline'], 'create pod hanging-pod (the webhook never answers)');
  try {
    await pods.get('hanging-pod');
    fail('pod hanging-pod exists although the webhook call timed out');
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }

  const cms = ctx.core('configmaps');
  const unwanted = 'the configmap contains unwanted key and value';
  ctx.step('create a configmap that should be denied by the webhook');
  await expectRejected(cms.create(nonCompliantConfigMap('disallowed-configmap')), [unwanted], 'create configmap disallowed-configmap');

  ctx.step('create a configmap that should be admitted by the webhook');
  await cms.create({ metadata: { name: 'allowed-configmap' }, data: { admit: 'this' } });
  ctx.step('update (PUT) the admitted configmap to a non-compliant one should be rejected by the webhook');
  const cur = await cms.get('allowed-configmap');
  cur.data = { ...(cur.data ?? {}), 'webhook-e2e-test': 'webhook-disallow' };
  await expectRejected(cms.update(cur), [unwanted], 'update configmap allowed-configmap');
  ctx.step('update (PATCH) the admitted configmap to a non-compliant one should be rejected by the webhook');
  await expectRejected(cms.patch('allowed-configmap', { data: { 'webhook-e2e-test': 'webhook-disallow' } }, { type: 'strategic' }), [unwanted], 'patch configmap allowed-configmap');

  ctx.step('create a namespace that bypass the webhook');
  const skipped = await ctx.createNamespace('exempted-namespace', { 'skip-webhook-admission': 'yes', [w.uniqueName]: 'true' });
  ctx.step('create a configmap that violates the webhook policy but is in a whitelisted namespace');
  await ctx.core('configmaps', skipped).create(nonCompliantConfigMap('disallowed-configmap'));
});

const denyAttach = webhookCase('AM-09', 'should be able to deny attaching pod', async (ctx, w) => {
  ctx.step('Registering the webhook via the AdmissionRegistration API');
  await register(ctx, w, 'validating', 'e2e-test-webhook-config-attach', [
    {
      name: 'deny-attaching-pod.k8s.io',
      rules: [{ operations: ['CONNECT'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/attach'] }],
      clientConfig: w.clientConfig('/pods/attach'),
      namespaceSelector: w.namespaceSelector(),
      ...REVIEW,
    },
  ]);
  ctx.step('create a pod');
  await createPod(ctx, { metadata: { name: 'to-be-attached-pod' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'container1', image: ctx.images.pause }] } });
  await waitForPodRunning(ctx, 'to-be-attached-pod');
  ctx.step("'kubectl attach' the pod, should be denied by the webhook");
  await expectRejected(
    readWebSocket(ctx, `/api/v1/namespaces/${ctx.ns}/pods/to-be-attached-pod/attach`, { container: 'container1', stdin: true, stdout: true }, ['v4.channel.k8s.io'], 30_000),
    ["attaching to pod 'to-be-attached-pod' is not allowed"],
    'attach -i -c container1 to-be-attached-pod',
  );
});

const denyCustomResource = webhookCase('AM-10', 'should be able to deny custom resource creation, update and deletion', async (ctx, w) => {
  const crd = await createTestCrd(ctx);
  ctx.step('Registering the custom resource webhook via the AdmissionRegistration API');
  await register(ctx, w, 'validating', 'e2e-test-webhook-config-cr', [
    {
      name: 'deny-unwanted-custom-resource-data.k8s.io',
      rules: [{ operations: ['CREATE', 'UPDATE', 'DELETE'], apiGroups: [crd.group], apiVersions: ['v1'], resources: [crd.plural] }],
      clientConfig: w.clientConfig('/custom-resource'),
      namespaceSelector: w.namespaceSelector(),
      ...REVIEW,
    },
  ]);
  const crs = crd.resources();
  const apiVersion = `${crd.group}/v1`;
  ctx.step('Creating a custom resource that should be denied by the webhook');
  await expectRejected(
    crs.create({ apiVersion, kind: crd.kind, metadata: { name: 'cr-instance-1' }, data: { 'webhook-e2e-test': 'webhook-disallow' } }),
    ['the custom resource contains unwanted data'],
    'create custom resource cr-instance-1',
  );
  ctx.step('Creating a custom resource whose deletion would be denied by the webhook');
  await crs.create({ apiVersion, kind: crd.kind, metadata: { name: 'cr-instance-2' }, data: { 'webhook-e2e-test': 'webhook-nondeletable' } });
  ctx.step('Updating the custom resource with disallowed data should be denied');
  const cur = await crs.get('cr-instance-2');
  cur.data = { 'webhook-e2e-test': 'webhook-disallow' };
  await expectRejected(crs.update(cur), ['the custom resource contains unwanted data'], 'update custom resource cr-instance-2');
  ctx.step('Deleting the custom resource should be denied');
  await expectRejected(crs.delete('cr-instance-2'), ['the custom resource cannot be deleted because it contains unwanted key and value'], 'delete custom resource cr-instance-2');
  ctx.step('Remove the offending key and value from the custom resource data');
  await crs.patch('cr-instance-2', [{ op: 'replace', path: '/data/webhook-e2e-test', value: 'webhook-allow' }], { type: 'json' });
  ctx.step('Deleting the updated custom resource should be successful');
  await crs.delete('cr-instance-2');
});

const denyCrd = webhookCase('AM-12', 'should deny crd creation', async (ctx, w) => {
  ctx.step('Registering the crd webhook via the AdmissionRegistration API');
  await register(ctx, w, 'validating', 'e2e-test-webhook-config-crd', [
    {
      name: 'deny-crd-with-unwanted-label.k8s.io',
      rules: [{ operations: ['CREATE'], apiGroups: ['apiextensions.k8s.io'], apiVersions: ['*'], resources: ['customresourcedefinitions'] }],
      clientConfig: w.clientConfig('/crd'),
      objectSelector: { matchLabels: { [w.uniqueName]: 'true' } },
      ...REVIEW,
    },
  ]);
  ctx.step('Creating a custom resource definition that should be denied by the webhook');
  const names = randomNames(ctx);
  const manifest = crdObject({ ...names, labels: { [w.uniqueName]: 'true', 'webhook-e2e-test': 'webhook-disallow' } });
  ctx.defer(() => crdClient(ctx).delete(manifest.metadata!.name!).catch(() => undefined));
  await expectRejected(crdClient(ctx).create(manifest), ['the crd contains unwanted label'], `create CRD ${manifest.metadata!.name}`);
});

// ---- timeout ---------------------------------------------------------------------------------

const honorTimeout = webhookCase('AM-13', 'should honor timeout', async (ctx, w) => {
  const slow = (timeoutSeconds: number | undefined, failurePolicy: string): KubeObject => ({
    name: 'allow-configmap-with-delay-webhook.k8s.io',
    rules: [configMapRule()],
    clientConfig: w.clientConfig('/always-allow-delay-5s'),
    namespaceSelector: w.namespaceSelector(),
    failurePolicy,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    ...REVIEW,
  });
  const cms = ctx.core('configmaps');
  const scenario = async (label: string, timeoutSeconds: number | undefined, policy: string, expectErr: boolean) => {
    ctx.step(`Registering slow webhook via the AdmissionRegistration API: ${label}`);
    const name = await register(ctx, w, 'validating', `e2e-test-slow-webhook-${timeoutSeconds ?? 'default'}-${policy.toLowerCase()}`, [slow(timeoutSeconds, policy)]);
    const cmName = ctx.uniqueName('slow');
    if (expectErr) {
      ctx.step(`Request fails when timeout (${timeoutSeconds}s) is shorter than slow webhook latency (5s)`);
      await expectRejected(cms.create({ metadata: { name: cmName } }), ['deadline'], `create configmap ${cmName} through a ${timeoutSeconds}s webhook that answers after 5s`);
    } else {
      ctx.step(`Having ${label}: the request is admitted`);
      await cms.create({ metadata: { name: cmName } });
    }
    await configs(ctx, 'validating').delete(name);
  };
  await scenario('1s timeout, failurePolicy Fail', 1, 'Fail', true);
  await scenario('1s timeout, failurePolicy Ignore', 1, 'Ignore', false);
  await scenario('10s timeout, longer than the webhook latency', 10, 'Fail', false);
  await scenario('no timeout (default 10s)', undefined, 'Fail', false);
}, 300_000);

// ---- mutating --------------------------------------------------------------------------------

const mutateConfigMap = webhookCase('AM-15', 'should mutate configmap', async (ctx, w) => {
  ctx.step('Registering the mutating configmap webhook via the AdmissionRegistration API');
  await register(ctx, w, 'mutating', 'e2e-test-mutating-webhook-config', [mutateConfigMapWebhook(w, 1), mutateConfigMapWebhook(w, 2)]);
  ctx.step('create a configmap that should be updated by the webhook');
  const cm = await ctx.core('configmaps').create(toBeMutatedConfigMap('to-be-mutated'));
  expectEqual(cm.data, { 'mutation-start': 'yes', 'mutation-stage-1': 'yes', 'mutation-stage-2': 'yes' }, 'data of the mutated configmap');
});

const mutateExceptSkipMe = webhookCase("AM-19", "should mutate everything except 'skip-me' configmaps", async (ctx, w) => {
  const skip = [{ name: 'skip-me', expression: "object.metadata.name != 'skip-me'" }];
  ctx.step('Registering the mutating configmap webhooks with a match condition via the AdmissionRegistration API');
  await register(ctx, w, 'mutating', 'e2e-test-mutating-webhook-skip-me', [mutateConfigMapWebhook(w, 1, { matchConditions: skip }), mutateConfigMapWebhook(w, 2, { matchConditions: skip })]);
  const cms = ctx.core('configmaps');
  ctx.step('create the configmap with a random name');
  const mutated = await cms.create(toBeMutatedConfigMap(ctx.uniqueName('to-be-mutated')));
  expectEqual(mutated.data, { 'mutation-start': 'yes', 'mutation-stage-1': 'yes', 'mutation-stage-2': 'yes' }, 'data of the configmap with a random name');
  ctx.step("create the configmap named 'skip-me'");
  const skipped = await cms.create(toBeMutatedConfigMap('skip-me'));
  expectEqual(skipped.data, { 'mutation-start': 'yes' }, "data of the 'skip-me' configmap (no webhook matches it)");
});

const mutatePod = webhookCase('AM-20', 'should mutate pod and apply defaults after mutation', async (ctx, w) => {
  ctx.step('Registering the mutating pod webhook via the AdmissionRegistration API');
  await register(ctx, w, 'mutating', 'e2e-test-mutating-webhook-pod', [
    {
      name: 'adding-init-container.k8s.io',
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      clientConfig: w.clientConfig('/mutating-pods'),
      namespaceSelector: w.namespaceSelector(),
      ...REVIEW,
    },
  ]);
  ctx.step('create a pod that should be updated by the webhook');
  const pod = await ctx.core('pods').create({
    metadata: { name: 'webhook-to-be-mutated' },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'example', image: ctx.images.pause }] },
  });
  const inits = (pod.spec?.initContainers ?? []) as KubeObject[];
  expectEqual(inits.length, 1, 'number of init containers of the mutated pod');
  expectEqual(inits[0]!.name, 'webhook-added-init-container', 'init container added by the webhook');
  expectEqual(inits[0]!.terminationMessagePolicy, 'File', 'terminationMessagePolicy of the added init container (defaulted after the mutation)');
});

function crMutatingWebhooks(w: WebhookFixture, group: string, plural: string, versions: string[]): KubeObject[] {
  return [1, 2].map((stage) => ({
    name: `mutate-custom-resource-data-stage-${stage}.k8s.io`,
    rules: [{ operations: ['CREATE'], apiGroups: [group], apiVersions: versions, resources: [plural] }],
    clientConfig: w.clientConfig('/mutating-custom-resource'),
    namespaceSelector: w.namespaceSelector(),
    ...REVIEW,
  }));
}

function mutateCustomResourceCase(id: string, name: string, prune: boolean) {
  return webhookCase(id, name, async (ctx, w) => {
    const schema = prune
      ? {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              data: { type: 'object', properties: { 'mutation-start': { type: 'string' }, 'mutation-stage-1': { type: 'string' } } },
            },
          },
        }
      : undefined;
    const crd = await createTestCrd(ctx, schema ? { versions: [{ name: 'v1', served: true, storage: true, schema }] } : {});
    ctx.step('Registering the mutating webhook for custom resource via the AdmissionRegistration API');
    await register(ctx, w, 'mutating', 'e2e-test-mutating-webhook-config-cr', crMutatingWebhooks(w, crd.group, crd.plural, ['v1']));
    ctx.step('Creating a custom resource that should be mutated by the webhook');
    const cr = await crd.resources().create({ apiVersion: `${crd.group}/v1`, kind: crd.kind, metadata: { name: 'cr-instance-1' }, data: { 'mutation-start': 'yes' } });
    const want: Record<string, string> = { 'mutation-start': 'yes', 'mutation-stage-1': 'yes' };
    if (!prune) want['mutation-stage-2'] = 'yes';
    expectEqual(cr.data, want, `data of the mutated custom resource${prune ? ' (mutation-stage-2 pruned: not in the schema)' : ''}`);
  });
}

const mutateCustomResourceStoredVersion = webhookCase('AM-17', 'should mutate custom resource with different stored version', async (ctx, w) => {
  const crd = await createTestCrd(ctx, {
    versions: [
      { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
      { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
    ],
  });
  ctx.step('Registering the mutating webhook for custom resource via the AdmissionRegistration API');
  await register(ctx, w, 'mutating', 'e2e-test-mutating-webhook-config-cr-mv', crMutatingWebhooks(w, crd.group, crd.plural, ['v1', 'v2']));
  ctx.step('Creating a custom resource while v1 is storage version');
  const cr = await crd.resources('v1').create({ apiVersion: `${crd.group}/v1`, kind: crd.kind, metadata: { name: 'cr-instance-1' }, data: { 'mutation-start': 'yes' } });
  expectEqual(cr.data, { 'mutation-start': 'yes', 'mutation-stage-1': 'yes', 'mutation-stage-2': 'yes' }, 'data of the custom resource created through v1');
  ctx.step('Patching Custom Resource Definition to set v2 as storage');
  await crdClient(ctx).patch(
    crd.crd.metadata!.name!,
    [
      { op: 'replace', path: '/spec/versions/0/storage', value: false },
      { op: 'replace', path: '/spec/versions/1/storage', value: true },
    ],
    { type: 'json' },
  );
  await waitForServed(ctx, crd.group, 'v2', crd.plural);
  ctx.step('Patching the custom resource while v2 is storage version');
  const patched = await crd.resources('v2').patch('cr-instance-1', [{ op: 'add', path: '/dummy', value: 'test' }], { type: 'json' });
  expectEqual(patched.dummy, 'test', 'field added by the JSON patch through v2');
  expectEqual(patched.data, { 'mutation-start': 'yes', 'mutation-stage-1': 'yes', 'mutation-stage-2': 'yes' }, 'data kept through the v2 patch');
});

// ---- webhook configurations are exempt -------------------------------------------------------

const webhookConfigurationsExempt = webhookCase('AM-21', 'should not be able to mutate or prevent deletion of webhook configuration objects', async (ctx, w) => {
  const rules = [
    {
      operations: ['CREATE', 'UPDATE', 'DELETE'],
      apiGroups: ['admissionregistration.k8s.io'],
      apiVersions: ['*'],
      resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'],
    },
  ];
  ctx.step('Registering a validating webhook on ValidatingWebhookConfiguration and MutatingWebhookConfiguration objects, via the AdmissionRegistration API');
  await register(ctx, w, 'validating', 'e2e-test-validating-webhook-for-webhooks', [
    { name: 'deny-webhook-configuration-deletions.k8s.io', rules, clientConfig: w.clientConfig('/always-deny'), failurePolicy: 'Fail', ...REVIEW },
  ]);
  ctx.step('Registering a mutating webhook on ValidatingWebhookConfiguration and MutatingWebhookConfiguration objects, via the AdmissionRegistration API');
  await register(ctx, w, 'mutating', 'e2e-test-mutating-webhook-for-webhooks', [
    { name: 'add-label-to-webhook-configurations.k8s.io', rules, clientConfig: w.clientConfig('/add-label'), failurePolicy: 'Fail', ...REVIEW },
  ]);
  for (const kind of ['validating', 'mutating'] as const) {
    const name = `e2e-test-dummy-${kind}-webhook-config-${ctx.ns}`;
    ctx.step(`Creating a dummy ${kind}-webhook-configuration object`);
    const created = await configs(ctx, kind).create({
      metadata: { name },
      webhooks: [
        {
          name: `dummy-${kind}-webhook.k8s.io`,
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['invalid'] }],
          clientConfig: w.clientConfig('/always-allow-delay-5s'),
          failurePolicy: 'Ignore',
          namespaceSelector: { matchLabels: { [w.uniqueName]: 'never' } },
          ...REVIEW,
        },
      ],
    });
    ctx.defer(() => configs(ctx, kind).delete(name).catch(() => undefined));
    expectTrue(created.metadata?.labels?.['added-label'] !== 'yes', `expected the ${kind} webhook configuration ${name} not to be mutated by mutating webhooks, but it was`);
    ctx.step(`Deleting the ${kind}-webhook-configuration, which should be possible to remove`);
    await configs(ctx, kind).delete(name);
  }
});

export const cases = [
  listingCase('AM-03', 'mutating'),
  listingCase('AM-04', 'validating'),
  patchingCase('AM-05', 'mutating'),
  patchingCase('AM-06', 'validating'),
  denyAttach,
  denyCustomResource,
  denyPodAndConfigMap,
  denyCrd,
  honorTimeout,
  mutateConfigMap,
  mutateCustomResourceCase('AM-16', 'should mutate custom resource', false),
  mutateCustomResourceStoredVersion,
  mutateCustomResourceCase('AM-18', 'should mutate custom resource with pruning', true),
  mutateExceptSkipMe,
  mutatePod,
  webhookConfigurationsExempt,
];

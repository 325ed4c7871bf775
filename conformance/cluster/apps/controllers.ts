/**
 * Workload controllers: upstream test/e2e/apps/replica_set.go, rc.go, deployment.go, job.go
 * and daemon_set.go. Each waits for what the controller must produce (pods, replicas,
 * conditions) and says which controller behaviour is missing when the wait runs out.
 */
import type { KubeObject, ResourceClient } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, expectTrue } from '../framework/expect.ts';
import { createPod, waitForPodRunning } from '../framework/pods.ts';

const podTemplate = (ctx: CaseContext, labels: Record<string, string>, image = ctx.images.pause): KubeObject => ({
  metadata: { labels },
  spec: { containers: [{ name: 'httpd', image }] },
});

const rsClient = (ctx: CaseContext): ResourceClient => ctx.api('apps', 'v1', 'replicasets', true);
const rcClient = (ctx: CaseContext): ResourceClient => ctx.core('replicationcontrollers');
const deployClient = (ctx: CaseContext): ResourceClient => ctx.api('apps', 'v1', 'deployments', true);
const jobClient = (ctx: CaseContext): ResourceClient => ctx.api('batch', 'v1', 'jobs', true);

/** waitForReady waits until status.readyReplicas (and replicas) reach `n`. */
async function waitForReady(ctx: CaseContext, client: ResourceClient, name: string, n: number, what: string): Promise<KubeObject> {
  let last: KubeObject | undefined;
  return ctx.waitFor(
    async () => {
      last = await client.get(name);
      return (last.status?.readyReplicas ?? 0) === n && (last.status?.replicas ?? 0) === n ? last : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, message: `${what} ${name} to have ${n} ready replicas`, describe: () => JSON.stringify(last?.status ?? {}) },
  );
}

async function podsWithLabel(ctx: CaseContext, selector: string): Promise<KubeObject[]> {
  return (await ctx.core('pods').list({ labelSelector: selector })).items;
}

function controllerRef(p: KubeObject): KubeObject | undefined {
  return (p.metadata?.ownerReferences ?? []).find((r: KubeObject) => r.controller);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'AP-35',
    codename: '[sig-apps] ReplicaSet Replace and Patch tests [Conformance]',
    async run(ctx) {
      const rs = rsClient(ctx);
      const name = 'test-rs';
      const labels = { name: 'sample-pod', pod: ctx.images.pause.replace(/[^a-z0-9]/gi, '-').slice(0, 60) };
      ctx.step('Create a ReplicaSet');
      await rs.create({ metadata: { name }, spec: { replicas: 1, selector: { matchLabels: labels }, template: podTemplate(ctx, labels) } });
      ctx.step('Verify that the required pods have come up');
      await waitForReady(ctx, rs, name, 1, 'ReplicaSet');
      ctx.step('Update the ReplicaSet to scale to 2 replicas');
      const cur = await rs.get(name);
      cur.spec.replicas = 2;
      await rs.update(cur);
      await waitForReady(ctx, rs, name, 2, 'ReplicaSet');
      ctx.step('Patch the ReplicaSet: 3 replicas and a new label');
      const patched = await rs.patch(name, { metadata: { labels: { 'test-rs': 'patched' } }, spec: { replicas: 3, template: { spec: { terminationGracePeriodSeconds: 2 } } } }, { type: 'strategic' });
      expectEqual(patched.metadata?.labels?.['test-rs'], 'patched', 'patched label');
      await waitForReady(ctx, rs, name, 3, 'ReplicaSet');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-36',
    codename: '[sig-apps] ReplicaSet Replicaset should have a working scale subresource [Conformance]',
    async run(ctx) {
      const rs = rsClient(ctx);
      const name = 'test-rs';
      const labels = { name: 'sample-pod' };
      ctx.step('Creating replica set "test-rs" that asks for more than the allowed pod quota');
      await rs.create({ metadata: { name }, spec: { replicas: 1, selector: { matchLabels: labels }, template: podTemplate(ctx, labels) } });
      await waitForReady(ctx, rs, name, 1, 'ReplicaSet');
      ctx.step('getting scale subresource');
      const scale = await rs.get(name, { subresource: 'scale' });
      expectEqual(scale.spec?.replicas, 1, 'scale.spec.replicas');
      expectEqual(scale.status?.replicas, 1, 'scale.status.replicas');
      ctx.step('updating a scale subresource');
      scale.spec.replicas = 2;
      const upd = await rs.update(scale, { subresource: 'scale' });
      expectEqual(upd.spec?.replicas, 2, 'scale.spec.replicas after the update');
      ctx.step('verifying the replicaset Spec.Replicas was modified');
      expectEqual((await rs.get(name)).spec?.replicas, 2, 'spec.replicas after updating /scale');
      ctx.step('Patch a scale subresource');
      await rs.patch(name, { spec: { replicas: 4 } }, { type: 'merge', subresource: 'scale' });
      expectEqual((await rs.get(name)).spec?.replicas, 4, 'spec.replicas after patching /scale');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-37',
    codename: '[sig-apps] ReplicaSet should adopt matching pods on creation and release no longer matching pods [Conformance]',
    async run(ctx) {
      const name = 'pod-adoption-release';
      ctx.step('Given a Pod with a \'name\' label pod-adoption-release is created');
      await createPod(ctx, { metadata: { name, labels: { name } }, spec: { containers: [{ name, image: ctx.images.pause }] } });
      await waitForPodRunning(ctx, name);
      ctx.step('When a replicaset with a matching selector is created');
      const rs = await rsClient(ctx).create({ metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { name } }, template: podTemplate(ctx, { name }) } });
      ctx.step('Then the orphan pod is adopted');
      await ctx.waitFor(async () => controllerRef(await ctx.core('pods').get(name))?.uid === rs.metadata?.uid, { timeoutMs: 60_000, message: `pod ${name} to be adopted by ReplicaSet ${name} (controllerRef)` });
      ctx.step('When the matched label of one of its pods change');
      await ctx.core('pods').patch(name, { metadata: { labels: { name: 'not-matching-name' } } }, { type: 'strategic' });
      ctx.step('Then the pod is released');
      await ctx.waitFor(async () => !controllerRef(await ctx.core('pods').get(name)), { timeoutMs: 60_000, message: `pod ${name} to be released by ReplicaSet ${name} (controllerRef removed)` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-38',
    codename: '[sig-apps] ReplicaSet should list and delete a collection of ReplicaSets [Conformance]',
    async run(ctx) {
      const rs = rsClient(ctx);
      const labels = { name: 'sample-pod', 'e2e': 'rs-list' };
      ctx.step('Create a ReplicaSet');
      await rs.create({ metadata: { name: 'test-rs', labels }, spec: { replicas: 1, selector: { matchLabels: labels }, template: podTemplate(ctx, labels) } });
      ctx.step('Verify that the required pods have come up');
      await waitForReady(ctx, rs, 'test-rs', 1, 'ReplicaSet');
      ctx.step('Listing all ReplicaSets');
      const all = await ctx.api('apps', 'v1', 'replicasets').list({ labelSelector: 'e2e=rs-list' });
      expectTrue(all.items.some((r) => r.metadata?.namespace === ctx.ns), 'ReplicaSet not found when listing all namespaces');
      ctx.step('DeleteCollection of the ReplicaSets');
      await rs.deleteCollection({ labelSelector: 'e2e=rs-list' });
      ctx.step('After DeleteCollection verify that ReplicaSets have been deleted');
      await ctx.waitFor(async () => (await rs.list({ labelSelector: 'e2e=rs-list' })).items.length === 0, { timeoutMs: 60_000, message: 'ReplicaSets to be deleted by deletecollection' });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-40',
    codename: '[sig-apps] ReplicaSet should validate Replicaset Status endpoints [Conformance]',
    async run(ctx) {
      const rs = rsClient(ctx);
      const labels = { name: 'sample-pod' };
      ctx.step('Create a Replicaset');
      await rs.create({ metadata: { name: 'test-rs' }, spec: { replicas: 1, selector: { matchLabels: labels }, template: podTemplate(ctx, labels) } });
      ctx.step('Verify that the required pods have come up.');
      await waitForReady(ctx, rs, 'test-rs', 1, 'ReplicaSet');
      ctx.step('Getting /status');
      const st = await rs.get('test-rs', { subresource: 'status' });
      ctx.step('updating the Replicaset Status');
      st.status = { ...st.status, conditions: [{ type: 'StatusUpdate', status: 'True', reason: 'E2E', message: 'Set from e2e test' }] };
      const upd = await rs.update(st, { subresource: 'status' });
      expectTrue((upd.status?.conditions ?? []).some((c: KubeObject) => c.type === 'StatusUpdate'), 'StatusUpdate condition after updating /status');
      ctx.step('patching the Replicaset Status');
      const p = await rs.patch('test-rs', { status: { conditions: [{ type: 'StatusPatched', status: 'True' }] } }, { type: 'merge', subresource: 'status' });
      expectTrue((p.status?.conditions ?? []).some((c: KubeObject) => c.type === 'StatusPatched'), 'StatusPatched condition after patching /status');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-41',
    codename: '[sig-apps] ReplicationController should adopt matching pods on creation [Conformance]',
    async run(ctx) {
      const name = 'pod-adoption';
      ctx.step('Given a Pod with a \'name\' label pod-adoption is created');
      await createPod(ctx, { metadata: { name, labels: { name } }, spec: { containers: [{ name, image: ctx.images.pause }] } });
      await waitForPodRunning(ctx, name);
      ctx.step('When a replication controller with a matching selector is created');
      const rc = await rcClient(ctx).create({ metadata: { name }, spec: { replicas: 1, selector: { name }, template: podTemplate(ctx, { name }) } });
      ctx.step('Then the orphan pod is adopted');
      await ctx.waitFor(async () => controllerRef(await ctx.core('pods').get(name))?.uid === rc.metadata?.uid, { timeoutMs: 60_000, message: `pod ${name} to be adopted by ReplicationController ${name}` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-43',
    codename: '[sig-apps] ReplicationController should release no longer matching pods [Conformance]',
    async run(ctx) {
      const name = 'pod-release';
      ctx.step('Given a ReplicationController is created');
      await rcClient(ctx).create({ metadata: { name }, spec: { replicas: 1, selector: { name }, template: podTemplate(ctx, { name }) } });
      ctx.step('When the matched label of one of its pods change');
      const pod = await ctx.waitFor(async () => (await podsWithLabel(ctx, `name=${name}`))[0], { timeoutMs: 60_000, message: `ReplicationController ${name} to create a pod` });
      await waitForPodRunning(ctx, pod.metadata!.name!);
      await ctx.core('pods').patch(pod.metadata!.name!, { metadata: { labels: { name: 'not-matching-name' } } }, { type: 'strategic' });
      ctx.step('Then the pod is released');
      await ctx.waitFor(async () => !controllerRef(await ctx.core('pods').get(pod.metadata!.name!)), { timeoutMs: 60_000, message: `pod ${pod.metadata!.name} to be released (ownerReferences updated)` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-42',
    codename: '[sig-apps] ReplicationController should get and update a ReplicationController scale [Conformance]',
    async run(ctx) {
      const rc = rcClient(ctx);
      const name = `e2e-rc-${ctx.uid}`;
      ctx.step(`Creating ReplicationController "${name}"`);
      await rc.create({ metadata: { name }, spec: { replicas: 1, selector: { name }, template: podTemplate(ctx, { name }) } });
      await waitForReady(ctx, rc, name, 1, 'ReplicationController');
      ctx.step(`Getting scale subresource for ReplicationController "${name}"`);
      const scale = await rc.get(name, { subresource: 'scale' });
      expectEqual(scale.status?.replicas, 1, 'scale.status.replicas');
      ctx.step('Updating a scale subresource');
      scale.spec.replicas = 2;
      await rc.update(scale, { subresource: 'scale' });
      ctx.step(`Verifying replicas where modified for replication controller "${name}"`);
      await waitForReady(ctx, rc, name, 2, 'ReplicationController');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-14',
    codename: '[sig-apps] Deployment Deployment should have a working scale subresource [Conformance]',
    async run(ctx) {
      const d = deployClient(ctx);
      const labels = { name: 'httpd' };
      await d.create({ metadata: { name: 'test-new-deployment' }, spec: { replicas: 1, selector: { matchLabels: labels }, template: podTemplate(ctx, labels) } });
      await waitForReady(ctx, d, 'test-new-deployment', 1, 'Deployment');
      ctx.step('getting scale subresource');
      const scale = await d.get('test-new-deployment', { subresource: 'scale' });
      expectEqual(scale.spec?.replicas, 1, 'scale.spec.replicas');
      ctx.step('updating a scale subresource');
      scale.spec.replicas = 2;
      await d.update(scale, { subresource: 'scale' });
      expectEqual((await d.get('test-new-deployment')).spec?.replicas, 2, 'spec.replicas after updating /scale');
      ctx.step('Patch a scale subresource');
      await d.patch('test-new-deployment', { spec: { replicas: 4 } }, { type: 'merge', subresource: 'scale' });
      expectEqual((await d.get('test-new-deployment')).spec?.replicas, 4, 'spec.replicas after patching /scale');
    },
  }),

  ...(['RollingUpdate', 'Recreate'] as const).map((strategy) =>
    defineCase(import.meta.url, {
      id: strategy === 'RollingUpdate' ? 'AP-16' : 'AP-15',
      codename: `[sig-apps] Deployment ${strategy}Deployment should delete old pods and create new ones [Conformance]`,
      async run(ctx) {
        const labels = { name: 'sample-pod' };
        ctx.step('Creating a replica set whose pods the deployment will adopt');
        const rs = rsClient(ctx);
        await rs.create({ metadata: { name: 'test-rolling-update-controller', labels, annotations: { 'deployment.kubernetes.io/revision': '3546343826724305832' } }, spec: { replicas: 1, selector: { matchLabels: labels }, template: podTemplate(ctx, labels) } });
        await waitForReady(ctx, rs, 'test-rolling-update-controller', 1, 'ReplicaSet');
        ctx.step(`Creating deployment "test-${strategy.toLowerCase()}-deployment" with a new image`);
        const d = deployClient(ctx);
        const dname = `test-${strategy.toLowerCase()}-deployment`;
        await d.create({ metadata: { name: dname }, spec: { replicas: 1, strategy: { type: strategy }, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'agnhost', image: ctx.images.busybox, command: ['sleep', '3600'] }] } } } });
        ctx.step('Waiting for the deployment to complete');
        await ctx.waitFor(async () => {
          const x = await d.get(dname);
          return x.status?.updatedReplicas === 1 && x.status?.availableReplicas === 1 && x.status?.replicas === 1 && (x.status?.observedGeneration ?? 0) >= (x.metadata?.generation ?? 0);
        }, { timeoutMs: 120_000, message: `Deployment ${dname} to complete (1 updated, available replica)` });
        ctx.step('Ensuring the old replica set was adopted and scaled down');
        const old = await rs.get('test-rolling-update-controller');
        expectEqual(old.spec?.replicas, 0, 'spec.replicas of the adopted old ReplicaSet');
        const owner = controllerRef(old);
        expectEqual(owner?.kind, 'Deployment', 'controller of the old ReplicaSet');
      },
    }),
  ),

  defineCase(import.meta.url, {
    id: 'AP-21',
    codename: '[sig-apps] Deployment should validate Deployment Status endpoints [Conformance]',
    async run(ctx) {
      const d = deployClient(ctx);
      const labels = { 'test-deployment-static': 'true' };
      ctx.step('creating a Deployment');
      await d.create({ metadata: { name: 'test-deployment', labels }, spec: { replicas: 1, selector: { matchLabels: labels }, template: podTemplate(ctx, labels) } });
      await waitForReady(ctx, d, 'test-deployment', 1, 'Deployment');
      ctx.step('Getting /status');
      const st = await d.get('test-deployment', { subresource: 'status' });
      ctx.step('updating Deployment Status');
      st.status = { ...st.status, conditions: [...(st.status?.conditions ?? []), { type: 'StatusUpdate', status: 'True', reason: 'E2E', message: 'Set from e2e test' }] };
      const upd = await d.update(st, { subresource: 'status' });
      expectTrue((upd.status?.conditions ?? []).some((c: KubeObject) => c.type === 'StatusUpdate'), 'StatusUpdate condition after updating /status');
      ctx.step('patching the DeploymentStatus');
      const p = await d.patch('test-deployment', { status: { conditions: [{ type: 'StatusPatched', status: 'True' }] } }, { type: 'merge', subresource: 'status' });
      expectTrue((p.status?.conditions ?? []).some((c: KubeObject) => c.type === 'StatusPatched'), 'StatusPatched condition after patching /status');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-34',
    codename: '[sig-apps] Job should run a job to completion when tasks sometimes fail and are locally restarted [Conformance]',
    async run(ctx) {
      const jobs = jobClient(ctx);
      ctx.step('Creating a job');
      // upstream "failOnce": fail the first run (marker file in a shared emptyDir), succeed after the local restart.
      await jobs.create({
        metadata: { name: 'fail-once-local' },
        spec: {
          parallelism: 2,
          completions: 4,
          backoffLimit: 6,
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              volumes: [{ name: 'data', emptyDir: {} }],
              containers: [{ name: 'c', image: ctx.images.busybox, command: ['/bin/sh', '-c', 'if [[ -r /data/foo ]] ; then exit 0 ; else touch /data/foo ; exit 1 ; fi'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
            },
          },
        },
      });
      ctx.step('Ensuring job reaches completions');
      let last: KubeObject | undefined;
      await ctx.waitFor(async () => {
        last = await jobs.get('fail-once-local');
        return (last.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Complete' && c.status === 'True') && last.status?.succeeded === 4;
      }, { timeoutMs: 180_000, intervalMs: 1000, message: 'Job fail-once-local to complete with 4 succeeded pods', describe: () => JSON.stringify(last?.status ?? {}) });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-32',
    codename: '[sig-apps] Job should delete a job [Conformance]',
    async run(ctx) {
      const jobs = jobClient(ctx);
      ctx.step('Creating a job');
      await jobs.create({ metadata: { name: 'foo' }, spec: { parallelism: 2, completions: 4, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: ctx.images.busybox, command: ['sleep', '1000000'] }] } } } });
      ctx.step('Ensuring active pods == parallelism');
      await ctx.waitFor(async () => (await jobs.get('foo')).status?.active === 2, { timeoutMs: 120_000, message: 'Job foo to have 2 active pods (job controller)' });
      ctx.step('delete a job');
      await jobs.delete('foo', { propagationPolicy: 'Foreground' });
      ctx.step('Ensuring job was deleted');
      await ctx.waitFor(async () => jobs.get('foo').then(() => false, (e) => (e as { code?: number }).code === 404), { timeoutMs: 120_000, message: 'Job foo to be deleted (foreground deletion)' });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-11',
    codename: '[sig-apps] Daemon set should run and stop simple daemon [Conformance] [Serial]',
    async run(ctx) {
      const ds = ctx.api('apps', 'v1', 'daemonsets', true);
      const labels = { 'daemonset-name': 'daemon-set' };
      ctx.step('Creating simple DaemonSet "daemon-set"');
      await ds.create({ metadata: { name: 'daemon-set' }, spec: { selector: { matchLabels: labels }, template: podTemplate(ctx, labels) } });
      ctx.step('Check that daemon pods launch on every node of the cluster.');
      const nodes = (await ctx.api('', 'v1', 'nodes').list()).items.filter((n) => !(n.spec?.taints ?? []).some((t: KubeObject) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'));
      expectTrue(nodes.length > 0, 'no schedulable nodes in the cluster');
      const running = async (): Promise<KubeObject[]> => (await podsWithLabel(ctx, 'daemonset-name=daemon-set')).filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
      await ctx.waitFor(async () => new Set((await running()).map((p) => p.spec?.nodeName)).size === nodes.length, { timeoutMs: 120_000, message: `a running daemon pod on each of ${nodes.length} node(s)` });
      ctx.step('Stop a daemon pod, check that the daemon pod is revived.');
      const victim = (await running())[0]!;
      await ctx.core('pods').delete(victim.metadata!.name!);
      await ctx.waitFor(async () => {
        const pods = await running();
        return !pods.some((p) => p.metadata?.name === victim.metadata?.name) && new Set(pods.map((p) => p.spec?.nodeName)).size === nodes.length;
      }, { timeoutMs: 120_000, message: 'the deleted daemon pod to be replaced' });
    },
  }),
];

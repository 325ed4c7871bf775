/**
 * Deployments: upstream test/e2e/apps/deployment.go (lifecycle, revision history clean-up,
 * rollover, proportional scaling). The other Deployment cases live in `controllers.ts`.
 *
 * Image deviations: upstream's agnhost is busybox (`sleep`), httpd ("webserver") is the
 * project's test server and pause is the pause image; in the lifecycle case the three images
 * (agnhost, then pause by a strategic patch that keeps the container's command, then httpd)
 * are the test server, pause and busybox, so that no patched container keeps a command its
 * new image lacks. Upstream's never-pullable images
 * (`gcr.io/google_samples/gb-redisslave:nonexistent`, `webserver:404`) are a tag of the
 * busybox repository that does not exist (`<busybox>:404`), so the pull fails fast in the
 * same registry instead of reaching for the internet. Upstream waits on watch events
 * (`watchtools.Until`) where the cases here poll the same conditions.
 */
import type { KubeObject, ResourceClient } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, expectTrue, fail } from '../framework/expect.ts';

const REVISION = 'deployment.kubernetes.io/revision';

const deployClient = (ctx: CaseContext): ResourceClient => ctx.api('apps', 'v1', 'deployments', true);
const rsClient = (ctx: CaseContext): ResourceClient => ctx.api('apps', 'v1', 'replicasets', true);

/** missingImage is an image reference in the busybox repository that cannot be pulled. */
const missingImage = (ctx: CaseContext): string => `${ctx.images.busybox.replace(/:[^/:]+$/, '')}:404`;

/** container is upstream's single container for `imageName`, running something long-lived. */
function container(ctx: CaseContext, name: string, image: string): KubeObject {
  return image === ctx.images.busybox ? { name, image, command: ['sleep', '3600'] } : { name, image };
}

/** newDeployment is upstream e2edeployment.NewDeployment. */
function newDeployment(ctx: CaseContext, name: string, replicas: number, labels: Record<string, string>, containerName: string, image: string, strategy: 'RollingUpdate' | 'Recreate'): KubeObject {
  return {
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: { ...labels } },
      strategy: { type: strategy },
      template: { metadata: { labels: { ...labels } }, spec: { terminationGracePeriodSeconds: 0, containers: [container(ctx, containerName, image)] } },
    },
  };
}

/** newRS is upstream's newRS helper. */
function newRS(ctx: CaseContext, name: string, replicas: number, labels: Record<string, string>, containerName: string, image: string): KubeObject {
  return {
    metadata: { name, labels: { ...labels } },
    spec: {
      replicas,
      selector: { matchLabels: { ...labels } },
      template: { metadata: { labels: { ...labels } }, spec: { terminationGracePeriodSeconds: 0, containers: [container(ctx, containerName, image)] } },
    },
  };
}

const controllerOf = (o: KubeObject): KubeObject | undefined => (o.metadata?.ownerReferences ?? []).find((r: KubeObject) => r.controller);

/** replicaSetsOf lists the ReplicaSets controlled by Deployment `d`. */
async function replicaSetsOf(ctx: CaseContext, d: KubeObject): Promise<KubeObject[]> {
  return (await rsClient(ctx).list()).items.filter((rs) => controllerOf(rs)?.uid === d.metadata?.uid);
}

const sameTemplate = (a: KubeObject, b: KubeObject): boolean => {
  const strip = (t: KubeObject): string => {
    const labels = { ...(t?.metadata?.labels ?? {}) };
    delete labels['pod-template-hash'];
    return JSON.stringify({ labels, containers: (t?.spec?.containers ?? []).map((c: KubeObject) => [c.name, c.image]) });
  };
  return strip(a) === strip(b);
};

/** newReplicaSet is upstream GetNewReplicaSet: the controlled RS whose template matches the Deployment's. */
async function newReplicaSet(ctx: CaseContext, d: KubeObject): Promise<KubeObject | undefined> {
  return (await replicaSetsOf(ctx, d)).find((rs) => sameTemplate(rs.spec?.template, d.spec?.template));
}

/** waitForDeploymentComplete is upstream WaitForDeploymentComplete (all replicas updated and available). */
async function waitForDeploymentComplete(ctx: CaseContext, name: string, timeoutMs = 180_000): Promise<KubeObject> {
  let last: KubeObject | undefined;
  return ctx.waitFor(async () => {
    last = await deployClient(ctx).get(name);
    const s = last.status ?? {};
    const want = last.spec?.replicas ?? 1;
    return (s.observedGeneration ?? 0) >= (last.metadata?.generation ?? 0) && s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want ? last : undefined;
  }, { timeoutMs, intervalMs: 1000, message: `Deployment ${name} to complete (all replicas updated and available)`, describe: () => JSON.stringify(last?.status ?? {}) });
}

/** waitForDeploymentRevisionAndImage is upstream's: the new RS has `revision` and the Deployment's image is `image`. */
async function waitForDeploymentRevisionAndImage(ctx: CaseContext, name: string, revision: string, image: string): Promise<void> {
  let why = '';
  await ctx.waitFor(async () => {
    const d = await deployClient(ctx).get(name);
    const rs = await newReplicaSet(ctx, d);
    const dImage = d.spec?.template?.spec?.containers?.[0]?.image;
    const rsImage = rs?.spec?.template?.spec?.containers?.[0]?.image;
    why = `deployment revision ${d.metadata?.annotations?.[REVISION]}, image ${dImage}; new ReplicaSet ${rs?.metadata?.name ?? '(none)'} revision ${rs?.metadata?.annotations?.[REVISION]}, image ${rsImage}`;
    return d.metadata?.annotations?.[REVISION] === revision && dImage === image && rs?.metadata?.annotations?.[REVISION] === revision && rsImage === image;
  }, { timeoutMs: 120_000, intervalMs: 1000, message: `Deployment ${name} to reach revision ${revision} with image ${image}`, describe: () => why });
}

async function waitForObservedDeployment(ctx: CaseContext, name: string, generation: number): Promise<void> {
  await ctx.waitFor(async () => ((await deployClient(ctx).get(name)).status?.observedGeneration ?? 0) >= generation, { timeoutMs: 60_000, intervalMs: 500, message: `Deployment ${name} to observe generation ${generation}` });
}

/** updateDeployment is upstream UpdateDeploymentWithRetries: get, mutate, update, retry on conflict. */
async function updateDeployment(ctx: CaseContext, name: string, mutate: (d: KubeObject) => void): Promise<KubeObject> {
  return ctx.waitFor(async () => {
    const d = await deployClient(ctx).get(name);
    mutate(d);
    try {
      return await deployClient(ctx).update(d);
    } catch (err) {
      if ((err as { code?: number }).code === 409) return undefined;
      throw err;
    }
  }, { timeoutMs: 60_000, intervalMs: 200, message: `an update of Deployment ${name} without a conflict` });
}

async function waitForRunningPods(ctx: CaseContext, selector: string, n: number): Promise<void> {
  let seen = 0;
  await ctx.waitFor(async () => {
    const pods = (await ctx.core('pods').list({ labelSelector: selector })).items;
    seen = pods.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp).length;
    return seen >= n;
  }, { timeoutMs: 180_000, intervalMs: 1000, message: `${n} running pods with labels ${selector}`, describe: () => `${seen} running` });
}

async function waitForRSSpecReplicas(ctx: CaseContext, name: string, n: number): Promise<KubeObject> {
  let last: KubeObject | undefined;
  return ctx.waitFor(async () => {
    last = await rsClient(ctx).get(name);
    return last.spec?.replicas === n && (last.status?.observedGeneration ?? 0) >= (last.metadata?.generation ?? 0) ? last : undefined;
  }, { timeoutMs: 120_000, intervalMs: 500, message: `ReplicaSet ${name} to have .spec.replicas = ${n}`, describe: () => `spec.replicas ${last?.spec?.replicas}, status ${JSON.stringify(last?.status ?? {})}` });
}

async function waitForRSStatusReplicas(ctx: CaseContext, name: string): Promise<void> {
  let last: KubeObject | undefined;
  await ctx.waitFor(async () => {
    last = await rsClient(ctx).get(name);
    return (last.status?.replicas ?? 0) === last.spec?.replicas && (last.status?.observedGeneration ?? 0) >= (last.metadata?.generation ?? 0);
  }, { timeoutMs: 120_000, intervalMs: 500, message: `ReplicaSet ${name} to have its desired number of replicas`, describe: () => `spec.replicas ${last?.spec?.replicas}, status ${JSON.stringify(last?.status ?? {})}` });
}

function ensureReplicas(rs: KubeObject, n: number): void {
  expectEqual(rs.spec?.replicas, n, `.spec.replicas of ReplicaSet ${rs.metadata?.name}`);
  expectEqual(rs.status?.replicas ?? 0, n, `.status.replicas of ReplicaSet ${rs.metadata?.name}`);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'AP-20',
    codename: '[sig-apps] Deployment should run the lifecycle of a Deployment [Conformance]',
    async run(ctx) {
      const d = deployClient(ctx);
      const name = 'test-deployment';
      const [initialImage, patchImage, updateImage] = [ctx.images.testServer, ctx.images.pause, ctx.images.busybox];
      const labels = { 'test-deployment-static': 'true' };
      const selector = 'test-deployment-static=true';
      const matches = (x: KubeObject): boolean => x.metadata?.name === name && x.metadata?.labels?.['test-deployment-static'] === 'true';

      ctx.step('creating a Deployment');
      const testDeployment = newDeployment(ctx, name, 2, labels, name, initialImage, 'RollingUpdate');
      testDeployment.spec.template.spec.terminationGracePeriodSeconds = 1;
      await d.create(testDeployment);

      ctx.step('waiting for all Replicas to be Ready');
      let last: KubeObject | undefined;
      const waitStatus = (what: string, cond: (x: KubeObject) => boolean): Promise<KubeObject> =>
        ctx.waitFor(async () => {
          last = (await d.list({ labelSelector: selector })).items.find(matches);
          return last && cond(last) ? last : undefined;
        }, { timeoutMs: 180_000, intervalMs: 1000, message: `Deployment ${name}: ${what}`, describe: () => JSON.stringify({ spec: last?.spec?.template?.spec?.containers, status: last?.status }) });
      await waitStatus('2 ready replicas', (x) => x.status?.readyReplicas === 2);

      ctx.step('patching the Deployment');
      await d.patch(name, {
        metadata: { labels: { 'test-deployment': 'patched' } },
        spec: { replicas: 1, template: { spec: { terminationGracePeriodSeconds: 2, containers: [{ name, image: patchImage }] } } },
      }, { type: 'strategic' });
      ctx.step('waiting for Replicas to scale');
      await waitStatus(`1 ready and updated replica running ${patchImage}`, (x) =>
        x.status?.readyReplicas === 1 && x.status?.updatedReplicas === 1 && (x.status?.unavailableReplicas ?? 0) === 0 &&
        x.spec?.template?.spec?.containers?.[0]?.image === patchImage && x.spec?.template?.spec?.terminationGracePeriodSeconds === 2);

      ctx.step('listing Deployments');
      const all = await ctx.api('apps', 'v1', 'deployments').list({ labelSelector: selector });
      expectTrue(all.items.some((x) => matches(x) && x.metadata?.namespace === ctx.ns), `Deployment ${name} not found when listing all namespaces with ${selector}`);

      ctx.step('updating the Deployment');
      // Upstream sends the object it built locally: no resourceVersion, uid or creationTimestamp (an unconditional update).
      const update: KubeObject = JSON.parse(JSON.stringify(testDeployment));
      update.metadata!.labels!['test-deployment'] = 'updated';
      update.spec.template.spec.containers[0] = container(ctx, name, updateImage);
      update.spec.replicas = 2;
      await d.update(update);

      ctx.step('fetching the DeploymentStatus');
      let got = await d.get(name, { subresource: 'status' });
      expectEqual(got.spec?.template?.spec?.containers?.[0]?.image, updateImage, 'image after the update');
      expectEqual(got.metadata?.labels?.['test-deployment'], 'updated', 'label test-deployment after the update');
      await waitStatus('2 ready and updated replicas', (x) => x.status?.readyReplicas === 2 && x.status?.updatedReplicas === 2 && (x.status?.unavailableReplicas ?? 0) === 0);

      ctx.step('patching the DeploymentStatus');
      await d.patch(name, { metadata: { labels: { 'test-deployment': 'patched-status' } }, status: { readyReplicas: 0, availableReplicas: 0 } }, { type: 'strategic', subresource: 'status' });

      ctx.step('fetching the DeploymentStatus');
      got = await d.get(name, { subresource: 'status' });
      expectEqual(got.spec?.template?.spec?.containers?.[0]?.image, updateImage, 'image after patching /status');
      // A status patch does not change labels (the status strategy resets metadata apart from status).
      expectEqual(got.metadata?.labels?.['test-deployment'], 'updated', 'label test-deployment after patching /status');
      await waitStatus('2 ready and updated replicas again (the controller restores the status)', (x) =>
        x.status?.readyReplicas === 2 && x.status?.updatedReplicas === 2 && (x.status?.unavailableReplicas ?? 0) === 0 && x.spec?.template?.spec?.containers?.[0]?.image === updateImage);

      ctx.step('deleting the Deployment');
      await d.deleteCollection({ labelSelector: selector, gracePeriodSeconds: 1 });
      await ctx.waitFor(async () => !(await d.list({ labelSelector: selector })).items.some(matches), { timeoutMs: 60_000, message: `Deployment ${name} to be deleted by deletecollection` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-17',
    codename: '[sig-apps] Deployment deployment should delete old replica sets [Conformance]',
    async run(ctx) {
      const deploymentPodLabels = { name: 'cleanup-pod' };
      const rsPodLabels = { name: 'cleanup-pod', pod: 'httpd' };
      const rsName = 'test-cleanup-controller';
      await rsClient(ctx).create(newRS(ctx, rsName, 1, rsPodLabels, 'httpd', ctx.images.testServer));
      ctx.step('Verify that the required pods have come up');
      await waitForRunningPods(ctx, 'name=cleanup-pod', 1);

      const deploymentName = 'test-cleanup-deployment';
      ctx.step(`Creating deployment ${deploymentName}`);
      const pods = await ctx.core('pods').list();
      // There must be only one pod creation: the agnhost pod. The old RS must not create a new
      // pod when the deployment controller adds the pod-template-hash label to its selector.
      const ctrl = new AbortController();
      ctx.defer(() => ctrl.abort());
      const created: KubeObject[] = [];
      const w = ctx.core('pods').watch({ resourceVersion: pods.metadata?.resourceVersion, signal: ctrl.signal });
      const pump = (async () => {
        for await (const ev of w) if (ev.type === 'ADDED') created.push(ev.object);
      })().catch(() => undefined);
      const d = newDeployment(ctx, deploymentName, 1, deploymentPodLabels, 'agnhost', ctx.images.busybox, 'RollingUpdate');
      d.spec.revisionHistoryLimit = 0;
      await deployClient(ctx).create(d);

      ctx.step(`Waiting for deployment ${deploymentName} history to be cleaned up`);
      let why = '';
      await ctx.waitFor(async () => {
        const dep = await deployClient(ctx).get(deploymentName);
        const rss = await replicaSetsOf(ctx, dep);
        const newRs = rss.find((rs) => sameTemplate(rs.spec?.template, dep.spec?.template));
        const old = rss.filter((rs) => rs !== newRs);
        why = `new ReplicaSet ${newRs?.metadata?.name ?? '(none)'}, old ReplicaSets [${old.map((rs) => `${rs.metadata?.name} (${rs.spec?.replicas} replicas)`).join(', ')}]`;
        return newRs && old.length === 0;
      }, { timeoutMs: 180_000, intervalMs: 1000, message: `Deployment ${deploymentName} to keep no old ReplicaSets (revisionHistoryLimit 0)`, describe: () => why });
      await waitForDeploymentComplete(ctx, deploymentName);
      ctrl.abort();
      await pump;
      const extra = created.filter((p) => p.spec?.containers?.[0]?.name !== 'agnhost');
      if (extra.length) fail(`expected only agnhost pods to be created, got ${extra.map((p) => `${p.metadata?.name} (container ${p.spec?.containers?.[0]?.name})`).join(', ')}`);
      expectTrue(created.length <= 1, `expected one pod creation, got ${created.length}: ${created.map((p) => p.metadata?.name).join(', ')}`);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-19',
    codename: '[sig-apps] Deployment deployment should support rollover [Conformance]',
    async run(ctx) {
      const podName = 'rollover-pod';
      const deploymentPodLabels = { name: podName };
      const rsPodLabels = { name: podName, pod: 'httpd' };
      const rsName = 'test-rollover-controller';
      await rsClient(ctx).create(newRS(ctx, rsName, 1, rsPodLabels, 'httpd', ctx.images.testServer));
      await waitForRunningPods(ctx, `name=${podName}`, 1);
      ctx.step(`Waiting for pods owned by replica set ${rsName} to become ready`);
      await ctx.waitFor(async () => {
        const rs = await rsClient(ctx).get(rsName);
        return (rs.status?.readyReplicas ?? 0) === rs.spec?.replicas;
      }, { timeoutMs: 120_000, intervalMs: 500, message: `ReplicaSet ${rsName} to be ready` });

      // A never-pullable image, so that the rollout cannot finish.
      const deploymentName = 'test-rollover-deployment';
      const deploymentImage = missingImage(ctx);
      ctx.step(`Creating deployment ${deploymentName}`);
      const nd = newDeployment(ctx, deploymentName, 1, deploymentPodLabels, 'redis-slave', deploymentImage, 'RollingUpdate');
      nd.spec.strategy.rollingUpdate = { maxUnavailable: 0, maxSurge: 1 };
      nd.spec.minReadySeconds = 10;
      const created = await deployClient(ctx).create(nd);

      ctx.step(`Make sure deployment ${deploymentName} performs scaling operations`);
      await ctx.waitFor(async () => {
        const x = await deployClient(ctx).get(deploymentName);
        return (x.status?.observedGeneration ?? 0) >= created.metadata!.generation! && (x.status?.updatedReplicas ?? 0) >= 1;
      }, { timeoutMs: 120_000, intervalMs: 500, message: `Deployment ${deploymentName} to have at least 1 updated replica` });
      ctx.step(`Check revision of new replica set for deployment ${deploymentName}`);
      await waitForDeploymentRevisionAndImage(ctx, deploymentName, '1', deploymentImage);

      ctx.step('Ensure that both replica sets have 1 created replica');
      let dep = await deployClient(ctx).get(deploymentName);
      await waitForRSStatusReplicas(ctx, rsName);
      ensureReplicas(await rsClient(ctx).get(rsName), 1);
      const stuck = await newReplicaSet(ctx, dep);
      if (!stuck) fail(`Deployment ${deploymentName} has no new ReplicaSet`);
      await waitForRSStatusReplicas(ctx, stuck.metadata!.name!);
      ensureReplicas(await rsClient(ctx).get(stuck.metadata!.name!), 1);

      ctx.step(`Rollover old replica sets for deployment ${deploymentName} with new image update`);
      dep = await updateDeployment(ctx, deploymentName, (x) => {
        x.spec.template.spec.containers[0] = container(ctx, 'agnhost', ctx.images.busybox);
      });
      ctx.step(`Wait deployment ${deploymentName} to be observed by the deployment controller`);
      await waitForObservedDeployment(ctx, deploymentName, dep.metadata!.generation!);
      ctx.step(`Wait for revision update of deployment ${deploymentName} to 2`);
      await waitForDeploymentRevisionAndImage(ctx, deploymentName, '2', ctx.images.busybox);
      ctx.step(`Make sure deployment ${deploymentName} is complete`);
      await waitForDeploymentComplete(ctx, deploymentName);

      ctx.step('Ensure that both old replica sets have no replicas');
      await waitForRSStatusReplicas(ctx, rsName);
      ensureReplicas(await rsClient(ctx).get(rsName), 0);
      await waitForRSStatusReplicas(ctx, stuck.metadata!.name!);
      ensureReplicas(await rsClient(ctx).get(stuck.metadata!.name!), 0);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-18',
    codename: '[sig-apps] Deployment deployment should support proportional scaling [Conformance]',
    async run(ctx) {
      const podLabels = { name: 'httpd' };
      const replicas = 10;
      const deploymentName = 'webserver-deployment';
      const d = newDeployment(ctx, deploymentName, replicas, podLabels, 'httpd', ctx.images.testServer, 'RollingUpdate');
      d.spec.strategy.rollingUpdate = { maxSurge: 3, maxUnavailable: 2 };
      ctx.step(`Creating deployment ${deploymentName}`);
      let dep = await deployClient(ctx).create(d);
      await waitForObservedDeployment(ctx, deploymentName, dep.metadata!.generation!);
      ctx.step('Waiting for all required pods to come up');
      await waitForRunningPods(ctx, 'name=httpd', replicas);
      ctx.step(`Waiting for deployment ${deploymentName} to complete`);
      dep = await waitForDeploymentComplete(ctx, deploymentName);
      const firstRS = await newReplicaSet(ctx, dep);
      if (!firstRS) fail(`Deployment ${deploymentName} has no ReplicaSet`);

      ctx.step(`Updating deployment ${deploymentName} with a non-existent image`);
      dep = await updateDeployment(ctx, deploymentName, (x) => {
        x.spec.template.spec.containers[0].image = missingImage(ctx);
      });
      await waitForObservedDeployment(ctx, deploymentName, dep.metadata!.generation!);

      const maxUnavailable = 2;
      const maxSurge = 3;
      const minAvailableReplicas = replicas - maxUnavailable;
      ctx.step(`Waiting for the first rollout's replicaset to have .status.availableReplicas = ${minAvailableReplicas}`);
      await ctx.waitFor(async () => ((await rsClient(ctx).get(firstRS.metadata!.name!)).status?.availableReplicas ?? 0) === minAvailableReplicas, { timeoutMs: 120_000, intervalMs: 500, message: `first ReplicaSet to have ${minAvailableReplicas} available replicas` });
      ctx.step(`Waiting for the first rollout's replicaset to have .spec.replicas = ${minAvailableReplicas}`);
      await waitForRSSpecReplicas(ctx, firstRS.metadata!.name!, minAvailableReplicas);
      await waitForRSStatusReplicas(ctx, firstRS.metadata!.name!);

      dep = await deployClient(ctx).get(deploymentName);
      const secondRS = await newReplicaSet(ctx, dep);
      if (!secondRS) fail(`Deployment ${deploymentName} has no new ReplicaSet for the non-existent image`);
      ctx.step("Verifying that the second rollout's replicaset has .status.availableReplicas = 0");
      expectEqual(secondRS.status?.availableReplicas ?? 0, 0, "second ReplicaSet's .status.availableReplicas");
      const secondReplicas = replicas + maxSurge - minAvailableReplicas;
      ctx.step(`Waiting for the second rollout's replicaset to have .spec.replicas = ${secondReplicas}`);
      await waitForRSSpecReplicas(ctx, secondRS.metadata!.name!, secondReplicas);
      await waitForRSStatusReplicas(ctx, secondRS.metadata!.name!);

      ctx.step(`Verifying that deployment ${deploymentName} has minimum required number of available replicas`);
      dep = await deployClient(ctx).get(deploymentName);
      expectTrue((dep.status?.availableReplicas ?? 0) >= minAvailableReplicas, `observed ${dep.status?.availableReplicas} available replicas, less than min required ${minAvailableReplicas}`);

      ctx.step(`Scaling up the deployment ${deploymentName} from ${replicas} to 30`);
      await updateDeployment(ctx, deploymentName, (x) => {
        x.spec.replicas = 30;
      });
      // 8 + (30-10)*(8/13) = 8 + 12 = 20 and 5 + (30-10)*(5/13) = 5 + 8 = 13 (rounded to the nearest integer).
      ctx.step("Verifying that first rollout's replicaset has .spec.replicas = 20");
      await waitForRSSpecReplicas(ctx, firstRS.metadata!.name!, 20);
      ctx.step("Verifying that second rollout's replicaset has .spec.replicas = 13");
      await waitForRSSpecReplicas(ctx, secondRS.metadata!.name!, 13);
    },
  }),
];

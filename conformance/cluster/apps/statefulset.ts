/**
 * StatefulSets: upstream test/e2e/apps/statefulset.go, "Basic StatefulSet functionality
 * [StatefulSetBasic]" (scale subresource; list, patch and delete a collection; status
 * endpoints; canary and phased rolling updates; rolling updates and roll backs). Each case
 * first creates the headless Service `test` of upstream's BeforeEach. Upstream breaks and
 * restores a pod's HTTP probe with `kubectl exec ... mv index.html`; so does the rollback case
 * here (with the real kubectl, see `../cli/run-kubectl.ts`).
 *
 * Image deviations: upstream's httpd (whose /index.html the HTTP readiness probe reads) is
 * busybox serving /index.html with `httpd -p 80`, and upstream's second webserver image
 * (NewWebserverImage) is the project's test server running the same command; the patch image
 * of the list/patch case is the pause image, as upstream.
 */
import type { KubeObject, ResourceClient } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { newKubectl, type Kubectl } from '../cli/run-kubectl.ts';

const HEADLESS_SVC = 'test';
const SS_LABELS = { foo: 'bar', baz: 'blah' };
const REVISION_LABEL = 'controller-revision-hash';
const STATEFUL_SET_TIMEOUT_MS = 10 * 60_000;
const WEBSERVER_SCRIPT = 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 80 -h /www';

const ssClient = (ctx: CaseContext): ResourceClient => ctx.api('apps', 'v1', 'statefulsets', true);

/** createHeadlessService is upstream's BeforeEach: the governing Service of the StatefulSets. */
async function createHeadlessService(ctx: CaseContext): Promise<void> {
  ctx.step(`Creating service ${HEADLESS_SVC} in namespace ${ctx.ns}`);
  await ctx.core('services').create({ metadata: { name: HEADLESS_SVC }, spec: { clusterIP: 'None', selector: { ...SS_LABELS }, ports: [{ port: 80, name: 'http', protocol: 'TCP' }] } });
}

/** newStatefulSet is upstream e2estatefulset.NewStatefulSet (no volumes) with setHTTPProbe applied. */
function newStatefulSet(ctx: CaseContext, name: string, replicas: number, labels: Record<string, string>, image = ctx.images.busybox): KubeObject {
  return {
    metadata: { name },
    spec: {
      selector: { matchLabels: { ...labels } },
      replicas,
      serviceName: HEADLESS_SVC,
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'webserver',
            image,
            command: ['sh', '-c', WEBSERVER_SCRIPT],
            readinessProbe: { httpGet: { path: '/index.html', port: 80 }, periodSeconds: 1, successThreshold: 1, failureThreshold: 1 },
          }],
        },
      },
    },
  };
}

const ordinal = (p: KubeObject): number => Number(/-(\d+)$/.exec(p.metadata?.name ?? '')?.[1] ?? -1);
const isReady = (p: KubeObject): boolean => (p.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Ready' && c.status === 'True');

/** podList is upstream GetPodList: the set's pods, sorted by ordinal. */
async function podList(ctx: CaseContext, ss: KubeObject): Promise<KubeObject[]> {
  const sel = Object.entries<string>(ss.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = (await ctx.core('pods').list({ labelSelector: sel })).items;
  return pods.filter((p) => (p.metadata?.ownerReferences ?? []).some((r: KubeObject) => r.controller && r.uid === ss.metadata?.uid)).sort((a, b) => ordinal(a) - ordinal(b));
}

/** waitForRunningAndReady is upstream's: `n` pods, all Running and Ready. */
async function waitForRunningAndReady(ctx: CaseContext, n: number, name: string): Promise<KubeObject[]> {
  let why = '';
  return ctx.waitFor(async () => {
    const ss = await ssClient(ctx).get(name);
    const pods = await podList(ctx, ss);
    why = pods.map((p) => `${p.metadata?.name}:${p.status?.phase}${isReady(p) ? '/ready' : ''}${p.metadata?.deletionTimestamp ? '/deleting' : ''}`).join(', ') || 'no pods';
    return pods.length === n && pods.every((p) => p.status?.phase === 'Running' && isReady(p) && !p.metadata?.deletionTimestamp) ? pods : undefined;
  }, { timeoutMs: STATEFUL_SET_TIMEOUT_MS, intervalMs: 1000, message: `${n} running and ready pods of StatefulSet ${name}`, describe: () => why });
}

/** waitForStatus is upstream's: the controller observed the latest generation. */
async function waitForStatus(ctx: CaseContext, name: string): Promise<KubeObject> {
  return ctx.waitFor(async () => {
    const ss = await ssClient(ctx).get(name);
    return (ss.status?.observedGeneration ?? 0) >= (ss.metadata?.generation ?? 0) ? ss : undefined;
  }, { timeoutMs: STATEFUL_SET_TIMEOUT_MS, intervalMs: 500, message: `StatefulSet ${name} to observe its generation` });
}

async function updateStatefulSet(ctx: CaseContext, name: string, mutate: (ss: KubeObject) => void): Promise<KubeObject> {
  return ctx.waitFor(async () => {
    const ss = await ssClient(ctx).get(name);
    mutate(ss);
    try {
      return await ssClient(ctx).update(ss);
    } catch (err) {
      if ((err as { code?: number }).code === 409) return undefined;
      throw err;
    }
  }, { timeoutMs: 60_000, intervalMs: 200, message: `an update of StatefulSet ${name} without a conflict` });
}

/** waitForPartitionedRollingUpdate is upstream's: every pod at or above the partition has the update revision. */
async function waitForPartitionedRollingUpdate(ctx: CaseContext, name: string): Promise<{ ss: KubeObject; pods: KubeObject[] }> {
  let why = '';
  return ctx.waitFor(async () => {
    const ss = await waitForStatus(ctx, name);
    const pods = await podList(ctx, ss);
    const partition = Number(ss.spec?.updateStrategy?.rollingUpdate?.partition ?? 0);
    const replicas = Number(ss.spec?.replicas ?? 1);
    why = `partition ${partition}, current ${ss.status?.currentRevision}, update ${ss.status?.updateRevision}, pods ${pods.map((p) => `${p.metadata?.name}:${p.metadata?.labels?.[REVISION_LABEL]}${isReady(p) ? '/ready' : ''}`).join(', ')}`;
    if (pods.length < replicas || pods.some((p) => p.metadata?.deletionTimestamp || !isReady(p))) return undefined;
    if (partition <= 0 && ss.status?.updateRevision !== ss.status?.currentRevision) return undefined;
    for (let i = replicas - 1; i >= partition; i--) if (pods[i]?.metadata?.labels?.[REVISION_LABEL] !== ss.status?.updateRevision) return undefined;
    return { ss, pods };
  }, { timeoutMs: STATEFUL_SET_TIMEOUT_MS, intervalMs: 1000, message: `StatefulSet ${name} partitioned rolling update`, describe: () => why });
}

async function deleteStatefulPodAtIndex(ctx: CaseContext, index: number, ss: KubeObject): Promise<void> {
  await ctx.core('pods').delete(`${ss.metadata!.name}-${index}`).catch((err: unknown) => {
    if ((err as { code?: number }).code !== 404) throw err;
  });
}

/** checkPartition checks images and revisions below and at/above the partition. */
function checkPartition(pods: KubeObject[], partition: number, oldImage: string, newImage: string, currentRevision: string, updateRevision: string): void {
  pods.forEach((p, i) => {
    const [wantImage, wantRev] = i < partition ? [oldImage, currentRevision] : [newImage, updateRevision];
    expectEqual(p.spec?.containers?.[0]?.image, wantImage, `image of pod ${p.metadata?.name} (partition ${partition})`);
    expectEqual(p.metadata?.labels?.[REVISION_LABEL], wantRev, `revision of pod ${p.metadata?.name} (partition ${partition})`);
  });
}

/** setProbe is upstream breakPodHTTPProbe / restorePodHTTPProbe: move /index.html away or back. */
async function setProbe(k: Kubectl, pod: string, healthy: boolean): Promise<void> {
  const cmd = healthy ? 'mv -v /tmp/index.html /www/ || true' : 'mv -v /www/index.html /tmp/ || true';
  await k.runOrDie(['exec', pod, '--', '/bin/sh', '-x', '-c', cmd]);
}

async function waitForPodReadiness(ctx: CaseContext, pod: string, ready: boolean): Promise<void> {
  await ctx.waitFor(async () => {
    const p = await ctx.core('pods').get(pod).catch(() => undefined);
    return p !== undefined && !p.metadata?.deletionTimestamp && isReady(p) === ready;
  }, { timeoutMs: STATEFUL_SET_TIMEOUT_MS, intervalMs: 500, message: `pod ${pod} to be ${ready ? 'ready' : 'not ready'}` });
}

/** waitForRollingUpdate is upstream's: all pods exist and the current revision caught up with the update revision. */
async function waitForRollingUpdate(ctx: CaseContext, name: string): Promise<{ ss: KubeObject; pods: KubeObject[] }> {
  let why = '';
  return ctx.waitFor(async () => {
    const ss = await ssClient(ctx).get(name);
    const pods = await podList(ctx, ss);
    why = `current ${ss.status?.currentRevision}, update ${ss.status?.updateRevision}, pods ${pods.map((p) => `${p.metadata?.name}:${p.metadata?.labels?.[REVISION_LABEL]}`).join(', ')}`;
    if (pods.length < Number(ss.spec?.replicas ?? 1)) return undefined;
    return ss.status?.updateRevision === ss.status?.currentRevision ? { ss, pods } : undefined;
  }, { timeoutMs: STATEFUL_SET_TIMEOUT_MS, intervalMs: 1000, message: `StatefulSet ${name} rolling update to complete`, describe: () => why });
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'AP-50',
    codename: '[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should have a working scale subresource [Conformance]',
    async run(ctx) {
      await createHeadlessService(ctx);
      const ssName = 'ss';
      ctx.step(`Creating statefulset ${ssName} in namespace ${ctx.ns}`);
      await ssClient(ctx).create(newStatefulSet(ctx, ssName, 1, SS_LABELS));
      await waitForRunningAndReady(ctx, 1, ssName);
      await waitForStatus(ctx, ssName);

      ctx.step('getting scale subresource');
      const scale = await ssClient(ctx).get(ssName, { subresource: 'scale' });
      expectEqual(scale.spec?.replicas, 1, 'scale.spec.replicas');
      expectEqual(scale.status?.replicas, 1, 'scale.status.replicas');

      ctx.step('updating a scale subresource');
      delete scale.metadata!.resourceVersion; // an unconditional update
      scale.spec.replicas = 2;
      const result = await ssClient(ctx).update(scale, { subresource: 'scale' });
      expectEqual(result.spec?.replicas, 2, 'scale.spec.replicas after the update');
      ctx.step('verifying the statefulset Spec.Replicas was modified');
      expectEqual((await ssClient(ctx).get(ssName)).spec?.replicas, 2, 'spec.replicas after updating /scale');

      ctx.step('Patch a scale subresource');
      await ssClient(ctx).patch(ssName, { spec: { replicas: 4 } }, { type: 'strategic', subresource: 'scale' });
      ctx.step('verifying the statefulset Spec.Replicas was modified');
      expectEqual((await ssClient(ctx).get(ssName)).spec?.replicas, 4, 'spec.replicas after patching /scale');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-51',
    codename: '[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should list, patch and delete a collection of StatefulSets [Conformance]',
    async run(ctx) {
      await createHeadlessService(ctx);
      const ssName = 'test-ss';
      const ssPodLabels = { name: 'sample-pod', pod: 'httpd' };
      await ssClient(ctx).create(newStatefulSet(ctx, ssName, 1, ssPodLabels));
      await waitForRunningAndReady(ctx, 1, ssName);
      await waitForStatus(ctx, ssName);

      ctx.step('patching the StatefulSet');
      // As upstream: the patched container is named after the set, so the strategic merge adds a
      // pause container, listed first (patch order), next to the webserver.
      await ssClient(ctx).patch(ssName, {
        metadata: { labels: { 'test-ss': 'patched' } },
        spec: { replicas: 2, template: { spec: { terminationGracePeriodSeconds: 1, containers: [{ name: ssName, image: ctx.images.pause }] } } },
      }, { type: 'strategic' });
      const ss = await ssClient(ctx).get(ssName);
      expectEqual(ss.spec?.replicas, 2, 'statefulset should have 2 replicas');
      expectEqual(ss.spec?.template?.spec?.containers?.[0]?.image, ctx.images.pause, 'statefulset image after the patch');
      await waitForRunningAndReady(ctx, 2, ssName);
      await waitForStatus(ctx, ssName);

      ctx.step('Listing all StatefulSets');
      const list = await ctx.api('apps', 'v1', 'statefulsets').list({ labelSelector: 'test-ss=patched' });
      expectEqual(list.items.length, 1, 'number of StatefulSets listed with test-ss=patched');

      ctx.step('Delete all of the StatefulSets');
      await ssClient(ctx).deleteCollection({ labelSelector: 'test-ss=patched', gracePeriodSeconds: 1 });
      ctx.step('Verify that StatefulSets have been deleted');
      await ctx.waitFor(async () => (await ctx.api('apps', 'v1', 'statefulsets').list({ labelSelector: 'test-ss=patched' })).items.length === 0, { timeoutMs: 60_000, message: 'StatefulSets to be deleted by deletecollection' });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-54',
    codename: '[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should validate Statefulset Status endpoints [Conformance]',
    async run(ctx) {
      await createHeadlessService(ctx);
      const ssName = 'ss';
      ctx.step(`Creating statefulset ${ssName} in namespace ${ctx.ns}`);
      await ssClient(ctx).create(newStatefulSet(ctx, ssName, 1, SS_LABELS));
      await waitForRunningAndReady(ctx, 1, ssName);
      await waitForStatus(ctx, ssName);

      ctx.step('Patch Statefulset to include a label');
      await ssClient(ctx).patch(ssName, { metadata: { labels: { e2e: 'testing' } } }, { type: 'strategic' });
      ctx.step('Getting /status');
      await ssClient(ctx).get(ssName, { subresource: 'status' });

      ctx.step('updating the StatefulSet Status');
      const upd = await ctx.waitFor(async () => {
        const cur = await ssClient(ctx).get(ssName);
        cur.status = { ...cur.status, conditions: [...(cur.status?.conditions ?? []), { type: 'StatusUpdate', status: 'True', reason: 'E2E', message: 'Set from e2e test' }] };
        try {
          return await ssClient(ctx).update(cur, { subresource: 'status' });
        } catch (err) {
          if ((err as { code?: number }).code === 409) return undefined;
          throw err;
        }
      }, { timeoutMs: 60_000, intervalMs: 200, message: 'an update of /status without a conflict' });
      expectTrue((upd.status?.conditions ?? []).some((c: KubeObject) => c.type === 'StatusUpdate'), 'StatusUpdate condition after updating /status');
      ctx.step('watching for the statefulset status to be updated');
      await ctx.waitFor(async () => {
        const x = (await ssClient(ctx).list({ labelSelector: 'e2e=testing' })).items.find((s) => s.metadata?.name === ssName);
        return (x?.status?.conditions ?? []).some((c: KubeObject) => c.type === 'StatusUpdate' && c.reason === 'E2E' && c.message === 'Set from e2e test');
      }, { timeoutMs: 60_000, message: 'the StatusUpdate condition to be visible' });

      ctx.step('patching the Statefulset Status');
      await ssClient(ctx).patch(ssName, { status: { conditions: [{ type: 'StatusPatched', status: 'True' }] } }, { type: 'merge', subresource: 'status' });
      ctx.step('watching for the Statefulset status to be patched');
      await ctx.waitFor(async () => {
        const x = (await ssClient(ctx).list({ labelSelector: 'e2e=testing' })).items.find((s) => s.metadata?.name === ssName);
        return (x?.status?.conditions ?? []).some((c: KubeObject) => c.type === 'StatusPatched');
      }, { timeoutMs: 60_000, message: 'the StatusPatched condition to be visible' });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-52',
    codename: '[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should perform canary updates and phased rolling updates of template modifications [Conformance]',
    timeoutMs: 6 * 60_000,
    async run(ctx) {
      await createHeadlessService(ctx);
      const name = 'ss2';
      ctx.step('Creating a new StatefulSet');
      const spec = newStatefulSet(ctx, name, 3, SS_LABELS);
      spec.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 3 } };
      await ssClient(ctx).create(spec);
      await waitForRunningAndReady(ctx, 3, name);
      let ss = await waitForStatus(ctx, name);
      let currentRevision: string = ss.status?.currentRevision;
      let updateRevision: string = ss.status?.updateRevision;
      expectEqual(currentRevision, updateRevision, `StatefulSet ${name} created with update revision ${updateRevision} not equal to current revision ${currentRevision}`);
      let pods = await podList(ctx, ss);
      for (const p of pods) expectEqual(p.metadata?.labels?.[REVISION_LABEL], currentRevision, `revision of pod ${p.metadata?.name}`);
      const oldImage = ss.spec.template.spec.containers[0].image;
      const newImage = ctx.images.testServer;
      expectTrue(oldImage !== newImage, 'Incorrect test setup: should update to a different image');

      ctx.step(`Updating stateful set template: update image from ${oldImage} to ${newImage}`);
      await updateStatefulSet(ctx, name, (x) => {
        x.spec.template.spec.containers[0].image = newImage;
      });
      ctx.step('Creating a new revision');
      ss = await waitForStatus(ctx, name);
      currentRevision = ss.status?.currentRevision;
      updateRevision = ss.status?.updateRevision;
      expectTrue(currentRevision !== updateRevision, 'Current revision should not equal update revision during rolling update');

      ctx.step('Not applying an update when the partition is greater than the number of replicas');
      pods = await podList(ctx, ss);
      for (const p of pods) {
        expectEqual(p.spec?.containers?.[0]?.image, oldImage, `image of pod ${p.metadata?.name}`);
        expectEqual(p.metadata?.labels?.[REVISION_LABEL], currentRevision, `revision of pod ${p.metadata?.name}`);
      }

      ctx.step('Performing a canary update');
      await updateStatefulSet(ctx, name, (x) => {
        x.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
      });
      ({ ss, pods } = await waitForPartitionedRollingUpdate(ctx, name));
      checkPartition(pods, 2, oldImage, newImage, currentRevision, updateRevision);

      ctx.step('Restoring Pods to the correct revision when they are deleted');
      await deleteStatefulPodAtIndex(ctx, 0, ss);
      await deleteStatefulPodAtIndex(ctx, 2, ss);
      // Wait for the deleted pods to be replaced (new UIDs) before checking readiness.
      const before = new Set(pods.map((p) => p.metadata?.uid));
      await ctx.waitFor(async () => {
        const now = await podList(ctx, await ssClient(ctx).get(name));
        return !now.some((p) => (ordinal(p) === 0 || ordinal(p) === 2) && before.has(p.metadata?.uid));
      }, { timeoutMs: 120_000, intervalMs: 500, message: 'pods 0 and 2 to be recreated' });
      await waitForRunningAndReady(ctx, 3, name);
      ss = await ssClient(ctx).get(name);
      pods = await podList(ctx, ss);
      checkPartition(pods, 2, oldImage, newImage, currentRevision, updateRevision);

      ctx.step('Performing a phased rolling update');
      for (let i = 1; i >= 0; i--) {
        await updateStatefulSet(ctx, name, (x) => {
          x.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: i } };
        });
        ({ ss, pods } = await waitForPartitionedRollingUpdate(ctx, name));
        checkPartition(pods, i, oldImage, newImage, currentRevision, updateRevision);
      }
      if (ss.status?.currentRevision !== updateRevision) fail(`StatefulSet ${name} current revision ${ss.status?.currentRevision} does not equal update revision ${updateRevision} on update completion`);
    },
  }),
  defineCase(import.meta.url, {
    id: 'AP-53',
    codename: '[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should perform rolling updates and roll backs of template modifications [Conformance]',
    timeoutMs: 6 * 60_000,
    async run(ctx) {
      const k = newKubectl(ctx);
      await createHeadlessService(ctx);
      const name = 'ss2';
      ctx.step('Creating a new StatefulSet');
      await ssClient(ctx).create(newStatefulSet(ctx, name, 3, SS_LABELS));
      await waitForRunningAndReady(ctx, 3, name);
      let ss = await waitForStatus(ctx, name);
      let currentRevision: string = ss.status?.currentRevision;
      let updateRevision: string = ss.status?.updateRevision;
      expectEqual(currentRevision, updateRevision, `StatefulSet ${name} created with update revision ${updateRevision} not equal to current revision ${currentRevision}`);
      let pods = await podList(ctx, ss);
      for (const p of pods) expectEqual(p.metadata?.labels?.[REVISION_LABEL], currentRevision, `revision of pod ${p.metadata?.name}`);
      await setProbe(k, pods[1]!.metadata!.name!, false);
      await waitForPodReadiness(ctx, pods[1]!.metadata!.name!, false);
      const oldImage: string = ss.spec.template.spec.containers[0].image;
      const newImage = ctx.images.testServer;

      ctx.step(`Updating StatefulSet template: update image from ${oldImage} to ${newImage}`);
      await updateStatefulSet(ctx, name, (x) => {
        x.spec.template.spec.containers[0].image = newImage;
      });
      ctx.step('Creating a new revision');
      ss = await waitForStatus(ctx, name);
      currentRevision = ss.status?.currentRevision;
      updateRevision = ss.status?.updateRevision;
      expectTrue(currentRevision !== updateRevision, 'Current revision should not equal update revision during rolling update');

      ctx.step('Updating Pods in reverse ordinal order');
      pods = await podList(ctx, ss);
      await setProbe(k, pods[1]!.metadata!.name!, true);
      await waitForPodReadiness(ctx, pods[1]!.metadata!.name!, true);
      ({ ss, pods } = await waitForRollingUpdate(ctx, name));
      expectEqual(ss.status?.currentRevision, updateRevision, `current revision of StatefulSet ${name} after the rolling update`);
      for (const p of pods) {
        expectEqual(p.spec?.containers?.[0]?.image, newImage, `image of pod ${p.metadata?.name}`);
        expectEqual(p.metadata?.labels?.[REVISION_LABEL], updateRevision, `revision of pod ${p.metadata?.name}`);
      }

      ctx.step('Rolling back to a previous revision');
      await waitForRunningAndReady(ctx, 3, name);
      pods = await podList(ctx, await ssClient(ctx).get(name));
      await setProbe(k, pods[1]!.metadata!.name!, false);
      await waitForPodReadiness(ctx, pods[1]!.metadata!.name!, false);
      const priorRevision = currentRevision;
      await updateStatefulSet(ctx, name, (x) => {
        x.spec.template.spec.containers[0].image = oldImage;
      });
      ss = await waitForStatus(ctx, name);
      currentRevision = ss.status?.currentRevision;
      updateRevision = ss.status?.updateRevision;
      expectEqual(updateRevision, priorRevision, 'Prior revision should equal update revision during roll back');
      expectTrue(currentRevision !== updateRevision, 'Current revision should not equal update revision during roll back');

      ctx.step('Rolling back update in reverse ordinal order');
      pods = await podList(ctx, ss);
      await setProbe(k, pods[1]!.metadata!.name!, true);
      await waitForPodReadiness(ctx, pods[1]!.metadata!.name!, true);
      ({ ss, pods } = await waitForRollingUpdate(ctx, name));
      expectEqual(ss.status?.currentRevision, priorRevision, `current revision of StatefulSet ${name} after the roll back`);
      for (const p of pods) {
        expectEqual(p.spec?.containers?.[0]?.image, oldImage, `image of pod ${p.metadata?.name}`);
        expectEqual(p.metadata?.labels?.[REVISION_LABEL], priorRevision, `revision of pod ${p.metadata?.name}`);
      }
    },
  }),
];

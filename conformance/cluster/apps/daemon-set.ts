/**
 * DaemonSets: upstream test/e2e/apps/daemon_set.go (complex daemon with node labels, failed
 * pod retry, RollingUpdate, status endpoints, list and delete collection) and
 * controller_revision.go (ControllerRevision lifecycle, which drives a DaemonSet's history).
 * "Run and stop simple daemon" lives in `controllers.ts`.
 *
 * Image deviations: upstream's httpd is the project's test server and agnhost (the
 * RollingUpdate target image) is busybox running `sleep`. Upstream waits on watch events where
 * these cases poll the same conditions. The complex-daemon case labels the node with
 * `daemonset-color` as upstream does and removes the label afterwards.
 */
import { createHash } from 'node:crypto';
import type { KubeObject, ResourceClient } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, expectTrue, fail } from '../framework/expect.ts';

const DS_RETRY_TIMEOUT_MS = 5 * 60_000;
const DAEMONSET_NAME_LABEL = 'daemonset-name';
const DAEMONSET_COLOR_LABEL = 'daemonset-color';
const HASH_LABEL = 'controller-revision-hash';

const dsClient = (ctx: CaseContext): ResourceClient => ctx.api('apps', 'v1', 'daemonsets', true);
const revClient = (ctx: CaseContext): ResourceClient => ctx.api('apps', 'v1', 'controllerrevisions', true);

/** newDaemonSet is upstream's: one container `app` of `image` exposing port 9376. */
function newDaemonSet(ctx: CaseContext, name: string, image: string, labels: Record<string, string>): KubeObject {
  const container: KubeObject = { name: 'app', image, ports: [{ containerPort: 9376 }] };
  if (image === ctx.images.busybox) container.command = ['sleep', '3600'];
  return {
    metadata: { name },
    spec: {
      selector: { matchLabels: { ...labels } },
      template: { metadata: { labels: { ...labels } }, spec: { terminationGracePeriodSeconds: 1, containers: [container] } },
    },
  };
}

const controllerOf = (o: KubeObject): KubeObject | undefined => (o.metadata?.ownerReferences ?? []).find((r: KubeObject) => r.controller);

const tolerates = (pod: KubeObject, taint: KubeObject): boolean =>
  (pod.spec?.tolerations ?? []).some((t: KubeObject) =>
    (t.effect === undefined || t.effect === '' || t.effect === taint.effect) &&
    (t.operator === 'Exists' ? t.key === undefined || t.key === '' || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')));

/** nodesForDaemonSet is upstream's schedulable-node filter: nodes whose NoSchedule/NoExecute taints the template tolerates. */
async function nodesForDaemonSet(ctx: CaseContext, ds: KubeObject): Promise<string[]> {
  const nodes = (await ctx.api('', 'v1', 'nodes').list()).items;
  const tpl = { spec: { ...ds.spec?.template?.spec, tolerations: [...(ds.spec?.template?.spec?.tolerations ?? []), { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } };
  return nodes
    .filter((n) => (n.spec?.taints ?? []).every((t: KubeObject) => (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') || tolerates(tpl, t)))
    .filter((n) => Object.entries(ds.spec?.template?.spec?.nodeSelector ?? {}).every(([k, v]) => n.metadata?.labels?.[k] === v))
    .map((n) => n.metadata!.name!);
}

const isAvailable = (p: KubeObject): boolean =>
  p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp && (p.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Ready' && c.status === 'True');

/** daemonPods lists the pods controlled by DaemonSet `ds`. */
async function daemonPods(ctx: CaseContext, ds: KubeObject): Promise<KubeObject[]> {
  return (await ctx.core('pods').list()).items.filter((p) => controllerOf(p)?.uid === ds.metadata?.uid);
}

/** checkDaemonPodOnNodes is upstream's: exactly the nodes in `want` run an available daemon pod. */
async function waitForDaemonPodsOnNodes(ctx: CaseContext, dsName: string, want: () => Promise<string[]>, what: string): Promise<void> {
  let why = '';
  await ctx.waitFor(async () => {
    const ds = await dsClient(ctx).get(dsName);
    const nodes = await want();
    const pods = await daemonPods(ctx, ds);
    const byNode = new Map<string, number>();
    for (const p of pods) if (isAvailable(p) && p.spec?.nodeName) byNode.set(p.spec.nodeName, (byNode.get(p.spec.nodeName) ?? 0) + 1);
    why = `want nodes [${nodes.join(', ')}], available daemon pods per node ${JSON.stringify(Object.fromEntries(byNode))}, pods ${pods.map((p) => `${p.metadata?.name}:${p.status?.phase}${p.metadata?.deletionTimestamp ? '(deleting)' : ''}`).join(', ')}`;
    // Pods that are still going away on other nodes do not count (upstream ignores pods being deleted).
    return nodes.every((n) => byNode.get(n) === 1) && [...byNode.keys()].every((n) => nodes.includes(n));
  }, { timeoutMs: DS_RETRY_TIMEOUT_MS, intervalMs: 1000, message: `DaemonSet ${dsName}: ${what}`, describe: () => why });
}

const waitRunningOnAllNodes = (ctx: CaseContext, dsName: string): Promise<void> =>
  waitForDaemonPodsOnNodes(ctx, dsName, async () => nodesForDaemonSet(ctx, await dsClient(ctx).get(dsName)), 'a running daemon pod on every node');

async function waitRunningOnNoNodes(ctx: CaseContext, dsName: string): Promise<void> {
  let why = '';
  await ctx.waitFor(async () => {
    const pods = await daemonPods(ctx, await dsClient(ctx).get(dsName));
    why = pods.map((p) => `${p.metadata?.name} on ${p.spec?.nodeName}`).join(', ');
    return pods.length === 0;
  }, { timeoutMs: DS_RETRY_TIMEOUT_MS, intervalMs: 1000, message: `DaemonSet ${dsName} to run no pods`, describe: () => why });
}

/** checkDaemonStatus is upstream CheckDaemonStatus: desired == scheduled == ready. */
async function checkDaemonStatus(ctx: CaseContext, dsName: string): Promise<void> {
  let last: KubeObject | undefined;
  await ctx.waitFor(async () => {
    last = await dsClient(ctx).get(dsName);
    const s = last.status ?? {};
    return s.desiredNumberScheduled === s.currentNumberScheduled && s.desiredNumberScheduled === s.numberReady;
  }, { timeoutMs: 60_000, intervalMs: 1000, message: `DaemonSet ${dsName} status: desired == scheduled == ready`, describe: () => JSON.stringify(last?.status ?? {}) });
}

/** setNodeLabels is upstream setDaemonSetNodeLabels: replace the node's `daemonset-` labels with `labels`. */
async function setNodeLabels(ctx: CaseContext, node: string, labels: Record<string, string>): Promise<KubeObject> {
  return ctx.waitFor(async () => {
    const n = await ctx.api('', 'v1', 'nodes').get(node);
    const next: Record<string, string> = {};
    for (const [k, v] of Object.entries<string>(n.metadata?.labels ?? {})) if (!k.startsWith('daemonset-')) next[k] = v;
    Object.assign(next, labels);
    n.metadata!.labels = next;
    try {
      return await ctx.api('', 'v1', 'nodes').update(n);
    } catch (err) {
      if ((err as { code?: number }).code === 409) return undefined;
      throw err;
    }
  }, { timeoutMs: 60_000, intervalMs: 200, message: `labels of node ${node} to be updated` });
}

async function schedulableNode(ctx: CaseContext): Promise<string> {
  const nodes = (await ctx.api('', 'v1', 'nodes').list()).items.filter((n) => !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t: KubeObject) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'));
  if (!nodes.length) fail('no ready schedulable node');
  return nodes[0]!.metadata!.name!;
}

/** histories lists the ControllerRevisions whose labels match the DaemonSet's pod labels. */
async function histories(ctx: CaseContext, labels: Record<string, string>): Promise<KubeObject[]> {
  return (await revClient(ctx).list({ labelSelector: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') })).items;
}

/** curHistory is upstream's: the one revision whose hash label is the template's current hash (via the pods' labels). */
async function waitForHistory(ctx: CaseContext, labels: Record<string, string>, n: number): Promise<KubeObject[]> {
  let seen = 0;
  return ctx.waitFor(async () => {
    const h = await histories(ctx, labels);
    seen = h.length;
    return h.length === n ? h : undefined;
  }, { timeoutMs: 60_000, intervalMs: 1000, message: `${n} ControllerRevisions for the DaemonSet`, describe: () => `${seen} found` });
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'AP-10',
    codename: '[sig-apps] Daemon set should run and stop complex daemon [Conformance] [Serial]',
    async run(ctx) {
      const dsName = 'daemon-set';
      const complexLabel = { [DAEMONSET_NAME_LABEL]: dsName };
      const nodeSelector: Record<string, string> = { [DAEMONSET_COLOR_LABEL]: 'blue' };
      ctx.step(`Creating daemon "${dsName}" with a node selector`);
      const ds = newDaemonSet(ctx, dsName, ctx.images.testServer, complexLabel);
      ds.spec.template.spec.nodeSelector = { ...nodeSelector };
      await dsClient(ctx).create(ds);
      const node = await schedulableNode(ctx);
      ctx.defer(() => setNodeLabels(ctx, node, {}));

      ctx.step('Initially, daemon pods should not be running on any nodes.');
      await waitRunningOnNoNodes(ctx, dsName);

      ctx.step('Change node label to blue, check that daemon pod is launched.');
      const blue = await setNodeLabels(ctx, node, nodeSelector);
      expectEqual(Object.keys(blue.metadata?.labels ?? {}).filter((k) => k.startsWith('daemonset-')).length, 1, 'number of daemonset- labels on the node');
      await waitForDaemonPodsOnNodes(ctx, dsName, async () => [node], `a running daemon pod on node ${node} only`);
      await checkDaemonStatus(ctx, dsName);

      ctx.step('Update the node label to green, and wait for daemons to be unscheduled');
      nodeSelector[DAEMONSET_COLOR_LABEL] = 'green';
      const green = await setNodeLabels(ctx, node, nodeSelector);
      await waitRunningOnNoNodes(ctx, dsName);

      ctx.step('Update DaemonSet node selector to green, and change its update strategy to RollingUpdate');
      await dsClient(ctx).patch(dsName, { spec: { template: { spec: { nodeSelector: { [DAEMONSET_COLOR_LABEL]: green.metadata!.labels![DAEMONSET_COLOR_LABEL] } } }, updateStrategy: { type: 'RollingUpdate' } } }, { type: 'strategic' });
      await waitForDaemonPodsOnNodes(ctx, dsName, async () => [node], `a running daemon pod on the green node ${node}`);
      await checkDaemonStatus(ctx, dsName);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-08',
    codename: '[sig-apps] Daemon set should retry creating failed daemon pods [Conformance] [Serial]',
    async run(ctx) {
      const dsName = 'daemon-set';
      const label = { [DAEMONSET_NAME_LABEL]: dsName };
      ctx.step(`Creating a simple DaemonSet "${dsName}"`);
      await dsClient(ctx).create(newDaemonSet(ctx, dsName, ctx.images.testServer, label));
      ctx.step('Check that daemon pods launch on every node of the cluster.');
      await waitRunningOnAllNodes(ctx, dsName);
      await checkDaemonStatus(ctx, dsName);

      ctx.step("Set a daemon pod's phase to 'Failed', check that the daemon pod is revived.");
      const pod = (await daemonPods(ctx, await dsClient(ctx).get(dsName)))[0];
      if (!pod) fail('no daemon pod');
      delete pod.metadata!.resourceVersion;
      pod.status = { ...pod.status, phase: 'Failed' };
      await ctx.core('pods').update(pod, { subresource: 'status' });
      await waitRunningOnAllNodes(ctx, dsName);

      ctx.step('Wait for the failed daemon pod to be completely deleted.');
      await ctx.waitFor(async () => ctx.core('pods').get(pod.metadata!.name!).then(() => false, (e) => (e as { code?: number }).code === 404), { timeoutMs: DS_RETRY_TIMEOUT_MS, intervalMs: 1000, message: `failed daemon pod ${pod.metadata!.name} to be deleted by the DaemonSet controller` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-12',
    codename: '[sig-apps] Daemon set should update pod when spec was updated and update strategy is RollingUpdate [Conformance] [Serial]',
    async run(ctx) {
      const dsName = 'daemon-set';
      const label = { [DAEMONSET_NAME_LABEL]: dsName };
      ctx.step(`Creating simple daemon set ${dsName}`);
      const ds = newDaemonSet(ctx, dsName, ctx.images.testServer, label);
      ds.spec.updateStrategy = { type: 'RollingUpdate' };
      await dsClient(ctx).create(ds);
      ctx.step('Check that daemon pods launch on every node of the cluster.');
      await waitRunningOnAllNodes(ctx, dsName);

      const checkHistory = async (n: number): Promise<void> => {
        const hs = await waitForHistory(ctx, label, n);
        const cur = await dsClient(ctx).get(dsName);
        const pods = (await daemonPods(ctx, cur)).filter((p) => !p.metadata?.deletionTimestamp);
        const maxRev = Math.max(...hs.map((h) => Number(h.revision)));
        const latest = hs.find((h) => Number(h.revision) === maxRev)!;
        expectEqual(Number(latest.revision), n, 'revision of the current ControllerRevision');
        const hash = latest.metadata?.labels?.[HASH_LABEL];
        expectTrue(hash, `ControllerRevision ${latest.metadata?.name} has no ${HASH_LABEL} label`);
        for (const p of pods) expectEqual(p.metadata?.labels?.[HASH_LABEL], hash, `${HASH_LABEL} label of daemon pod ${p.metadata?.name}`);
      };
      await checkHistory(1);

      ctx.step('Update daemon pods image.');
      const newImage = ctx.images.busybox;
      await dsClient(ctx).patch(dsName, { spec: { template: { spec: { containers: [{ name: 'app', image: newImage, command: ['sleep', '3600'] }] } } } }, { type: 'strategic' });

      ctx.step('Check that daemon pods images are updated.');
      let why = '';
      await ctx.waitFor(async () => {
        const cur = await dsClient(ctx).get(dsName);
        const pods = (await daemonPods(ctx, cur)).filter((p) => !p.metadata?.deletionTimestamp);
        const nodes = await nodesForDaemonSet(ctx, cur);
        why = pods.map((p) => `${p.metadata?.name}: ${p.spec?.containers?.[0]?.image} ${isAvailable(p) ? 'available' : p.status?.phase}`).join(', ');
        const updated = pods.filter((p) => p.spec?.containers?.[0]?.image === newImage);
        // maxUnavailable 1: all pods updated and available (upstream checkDaemonPodsImageAndAvailability).
        return updated.length === pods.length && pods.length === nodes.length && pods.every(isAvailable);
      }, { timeoutMs: DS_RETRY_TIMEOUT_MS, intervalMs: 1000, message: `daemon pods to run image ${newImage}`, describe: () => why });

      ctx.step('Check that daemon pods are still running on every node of the cluster.');
      await waitRunningOnAllNodes(ctx, dsName);
      await checkHistory(2);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-13',
    codename: '[sig-apps] Daemon set should verify changes to a daemon set status [Conformance] [Serial]',
    async run(ctx) {
      const dsName = 'daemon-set';
      const label = { [DAEMONSET_NAME_LABEL]: dsName };
      const selector = `${DAEMONSET_NAME_LABEL}=${dsName}`;
      ctx.step(`Creating simple DaemonSet "${dsName}"`);
      const ds = newDaemonSet(ctx, dsName, ctx.images.testServer, label);
      ds.metadata!.labels = { ...label };
      await dsClient(ctx).create(ds);
      ctx.step('Check that daemon pods launch on every node of the cluster.');
      await waitRunningOnAllNodes(ctx, dsName);
      await checkDaemonStatus(ctx, dsName);

      ctx.step('listing all DaemonSets');
      const all = await ctx.api('apps', 'v1', 'daemonsets').list({ labelSelector: selector });
      expectTrue(all.items.some((x) => x.metadata?.namespace === ctx.ns && x.metadata?.name === dsName), 'DaemonSet not found when listing all namespaces');
      ctx.step('Getting /status');
      await dsClient(ctx).get(dsName, { subresource: 'status' });

      ctx.step('updating the DaemonSet Status');
      const upd = await ctx.waitFor(async () => {
        const cur = await dsClient(ctx).get(dsName);
        cur.status = { ...cur.status, conditions: [...(cur.status?.conditions ?? []), { type: 'StatusUpdate', status: 'True', reason: 'E2E', message: 'Set from e2e test' }] };
        try {
          return await dsClient(ctx).update(cur, { subresource: 'status' });
        } catch (err) {
          if ((err as { code?: number }).code === 409) return undefined;
          throw err;
        }
      }, { timeoutMs: 60_000, intervalMs: 200, message: 'an update of /status without a conflict' });
      expectTrue((upd.status?.conditions ?? []).some((c: KubeObject) => c.type === 'StatusUpdate' && c.reason === 'E2E'), 'StatusUpdate condition after updating /status');
      ctx.step('watching for the daemon set status to be updated');
      await ctx.waitFor(async () => ((await dsClient(ctx).get(dsName)).status?.conditions ?? []).some((c: KubeObject) => c.type === 'StatusUpdate' && c.message === 'Set from e2e test'), { timeoutMs: 60_000, message: 'the StatusUpdate condition to be visible' });

      ctx.step('patching the DaemonSet Status');
      await dsClient(ctx).patch(dsName, { status: { conditions: [{ type: 'StatusPatched', status: 'True' }] } }, { type: 'merge', subresource: 'status' });
      ctx.step('watching for the daemon set status to be patched');
      await ctx.waitFor(async () => ((await dsClient(ctx).get(dsName)).status?.conditions ?? []).some((c: KubeObject) => c.type === 'StatusPatched'), { timeoutMs: 60_000, message: 'the StatusPatched condition to be visible' });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-07',
    codename: '[sig-apps] Daemon set should list and delete a collection of DaemonSets [Conformance] [Serial]',
    async run(ctx) {
      const dsName = 'daemon-set';
      const label = { [DAEMONSET_NAME_LABEL]: dsName };
      const selector = `${DAEMONSET_NAME_LABEL}=${dsName}`;
      ctx.step(`Creating simple DaemonSet "${dsName}"`);
      const ds = newDaemonSet(ctx, dsName, ctx.images.testServer, label);
      ds.metadata!.labels = { ...label };
      await dsClient(ctx).create(ds);
      ctx.step('Check that daemon pods launch on every node of the cluster.');
      await waitRunningOnAllNodes(ctx, dsName);
      await checkDaemonStatus(ctx, dsName);

      ctx.step('listing all DaemonSets');
      const all = await ctx.api('apps', 'v1', 'daemonsets').list({ labelSelector: selector });
      expectTrue(all.items.some((x) => x.metadata?.namespace === ctx.ns), 'DaemonSet not found when listing all namespaces');
      ctx.step('DeleteCollection of the DaemonSets');
      await dsClient(ctx).deleteCollection({ labelSelector: selector });
      ctx.step('Verify that ReplicaSets have been deleted');
      await ctx.waitFor(async () => (await dsClient(ctx).list({ labelSelector: selector })).items.length === 0, { timeoutMs: 60_000, message: 'DaemonSets to be deleted by deletecollection' });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-01',
    codename: '[sig-apps] ControllerRevision should manage the lifecycle of a ControllerRevision [Conformance] [Serial]',
    async run(ctx) {
      const dsName = `e2e-${ctx.uid}-daemon-set`;
      const dsLabel = { 'daemonset-name': dsName };
      const dsLabelSelector = `daemonset-name=${dsName}`;
      ctx.step(`Creating DaemonSet "${dsName}"`);
      const created = newDaemonSet(ctx, dsName, ctx.images.testServer, dsLabel);
      created.metadata!.labels = { ...dsLabel };
      // Upstream's template keeps the default grace period (30 s); the DaemonSet patch below sets 1.
      created.spec.template.spec.terminationGracePeriodSeconds = 2;
      await dsClient(ctx).create(created);
      ctx.step('Check that daemon pods launch on every node of the cluster.');
      await waitRunningOnAllNodes(ctx, dsName);
      await checkDaemonStatus(ctx, dsName);

      ctx.step(`Confirm DaemonSet "${dsName}" successfully created with "${dsLabelSelector}" label`);
      const dsList = await ctx.api('apps', 'v1', 'daemonsets').list({ labelSelector: dsLabelSelector });
      expectEqual(dsList.items.length, 1, 'number of DaemonSets listed by label');
      const ds = await dsClient(ctx).get(dsName);

      ctx.step(`Listing all ControllerRevisions with label "${dsLabelSelector}"`);
      const revs = await ctx.waitFor(async () => {
        const l = (await ctx.api('apps', 'v1', 'controllerrevisions').list({ labelSelector: dsLabelSelector })).items;
        return l.length === 1 ? l : undefined;
      }, { timeoutMs: 60_000, message: 'one ControllerRevision for the DaemonSet' });
      const rev = revs[0]!;
      const oref = rev.metadata?.ownerReferences?.[0];
      if (!(oref?.kind === 'DaemonSet' && oref.uid === ds.metadata?.uid)) fail(`ControllerRevision ${rev.metadata?.name} is not owned by DaemonSet ${dsName}: ${JSON.stringify(oref)}`);
      const initialRevision = await revClient(ctx).get(rev.metadata!.name!);

      ctx.step(`Patching ControllerRevision "${initialRevision.metadata!.name}"`);
      const patched = await revClient(ctx).patch(initialRevision.metadata!.name!, { metadata: { labels: { [initialRevision.metadata!.name!]: 'patched' } } }, { type: 'strategic' });
      expectEqual(patched.metadata?.labels?.[initialRevision.metadata!.name!], 'patched', "'patched' label of the ControllerRevision");

      ctx.step('Create a new ControllerRevision');
      ds.spec.template.spec.terminationGracePeriodSeconds = 1;
      // Upstream names it <ds>-<ComputeHash(template, collisionCount)>; any fresh hash-shaped name will do here.
      const newHash = createHash('sha256').update(JSON.stringify(ds.spec.template)).update('e2e').digest('hex').slice(0, 10);
      await revClient(ctx).create({
        metadata: {
          name: `${dsName}-${newHash}`,
          labels: { ...ds.spec.template.metadata.labels, [HASH_LABEL]: newHash },
          annotations: ds.metadata?.annotations,
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: dsName, uid: ds.metadata!.uid, controller: true, blockOwnerDeletion: true }],
        },
        data: initialRevision.data,
        revision: Number(initialRevision.revision) + 1,
      });

      const quantity = async (n: number): Promise<void> => {
        let seen = 0;
        await ctx.waitFor(async () => {
          seen = (await revClient(ctx).list({ labelSelector: dsLabelSelector })).items.length;
          return seen === n;
        }, { timeoutMs: 60_000, intervalMs: 1000, message: `${n} ControllerRevisions with label ${dsLabelSelector}`, describe: () => `${seen} found` });
      };
      ctx.step('Confirm that there are two ControllerRevisions');
      await quantity(2);

      ctx.step(`Deleting ControllerRevision "${initialRevision.metadata!.name}"`);
      await revClient(ctx).delete(initialRevision.metadata!.name!);
      ctx.step('Confirm that there is only one ControllerRevision');
      await quantity(1);

      const current = (await revClient(ctx).list()).items[0]!;
      ctx.step(`Updating ControllerRevision "${current.metadata!.name}"`);
      const updated = await ctx.waitFor(async () => {
        const r = await revClient(ctx).get(current.metadata!.name!);
        r.metadata!.labels = { ...(r.metadata?.labels ?? {}), [current.metadata!.name!]: 'updated' };
        try {
          return await revClient(ctx).update(r);
        } catch (err) {
          if ((err as { code?: number }).code === 409) return undefined;
          throw err;
        }
      }, { timeoutMs: 60_000, intervalMs: 200, message: 'an update of the ControllerRevision without a conflict' });
      expectEqual(updated.metadata?.labels?.[current.metadata!.name!], 'updated', "'updated' label of the ControllerRevision");

      ctx.step('Generate another ControllerRevision by patching the Daemonset');
      await dsClient(ctx).patch(dsName, { spec: { template: { spec: { terminationGracePeriodSeconds: 1 } } }, updateStrategy: { type: 'RollingUpdate' } }, { type: 'strategic' });
      ctx.step('Confirm that there are two ControllerRevisions');
      await quantity(2);

      const updatedSelector = `${updated.metadata!.name}=updated`;
      ctx.step(`Removing a ControllerRevision via 'DeleteCollection' with labelSelector: "${updatedSelector}"`);
      await revClient(ctx).deleteCollection({ labelSelector: updatedSelector });
      ctx.step('Confirm that there is only one ControllerRevision');
      await quantity(1);
      const list = (await revClient(ctx).list()).items;
      expectEqual(Number(list[0]?.revision), 3, 'revision of the remaining ControllerRevision');
    },
  }),
];

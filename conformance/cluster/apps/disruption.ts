/**
 * PodDisruptionBudgets and the disruption controller: upstream apps/disruption.go (the
 * conformance specs). Pods are upstream's: `pod-N` with label foo=bar running the pause image.
 */
import type { KubeObject, ResourceClient } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectApiError, expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { isPodReady, POD_START_TIMEOUT_MS } from '../framework/pods.ts';

const DEFAULT_NAME = 'foo';
const DEFAULT_LABELS = { foo: 'bar' };
/** TIMEOUT_MS is upstream's `timeout` (60s) for the controller to react. */
const TIMEOUT_MS = 60_000;
const VIOLATES = "Cannot evict pod as it would violate the pod's disruption budget.";

const pdbs = (ctx: CaseContext, ns = ctx.ns): ResourceClient => ctx.api('policy', 'v1', 'poddisruptionbudgets', ns);

/** waitForPdbToBeProcessed waits until status.observedGeneration catches up with the generation. */
async function waitForPdbToBeProcessed(ctx: CaseContext, ns: string, name: string): Promise<void> {
  ctx.step('Waiting for the pdb to be processed');
  await ctx.waitFor(async () => {
    const p = await pdbs(ctx, ns).get(name);
    return (p.status?.observedGeneration ?? 0) >= (p.metadata?.generation ?? 0);
  }, { timeoutMs: TIMEOUT_MS, intervalMs: 1000, message: `PodDisruptionBudget ${ns}/${name} status.observedGeneration to reach its generation (is the disruption controller running?)` });
}

/** createPDBMinAvailableOrDie creates a PDB labelled `labels` selecting foo=bar, then waits for it to be processed. */
async function createPDBMinAvailable(ctx: CaseContext, ns: string, name: string, minAvailable: number | string, labels: Record<string, string>): Promise<void> {
  await pdbs(ctx, ns).create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, labels }, spec: { selector: { matchLabels: DEFAULT_LABELS }, minAvailable } });
  await waitForPdbToBeProcessed(ctx, ns, name);
}

/** createPodsOrDie creates `n` pause pods `pod-N` labelled foo=bar. */
async function createPods(ctx: CaseContext, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await ctx.core('pods').create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, labels: DEFAULT_LABELS }, spec: { containers: [{ name: 'donothing', image: ctx.images.pause }], restartPolicy: 'Always' } });
  }
}

/** waitForPodsOrDie waits for `n` ready, non-deleting pods labelled foo=bar. */
async function waitForPods(ctx: CaseContext, n: number): Promise<void> {
  ctx.step('Waiting for all pods to be running');
  let ready = 0;
  await ctx.waitFor(async () => {
    const items = (await ctx.core('pods').list({ labelSelector: 'foo=bar' })).items;
    ready = items.filter((p) => isPodReady(p) && !p.metadata?.deletionTimestamp).length;
    return items.length >= n && ready >= n;
  }, { timeoutMs: POD_START_TIMEOUT_MS, intervalMs: 1000, message: `${n} ready pods labelled foo=bar`, describe: () => `${ready} ready` });
}

/** locateRunningPod finds a Running pod that is not being deleted. */
async function locateRunningPod(ctx: CaseContext): Promise<KubeObject> {
  ctx.step('locating a running pod');
  return ctx.waitFor(async () => (await ctx.core('pods').list()).items.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp), { timeoutMs: POD_START_TIMEOUT_MS, intervalMs: 1000, message: 'a running pod' });
}

/** updatePDB gets, mutates and writes the PDB (main resource or status), retried on conflict. */
async function updatePDB(ctx: CaseContext, name: string, mutate: (p: KubeObject) => void, subresource?: 'status'): Promise<KubeObject> {
  for (let i = 0; ; i++) {
    const old = await pdbs(ctx).get(name);
    mutate(old);
    try {
      const out = await pdbs(ctx).update(old, subresource ? { subresource } : undefined);
      await waitForPdbToBeProcessed(ctx, ctx.ns, name);
      return out;
    } catch (e) {
      if (i < 5 && (e as { code?: number }).code === 409) continue;
      throw e;
    }
  }
}

const evict = (ctx: CaseContext, name: string): Promise<KubeObject> =>
  ctx.core('pods').create({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ctx.ns } }, { subresource: 'eviction', name });

async function expectEvictionDenied(ctx: CaseContext, name: string): Promise<void> {
  const err = await expectApiError(evict(ctx, name), { code: 429 }, `evicting pod ${name}`);
  expectTrue((err.status.message ?? '').includes(VIOLATES), `eviction of ${name} was refused with ${JSON.stringify(err.status.message)}, want a message containing ${JSON.stringify(VIOLATES)}`);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'AP-22',
    codename: '[sig-apps] DisruptionController Listing PodDisruptionBudgets for all namespaces should list and delete a collection of PodDisruptionBudgets [Conformance]',
    async run(ctx) {
      const ns2 = await ctx.createNamespace('disruption-2');
      const specialLabels = { foo_pdb: 'bar_pdb' };
      const labelSelector = 'foo_pdb=bar_pdb';
      await createPDBMinAvailable(ctx, ctx.ns, DEFAULT_NAME, 2, specialLabels);
      await createPDBMinAvailable(ctx, ctx.ns, 'foo2', '1%', specialLabels);
      await createPDBMinAvailable(ctx, ns2, 'foo3', 2, specialLabels);

      const listPDBs = async (ns: string | undefined, count: number, names: string[]): Promise<void> => {
        const items = (await ctx.api('policy', 'v1', 'poddisruptionbudgets', ns).list({ labelSelector })).items;
        expectEqual(items.length, count, `number of PDBs labelled ${labelSelector} in ${ns ?? 'all namespaces'}`);
        expectEqual(items.map((p) => p.metadata?.name).sort(), [...names].sort(), `names of PDBs in ${ns ?? 'all namespaces'}`);
      };
      ctx.step('listing a collection of PDBs across all namespaces');
      await listPDBs(undefined, 3, [DEFAULT_NAME, 'foo2', 'foo3']);
      ctx.step(`listing a collection of PDBs in namespace ${ctx.ns}`);
      await listPDBs(ctx.ns, 2, [DEFAULT_NAME, 'foo2']);

      ctx.step('deleting a collection of PDBs');
      await pdbs(ctx).deleteCollection();
      ctx.step('Waiting for the PDB collection to be deleted');
      let left = -1;
      await ctx.waitFor(async () => {
        left = (await pdbs(ctx).list()).items.length;
        return left === 0;
      }, { timeoutMs: TIMEOUT_MS, intervalMs: 1000, message: `PDBs in ${ctx.ns} to be deleted`, describe: () => `${left} left` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-25',
    codename: '[sig-apps] DisruptionController should observe PodDisruptionBudget status updated [Conformance]',
    async run(ctx) {
      await createPDBMinAvailable(ctx, ctx.ns, DEFAULT_NAME, 1, DEFAULT_LABELS);
      await createPods(ctx, 3);
      await waitForPods(ctx, 3);
      // Since disruptionsAllowed starts out 0, if it ever becomes positive the controller is working.
      let last: KubeObject | undefined;
      await ctx.waitFor(async () => {
        last = await pdbs(ctx).get(DEFAULT_NAME);
        return (last.status?.disruptionsAllowed ?? 0) > 0;
      }, { timeoutMs: TIMEOUT_MS, intervalMs: 2000, message: 'PDB status.disruptionsAllowed to become positive', describe: () => JSON.stringify(last?.status) });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-26',
    codename: '[sig-apps] DisruptionController should update/patch PodDisruptionBudget status [Conformance]',
    async run(ctx) {
      await createPDBMinAvailable(ctx, ctx.ns, DEFAULT_NAME, 1, DEFAULT_LABELS);
      ctx.step('Updating PodDisruptionBudget status');
      // The pod has to exist, otherwise the controller removes it from disruptedPods.
      await createPods(ctx, 1);
      await waitForPods(ctx, 1);
      const pod = await locateRunningPod(ctx);
      const podName = String(pod.metadata?.name);
      await updatePDB(ctx, DEFAULT_NAME, (p) => {
        p.status = { ...p.status, disruptedPods: { [podName]: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } };
      }, 'status');
      // fetch again to make sure the update from API was effective
      const updated = await pdbs(ctx).get(DEFAULT_NAME, { subresource: 'status' });
      expectTrue(updated.status?.disruptedPods && podName in updated.status.disruptedPods, `Expecting the DisruptedPods have ${podName}; status: ${JSON.stringify(updated.status)}`);

      ctx.step('Patching PodDisruptionBudget status');
      const patched = await pdbs(ctx).patch(DEFAULT_NAME, { status: { disruptedPods: { [podName]: null } } }, { type: 'merge', subresource: 'status' });
      await waitForPdbToBeProcessed(ctx, ctx.ns, DEFAULT_NAME);
      const dp = patched.status?.disruptedPods;
      expectTrue(dp === undefined || Object.keys(dp).length === 0, `Expecting the PodDisruptionBudget's disruptedPods be empty, got ${JSON.stringify(dp)}`);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-23',
    codename: '[sig-apps] DisruptionController should block an eviction until the PDB is updated to allow it [Conformance]',
    async run(ctx) {
      ctx.step('Creating a pdb that targets all three pods in a test replica set');
      await createPDBMinAvailable(ctx, ctx.ns, DEFAULT_NAME, 3, DEFAULT_LABELS);
      await ctx.api('apps', 'v1', 'replicasets', true).create({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'rs' },
        spec: { replicas: 3, selector: { matchLabels: DEFAULT_LABELS }, template: { metadata: { labels: DEFAULT_LABELS }, spec: { containers: [{ name: 'donothing', image: ctx.images.pause }] } } },
      });

      ctx.step("First trying to evict a pod which shouldn't be evictable");
      await waitForPods(ctx, 3); // running, so they would be evictable with a different pdb
      let pod = await locateRunningPod(ctx);
      await expectEvictionDenied(ctx, String(pod.metadata?.name));

      ctx.step('Updating the pdb to allow a pod to be evicted');
      await updatePDB(ctx, DEFAULT_NAME, (p) => {
        p.spec.minAvailable = 2;
      });

      ctx.step('Trying to evict the same pod we tried earlier which should now be evictable');
      await waitForPods(ctx, 3);
      ctx.step('Waiting for the pdb to observed all healthy pods');
      let last: KubeObject | undefined;
      await ctx.waitFor(async () => {
        last = await pdbs(ctx).get(DEFAULT_NAME);
        return last.status?.currentHealthy === 3;
      }, { timeoutMs: 30_000, intervalMs: 1000, message: 'PDB status.currentHealthy to be 3', describe: () => JSON.stringify(last?.status) });
      await evict(ctx, String(pod.metadata?.name)).catch((e: unknown) => fail(`the eviction should now be allowed: ${String(e)}`));

      ctx.step('Patching the pdb to disallow a pod to be evicted');
      await pdbs(ctx).patch(DEFAULT_NAME, { spec: { minAvailable: null, maxUnavailable: 0 } }, { type: 'merge' });
      await waitForPdbToBeProcessed(ctx, ctx.ns, DEFAULT_NAME);

      await waitForPods(ctx, 3);
      pod = await locateRunningPod(ctx); // locate a new running pod
      await expectEvictionDenied(ctx, String(pod.metadata?.name));

      ctx.step('Deleting the pdb to allow a pod to be evicted');
      await pdbs(ctx).delete(DEFAULT_NAME);
      ctx.step('Trying to evict the same pod we tried earlier which should now be evictable');
      await waitForPods(ctx, 3);
      await evict(ctx, String(pod.metadata?.name)).catch((e: unknown) => fail(`the eviction should now be allowed: ${String(e)}`));
    },
  }),
];

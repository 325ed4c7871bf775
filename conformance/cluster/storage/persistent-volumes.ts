/**
 * PersistentVolumes CSI Conformance: upstream storage/persistent_volumes.go. Both specs are API
 * round trips on a CSI-sourced PV (a driver that does not exist, so nothing mounts) and a PVC of
 * the same storage class, made as e2epv.CreatePVsPVCs makes them: PV `generateName: <ns>-`,
 * 2Gi, every access mode, reclaim Retain, label `e2e-pv-pool=<ns>`; PVC `generateName: pvc-`,
 * ReadWriteOnce, 1Gi. The PVs are cluster-scoped, so each case deletes the ones it made.
 */
import { isNotFound, type KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, fail } from '../framework/expect.ts';

const P = '[sig-storage] PersistentVolumes CSI Conformance';
/** VOLUME_SELECTOR_KEY is upstream e2epv.VolumeSelectorKey. */
const VOLUME_SELECTOR_KEY = 'e2e-pv-pool';

const rvLess = (a: string | undefined, b: string | undefined): boolean => {
  try {
    return BigInt(a ?? '0') < BigInt(b ?? '0');
  } catch {
    return false;
  }
};

/** createPVsPVCs is upstream e2epv.CreatePVsPVCs with one PV and one PVC. */
async function createPVPVC(ctx: CaseContext, driver: string, volumeHandle: string): Promise<{ pv: KubeObject; pvc: KubeObject }> {
  const pvs = ctx.api('', 'v1', 'persistentvolumes');
  const pv = await pvs.create({
    metadata: { generateName: `${ctx.ns}-`, labels: { [VOLUME_SELECTOR_KEY]: ctx.ns } },
    spec: {
      persistentVolumeReclaimPolicy: 'Retain',
      capacity: { storage: '2Gi' },
      accessModes: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany'],
      storageClassName: ctx.ns,
      csi: { driver, volumeHandle },
    },
  });
  ctx.defer(() => pvs.delete(String(pv.metadata?.name)).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  }));
  const pvc = await ctx.core('persistentvolumeclaims').create({
    metadata: { generateName: 'pvc-' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: ctx.ns },
  });
  return { pv, pvc };
}

/** waitGone polls `list` until it is empty (upstream: 30 seconds). */
async function waitGone(ctx: CaseContext, what: string, list: () => Promise<KubeObject[]>): Promise<void> {
  let left: KubeObject[] = [];
  await ctx.waitFor(async () => (left = await list()).length === 0, { timeoutMs: 30_000, intervalMs: 500, message: what, describe: () => `found ${left.map((o) => o.metadata?.name).join(', ')}` })
    .catch((err: Error) => fail(`Timeout while waiting to confirm ${what}: ${err.message}`));
}

async function retryOnConflict(fn: () => Promise<void>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: number }).code !== 409 || i >= 4) throw err;
    }
  }
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ST-45',
    codename: `${P} should run through the lifecycle of a PV and a PVC [Conformance]`,
    async run(ctx) {
      const pvClient = ctx.api('', 'v1', 'persistentvolumes');
      const pvcClient = ctx.core('persistentvolumeclaims');
      const volLabel = `${VOLUME_SELECTOR_KEY}=${ctx.ns}`;
      ctx.step('Creating initial PV and PVC');
      const driver = `inline-driver-${ctx.uid}`;
      await createPVPVC(ctx, driver, 'e2e-conformance');

      ctx.step(`Listing all PVs with the labelSelector: "${volLabel}"`);
      const pvList = await pvClient.list({ labelSelector: volLabel });
      expectEqual(pvList.items.length, 1, 'PVs with the label selector');
      const initialPV = pvList.items[0];
      if (!initialPV.metadata?.resourceVersion) fail('the PV has no resourceVersion');
      ctx.step(`Listing PVCs in namespace "${ctx.ns}"`);
      const pvcList = await pvcClient.list();
      expectEqual(pvcList.items.length, 1, 'PVCs in the namespace');
      const initialPVC = pvcList.items[0];
      if (!initialPVC.metadata?.resourceVersion) fail('the PVC has no resourceVersion');

      const pvName = String(initialPV.metadata?.name);
      const pvcName = String(initialPVC.metadata?.name);
      ctx.step(`Patching the PV "${pvName}"`);
      const patchedPV = await pvClient.patch(pvName, { metadata: { labels: { [pvName]: 'patched' } } }, { type: 'strategic' });
      expectEqual(patchedPV.metadata?.labels?.[pvName], 'patched', 'patched PV label');
      if (!rvLess(initialPV.metadata?.resourceVersion, patchedPV.metadata?.resourceVersion)) fail('patched object should have a larger resource version');
      ctx.step(`Patching the PVC "${pvcName}"`);
      const patchedPVC = await pvcClient.patch(pvcName, { metadata: { labels: { [pvcName]: 'patched' } } }, { type: 'strategic' });
      expectEqual(patchedPVC.metadata?.labels?.[pvcName], 'patched', 'patched PVC label');
      if (!rvLess(initialPVC.metadata?.resourceVersion, patchedPVC.metadata?.resourceVersion)) fail('patched object should have a larger resource version');

      ctx.step(`Getting PV "${pvName}"`);
      expectEqual((await pvClient.get(pvName)).metadata?.uid, patchedPV.metadata?.uid, 'PV uid');
      ctx.step(`Getting PVC "${pvcName}"`);
      expectEqual((await pvcClient.get(pvcName)).metadata?.uid, patchedPVC.metadata?.uid, 'PVC uid');

      ctx.step(`Deleting PVC "${pvcName}"`);
      await pvcClient.delete(pvcName);
      ctx.step(`Confirm deletion of PVC "${pvcName}"`);
      await waitGone(ctx, `PVC "${pvcName}" deletion`, async () => (await pvcClient.list()).items);
      ctx.step(`Deleting PV "${pvName}"`);
      await pvClient.delete(pvName);
      ctx.step(`Confirm deletion of PV "${pvName}"`);
      await waitGone(ctx, `PV "${pvName}" deletion`, async () => (await pvClient.list({ labelSelector: volLabel })).items);

      ctx.step('Recreating another PV & PVC');
      const again = await createPVPVC(ctx, driver, 'e2e-conformance');
      const pv2 = String(again.pv.metadata?.name);
      const pvc2 = String(again.pvc.metadata?.name);
      ctx.step(`Updating the PV "${pv2}"`);
      let updatedPV: KubeObject | undefined;
      await retryOnConflict(async () => {
        const pv = await pvClient.get(pv2);
        pv.metadata = { ...pv.metadata, labels: { ...(pv.metadata?.labels ?? {}), [pv2]: 'updated' } };
        updatedPV = await pvClient.update(pv);
      });
      expectEqual(updatedPV?.metadata?.labels?.[pv2], 'updated', 'updated PV label');
      ctx.step(`Updating the PVC "${pvc2}"`);
      let updatedPVC: KubeObject | undefined;
      await retryOnConflict(async () => {
        const pvc = await pvcClient.get(pvc2);
        pvc.metadata = { ...pvc.metadata, labels: { [pvc2]: 'updated' } };
        updatedPVC = await pvcClient.update(pvc);
      });
      expectEqual(updatedPVC?.metadata?.labels?.[pvc2], 'updated', 'updated PVC label');

      const pvcSelector = `${pvc2}=updated`;
      ctx.step(`Listing PVCs in all namespaces with the labelSelector: "${pvcSelector}"`);
      expectEqual((await ctx.api('', 'v1', 'persistentvolumeclaims').list({ labelSelector: pvcSelector })).items.length, 1, 'PVCs in all namespaces with the label selector');
      ctx.step(`Deleting PVC "${pvc2}" via DeleteCollection`);
      await pvcClient.deleteCollection({ labelSelector: pvcSelector });
      ctx.step(`Confirm deletion of PVC "${pvc2}"`);
      await waitGone(ctx, `PVC "${pvc2}" deletion`, async () => (await pvcClient.list({ labelSelector: pvcSelector })).items);
      const pvSelector = `${pv2}=updated`;
      ctx.step(`Deleting PV "${pv2}" via DeleteCollection`);
      await pvClient.deleteCollection({ labelSelector: pvSelector });
      ctx.step(`Confirm deletion of PV "${pv2}"`);
      await waitGone(ctx, `PV "${pv2}" deletion`, async () => (await pvClient.list({ labelSelector: pvSelector })).items);
    },
  }),
  defineCase(import.meta.url, {
    id: 'ST-44',
    codename: `${P} should apply changes to a pv/pvc status [Conformance]`,
    async run(ctx) {
      const pvClient = ctx.api('', 'v1', 'persistentvolumes');
      const pvcClient = ctx.core('persistentvolumeclaims');
      const volLabel = `${VOLUME_SELECTOR_KEY}=${ctx.ns}`;
      ctx.step('Creating initial PV and PVC');
      await createPVPVC(ctx, `e2e-driver-${ctx.uid}`, 'e2e-status-conformance');
      ctx.step(`Listing all PVs with the labelSelector: "${volLabel}"`);
      const pvList = await pvClient.list({ labelSelector: volLabel });
      expectEqual(pvList.items.length, 1, 'PVs with the label selector');
      const initialPV = pvList.items[0];
      ctx.step(`Listing PVCs in namespace "${ctx.ns}"`);
      const pvcList = await pvcClient.list();
      expectEqual(pvcList.items.length, 1, 'PVCs in the namespace');
      const initialPVC = pvcList.items[0];
      const pvName = String(initialPV.metadata?.name);
      const pvcName = String(initialPVC.metadata?.name);

      ctx.step(`Reading "${pvcName}" Status`);
      const pvcStatus = await pvcClient.get(pvcName, { subresource: 'status' });
      if (!['Pending', 'Bound'].includes(pvcStatus.status?.phase)) fail(`Checking that the PVC status has been read: phase ${pvcStatus.status?.phase}`);
      ctx.step(`Reading "${pvName}" Status`);
      const pvStatus = await pvClient.get(pvName, { subresource: 'status' });
      if (!['Available', 'Bound', 'Pending'].includes(pvStatus.status?.phase)) fail(`Checking that the PV status has been read: phase ${pvStatus.status?.phase}`);

      const condition = (o: KubeObject, type: string) => (o.status?.conditions ?? []).find((c: KubeObject) => c.type === type);
      ctx.step(`Patching "${pvcName}" Status`);
      const patchedPVC = await pvcClient.patch(pvcName, { status: { conditions: [{ type: 'StatusPatched', status: 'True', reason: 'E2E patchedStatus', message: 'Set from e2e test' }] } }, { type: 'merge', subresource: 'status' });
      const pc = condition(patchedPVC, 'StatusPatched');
      if (!pc?.message?.includes('Set from e2e test') || !pc?.reason?.includes('E2E patchedStatus')) fail(`Checking that patched status has been applied: ${JSON.stringify(patchedPVC.status)}`);
      ctx.step(`Patching "${pvName}" Status`);
      const patchedPV = await pvClient.patch(pvName, { status: { message: 'StatusPatched', reason: 'E2E patchStatus' } }, { type: 'merge', subresource: 'status' });
      expectEqual(patchedPV.status?.reason, 'E2E patchStatus', 'patched PV status reason');
      expectEqual(patchedPV.status?.message, 'StatusPatched', 'patched PV status message');

      ctx.step(`Updating "${pvcName}" Status`);
      let updatedPVC: KubeObject | undefined;
      await retryOnConflict(async () => {
        const pvc = await pvcClient.get(pvcName);
        pvc.status = { ...pvc.status, conditions: [...(pvc.status?.conditions ?? []), { type: 'StatusUpdated', status: 'True', reason: 'E2E updateStatus', message: 'Set from e2e test' }] };
        updatedPVC = await pvcClient.update(pvc, { subresource: 'status' });
      });
      const uc = condition(updatedPVC ?? {}, 'StatusUpdated');
      if (!uc?.message?.includes('Set from e2e test') || !uc?.reason?.includes('E2E updateStatus')) fail(`Checking that updated status has been applied: ${JSON.stringify(updatedPVC?.status)}`);
      ctx.step(`Updating "${pvName}" Status`);
      let updatedPV: KubeObject | undefined;
      await retryOnConflict(async () => {
        const pv = await pvClient.get(pvName);
        pv.status = { ...pv.status, reason: 'E2E updateStatus', message: 'StatusUpdated' };
        updatedPV = await pvClient.update(pv, { subresource: 'status' });
      });
      expectEqual(updatedPV?.status?.reason, 'E2E updateStatus', 'updated PV status reason');
      expectEqual(updatedPV?.status?.message, 'StatusUpdated', 'updated PV status message');
    },
  }),
];

/**
 * Storage API specs: CSIDriver and pods with CSI inline volumes (csi_inline.go), CSINode (csi_node.go), CSIStorageCapacity
 * (csistoragecapacity.go), StorageClass (storageclass.go), VolumeAttachment
 * (volume_attachment.go), PV/PVC lifecycle (persistent_volumes.go), VolumeAttributesClass
 * (volume_attributes_class.go, storage.k8s.io/v1 as conformance runs it since v1.34).
 */
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { verifyApiOperations } from '../framework/api-operations.ts';
import { expectApiError, expectEqual, fail } from '../framework/expect.ts';
import { isNotFound, type KubeObject, type ResourceClient } from '#impl/client/index.ts';

/** lifecycle runs create, get, patch(label), list by label, update(label), delete, deletecollection for a cluster-scoped kind. */
async function clusterLifecycle(ctx: CaseContext, client: ResourceClient, kind: string, make: (name: string, labels: Record<string, string>) => KubeObject): Promise<void> {
  const label = `e2e-${kind.toLowerCase()}-${ctx.uid}`;
  const n1 = `${kind.toLowerCase()}-${ctx.uid}-1`;
  const n2 = `${kind.toLowerCase()}-${ctx.uid}-2`;
  ctx.defer(() => client.deleteCollection({ labelSelector: `${label}=true` }).catch(() => undefined));
  ctx.step(`Creating ${kind} ${n1}`);
  await client.create(make(n1, { [label]: 'true' }));
  ctx.step(`Getting ${kind} ${n1}`);
  expectEqual((await client.get(n1)).metadata?.name, n1, `name of the read ${kind}`);
  ctx.step(`Patching ${kind} ${n1}`);
  const p = await client.patch(n1, { metadata: { labels: { [`${label}-patched`]: 'true' } } }, { type: 'merge' });
  expectEqual(p.metadata?.labels?.[`${label}-patched`], 'true', `patched label of ${kind}`);
  ctx.step(`Listing ${kind}s with a labelSelector`);
  expectEqual((await client.list({ labelSelector: `${label}-patched=true` })).items.map((x) => x.metadata?.name), [n1], `${kind}s listed by the patched label`);
  ctx.step(`Deleting ${kind} ${n1}`);
  await client.delete(n1);
  await ctx.waitFor(async () => client.get(n1).then(() => false, (e) => (e as { code?: number }).code === 404), { timeoutMs: 30_000, message: `${kind} ${n1} to be deleted` });
  ctx.step(`Creating a replacement ${kind} ${n2}`);
  await client.create(make(n2, { [label]: 'true' }));
  ctx.step(`Updating ${kind} ${n2}`);
  const cur = await client.get(n2);
  cur.metadata = { ...cur.metadata, labels: { ...cur.metadata?.labels, [`${label}-updated`]: 'true' } };
  const upd = await client.update(cur);
  expectEqual(upd.metadata?.labels?.[`${label}-updated`], 'true', `updated label of ${kind}`);
  ctx.step(`Deleting ${kind}s by collection`);
  await client.deleteCollection({ labelSelector: `${label}=true` });
  await ctx.waitFor(async () => (await client.list({ labelSelector: `${label}=true` })).items.length === 0, { timeoutMs: 30_000, message: `${kind}s to be deleted by deletecollection` });
  await expectApiError(client.get(n2), { code: 404 }, `get ${kind} deleted by collection`);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ST-01',
    codename: '[sig-storage] CSIInlineVolumes should run through the lifecycle of a CSIDriver [Conformance]',
    run: (ctx) => clusterLifecycle(ctx, ctx.api('storage.k8s.io', 'v1', 'csidrivers'), 'CSIDriver', (name, labels) => ({ metadata: { name, labels }, spec: { volumeLifecycleModes: ['Ephemeral'] } })),
  }),

  defineCase(import.meta.url, {
    id: 'ST-03',
    codename: '[sig-storage] CSINodes CSI Conformance should run through the lifecycle of a csinode [Conformance]',
    run: (ctx) => clusterLifecycle(ctx, ctx.api('storage.k8s.io', 'v1', 'csinodes'), 'CSINode', (name, labels) => ({ metadata: { name, labels }, spec: { drivers: [] } })),
  }),

  defineCase(import.meta.url, {
    id: 'ST-83',
    codename: '[sig-storage] StorageClasses CSI Conformance should run through the lifecycle of a StorageClass [Conformance]',
    run: (ctx) => clusterLifecycle(ctx, ctx.api('storage.k8s.io', 'v1', 'storageclasses'), 'StorageClass', (name, labels) => ({ metadata: { name, labels }, provisioner: 'e2e-fake-provisioner' })),
  }),

  defineCase(import.meta.url, {
    id: 'ST-90',
    codename: '[sig-storage] VolumeAttachment Conformance should run through the lifecycle of a VolumeAttachment [Conformance]',
    run: (ctx) =>
      clusterLifecycle(ctx, ctx.api('storage.k8s.io', 'v1', 'volumeattachments'), 'VolumeAttachment', (name, labels) => ({
        metadata: { name, labels },
        spec: { attacher: 'e2e-test.storage.k8s.io', nodeName: `e2e-fake-node-${ctx.uid}`, source: { persistentVolumeName: `pv-${name}` } },
      })),
  }),

  defineCase(import.meta.url, {
    id: 'ST-89',
    codename: '[sig-storage] VolumeAttachment Conformance should apply changes to a volumeattachment status [Conformance]',
    async run(ctx) {
      const vas = ctx.api('storage.k8s.io', 'v1', 'volumeattachments');
      const name = `va-${ctx.uid}`;
      ctx.defer(() => vas.delete(name).catch(() => undefined));
      ctx.step('Create VolumeAttachment');
      await vas.create({ metadata: { name }, spec: { attacher: 'e2e-test.storage.k8s.io', nodeName: `e2e-fake-node-${ctx.uid}`, source: { persistentVolumeName: `pv-${name}` } } });
      ctx.step('Patch VolumeAttachment');
      await vas.patch(name, { metadata: { labels: { [`va-${ctx.uid}`]: 'patched' } } }, { type: 'merge' });
      ctx.step('Reading VolumeAttachment status');
      const st = await vas.get(name, { subresource: 'status' });
      expectEqual(Boolean(st.status?.attached), false, 'status.attached of a new VolumeAttachment');
      ctx.step('Patching VolumeAttachment status');
      const patched = await vas.patch(name, { status: { attached: true } }, { type: 'merge', subresource: 'status' });
      expectEqual(patched.status?.attached, true, 'status.attached after patching /status');
      ctx.step('Updating VolumeAttachment status');
      const cur = await vas.get(name, { subresource: 'status' });
      cur.status = { ...cur.status, attached: false };
      const upd = await vas.update(cur, { subresource: 'status' });
      expectEqual(upd.status?.attached, false, 'status.attached after updating /status');
      ctx.step('Deleting VolumeAttachment');
      await vas.delete(name);
      await ctx.waitFor(async () => vas.get(name).then(() => false, (e) => (e as { code?: number }).code === 404), { timeoutMs: 30_000, message: `VolumeAttachment ${name} to be deleted` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'ST-04',
    codename: '[sig-storage] CSIStorageCapacity should support CSIStorageCapacities API operations [Conformance]',
    run: (ctx) =>
      verifyApiOperations(ctx, {
        group: 'storage.k8s.io',
        version: 'v1',
        resource: 'csistoragecapacities',
        namespaced: true,
        make: (name, labels) => ({ metadata: { name, labels }, storageClassName: 'e2e-storage-class', nodeTopology: { matchLabels: { 'e2e-topology': 'true' } }, capacity: '1Gi' }),
      }),
  }),
  defineCase(import.meta.url, {
    id: 'ST-02',
    codename: '[sig-storage] CSIInlineVolumes should support CSIVolumeSource in Pod API [Conformance]',
    async run(ctx) {
      // An API round trip: the fake driver never mounts anything, the pod never has to run.
      const client = ctx.core('pods');
      const driverName = 'e2e.example.com';
      const podName = 'pod-csi-inline-volumes';
      const pod: KubeObject = {
        metadata: { name: podName },
        spec: {
          volumes: [{ name: 'csi-inline-vol1', csi: { driver: driverName } }, { name: 'csi-inline-vol2', csi: { driver: driverName, fsType: 'ext4', readOnly: true } }],
          containers: [{ name: podName, image: ctx.images.busybox, command: ['sh', '-c', 'ls /mnt/*'], volumeMounts: [{ name: 'csi-inline-vol1', mountPath: '/mnt/vol1' }, { name: 'csi-inline-vol2', mountPath: '/mnt/vol2' }] }],
        },
      };
      ctx.step('creating');
      const created = await client.create(pod);
      await expectApiError(client.create(pod), { code: 409, reason: 'AlreadyExists' }, 'creating the pod again');
      ctx.step('getting');
      expectEqual((await client.get(podName)).metadata?.uid, created.metadata?.uid, 'pod uid');
      ctx.step('listing in namespace');
      expectEqual((await client.list()).items.length, 1, 'pods in the namespace');
      ctx.step('patching');
      const patched = await client.patch(podName, { metadata: { annotations: { patched: 'true' } } }, { type: 'merge' });
      expectEqual(patched.metadata?.annotations?.patched, 'true', 'patched annotation');
      ctx.step('deleting');
      await client.delete(podName);
      try {
        const after = await client.get(podName);
        if (!after.metadata?.deletionTimestamp) fail(`Pod should have been deleted or have DeletionTimestamp, but instead got: ${JSON.stringify(after.metadata)}`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  }),
  defineCase(import.meta.url, {
    id: 'ST-N01',
    codename: '[sig-storage] VolumeAttributesClass [FeatureGate:VolumeAttributesClass] should run through the lifecycle of a VolumeAttributesClass [Conformance]',
    async run(ctx) {
      const vacs = ctx.api('storage.k8s.io', 'v1', 'volumeattributesclasses');
      const made: string[] = [];
      ctx.defer(async () => {
        for (const n of made) await vacs.delete(n).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
      });
      const gone = async (selector: string, name: string): Promise<void> => {
        await ctx.waitFor(async () => (await vacs.list({ labelSelector: selector })).items.length === 0, { timeoutMs: 30_000, intervalMs: 500, message: `VolumeAttributesClass ${name} deletion` })
          .catch(() => fail(`timeout while waiting to confirm VolumeAttributesClass "${name}" deletion`));
      };
      ctx.step('Creating a VolumeAttributesClass');
      const created = await vacs.create({ kind: 'VolumeAttributesClass', metadata: { generateName: 'e2e-' }, driverName: 'e2e-fake-csi-driver', parameters: { foo: 'bar' } });
      const name = String(created.metadata?.name);
      made.push(name);
      ctx.step(`Get VolumeAttributesClass "${name}"`);
      await vacs.get(name);
      ctx.step(`Patching the VolumeAttributesClass "${name}"`);
      const patched = await vacs.patch(name, { metadata: { labels: { [name]: 'patched' } } }, { type: 'strategic' });
      expectEqual(patched.metadata?.labels?.[name], 'patched', 'patched label');
      ctx.step(`Delete VolumeAttributesClass "${name}"`);
      await vacs.delete(name);
      ctx.step(`Confirm deletion of VolumeAttributesClass "${name}"`);
      await gone(`${name}=patched`, name);

      ctx.step('Create a replacement VolumeAttributesClass');
      const replacement = await vacs.create({ kind: 'VolumeAttributesClass', metadata: { generateName: 'e2e-v2-' }, driverName: 'e2e-fake-csi-driver', parameters: { foo: 'bar' } });
      const name2 = String(replacement.metadata?.name);
      made.push(name2);
      ctx.step(`Updating VolumeAttributesClass "${name2}"`);
      let updated: KubeObject | undefined;
      for (let i = 0; ; i++) {
        const vac = await vacs.get(name2);
        vac.metadata = { ...vac.metadata, labels: { [name2]: 'updated' } };
        try {
          updated = await vacs.update(vac);
          break;
        } catch (err) {
          if ((err as { code?: number }).code !== 409 || i >= 4) throw err;
        }
      }
      expectEqual(updated?.metadata?.labels?.[name2], 'updated', 'updated label');
      const selector = `${name2}=updated`;
      ctx.step(`Listing all VolumeAttributesClasses with the labelSelector: "${selector}"`);
      expectEqual((await vacs.list({ labelSelector: selector })).items.length, 1, 'VolumeAttributesClasses with the label selector');
      ctx.step(`Deleting VolumeAttributesClass "${name2}" via DeleteCollection`);
      await vacs.deleteCollection({ labelSelector: selector });
      ctx.step(`Confirm deletion of VolumeAttributesClass "${name2}"`);
      await gone(selector, name2);
    },
  }),
];

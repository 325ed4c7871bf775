import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClient } from '../../testing/fake-client.ts';
import { FakeInformer } from '../../testing/fake-informer.ts';
import { PVC_PROTECTION_FINALIZER, PVCProtectionController } from './pvc-protection-controller.ts';

const claim = (o: { deleting?: boolean; fins?: string[] } = {}): KubeObject => ({
  metadata: { namespace: 'ns', name: 'c', uid: 'u', finalizers: o.fins, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: {},
});
const pod = (phase: string): KubeObject => ({ metadata: { namespace: 'ns', name: 'p' }, spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }] }, status: { phase } });

const cases: Array<{ name: string; claim: KubeObject; pods: KubeObject[]; want: string[] | undefined }> = [
  { name: 'adds the finalizer to a live claim', claim: claim(), pods: [], want: [PVC_PROTECTION_FINALIZER] },
  { name: 'keeps the finalizer while a running pod uses the claim', claim: claim({ deleting: true, fins: [PVC_PROTECTION_FINALIZER] }), pods: [pod('Running')], want: [PVC_PROTECTION_FINALIZER] },
  { name: 'removes the finalizer when only terminated pods use it', claim: claim({ deleting: true, fins: [PVC_PROTECTION_FINALIZER] }), pods: [pod('Succeeded')], want: undefined },
];
for (const tc of cases) {
  test(`pvc-protection: ${tc.name}`, async (t) => {
    const client = new FakeClient([{ resource: 'persistentvolumeclaims', obj: tc.claim }]);
    const c = new PVCProtectionController({ client, claimInformer: new FakeInformer([client.objects.get('persistentvolumeclaims')!.get('ns/c')!]), podInformer: new FakeInformer(tc.pods) });
    await c.reconcile('ns/c');
    t.deepEqual(client.objects.get('persistentvolumeclaims')!.get('ns/c')?.metadata?.finalizers ?? undefined, tc.want);
  });
}

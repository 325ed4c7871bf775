import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClient } from '../../testing/fake-client.ts';
import { FakeInformer } from '../../testing/fake-informer.ts';
import { PV_PROTECTION_FINALIZER, PVProtectionController } from './pv-protection-controller.ts';

const pv = (o: { deleting?: boolean; fins?: string[]; phase?: string } = {}): KubeObject => ({
  metadata: { name: 'v', uid: 'u', finalizers: o.fins, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: {},
  status: { phase: o.phase ?? 'Available' },
});

const cases: Array<{ name: string; pv: KubeObject; want: string[] | undefined }> = [
  { name: 'adds the finalizer to a live volume', pv: pv(), want: [PV_PROTECTION_FINALIZER] },
  { name: 'keeps the finalizer on a Bound volume being deleted', pv: pv({ deleting: true, fins: [PV_PROTECTION_FINALIZER], phase: 'Bound' }), want: [PV_PROTECTION_FINALIZER] },
  { name: 'removes the finalizer from a Released volume being deleted', pv: pv({ deleting: true, fins: [PV_PROTECTION_FINALIZER], phase: 'Released' }), want: undefined },
];
for (const tc of cases) {
  test(`pv-protection: ${tc.name}`, async (t) => {
    const client = new FakeClient([{ resource: 'persistentvolumes', obj: tc.pv }]);
    const c = new PVProtectionController({ client, volumeInformer: new FakeInformer([client.objects.get('persistentvolumes')!.get('/v')!]) });
    await c.reconcile('v');
    t.deepEqual(client.objects.get('persistentvolumes')!.get('/v')?.metadata?.finalizers ?? undefined, tc.want);
  });
}

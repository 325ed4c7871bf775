import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { EndpointsController } from '../endpoint/endpoints-controller.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { EndpointSliceController, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, MANAGED_BY } from './endpointslice-controller.ts';

const svc = (spec: Record<string, unknown> = {}): KubeObject => ({ metadata: { namespace: 'ns', name: 's', uid: 'svc-uid' }, spec: { selector: { app: 'a' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }], ...spec } });
const pod = (name: string, ip: string | undefined, o: { ready?: boolean; deleting?: boolean; phase?: string; port?: number } = {}): KubeObject => ({
  metadata: { namespace: 'ns', name, uid: `uid-${name}`, labels: { app: 'a' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'web', containerPort: o.port ?? 8080 }] }] },
  status: { phase: o.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});

function slices(service: KubeObject, pods: KubeObject[], max?: number) {
  const ctrl = new EndpointSliceController({ client: new FakeClient(), serviceInformer: new FakeInformer(), podInformer: new FakeInformer(), sliceInformer: new FakeInformer(), maxEndpointsPerSlice: max });
  return ctrl.desiredSlices(service, pods) as Array<{ ports: Array<{ port: number }> | null; endpoints: Array<{ addresses: string[]; conditions: Record<string, boolean> }> }>;
}

const cases: Array<{ name: string; svc: KubeObject; pods: KubeObject[]; max?: number; check: (s: ReturnType<typeof slices>) => boolean }> = [
  { name: 'no pods: one empty placeholder slice', svc: svc(), pods: [], check: (s) => s.length === 1 && s[0]!.endpoints.length === 0 && s[0]!.ports === null },
  { name: 'pods without an IP or terminal are left out', svc: svc(), pods: [pod('a', undefined), pod('b', '10.0.0.2', { phase: 'Succeeded' }), pod('c', '10.0.0.3')], check: (s) => s.length === 1 && s[0]!.endpoints.length === 1 },
  {
    name: 'conditions: not ready, terminating',
    svc: svc(),
    pods: [pod('a', '10.0.0.1', { ready: false }), pod('b', '10.0.0.2', { deleting: true })],
    check: (s) =>
      JSON.stringify(s[0]!.endpoints.map((e) => e.conditions)) ===
      JSON.stringify([{ ready: false, serving: false, terminating: false }, { ready: false, serving: true, terminating: true }]),
  },
  { name: 'publishNotReadyAddresses makes every endpoint ready', svc: svc({ publishNotReadyAddresses: true }), pods: [pod('a', '10.0.0.1', { ready: false })], check: (s) => s[0]!.endpoints[0]!.conditions.ready === true },
  { name: 'named ports resolving differently split slices', svc: svc(), pods: [pod('a', '10.0.0.1', { port: 8080 }), pod('b', '10.0.0.2', { port: 9090 })], check: (s) => s.length === 2 && s.map((x) => x.ports![0]!.port).sort().join() === '8080,9090' },
  { name: 'at most maxEndpointsPerSlice per slice', svc: svc(), pods: Array.from({ length: 5 }, (_v, i) => pod(`p${i}`, `10.0.0.${i + 1}`)), max: 2, check: (s) => s.map((x) => x.endpoints.length).join() === '2,2,1' },
];

for (const c of cases) test(`endpointslice desired: ${c.name}`, (t) => t.true(c.check(slices(c.svc, c.pods, c.max))));

test('endpointslice reconcile: creates, then keeps a matching slice, then updates it', async (t) => {
  const client = new FakeClient();
  const services = new FakeInformer([svc()]);
  const pods = new FakeInformer([pod('a', '10.0.0.1')]);
  const sliceInf = new FakeInformer();
  const ctrl = new EndpointSliceController({ client, serviceInformer: services, podInformer: pods, sliceInformer: sliceInf });
  await ctrl.reconcile('ns/s');
  const created = client.all('endpointslices', 'ns');
  t.is(created.length, 1);
  t.is(created[0]!.metadata?.labels?.[LABEL_SERVICE_NAME], 's');
  t.is(created[0]!.metadata?.labels?.[LABEL_MANAGED_BY], MANAGED_BY);
  t.is(created[0]!.metadata?.ownerReferences?.[0]?.uid, 'svc-uid');
  sliceInf.add(created[0]!);
  const before = client.writes().length;
  await ctrl.reconcile('ns/s');
  t.is(client.writes().length, before, 'no write when up to date');
  pods.add(pod('b', '10.0.0.2'));
  await ctrl.reconcile('ns/s');
  t.is(client.all('endpointslices', 'ns')[0]!.endpoints.length, 2);
  t.true(client.writes().at(-1)!.startsWith('update endpointslices'));
});

test('endpoints reconcile: ready and not-ready addresses; selector-less services untouched', async (t) => {
  const client = new FakeClient();
  const ctrl = new EndpointsController({ client, serviceInformer: new FakeInformer([svc(), { metadata: { namespace: 'ns', name: 'manual' }, spec: { ports: [{ port: 1 }] } }]), podInformer: new FakeInformer([pod('a', '10.0.0.1'), pod('b', '10.0.0.2', { ready: false }), pod('c', '10.0.0.3', { deleting: true })]), endpointsInformer: new FakeInformer() });
  await ctrl.reconcile('ns/s');
  await ctrl.reconcile('ns/manual');
  const ep = client.stored('endpoints', 'ns', 's')!;
  t.deepEqual(ep.subsets[0].addresses.map((a: { ip: string }) => a.ip), ['10.0.0.1']);
  t.deepEqual(ep.subsets[0].notReadyAddresses.map((a: { ip: string }) => a.ip), ['10.0.0.2']);
  t.deepEqual(ep.subsets[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  t.is(client.stored('endpoints', 'ns', 'manual'), undefined);
});

test('endpointslice reconcile: a slice deleted by someone else before the cache caught up is recreated', async (t) => {
  const client = new FakeClient();
  const sliceInf = new FakeInformer();
  const ctrl = new EndpointSliceController({ client, serviceInformer: new FakeInformer([svc()]), podInformer: new FakeInformer([pod('a', '10.0.0.1')]), sliceInformer: sliceInf });
  await ctrl.reconcile('ns/s');
  const [written] = client.all('endpointslices', 'ns');
  // The cache never saw the write, and the slice is deleted: the controller must not wait for it.
  sliceInf.delete(written!);
  const creates = (): number => client.writes().filter((w) => w.startsWith('create endpointslices')).length;
  const before = creates();
  const result = await ctrl.reconcile('ns/s');
  t.falsy(result, 'no requeue for a stale cache');
  t.is(creates(), before + 1);
});

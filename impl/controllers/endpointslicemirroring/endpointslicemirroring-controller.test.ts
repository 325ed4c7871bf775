import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { EndpointSliceMirroringController, MIRRORING_MANAGED_BY, mirroredSlices } from './endpointslicemirroring-controller.ts';

const endpoints = (subsets: KubeObject[], labels: Record<string, string> = {}, annotations: Record<string, string> = {}): KubeObject => ({ metadata: { namespace: 'ns', name: 'e', uid: 'ep-uid', labels, annotations }, subsets });
const svc = (selector?: Record<string, string>): KubeObject => ({ metadata: { namespace: 'ns', name: 'e' }, spec: { ...(selector ? { selector } : {}), ports: [{ port: 80 }] } });

const cases: Array<{ name: string; eps: KubeObject; want: unknown }> = [
  {
    name: 'ready and not-ready addresses, hostname and targetRef kept',
    eps: endpoints([{ addresses: [{ ip: '10.1.2.3', hostname: 'h', targetRef: { kind: 'Pod', name: 'p' } }], notReadyAddresses: [{ ip: '10.1.2.4' }], ports: [{ name: 'example', port: 80, protocol: 'TCP' }] }]),
    want: [{ addressType: 'IPv4', ports: [{ name: 'example', port: 80, protocol: 'TCP' }], endpoints: [{ addresses: ['10.1.2.3'], conditions: { ready: true }, hostname: 'h', targetRef: { kind: 'Pod', name: 'p' } }, { addresses: ['10.1.2.4'], conditions: { ready: false } }] }],
  },
  {
    name: 'address families get their own slices',
    eps: endpoints([{ addresses: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }], ports: [{ port: 53, protocol: 'UDP' }] }]),
    want: [
      { addressType: 'IPv4', ports: [{ name: '', port: 53, protocol: 'UDP' }], endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }] },
      { addressType: 'IPv6', ports: [{ name: '', port: 53, protocol: 'UDP' }], endpoints: [{ addresses: ['fd00::1'], conditions: { ready: true } }] },
    ],
  },
  { name: 'no subsets, no slices', eps: endpoints([]), want: [] },
];
for (const tc of cases) test(`mirroredSlices: ${tc.name}`, (t) => t.deepEqual(mirroredSlices(tc.eps), tc.want));

test('mirroredSlices: at most max addresses of a subset', (t) => {
  const eps = endpoints([{ addresses: Array.from({ length: 5 }, (_, i) => ({ ip: `10.0.0.${i}` })), ports: [{ port: 80 }] }]);
  t.is(mirroredSlices(eps, 3)[0]!.endpoints.length, 3);
});

function setup(objs: { eps?: KubeObject; svc?: KubeObject }) {
  const client = new FakeClient();
  const slices = new FakeInformer();
  const ctrl = new EndpointSliceMirroringController({ client, serviceInformer: new FakeInformer(objs.svc ? [objs.svc] : []), endpointsInformer: new FakeInformer(objs.eps ? [objs.eps] : []), sliceInformer: slices });
  return { client, slices, ctrl };
}

test('reconcile: a selector-less Service mirrors its Endpoints with labels, annotations and owner', async (t) => {
  const eps = endpoints([{ addresses: [{ ip: '10.1.2.3' }], ports: [{ name: 'example', port: 80, protocol: 'TCP' }] }], { team: 'a' }, { note: 'x', 'endpoints.kubernetes.io/last-change-trigger-time': 't' });
  const { client, ctrl } = setup({ eps, svc: svc() });
  await ctrl.reconcile('ns/e');
  const [slice] = client.all('endpointslices', 'ns');
  t.like(slice?.metadata?.labels, { team: 'a', 'kubernetes.io/service-name': 'e', 'endpointslice.kubernetes.io/managed-by': MIRRORING_MANAGED_BY });
  t.deepEqual(slice?.metadata?.annotations, { note: 'x' });
  t.like(slice?.metadata?.ownerReferences?.[0], { kind: 'Endpoints', name: 'e', uid: 'ep-uid', controller: true });
  t.deepEqual(slice?.endpoints, [{ addresses: ['10.1.2.3'], conditions: { ready: true } }]);
});

const skipped: Array<{ name: string; eps: KubeObject; svc?: KubeObject }> = [
  { name: 'a Service with a selector', eps: endpoints([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]), svc: svc({ app: 'a' }) },
  { name: 'skip-mirror Endpoints', eps: endpoints([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }], { 'endpointslice.kubernetes.io/skip-mirror': 'true' }), svc: svc() },
  { name: 'no Service', eps: endpoints([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]) },
];
for (const tc of skipped) {
  test(`reconcile: nothing is mirrored for ${tc.name}, and earlier mirrors are deleted`, async (t) => {
    const { client, slices, ctrl } = setup({ eps: tc.eps, svc: tc.svc });
    slices.add({ metadata: { namespace: 'ns', name: 'e-old', uid: 'old', labels: { 'kubernetes.io/service-name': 'e', 'endpointslice.kubernetes.io/managed-by': MIRRORING_MANAGED_BY } }, addressType: 'IPv4', endpoints: [] });
    await ctrl.reconcile('ns/e');
    t.false(client.writes().some((w) => w.startsWith('create')));
    t.true(client.writes().some((w) => w.startsWith('delete endpointslices')));
  });
}

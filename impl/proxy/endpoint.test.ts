import test from 'ava';
import type { EndpointSlice, Service } from '#generated/k8s/index.ts';
import { categorizeEndpoints, endpointsFromSlices, endpointsKey } from './endpoint.ts';
import { servicePortsFromService } from './service-port.ts';

const slice = (name: string, svc: string, addressType: string, eps: Array<{ ip: string; ready?: boolean; node?: string }>, ports = [{ name: 'http', port: 8080, protocol: 'TCP' }]): EndpointSlice =>
  ({
    metadata: { namespace: 'ns', name, labels: { 'kubernetes.io/service-name': svc } },
    addressType,
    ports,
    endpoints: eps.map((e) => ({ addresses: [e.ip], nodeName: e.node, conditions: e.ready === undefined ? {} : { ready: e.ready } })),
  }) as EndpointSlice;

test('endpointsFromSlices merges slices, skips non-IPv4 and duplicates, sorts by address', (t) => {
  const m = endpointsFromSlices(
    [slice('b', 'web', 'IPv4', [{ ip: '198.18.0.10' }, { ip: '198.18.0.2', node: 'me' }]), slice('a', 'web', 'IPv4', [{ ip: '198.18.0.10' }]), slice('c', 'web', 'IPv6', [{ ip: 'fd00::1' }])],
    'me',
  );
  const eps = m.get(endpointsKey('ns/web:http', 'TCP'))!;
  t.deepEqual(eps.map((e) => `${e.ip}:${e.port}:${e.isLocal}`), ['198.18.0.2:8080:true', '198.18.0.10:8080:false']);
  t.true(eps.every((e) => e.ready && e.serving && !e.terminating));
});

test('endpointsFromSlices keys ports by name and protocol', (t) => {
  const m = endpointsFromSlices([slice('a', 'dns', 'IPv4', [{ ip: '198.18.0.3' }], [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }])], 'me');
  t.truthy(m.get(endpointsKey('ns/dns:dns', 'UDP')));
  t.truthy(m.get(endpointsKey('ns/dns:dns-tcp', 'TCP')));
  t.falsy(m.get(endpointsKey('ns/dns:dns', 'TCP')));
});

const base = { internalPolicyLocal: false, externalPolicyLocal: false, nodePort: 0, externalIPs: [], loadBalancerIPs: [] };
const ep = (ip: string, o: Partial<{ ready: boolean; serving: boolean; terminating: boolean; isLocal: boolean }> = {}) => ({ ip, port: 80, ready: true, serving: true, terminating: false, isLocal: false, ...o });

const cases = [
  { name: 'ready endpoints only', eps: [ep('1.1.1.1'), ep('1.1.1.2', { ready: false, serving: false })], svc: base, cluster: ['1.1.1.1'], local: undefined },
  { name: 'serving terminating endpoints when none is ready', eps: [ep('1.1.1.1', { ready: false, serving: true, terminating: true }), ep('1.1.1.2', { ready: false, serving: false, terminating: true })], svc: base, cluster: ['1.1.1.1'], local: undefined },
  { name: 'internal Local: local endpoints only', eps: [ep('1.1.1.1', { isLocal: true }), ep('1.1.1.2')], svc: { ...base, internalPolicyLocal: true }, cluster: undefined, local: ['1.1.1.1'] },
  { name: 'external Local with a node port: both sets', eps: [ep('1.1.1.1', { isLocal: true }), ep('1.1.1.2')], svc: { ...base, nodePort: 30000, externalPolicyLocal: true }, cluster: ['1.1.1.1', '1.1.1.2'], local: ['1.1.1.1'] },
];
for (const tc of cases) {
  test(`categorizeEndpoints: ${tc.name}`, (t) => {
    const got = categorizeEndpoints(tc.eps, tc.svc);
    t.deepEqual(got.clusterEndpoints?.map((e) => e.ip), tc.cluster);
    t.deepEqual(got.localEndpoints?.map((e) => e.ip), tc.local);
  });
}

test('servicePortsFromService: ExternalName and headless are skipped; NodePort keeps node ports; affinity timeout', (t) => {
  const svc = (spec: Service['spec']): Service => ({ metadata: { namespace: 'ns', name: 's' }, spec });
  t.deepEqual(servicePortsFromService(svc({ type: 'ExternalName', externalName: 'x.example' })), []);
  t.deepEqual(servicePortsFromService(svc({ clusterIP: 'None', ports: [{ port: 80 }] })), []);
  const [p] = servicePortsFromService(svc({ type: 'NodePort', clusterIP: '198.19.0.9', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80, nodePort: 30001 }] }));
  t.like(p, { servicePortName: 'ns/s', protocol: 'TCP', port: 80, nodePort: 30001, clusterIPs: ['198.19.0.9'], stickyMaxAgeSeconds: 60 });
  const [c] = servicePortsFromService(svc({ type: 'ClusterIP', clusterIP: '198.19.0.9', ports: [{ port: 80, nodePort: 30001 }] }));
  t.is(c.nodePort, 0);
});

import test from 'ava';
import type { RecordType } from 'dns-packet';
import type { EndpointSlice, Service } from '#generated/k8s/index.ts';
import { KubernetesZone, type ClusterState } from './kubernetes.ts';
import { parseName, podAddress, reverseAddress } from './parse.ts';

const services: Service[] = [
  { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '198.19.0.20', clusterIPs: ['198.19.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] } },
  { metadata: { name: 'db', namespace: 'prod' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } },
  { metadata: { name: 'all', namespace: 'prod' }, spec: { clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ port: 80 }] } },
  { metadata: { name: 'ext', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'example.com.' } },
];
const slices: EndpointSlice[] = [
  {
    addressType: 'IPv4',
    metadata: { name: 'db-abc', namespace: 'prod', labels: { 'kubernetes.io/service-name': 'db' } },
    endpoints: [
      { addresses: ['198.18.0.7'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['198.18.0.8'], conditions: { ready: true } },
      { addresses: ['198.18.0.9'], hostname: 'db-2', conditions: { ready: false } },
    ],
  },
  {
    addressType: 'IPv4',
    metadata: { name: 'all-abc', namespace: 'prod', labels: { 'kubernetes.io/service-name': 'all' } },
    endpoints: [{ addresses: ['198.18.0.11'], conditions: { ready: false } }],
  },
];
const state: ClusterState = {
  getService: (ns, name) => services.find((s) => s.metadata?.namespace === ns && s.metadata?.name === name),
  listServices: () => services,
  endpointSlices: (ns, name) => slices.filter((s) => s.metadata?.namespace === ns && s.metadata?.labels?.['kubernetes.io/service-name'] === name),
};
const zone = new KubernetesZone({ clusterDomain: 'cluster.local', state });

const lookupCases: Array<{ name: string; q: string; type: RecordType; rcode: 'NOERROR' | 'NXDOMAIN'; data: unknown[] }> = [
  { name: 'ClusterIP service A', q: 'web.default.svc.cluster.local.', type: 'A', rcode: 'NOERROR', data: ['198.19.0.20'] },
  { name: 'names are case-insensitive', q: 'WEB.Default.SVC.cluster.local', type: 'A', rcode: 'NOERROR', data: ['198.19.0.20'] },
  { name: 'ClusterIP service AAAA: NODATA', q: 'web.default.svc.cluster.local', type: 'AAAA', rcode: 'NOERROR', data: [] },
  { name: 'unknown service: NXDOMAIN', q: 'nope.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', data: [] },
  { name: 'service in another namespace: NXDOMAIN', q: 'web.prod.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', data: [] },
  { name: 'named port SRV', q: '_http._tcp.web.default.svc.cluster.local', type: 'SRV', rcode: 'NOERROR', data: [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }] },
  { name: 'named UDP port SRV', q: '_dns._udp.web.default.svc.cluster.local', type: 'SRV', rcode: 'NOERROR', data: [{ priority: 0, weight: 100, port: 53, target: 'web.default.svc.cluster.local' }] },
  { name: 'wrong protocol for the port: NXDOMAIN', q: '_http._udp.web.default.svc.cluster.local', type: 'SRV', rcode: 'NXDOMAIN', data: [] },
  { name: 'headless A: ready endpoints only', q: 'db.prod.svc.cluster.local', type: 'A', rcode: 'NOERROR', data: ['198.18.0.7', '198.18.0.8'] },
  { name: 'headless endpoint by hostname', q: 'db-0.db.prod.svc.cluster.local', type: 'A', rcode: 'NOERROR', data: ['198.18.0.7'] },
  { name: 'headless endpoint by dashed IP', q: '198-18-0-8.db.prod.svc.cluster.local', type: 'A', rcode: 'NOERROR', data: ['198.18.0.8'] },
  { name: 'not-ready headless endpoint: NXDOMAIN', q: 'db-2.db.prod.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', data: [] },
  { name: 'publishNotReadyAddresses includes not-ready endpoints', q: 'all.prod.svc.cluster.local', type: 'A', rcode: 'NOERROR', data: ['198.18.0.11'] },
  {
    name: 'headless SRV: one per endpoint',
    q: '_pg._tcp.db.prod.svc.cluster.local',
    type: 'SRV',
    rcode: 'NOERROR',
    data: [
      { priority: 0, weight: 50, port: 5432, target: 'db-0.db.prod.svc.cluster.local' },
      { priority: 0, weight: 50, port: 5432, target: '198-18-0-8.db.prod.svc.cluster.local' },
    ],
  },
  { name: 'ExternalName: CNAME', q: 'ext.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', data: ['example.com'] },
  { name: 'pod A record', q: '198-18-0-5.default.pod.cluster.local', type: 'A', rcode: 'NOERROR', data: ['198.18.0.5'] },
  { name: 'pod name that is not an address: NXDOMAIN', q: 'web.default.pod.cluster.local', type: 'A', rcode: 'NXDOMAIN', data: [] },
  { name: 'namespace level: NODATA', q: 'default.svc.cluster.local', type: 'A', rcode: 'NOERROR', data: [] },
  { name: 'svc level: NODATA', q: 'svc.cluster.local', type: 'A', rcode: 'NOERROR', data: [] },
  { name: 'other label under the zone: NXDOMAIN', q: 'foo.cluster.local', type: 'A', rcode: 'NXDOMAIN', data: [] },
  { name: 'dns-version TXT', q: 'dns-version.cluster.local', type: 'TXT', rcode: 'NOERROR', data: ['1.1.0'] },
  { name: 'PTR of a cluster IP', q: '20.0.19.198.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', data: ['web.default.svc.cluster.local'] },
  { name: 'PTR of a headless endpoint', q: '7.0.18.198.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', data: ['db-0.db.prod.svc.cluster.local'] },
];

for (const c of lookupCases) {
  test(`lookup: ${c.name}`, (t) => {
    t.true(zone.handles(c.q, c.type));
    const a = zone.lookup(c.q, c.type);
    t.is(a.rcode, c.rcode);
    t.deepEqual(a.answers.map((r) => (r as { data: unknown }).data), c.data);
    if (c.data.length === 0) t.is(a.authorities[0]?.type, 'SOA');
  });
}

test('names outside the zone and unknown reverse names are not the zone\'s', (t) => {
  t.false(zone.handles('example.com', 'A'));
  t.false(zone.handles('1.1.168.192.in-addr.arpa', 'PTR'));
  t.false(zone.handles('cluster.local.example.com', 'A'));
});

test('headless SRV answers carry the endpoints\' addresses as additionals', (t) => {
  const a = zone.lookup('_pg._tcp.db.prod.svc.cluster.local', 'SRV');
  t.deepEqual(a.additionals.map((r) => [r.name, (r as { data: unknown }).data]), [['db-0.db.prod.svc.cluster.local', '198.18.0.7'], ['198-18-0-8.db.prod.svc.cluster.local', '198.18.0.8']]);
});

const parseCases: Array<[string, ReturnType<typeof parseName>]> = [
  ['web.default.svc.cluster.local', { kind: 'service', namespace: 'default', service: 'web' }],
  ['db-0.db.prod.svc.cluster.local', { kind: 'service', namespace: 'prod', service: 'db', endpoint: 'db-0' }],
  ['_http._tcp.web.default.svc.cluster.local', { kind: 'service', namespace: 'default', service: 'web', port: 'http', protocol: 'tcp' }],
  ['a.b.web.default.svc.cluster.local', { kind: 'invalid' }],
  ['1-2-3-4.ns.pod.cluster.local', { kind: 'pod', namespace: 'ns', address: '1-2-3-4' }],
  ['cluster.local', { kind: 'interior' }],
];
for (const [name, want] of parseCases) {
  test(`parseName: ${name}`, (t) => t.deepEqual(parseName(name, 'cluster.local'), want));
}

test('podAddress and reverseAddress', (t) => {
  t.is(podAddress('10-0-0-1'), '10.0.0.1');
  t.is(podAddress('10-0-0-256'), undefined);
  t.is(podAddress('fd00--1'), 'fd00::1');
  t.is(reverseAddress('4.3.2.1.in-addr.arpa'), '1.2.3.4');
  t.is(reverseAddress('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa'), 'fd00::1');
  t.is(reverseAddress('x.3.2.1.in-addr.arpa'), undefined);
});

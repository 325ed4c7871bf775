import test from 'ava';
import type { Endpoint } from '../endpoint.ts';
import type { ServicePortInfo } from '../service-port.ts';
import { newConntrackRunner, staleUdpEntries, type ServicePortState } from './cleanup.ts';

const svc = (protocol: 'UDP' | 'TCP', nodePort = 0): ServicePortInfo => ({
  servicePortName: 'ns/dns:dns', namespace: 'ns', name: 'dns', portName: 'dns', protocol, port: 53, clusterIPs: ['198.19.0.10'], nodePort,
  externalIPs: [], loadBalancerIPs: [], stickyMaxAgeSeconds: 0, externalPolicyLocal: false, internalPolicyLocal: false,
});
const ep = (ip: string): Endpoint => ({ ip, port: 53, ready: true, serving: true, terminating: false, isLocal: true });
const state = (s: ServicePortInfo, eps: Endpoint[]): Map<string, ServicePortState> => new Map([['k', { svc: s, endpoints: eps }]]);

const cases = [
  { name: 'a UDP service getting its first endpoint flushes its IP and node port', prev: state(svc('UDP', 30053), []), next: state(svc('UDP', 30053), [ep('198.18.0.5')]), want: { serviceIPs: ['198.19.0.10'], nodePorts: [30053], nat: [] } },
  { name: 'a removed UDP endpoint flushes its NAT entries', prev: state(svc('UDP'), [ep('198.18.0.5'), ep('198.18.0.6')]), next: state(svc('UDP'), [ep('198.18.0.6')]), want: { serviceIPs: [], nodePorts: [], nat: [{ origin: '198.19.0.10', dest: '198.18.0.5' }] } },
  { name: 'a deleted UDP service flushes all its endpoints', prev: state(svc('UDP'), [ep('198.18.0.5')]), next: new Map(), want: { serviceIPs: [], nodePorts: [], nat: [{ origin: '198.19.0.10', dest: '198.18.0.5' }] } },
  { name: 'TCP changes need nothing', prev: state(svc('TCP'), [ep('198.18.0.5')]), next: state(svc('TCP'), []), want: { serviceIPs: [], nodePorts: [], nat: [] } },
];
for (const tc of cases) {
  test(`staleUdpEntries: ${tc.name}`, (t) => {
    t.deepEqual(staleUdpEntries(tc.prev, tc.next), tc.want);
  });
}

test('newConntrackRunner runs conntrack -D per entry and ignores "0 flow entries"', async (t) => {
  const calls: string[] = [];
  const errors: Error[] = [];
  const runner = newConntrackRunner({
    exec: async (cmd, args) => {
      calls.push([cmd, ...args].join(' '));
      return { code: 1, stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.' };
    },
    onError: (e) => errors.push(e),
  });
  await runner.clear({ serviceIPs: ['198.19.0.10'], nodePorts: [30053], nat: [{ origin: '198.19.0.10', dest: '198.18.0.5' }] });
  t.deepEqual(calls, ['conntrack -D -p udp --orig-dst 198.19.0.10', 'conntrack -D -p udp --orig-port-dst 30053', 'conntrack -D -p udp --orig-dst 198.19.0.10 --dst-nat 198.18.0.5']);
  t.deepEqual(errors, []);
});

import test from 'ava';
import type { EndpointSlice, Service } from '#generated/k8s/index.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/fake-clock.ts';
import { endpointsFromSlices } from '../endpoint.ts';
import { servicePortsFromService } from '../service-port.ts';
import { FakeIptables } from '../util/iptables/fake-iptables.ts';
import { chainNames, servicePortChainName, servicePortEndpointChainName } from './chain-names.ts';
import { Proxier, cleanupInstance, probability, renderRules, splitRuleArgs, topLevelJumps } from './proxier.ts';

const TAG = 'tst01'.slice(0, 5);
const N = chainNames(TAG);

function svc(name: string, spec: Service['spec'], ns = 'ns'): Service {
  return { metadata: { namespace: ns, name }, spec: { clusterIP: '198.19.0.10', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec } };
}

interface Ep {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  node?: string;
}

function slice(svcName: string, eps: Ep[], ports: Array<{ name?: string; port: number; protocol?: string }> = [{ name: 'http', port: 8080 }], ns = 'ns'): EndpointSlice {
  return {
    metadata: { namespace: ns, name: `${svcName}-abc`, labels: { 'kubernetes.io/service-name': svcName } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
    endpoints: eps.map((e) => ({ addresses: [e.ip], nodeName: e.node ?? 'node-a', conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false } })),
  } as EndpointSlice;
}

function render(services: Service[], slices: EndpointSlice[], extra: { existing?: { nat: string[]; filter: string[] }; masqueradeAll?: boolean } = {}) {
  return renderRules({
    tag: TAG,
    services: services.flatMap(servicePortsFromService),
    endpoints: endpointsFromSlices(slices, 'node-a'),
    clusterCIDR: '198.18.0.0/16',
    masqueradeAll: extra.masqueradeAll,
    existingChains: extra.existing,
  });
}

const svcChain = (spn: string, p = 'TCP') => servicePortChainName('SVC', TAG, spn, p);
const sepChain = (spn: string, ep: string, p = 'TCP') => servicePortEndpointChainName(TAG, spn, p, ep);

interface Case {
  name: string;
  services: Service[];
  slices: EndpointSlice[];
  masqueradeAll?: boolean;
  existing?: { nat: string[]; filter: string[] };
  /** Lines (exact) that must appear. */
  has?: string[];
  /** Substrings no line may contain. */
  hasNot?: string[];
}

const cases: Case[] = [
  {
    name: 'cluster IP with two endpoints load-balances with probability 1/2 then the rest',
    services: [svc('web', {})],
    slices: [slice('web', [{ ip: '198.18.0.5' }, { ip: '198.18.0.6' }])],
    has: [
      `-A ${N.services} -m comment --comment "ns/web:http cluster IP" -p tcp -m tcp -d 198.19.0.10/32 --dport 80 -j ${svcChain('ns/web:http')}`,
      `-A ${svcChain('ns/web:http')} -m comment --comment "ns/web:http cluster IP" -p tcp -m tcp -d 198.19.0.10/32 --dport 80 ! -s 198.18.0.0/16 -j ${N.markMasq}`,
      `-A ${svcChain('ns/web:http')} -m comment --comment "ns/web:http -> 198.18.0.5:8080" -m statistic --mode random --probability 0.5000000000 -j ${sepChain('ns/web:http', '198.18.0.5:8080')}`,
      `-A ${svcChain('ns/web:http')} -m comment --comment "ns/web:http -> 198.18.0.6:8080" -j ${sepChain('ns/web:http', '198.18.0.6:8080')}`,
      `-A ${sepChain('ns/web:http', '198.18.0.5:8080')} -m comment --comment "ns/web:http" -s 198.18.0.5/32 -j ${N.markMasq}`,
      `-A ${sepChain('ns/web:http', '198.18.0.5:8080')} -m comment --comment "ns/web:http" -p tcp -m tcp -j DNAT --to-destination 198.18.0.5:8080`,
    ],
    hasNot: ['REJECT', 'recent'],
  },
  {
    name: 'a service without endpoints is rejected in the filter table',
    services: [svc('empty', {})],
    slices: [],
    has: [`-A ${N.services} -m comment --comment "ns/empty:http has no endpoints" -p tcp -m tcp -d 198.19.0.10/32 --dport 80 -j REJECT`],
    hasNot: ['KUBE-SVC-', 'DNAT'],
  },
  {
    name: 'not-ready endpoints are not used; serving terminating ones are when nothing is ready',
    services: [svc('a', {}), svc('b', { clusterIP: '198.19.0.11' })],
    slices: [slice('a', [{ ip: '198.18.0.5', ready: false, serving: false }]), slice('b', [{ ip: '198.18.0.7', ready: false, serving: true, terminating: true }])],
    has: [
      `-A ${N.services} -m comment --comment "ns/a:http has no endpoints" -p tcp -m tcp -d 198.19.0.10/32 --dport 80 -j REJECT`,
      `-A ${sepChain('ns/b:http', '198.18.0.7:8080')} -m comment --comment "ns/b:http" -p tcp -m tcp -j DNAT --to-destination 198.18.0.7:8080`,
    ],
    hasNot: ['198.18.0.5:8080'],
  },
  {
    name: 'NodePort jumps from KUBE-NODEPORTS to an EXT chain that masquerades',
    services: [svc('np', { type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }] })],
    slices: [slice('np', [{ ip: '198.18.0.5' }])],
    has: [
      `-A ${N.nodePorts} -m comment --comment "ns/np:http" -p tcp -m tcp --dport 30080 -j ${servicePortChainName('EXT', TAG, 'ns/np:http', 'TCP')}`,
      `-A ${servicePortChainName('EXT', TAG, 'ns/np:http', 'TCP')} -m comment --comment "masquerade traffic for ns/np:http external destinations" -j ${N.markMasq}`,
      `-A ${servicePortChainName('EXT', TAG, 'ns/np:http', 'TCP')} -j ${svcChain('ns/np:http')}`,
      `-A ${N.services} -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j ${N.nodePorts}`,
    ],
  },
  {
    name: 'a NodePort without endpoints is rejected on local addresses',
    services: [svc('np', { type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30081 }] })],
    slices: [],
    has: [`-A ${N.externalServices} -m comment --comment "ns/np:http has no endpoints" -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30081 -j REJECT`],
    hasNot: ['KUBE-EXT-'],
  },
  {
    name: 'ClientIP affinity checks recent lists first and records the client in the endpoint chain',
    services: [svc('sticky', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10 } } })],
    slices: [slice('sticky', [{ ip: '198.18.0.5' }, { ip: '198.18.0.6' }])],
    has: [
      `-A ${svcChain('ns/sticky:http')} -m comment --comment "ns/sticky:http -> 198.18.0.5:8080" -m recent --name ${sepChain('ns/sticky:http', '198.18.0.5:8080')} --mask 255.255.255.255 --rsource --rcheck --seconds 10 --reap -j ${sepChain('ns/sticky:http', '198.18.0.5:8080')}`,
      `-A ${sepChain('ns/sticky:http', '198.18.0.6:8080')} -m comment --comment "ns/sticky:http" -m recent --name ${sepChain('ns/sticky:http', '198.18.0.6:8080')} --mask 255.255.255.255 --rsource --set -p tcp -m tcp -j DNAT --to-destination 198.18.0.6:8080`,
    ],
  },
  {
    name: 'ClientIP affinity without a config uses the 10800 s default',
    services: [svc('sticky', { sessionAffinity: 'ClientIP' })],
    slices: [slice('sticky', [{ ip: '198.18.0.5' }])],
    has: [`-A ${svcChain('ns/sticky:http')} -m comment --comment "ns/sticky:http -> 198.18.0.5:8080" -m recent --name ${sepChain('ns/sticky:http', '198.18.0.5:8080')} --mask 255.255.255.255 --rsource --rcheck --seconds 10800 --reap -j ${sepChain('ns/sticky:http', '198.18.0.5:8080')}`],
  },
  {
    name: 'ExternalName and headless services get no rules',
    services: [svc('ext', { type: 'ExternalName', externalName: 'example.com', clusterIP: undefined }), svc('headless', { clusterIP: 'None' })],
    slices: [slice('headless', [{ ip: '198.18.0.5' }])],
    hasNot: ['ns/ext', 'ns/headless'],
  },
  {
    name: 'multiple ports and protocols each get their own chains',
    services: [svc('multi', { ports: [{ name: 'tcp', port: 53, protocol: 'TCP' }, { name: 'udp', port: 53, protocol: 'UDP' }, { name: 'sctp', port: 99, protocol: 'SCTP' }] })],
    slices: [slice('multi', [{ ip: '198.18.0.5' }], [{ name: 'tcp', port: 5353 }, { name: 'udp', port: 5353, protocol: 'UDP' }, { name: 'sctp', port: 9999, protocol: 'SCTP' }])],
    has: [
      `-A ${N.services} -m comment --comment "ns/multi:tcp cluster IP" -p tcp -m tcp -d 198.19.0.10/32 --dport 53 -j ${svcChain('ns/multi:tcp')}`,
      `-A ${N.services} -m comment --comment "ns/multi:udp cluster IP" -p udp -m udp -d 198.19.0.10/32 --dport 53 -j ${svcChain('ns/multi:udp', 'UDP')}`,
      `-A ${N.services} -m comment --comment "ns/multi:sctp cluster IP" -p sctp -m sctp -d 198.19.0.10/32 --dport 99 -j ${svcChain('ns/multi:sctp', 'SCTP')}`,
      `-A ${sepChain('ns/multi:udp', '198.18.0.5:5353', 'UDP')} -m comment --comment "ns/multi:udp" -p udp -m udp -j DNAT --to-destination 198.18.0.5:5353`,
    ],
  },
  {
    name: 'an unnamed port is named ns/svc',
    services: [svc('plain', { ports: [{ port: 80 }] })],
    slices: [slice('plain', [{ ip: '198.18.0.5' }], [{ port: 8080 }])],
    has: [`-A ${N.services} -m comment --comment "ns/plain cluster IP" -p tcp -m tcp -d 198.19.0.10/32 --dport 80 -j ${svcChain('ns/plain')}`],
  },
  {
    name: 'internalTrafficPolicy Local uses only this node\'s endpoints (SVL chain, no masquerade)',
    services: [svc('itp', { internalTrafficPolicy: 'Local' })],
    slices: [slice('itp', [{ ip: '198.18.0.5', node: 'node-a' }, { ip: '198.18.0.6', node: 'node-b' }])],
    has: [
      `-A ${N.services} -m comment --comment "ns/itp:http cluster IP" -p tcp -m tcp -d 198.19.0.10/32 --dport 80 -j ${servicePortChainName('SVL', TAG, 'ns/itp:http', 'TCP')}`,
      `-A ${servicePortChainName('SVL', TAG, 'ns/itp:http', 'TCP')} -m comment --comment "ns/itp:http -> 198.18.0.5:8080" -j ${sepChain('ns/itp:http', '198.18.0.5:8080')}`,
    ],
    hasNot: ['198.18.0.6'],
  },
  {
    name: 'internalTrafficPolicy Local with endpoints only elsewhere drops',
    services: [svc('itp', { internalTrafficPolicy: 'Local' })],
    slices: [slice('itp', [{ ip: '198.18.0.6', node: 'node-b' }])],
    has: [`-A ${N.services} -m comment --comment "ns/itp:http has no local endpoints" -p tcp -m tcp -d 198.19.0.10/32 --dport 80 -j DROP`],
  },
  {
    name: 'externalTrafficPolicy Local sends node-port traffic to local endpoints, pods and the host to all',
    services: [svc('etp', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30090 }] })],
    slices: [slice('etp', [{ ip: '198.18.0.5', node: 'node-a' }, { ip: '198.18.0.6', node: 'node-b' }])],
    has: [
      `-A ${servicePortChainName('EXT', TAG, 'ns/etp:http', 'TCP')} -m comment --comment "pod traffic for ns/etp:http external destinations" -s 198.18.0.0/16 -j ${svcChain('ns/etp:http')}`,
      `-A ${servicePortChainName('EXT', TAG, 'ns/etp:http', 'TCP')} -j ${servicePortChainName('SVL', TAG, 'ns/etp:http', 'TCP')}`,
      `-A ${servicePortChainName('SVL', TAG, 'ns/etp:http', 'TCP')} -m comment --comment "ns/etp:http -> 198.18.0.5:8080" -j ${sepChain('ns/etp:http', '198.18.0.5:8080')}`,
    ],
  },
  {
    name: 'external IPs jump to the EXT chain',
    services: [svc('eip', { externalIPs: ['203.0.113.9'] })],
    slices: [slice('eip', [{ ip: '198.18.0.5' }])],
    has: [`-A ${N.services} -m comment --comment "ns/eip:http external IP" -p tcp -m tcp -d 203.0.113.9/32 --dport 80 -j ${servicePortChainName('EXT', TAG, 'ns/eip:http', 'TCP')}`],
  },
  {
    name: '--masquerade-all marks every cluster IP packet',
    services: [svc('web', {})],
    slices: [slice('web', [{ ip: '198.18.0.5' }])],
    masqueradeAll: true,
    has: [`-A ${svcChain('ns/web:http')} -m comment --comment "ns/web:http cluster IP" -p tcp -m tcp -d 198.19.0.10/32 --dport 80 -j ${N.markMasq}`],
  },
  {
    name: 'chains of this instance no longer needed are flushed and deleted; other instances\' are not',
    services: [],
    slices: [],
    existing: { nat: [`KUBE-SVC-${TAG}-AAAAAAAAAAAAA`, 'KUBE-SVC-other-AAAAAAAAAAAAA', 'KUBE-SVC-XPGD46QRK7WJZT7O'], filter: [] },
    has: [`:KUBE-SVC-${TAG}-AAAAAAAAAAAAA - [0:0]`, `-X KUBE-SVC-${TAG}-AAAAAAAAAAAAA`],
    hasNot: ['KUBE-SVC-other', 'XPGD46QRK7WJZT7O'],
  },
  {
    name: 'the fixed chains masquerade marked packets only',
    services: [],
    slices: [],
    has: [
      `-A ${N.postrouting} -m mark ! --mark 0x4000/0x4000 -j RETURN`,
      `-A ${N.postrouting} -j MARK --xor-mark 0x4000`,
      `-A ${N.postrouting} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
      `-A ${N.markMasq} -j MARK --or-mark 0x4000`,
    ],
    hasNot: ['CNI-HOSTPORT'],
  },
];

for (const tc of cases) {
  test(`renderRules: ${tc.name}`, (t) => {
    const out = render(tc.services, tc.slices, { existing: tc.existing, masqueradeAll: tc.masqueradeAll });
    const lines = out.text.split('\n');
    for (const want of tc.has ?? []) t.true(lines.includes(want), `missing line:\n${want}\n--- in ---\n${out.text}`);
    for (const bad of tc.hasNot ?? []) t.false(out.text.includes(bad), `unexpected ${bad} in:\n${out.text}`);
    // Every chain name fits iptables' limit and every jump target is declared.
    for (const c of [...out.natChains, ...out.filterChains]) t.true(c.length <= 28, c);
    for (const l of lines) {
      const target = /-j (KUBE-\S+)/.exec(l)?.[1];
      if (target) t.true(out.text.includes(`:${target} - [0:0]`), `undeclared ${target}`);
    }
  });
}

test('renderRules: the node-ports rule is the last of KUBE-SERVICES', (t) => {
  const out = render([svc('a', {}), svc('b', { clusterIP: '198.19.0.11', type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30001 }] })], [slice('a', [{ ip: '198.18.0.5' }]), slice('b', [{ ip: '198.18.0.6' }])]);
  const nat = out.text.slice(out.text.indexOf('*nat'));
  const svcRules = nat.split('\n').filter((l) => l.startsWith(`-A ${N.services} `));
  t.regex(svcRules[svcRules.length - 1], /-j KUBE-NODEPORTS-/);
});

test('renderRules: probabilities are 1/n, 1/(n-1)... like upstream', (t) => {
  t.deepEqual([4, 3, 2].map(probability), ['0.2500000000', '0.3333333333', '0.5000000000']);
  const out = render([svc('w', {})], [slice('w', [{ ip: '198.18.0.1' }, { ip: '198.18.0.2' }, { ip: '198.18.0.3' }, { ip: '198.18.0.4' }])]);
  t.deepEqual(out.text.match(/--probability \S+/g), ['--probability 0.2500000000', '--probability 0.3333333333', '--probability 0.5000000000']);
});

test('splitRuleArgs keeps quoted comments whole', (t) => {
  t.deepEqual(splitRuleArgs('-A PREROUTING -m comment --comment "kubets ab service portals" -j KUBE-SERVICES-ab'), ['-A', 'PREROUTING', '-m', 'comment', '--comment', 'kubets ab service portals', '-j', 'KUBE-SERVICES-ab']);
});

async function newProxier(ipt: FakeIptables, clock: FakeClock, tag = TAG) {
  const p = new Proxier({ tag, nodeName: 'node-a', clusterCIDR: '198.18.0.0/16', iptables: ipt, clock, minSyncPeriodMs: 1000, syncPeriodMs: 30_000 });
  return p;
}

test('Proxier: no sync before initialization, then one batched sync per min period', async (t) => {
  const ipt = new FakeIptables();
  const clock = new FakeClock();
  const p = await newProxier(ipt, clock);
  p.onServiceUpdate(svc('web', {}));
  await clock.advance(5000);
  t.is(ipt.restores.length, 0);
  p.setInitialized();
  await clock.advance(0);
  await p.syncNow();
  t.is(ipt.restores.length, 1);
  t.true(ipt.rules('filter', N.services).some((r) => r.includes('ns/web:http has no endpoints')));
  // Jumps are in place.
  t.true(ipt.rules('nat', 'PREROUTING').some((r) => r.endsWith(`-j ${N.services}`)));
  // Two changes within the min sync period give one more sync.
  p.onEndpointSliceUpdate(slice('web', [{ ip: '198.18.0.5' }]));
  p.onEndpointSliceUpdate(slice('web', [{ ip: '198.18.0.5' }, { ip: '198.18.0.6' }]));
  await clock.advance(1000);
  await p.syncNow();
  t.is(ipt.restores.length, 2);
  t.is(ipt.rules('filter', N.services).length, 0);
  t.true(ipt.rules('nat', svcChain('ns/web:http')).some((r) => r.includes('198.18.0.6:8080')));
  // Nothing changed: no restore.
  await clock.advance(1000);
  await p.syncNow();
  t.is(ipt.restores.length, 2);
  await p.stop();
});

test('Proxier: deleting a service removes its chains; a failed restore is retried', async (t) => {
  const ipt = new FakeIptables();
  const clock = new FakeClock();
  const p = await newProxier(ipt, clock);
  p.onServiceUpdate(svc('web', {}));
  p.onEndpointSliceUpdate(slice('web', [{ ip: '198.18.0.5' }]));
  p.setInitialized();
  await p.syncNow();
  t.true(ipt.tables.nat.has(svcChain('ns/web:http')));
  ipt.failRestore = true;
  p.onServiceDelete(svc('web', {}));
  await clock.advance(1000);
  await p.syncNow();
  t.true(ipt.tables.nat.has(svcChain('ns/web:http')));
  ipt.failRestore = false;
  await clock.advance(1000);
  await p.syncNow();
  t.false(ipt.tables.nat.has(svcChain('ns/web:http')));
  t.false(ipt.tables.nat.has(sepChain('ns/web:http', '198.18.0.5:8080')));
  await p.stop();
});

test('cleanupInstance removes only its own jumps and chains', async (t) => {
  const ipt = new FakeIptables();
  const clock = new FakeClock();
  const mine = await newProxier(ipt, clock, 'mine1');
  const other = await newProxier(ipt, clock, 'othr2');
  for (const p of [mine, other]) {
    p.onServiceUpdate(svc('web', {}));
    p.onEndpointSliceUpdate(slice('web', [{ ip: '198.18.0.5' }]));
    p.setInitialized();
    await p.syncNow();
  }
  ipt.tables.nat.get('PREROUTING')!.push('-m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT');
  const removed = await cleanupInstance(ipt, 'mine1');
  t.is(removed.rules, topLevelJumps(chainNames('mine1')).length);
  const all = (await ipt.save('nat')) + (await ipt.save('filter'));
  t.false(all.includes('mine1'));
  t.true(all.includes('KUBE-SERVICES-othr2'));
  t.true(all.includes('CNI-HOSTPORT-DNAT'));
  // Idempotent.
  t.deepEqual(await cleanupInstance(ipt, 'mine1'), { rules: 0, chains: 0 });
  await mine.stop();
  await other.stop();
});

test('Proxier: a removed UDP endpoint flushes its conntrack entries after the rules change', async (t) => {
  const ipt = new FakeIptables();
  const clock = new FakeClock();
  const cleared: unknown[] = [];
  const p = new Proxier({ tag: TAG, nodeName: 'node-a', iptables: ipt, clock, conntrack: { clear: async (e) => void cleared.push(e) } });
  const dns = svc('dns', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
  p.onServiceUpdate(dns);
  p.onEndpointSliceUpdate(slice('dns', [{ ip: '198.18.0.5' }, { ip: '198.18.0.6' }], [{ name: 'dns', port: 53, protocol: 'UDP' }]));
  p.setInitialized();
  await p.syncNow();
  // First endpoints of a UDP service: entries to the cluster IP are flushed.
  t.deepEqual(cleared, [{ serviceIPs: ['198.19.0.10'], nodePorts: [], nat: [] }]);
  p.onEndpointSliceUpdate(slice('dns', [{ ip: '198.18.0.6' }], [{ name: 'dns', port: 53, protocol: 'UDP' }]));
  await clock.advance(1000);
  await p.syncNow();
  t.deepEqual(cleared[1], { serviceIPs: [], nodePorts: [], nat: [{ origin: '198.19.0.10', dest: '198.18.0.5' }] });
  await p.stop();
});

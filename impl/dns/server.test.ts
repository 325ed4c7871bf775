import test from 'ava';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import type { Service } from '#generated/k8s/index.ts';
import { KubernetesZone } from './kubernetes/kubernetes.ts';
import { startDnsServer, type DnsServer } from './server.ts';

const services: Service[] = [{ metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '198.19.0.20', clusterIPs: ['198.19.0.20'], ports: [{ name: 'http', port: 80 }] } }];
const zoneFor = (domain: string): KubernetesZone =>
  new KubernetesZone({
    clusterDomain: domain,
    state: { getService: (ns, n) => services.find((s) => s.metadata?.namespace === ns && s.metadata?.name === n), listServices: () => services, endpointSlices: () => [] },
  });

async function withServer(t: { teardown(fn: () => Promise<void>): void }, upstreams?: string[], domain = 'cluster.local'): Promise<DnsServer> {
  const s = await startDnsServer({ zone: zoneFor(domain), bindAddress: '127.0.0.1', port: 0, upstreams, forwardTimeoutMs: 1000 });
  t.teardown(() => s.close());
  return s;
}

function udpAsk(port: number, msg: Buffer, timeoutMs = 3000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      resolve(undefined);
    }, timeoutMs);
    sock.on('message', (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(m);
    });
    sock.send(msg, port, '127.0.0.1');
  });
}

function tcpAsk(port: number, msgs: Buffer[]): Promise<DecodedPacket[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const out: DecodedPacket[] = [];
    sock.on('error', reject);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length === msgs.length) {
        sock.end();
        resolve(out);
      }
    });
    // Both messages in one write: the server must split them by their length prefixes.
    sock.write(Buffer.concat(msgs.map((m) => dnsPacket.streamEncode(dnsPacket.decode(m)))));
  });
}

const query = (name: string, type: 'A' | 'SRV' | 'TXT' = 'A', id = 42): Buffer => dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] });

test('a real resolver (node:dns) gets A and SRV records over UDP; an unknown service is ENOTFOUND', async (t) => {
  const s = await withServer(t);
  const r = new Resolver({ timeout: 2000, tries: 1 });
  r.setServers([`127.0.0.1:${s.port}`]);
  t.deepEqual(await r.resolve4('web.default.svc.cluster.local'), ['198.19.0.20']);
  t.deepEqual(await r.resolveSrv('_http._tcp.web.default.svc.cluster.local'), [{ name: 'web.default.svc.cluster.local', port: 80, priority: 0, weight: 100 }]);
  await t.throwsAsync(r.resolve4('nope.default.svc.cluster.local'), { code: 'ENOTFOUND' });
});

test('zone answers are authoritative, keep the ID and RD, and NXDOMAIN carries the SOA', async (t) => {
  const s = await withServer(t);
  const ok = dnsPacket.decode((await udpAsk(s.port, query('web.default.svc.cluster.local', 'A', 7)))!);
  t.is(ok.id, 7);
  t.true(ok.flag_aa);
  t.true(ok.flag_rd);
  t.is((ok as { rcode?: string }).rcode, 'NOERROR');
  const nx = dnsPacket.decode((await udpAsk(s.port, query('x.default.svc.cluster.local')))!);
  t.is((nx as { rcode?: string }).rcode, 'NXDOMAIN');
  t.is(nx.authorities?.[0]?.type, 'SOA');
});

test('TCP: two length-prefixed queries in one segment get two answers', async (t) => {
  const s = await withServer(t);
  const [a, b] = await tcpAsk(s.port, [query('web.default.svc.cluster.local', 'A', 1), query('dns-version.cluster.local', 'TXT', 2)]);
  t.is(a?.id, 1);
  t.deepEqual(a?.answers?.map((r) => (r as { data: unknown }).data), ['198.19.0.20']);
  t.is(b?.id, 2);
  t.deepEqual(b?.answers?.map((r) => String((r as { data: Buffer[] }).data[0])), ['1.1.0']);
});

test.serial('names outside the zone are forwarded upstream; with no upstream they get SERVFAIL', async (t) => {
  const upstream = await withServer(t, undefined, 'example.test');
  services.push({ metadata: { name: 'up', namespace: 'ns' }, spec: { clusterIP: '198.19.0.30', clusterIPs: ['198.19.0.30'] } });
  t.teardown(() => void services.pop());
  const s = await withServer(t, [`127.0.0.1:${upstream.port}`]);
  const fwd = dnsPacket.decode((await udpAsk(s.port, query('up.ns.svc.example.test')))!);
  t.deepEqual(fwd.answers?.map((r) => (r as { data: unknown }).data), ['198.19.0.30']);
  const lonely = await withServer(t);
  const fail = dnsPacket.decode((await udpAsk(lonely.port, query('up.ns.svc.example.test')))!);
  t.is((fail as { rcode?: string }).rcode, 'SERVFAIL');
});

test('an upstream that never answers gives SERVFAIL within the forward timeout', async (t) => {
  const silent = dgram.createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  t.teardown(() => silent.close());
  const s = await withServer(t, [`127.0.0.1:${silent.address().port}`]);
  const reply = dnsPacket.decode((await udpAsk(s.port, query('example.org'), 10_000))!);
  t.is((reply as { rcode?: string }).rcode, 'SERVFAIL');
});

test('bad input: garbage with a readable header gets FORMERR; a short packet is dropped; the server keeps serving', async (t) => {
  const s = await withServer(t);
  const garbage = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]), Buffer.from([0xff, 0xff, 0xff])]);
  const formerr = await udpAsk(s.port, garbage);
  t.truthy(formerr);
  t.is(formerr!.readUInt16BE(0), 0x1234);
  t.is(formerr!.readUInt16BE(2) & 0xf, 1);
  t.is(await udpAsk(s.port, Buffer.from([1, 2, 3]), 500), undefined);
  const noQuestion = dnsPacket.decode((await udpAsk(s.port, dnsPacket.encode({ type: 'query', id: 9, questions: [] })))!);
  t.is((noQuestion as { rcode?: string }).rcode, 'FORMERR');
  const ok = dnsPacket.decode((await udpAsk(s.port, query('web.default.svc.cluster.local')))!);
  t.is((ok as { rcode?: string }).rcode, 'NOERROR');
});

test.serial('a UDP answer larger than 512 bytes without EDNS is truncated (TC) and complete over TCP', async (t) => {
  const many: Service[] = Array.from({ length: 60 }, (_, i) => ({ metadata: { name: 'big', namespace: 'default' }, spec: { clusterIP: `198.19.1.${i}`, clusterIPs: Array.from({ length: 60 }, (_, j) => `198.19.1.${j}`) } }));
  services.push(many[0]!);
  t.teardown(() => void services.pop());
  const s = await withServer(t);
  const udp = dnsPacket.decode((await udpAsk(s.port, query('big.default.svc.cluster.local')))!);
  t.true(udp.flag_tc);
  t.is(udp.answers?.length, 0);
  const [tcp] = await tcpAsk(s.port, [query('big.default.svc.cluster.local')]);
  t.is(tcp?.answers?.length, 60);
});

/**
 * DnsServer serves DNS over UDP and TCP on one address and port (CoreDNS's `dns` server block):
 * questions for the cluster zone are answered by {@link KubernetesZone}, every other question is
 * forwarded to the upstream nameservers (CoreDNS `forward . /etc/resolv.conf`), and a question
 * nobody can answer gets SERVFAIL. Bad packets get FORMERR when their header can be read and are
 * dropped otherwise; the server never throws on input.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet, type Question } from 'dns-packet';
import type { KubernetesZone } from './kubernetes/kubernetes.ts';
import { forward } from './forward.ts';

/** RCODES are the response codes this server sends. */
const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
type Rcode = keyof typeof RCODES;

/** Plain DNS over UDP without EDNS carries at most 512 bytes (RFC 1035 4.2.1). */
const UDP_DEFAULT_PAYLOAD = 512;

/** DnsServerOptions configure {@link startDnsServer}. */
export interface DnsServerOptions {
  zone: KubernetesZone;
  /** Address to listen on (default 0.0.0.0). */
  bindAddress?: string;
  /** Port for UDP and TCP (0 = one free port for both). */
  port: number;
  /** Upstream nameservers (`ip` or `ip:port`) for names outside the zone. */
  upstreams?: string[];
  /** How long a forwarded question may take (ms, default 2000). */
  forwardTimeoutMs?: number;
  /** Whether the zone's data is loaded; until then its names get SERVFAIL (default: always). */
  ready?: () => boolean;
  /** Called once per answered question, for metrics and logs. */
  onQuery?: (q: Question, rcode: string, source: 'zone' | 'forward' | 'error') => void;
}

/** DnsServer is a running server. */
export interface DnsServer {
  address: string;
  port: number;
  close(): Promise<void>;
}

/** startDnsServer binds UDP and TCP on the same port and serves until {@link DnsServer.close}. */
export async function startDnsServer(o: DnsServerOptions): Promise<DnsServer> {
  const host = o.bindAddress ?? '0.0.0.0';
  const handler = (msg: Buffer, maxSize: number): Promise<Buffer | undefined> => handle(o, msg, maxSize);

  // Bind TCP first on the asked port (0 picks one), then UDP on the same number.
  const tcp = net.createServer((socket) => serveTcp(socket, handler));
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(o.port, host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const port = (tcp.address() as net.AddressInfo).port;
  const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    tcp.close();
    throw err;
  }
  udp.on('error', () => undefined);
  udp.on('message', (msg, rinfo) => {
    void handler(msg, udpPayloadSize(msg)).then((reply) => {
      if (reply) udp.send(reply, rinfo.port, rinfo.address);
    });
  });

  return {
    address: host,
    port,
    close: async () => {
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}

/** serveTcp reads length-prefixed messages (RFC 1035 4.2.2) and answers each in turn. */
function serveTcp(socket: net.Socket, handler: (msg: Buffer, maxSize: number) => Promise<Buffer | undefined>): void {
  let buf = Buffer.alloc(0);
  let chain = Promise.resolve();
  socket.setTimeout(10_000, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) break;
      const msg = buf.subarray(2, 2 + len);
      buf = buf.subarray(2 + len);
      chain = chain.then(async () => {
        const reply = await handler(msg, 65535);
        if (!reply || socket.destroyed) return;
        const head = Buffer.alloc(2);
        head.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([head, reply]));
      });
    }
  });
}

/** udpPayloadSize is the EDNS0 payload size the client advertises, else 512. */
function udpPayloadSize(msg: Buffer): number {
  try {
    const opt = dnsPacket.decode(msg).additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    return Math.max(UDP_DEFAULT_PAYLOAD, opt?.udpPayloadSize ?? UDP_DEFAULT_PAYLOAD);
  } catch {
    return UDP_DEFAULT_PAYLOAD;
  }
}

/** handle answers one message; undefined drops it (unreadable, or itself a response). */
async function handle(o: DnsServerOptions, msg: Buffer, maxSize: number): Promise<Buffer | undefined> {
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(msg);
  } catch {
    return formErr(msg);
  }
  if (query.type === 'response') return undefined;
  const q = query.questions?.[0];
  if ((query as { opcode?: string }).opcode !== 'QUERY') return encode(query, 'NOTIMP', {}, maxSize);
  if (!q || (query.questions?.length ?? 0) !== 1) return encode(query, 'FORMERR', {}, maxSize);
  try {
    if (o.zone.handles(q.name, q.type)) {
      if (o.ready && !o.ready()) {
        o.onQuery?.(q, 'SERVFAIL', 'zone');
        return encode(query, 'SERVFAIL', {}, maxSize);
      }
      const a = o.zone.lookup(q.name, q.type);
      o.onQuery?.(q, a.rcode, 'zone');
      return encode(query, a.rcode, { answers: a.answers, authorities: a.authorities, additionals: a.additionals, authoritative: true }, maxSize);
    }
    const upstreams = o.upstreams ?? [];
    if (upstreams.length > 0) {
      const reply = await forward(msg, upstreams, o.forwardTimeoutMs ?? 2000);
      if (reply) {
        o.onQuery?.(q, 'forwarded', 'forward');
        return reply;
      }
    }
    o.onQuery?.(q, 'SERVFAIL', 'forward');
    return encode(query, 'SERVFAIL', {}, maxSize);
  } catch {
    o.onQuery?.(q, 'SERVFAIL', 'error');
    return encode(query, 'SERVFAIL', {}, maxSize);
  }
}

interface Sections {
  answers?: Answer[];
  authorities?: Answer[];
  additionals?: Answer[];
  authoritative?: boolean;
}

/** encode builds the response to `query`, truncating (TC, no records) when it exceeds `maxSize`. */
function encode(query: DecodedPacket, rcode: Rcode, s: Sections, maxSize: number): Buffer {
  const flags = (s.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | RCODES[rcode];
  const reply: Packet = {
    type: 'response',
    id: query.id,
    flags,
    questions: query.questions ?? [],
    answers: s.answers ?? [],
    authorities: s.authorities ?? [],
    additionals: s.additionals ?? [],
  };
  const out = dnsPacket.encode(reply);
  if (out.length <= maxSize) return out;
  return dnsPacket.encode({ ...reply, flags: flags | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: [] });
}

/** formErr answers an undecodable message whose header is readable: same ID, FORMERR, no sections. */
function formErr(msg: Buffer): Buffer | undefined {
  if (msg.length < 12 || (msg[2]! & 0x80) !== 0) return undefined;
  const out = Buffer.alloc(12);
  msg.copy(out, 0, 0, 2);
  out.writeUInt16BE(0x8000 | (msg.readUInt16BE(2) & 0x0100) | 0x0080 | RCODES.FORMERR, 2);
  return out;
}

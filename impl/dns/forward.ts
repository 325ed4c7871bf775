/**
 * forward relays a query to upstream nameservers over UDP, in order, and returns the first reply
 * whose ID matches (CoreDNS's `forward` plugin, sequential policy). Undefined when none answers
 * within the timeout. The reply is passed through unchanged.
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** forward tries each upstream (`ip` or `ip:port`, `[v6]:port`) for up to `timeoutMs` in all. */
export async function forward(msg: Buffer, upstreams: string[], timeoutMs: number): Promise<Buffer | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (const upstream of upstreams) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const reply = await askOne(msg, upstream, Math.max(100, Math.floor(left / Math.max(1, upstreams.length))));
    if (reply) return reply;
  }
  return undefined;
}

/** splitHostPort parses `ip`, `ip:port` or `[v6]:port` (default port 53). */
export function splitHostPort(s: string): { host: string; port: number } {
  const bracketed = /^\[(.+)\]:(\d+)$/.exec(s);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2]) };
  if (net.isIP(s)) return { host: s, port: 53 };
  const i = s.lastIndexOf(':');
  return i > 0 ? { host: s.slice(0, i), port: Number(s.slice(i + 1)) } : { host: s, port: 53 };
}

function askOne(msg: Buffer, upstream: string, timeoutMs: number): Promise<Buffer | undefined> {
  const { host, port } = splitHostPort(upstream);
  const family = net.isIP(host);
  if (family === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    const done = (reply: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('error', () => done(undefined));
    socket.on('message', (reply) => {
      if (reply.length >= 2 && reply.readUInt16BE(0) === msg.readUInt16BE(0)) done(reply);
    });
    socket.send(msg, port, host);
  });
}

/**
 * resolvConfNameservers reads the `nameserver` lines of a resolv.conf, skipping `exclude`
 * addresses (the server's own, to avoid forwarding loops). Empty when the file is missing.
 */
export function resolvConfNameservers(path = '/etc/resolv.conf', exclude: string[] = []): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((ns): ns is string => ns !== undefined && net.isIP(ns) !== 0 && !exclude.includes(ns));
}

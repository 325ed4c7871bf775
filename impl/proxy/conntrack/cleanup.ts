/**
 * Stale conntrack cleanup (upstream `pkg/proxy/conntrack/cleanup.go`). UDP has no connection
 * end, so conntrack keeps NAT entries to removed endpoints (and "no endpoint" entries for a
 * service that just got its first one) alive as long as clients keep sending:
 * {@link staleUdpEntries} compares two proxier states and lists what to flush, and
 * {@link ConntrackRunner} flushes it with the `conntrack` tool.
 */
import type { Endpoint } from '../endpoint.ts';
import { exec } from '../util/iptables/iptables.ts';
import type { ServicePortInfo } from '../service-port.ts';

/** ServicePortState is one service port with the endpoints its rules used in one sync. */
export interface ServicePortState {
  svc: ServicePortInfo;
  endpoints: readonly Endpoint[];
}

/** StaleEntries are the conntrack deletions one sync calls for. */
export interface StaleEntries {
  /** serviceIPs: flush all UDP entries to these service addresses (the service got its first endpoint). */
  serviceIPs: string[];
  /** nodePorts: flush all UDP entries to these node ports. */
  nodePorts: number[];
  /** nat: flush UDP entries to `origin` NATed to `dest` (an endpoint went away). */
  nat: Array<{ origin: string; dest: string }>;
}

/** staleUdpEntries lists the UDP conntrack entries that became wrong between `prev` and `next` (keyed alike). */
export function staleUdpEntries(prev: ReadonlyMap<string, ServicePortState>, next: ReadonlyMap<string, ServicePortState>): StaleEntries {
  const out: StaleEntries = { serviceIPs: [], nodePorts: [], nat: [] };
  const addresses = (svc: ServicePortInfo): string[] => [...svc.clusterIPs, ...svc.externalIPs, ...svc.loadBalancerIPs];
  for (const [key, cur] of next) {
    if (cur.svc.protocol !== 'UDP') continue;
    const before = prev.get(key);
    if (cur.endpoints.length > 0 && (!before || before.endpoints.length === 0)) {
      out.serviceIPs.push(...addresses(cur.svc));
      if (cur.svc.nodePort > 0) out.nodePorts.push(cur.svc.nodePort);
    }
  }
  for (const [key, before] of prev) {
    if (before.svc.protocol !== 'UDP') continue;
    const cur = next.get(key);
    const still = new Set((cur?.endpoints ?? []).map((e) => e.ip));
    for (const ep of before.endpoints) {
      if (still.has(ep.ip)) continue;
      for (const origin of addresses(before.svc)) out.nat.push({ origin, dest: ep.ip });
    }
  }
  out.serviceIPs = [...new Set(out.serviceIPs)].sort();
  out.nodePorts = [...new Set(out.nodePorts)].sort((a, b) => a - b);
  return out;
}

/** ConntrackRunner deletes conntrack entries; a deletion that finds nothing is not an error. */
export interface ConntrackRunner {
  clear(entries: StaleEntries): Promise<void>;
}

/** newConntrackRunner runs the `conntrack` binary (conntrack-tools), as upstream's exec-based cleaner did. */
export function newConntrackRunner(opts: { binary?: string; exec?: typeof exec; onError?: (err: Error) => void } = {}): ConntrackRunner {
  const run = opts.exec ?? exec;
  const bin = opts.binary ?? 'conntrack';
  const del = async (args: string[]): Promise<void> => {
    const r = await run(bin, ['-D', '-p', 'udp', ...args]);
    // Exit 1 with "0 flow entries have been deleted" only means there was nothing to delete.
    if (r.code !== 0 && !/0 flow entries/.test(r.stderr + r.stdout)) opts.onError?.(new Error(`conntrack -D ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`));
  };
  return {
    async clear(entries) {
      for (const ip of entries.serviceIPs) await del(['--orig-dst', ip]);
      for (const port of entries.nodePorts) await del(['--orig-port-dst', String(port)]);
      for (const { origin, dest } of entries.nat) await del(['--orig-dst', origin, '--dst-nat', dest]);
    },
  };
}

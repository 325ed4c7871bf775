/**
 * The cluster zone: answers for Services, their endpoints and pods from the API objects, with the
 * record layout of the Kubernetes DNS-Based Service Discovery specification (v1.1.0) and the
 * choices of CoreDNS's kubernetes plugin as kubeadm configures it (`pods insecure`, `ttl 30`,
 * `fallthrough in-addr.arpa ip6.arpa`). Pure: the server feeds it a {@link ClusterState}.
 *
 * - ClusterIP service: A/AAAA for its cluster IPs; SRV for its ports, target the service name.
 * - Headless service (`clusterIP: None`): A/AAAA for every ready endpoint (every endpoint with
 *   `publishNotReadyAddresses`), each also named `<hostname|dashed-ip>.<service>...`; SRV per
 *   endpoint and port.
 * - ExternalName service: a CNAME to `spec.externalName`.
 * - `_<port>._<proto>.<service>...`: SRV for the named port.
 * - `<a-b-c-d>.<ns>.pod...`: A for that address.
 * - PTR for cluster IPs and headless endpoints; other reverse names are not ours (forwarded).
 * - A name that exists without records of the asked type: NOERROR with no answers (NODATA); a name
 *   that does not exist: NXDOMAIN; both carry the zone's SOA in the authority section.
 */
import type { Answer, RecordType, SrvAnswer } from 'dns-packet';
import type { Service } from '#generated/k8s/index.ts';
import type { EndpointSlice } from '#generated/k8s/index.ts';
import { canonicalIPv6, dashedAddress, inZone, normalizeName, parseName, podAddress, reverseAddress } from './parse.ts';

/** DNS_SCHEMA_VERSION is the specification version `dns-version.<zone>` answers with. */
export const DNS_SCHEMA_VERSION = '1.1.0';
/** DEFAULT_TTL is kubeadm's CoreDNS `ttl 30`. */
export const DEFAULT_TTL = 30;

/** ClusterState is what the zone reads: a snapshot view of Services and EndpointSlices. */
export interface ClusterState {
  getService(namespace: string, name: string): Service | undefined;
  listServices(): Service[];
  /** endpointSlices returns the slices labelled `kubernetes.io/service-name=<name>` in `namespace`. */
  endpointSlices(namespace: string, name: string): EndpointSlice[];
}

/** ZoneAnswer is the zone's reply to one question. */
export interface ZoneAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  additionals: Answer[];
  authorities: Answer[];
}

/** KubernetesZoneOptions configure {@link KubernetesZone}. */
export interface KubernetesZoneOptions {
  /** clusterDomain, e.g. `cluster.local` (kubelet `--cluster-domain`). */
  clusterDomain: string;
  state: ClusterState;
  ttl?: number;
}

interface EndpointAddress {
  ip: string;
  /** The endpoint's label under the service: its hostname, else its dashed IP. */
  label: string;
}

/** KubernetesZone answers questions for the cluster domain and for reverse names it knows. */
export class KubernetesZone {
  readonly zone: string;
  private readonly ttl: number;

  constructor(private readonly o: KubernetesZoneOptions) {
    this.zone = normalizeName(o.clusterDomain);
    this.ttl = o.ttl ?? DEFAULT_TTL;
  }

  /** handles reports whether this zone answers `name` (else it goes to the forwarder). */
  handles(name: string, type: RecordType): boolean {
    const n = normalizeName(name);
    if (inZone(n, this.zone)) return true;
    return type === 'PTR' && this.reverse(n) !== undefined;
  }

  /** lookup answers one question; call only when {@link handles} is true. */
  lookup(name: string, type: RecordType): ZoneAnswer {
    const n = normalizeName(name);
    if (!inZone(n, this.zone)) {
      const target = this.reverse(n);
      return target ? this.reply([{ name: n, type: 'PTR', ttl: this.ttl, data: target }]) : this.nxdomain();
    }
    const parsed = parseName(n, this.zone);
    switch (parsed.kind) {
      case 'invalid':
        return this.nxdomain();
      case 'interior':
        return type === 'SOA' && n === this.zone ? this.reply([this.soa()]) : this.nodata();
      case 'dns-version':
        return type === 'TXT' ? this.reply([{ name: n, type: 'TXT', ttl: this.ttl, data: DNS_SCHEMA_VERSION }]) : this.nodata();
      case 'pod': {
        const ip = podAddress(parsed.address);
        if (!ip) return this.nxdomain();
        const want = ip.includes(':') ? 'AAAA' : 'A';
        return type === want ? this.reply([{ name: n, type: want, ttl: this.ttl, data: ip.includes(':') ? canonicalIPv6(ip) : ip }]) : this.nodata();
      }
      case 'service':
        return this.service(n, type, parsed);
    }
  }

  private service(n: string, type: RecordType, q: { namespace: string; service: string; endpoint?: string; port?: string; protocol?: string }): ZoneAnswer {
    const svc = this.o.state.getService(q.namespace, q.service);
    if (!svc) return this.nxdomain();
    const svcName = `${q.service}.${q.namespace}.svc.${this.zone}`;
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') {
      if (q.endpoint || q.port) return this.nxdomain();
      const target = normalizeName(spec.externalName ?? '');
      return target ? this.reply([{ name: n, type: 'CNAME', ttl: this.ttl, data: target }]) : this.nodata();
    }
    const headless = spec.clusterIP === 'None';
    const endpoints = headless ? this.endpointAddresses(svc) : [];

    if (q.port !== undefined) {
      const ports = (spec.ports ?? []).filter((p) => p.name && p.name.toLowerCase() === q.port && (p.protocol ?? 'TCP').toLowerCase() === q.protocol);
      if (ports.length === 0) return this.nxdomain();
      if (type !== 'SRV') return this.nodata();
      return this.srv(n, svcName, headless, endpoints, ports.map((p) => p.port));
    }
    if (q.endpoint !== undefined) {
      if (!headless) return this.nxdomain();
      const matching = endpoints.filter((e) => e.label === q.endpoint);
      if (matching.length === 0) return this.nxdomain();
      return this.reply(this.addressRecords(n, type, matching.map((e) => e.ip)));
    }
    if (type === 'SRV') {
      return this.srv(n, svcName, headless, endpoints, (spec.ports ?? []).map((p) => p.port));
    }
    const ips = headless ? endpoints.map((e) => e.ip) : (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []));
    return this.reply(this.addressRecords(n, type, ips));
  }

  private srv(n: string, svcName: string, headless: boolean, endpoints: EndpointAddress[], ports: number[]): ZoneAnswer {
    const answers: SrvAnswer[] = [];
    const additionals: Answer[] = [];
    if (!headless) {
      for (const port of ports) answers.push({ name: n, type: 'SRV', ttl: this.ttl, data: { priority: 0, weight: 100, port, target: svcName } });
      return this.reply(answers, additionals);
    }
    const weight = endpoints.length > 0 ? Math.floor(100 / endpoints.length) : 100;
    for (const e of endpoints) {
      const target = `${e.label}.${svcName}`;
      for (const port of ports) answers.push({ name: n, type: 'SRV', ttl: this.ttl, data: { priority: 0, weight, port, target } });
      additionals.push(...this.addressRecords(target, e.ip.includes(':') ? 'AAAA' : 'A', [e.ip]));
    }
    return this.reply(answers, additionals);
  }

  /** addressRecords gives the A (or AAAA) records of `ips` for `type`; other types get none. */
  private addressRecords(name: string, type: RecordType, ips: string[]): Answer[] {
    const v6 = type === 'AAAA';
    if (type !== 'A' && !v6) return [];
    return ips.filter((ip) => ip.includes(':') === v6).map((ip) => ({ name, type: v6 ? 'AAAA' : 'A', ttl: this.ttl, data: v6 ? canonicalIPv6(ip) : ip }) as Answer);
  }

  /** endpointAddresses lists a headless service's addresses, ready ones unless it publishes all. */
  private endpointAddresses(svc: Service): EndpointAddress[] {
    const ns = svc.metadata?.namespace ?? '';
    const name = svc.metadata?.name ?? '';
    const all = svc.spec?.publishNotReadyAddresses === true;
    const seen = new Set<string>();
    const out: EndpointAddress[] = [];
    for (const slice of this.o.state.endpointSlices(ns, name)) {
      for (const ep of slice.endpoints ?? []) {
        if (!all && ep.conditions?.ready === false) continue;
        for (const ip of ep.addresses ?? []) {
          if (seen.has(ip)) continue;
          seen.add(ip);
          out.push({ ip, label: ep.hostname ? ep.hostname.toLowerCase() : dashedAddress(ip) });
        }
      }
    }
    return out.sort((a, b) => a.ip.localeCompare(b.ip));
  }

  /** reverse finds the name a PTR question asks for, or undefined when the address is not ours. */
  private reverse(n: string): string | undefined {
    const raw = reverseAddress(n);
    if (!raw) return undefined;
    const ip = raw.includes(':') ? canonicalIPv6(raw) : raw;
    const same = (a: string): boolean => (a.includes(':') ? canonicalIPv6(a) : a) === ip;
    for (const svc of this.o.state.listServices()) {
      const ns = svc.metadata?.namespace ?? '';
      const name = svc.metadata?.name ?? '';
      const svcName = `${name}.${ns}.svc.${this.zone}`;
      const spec = svc.spec ?? {};
      if (spec.clusterIP === 'None') {
        const ep = this.endpointAddresses(svc).find((e) => same(e.ip));
        if (ep) return `${ep.label}.${svcName}`;
      } else if ((spec.clusterIPs ?? [spec.clusterIP ?? '']).some((a) => a && same(a))) {
        return svcName;
      }
    }
    return undefined;
  }

  private soa(): Answer {
    return {
      name: this.zone,
      type: 'SOA',
      ttl: this.ttl,
      data: { mname: `ns.dns.${this.zone}`, rname: `hostmaster.${this.zone}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl },
    };
  }

  private reply(answers: Answer[], additionals: Answer[] = []): ZoneAnswer {
    if (answers.length === 0) return this.nodata();
    return { rcode: 'NOERROR', answers, additionals, authorities: [] };
  }

  private nodata(): ZoneAnswer {
    return { rcode: 'NOERROR', answers: [], additionals: [], authorities: [this.soa()] };
  }

  private nxdomain(): ZoneAnswer {
    return { rcode: 'NXDOMAIN', answers: [], additionals: [], authorities: [this.soa()] };
  }
}

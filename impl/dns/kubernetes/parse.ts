/**
 * Query names of the cluster zone, as the Kubernetes DNS-Based Service Discovery specification
 * (v1.1.0) lays them out and CoreDNS's kubernetes plugin parses them (`parse.go`):
 *
 * - `<service>.<ns>.svc.<zone>`
 * - `<endpoint>.<service>.<ns>.svc.<zone>` (an endpoint hostname, or its dashed IP)
 * - `_<port>._<protocol>.<service>.<ns>.svc.<zone>` (SRV)
 * - `<a-b-c-d>.<ns>.pod.<zone>` (pods, CoreDNS `pods insecure`)
 * - `dns-version.<zone>` (TXT)
 */

/** ParsedName is a query name inside the cluster zone. */
export type ParsedName =
  | { kind: 'service'; namespace: string; service: string; endpoint?: string; port?: string; protocol?: string }
  | { kind: 'pod'; namespace: string; address: string }
  | { kind: 'dns-version' }
  /** A name above the leaves (`svc.<zone>`, `<ns>.svc.<zone>`, the zone itself): it exists, with no records. */
  | { kind: 'interior' }
  /** A name in the zone that cannot name anything: NXDOMAIN. */
  | { kind: 'invalid' };

/** normalizeName lower-cases a DNS name and drops its trailing dot. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** inZone reports whether `name` is `zone` or below it (both normalized). */
export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** parseName splits a normalized name of `zone` into its parts (see the module header). */
export function parseName(name: string, zone: string): ParsedName {
  if (name === zone) return { kind: 'interior' };
  const labels = name.slice(0, -(zone.length + 1)).split('.');
  if (labels.length === 1 && labels[0] === 'dns-version') return { kind: 'dns-version' };
  const kind = labels.at(-1);
  if (kind !== 'svc' && kind !== 'pod') return { kind: 'invalid' };
  const rest = labels.slice(0, -1).reverse(); // namespace first
  if (rest.length <= 1) return { kind: 'interior' };
  const [namespace, second, ...more] = rest as [string, string, ...string[]];
  if (kind === 'pod') {
    if (more.length > 0) return { kind: 'invalid' };
    return { kind: 'pod', namespace, address: second };
  }
  const service = second;
  if (more.length === 0) return { kind: 'service', namespace, service };
  if (more.length === 1) return { kind: 'service', namespace, service, endpoint: more[0] };
  if (more.length === 2 && more[0]!.startsWith('_') && more[1]!.startsWith('_')) {
    // _<port>._<protocol>: `more` is reversed, so the protocol label comes first.
    return { kind: 'service', namespace, service, protocol: more[0]!.slice(1), port: more[1]!.slice(1) };
  }
  return { kind: 'invalid' };
}

/**
 * podAddress turns the first label of a pod name (`10-0-0-1`, or an IPv6 address with `-` for
 * `:`) back into an IP address, or undefined when it is not one.
 */
export function podAddress(label: string): string | undefined {
  const v4 = label.split('-');
  if (v4.length === 4 && v4.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) return v4.map(Number).join('.');
  if (label.includes('--') || label.split('-').length > 4) {
    const v6 = label.replaceAll('-', ':');
    if (/^[0-9a-f:]+$/.test(v6)) return v6;
  }
  return undefined;
}

/** dashedAddress is the endpoint label CoreDNS uses for an endpoint without a hostname. */
export function dashedAddress(ip: string): string {
  return ip.replaceAll(ip.includes(':') ? ':' : '.', '-');
}

/**
 * reverseAddress turns a PTR name (`4.3.2.1.in-addr.arpa`, or the nibble form under `ip6.arpa`)
 * into the address it asks about, or undefined.
 */
export function reverseAddress(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa')) {
    const octets = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (octets.length !== 4 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) return undefined;
    return octets.reverse().map(Number).join('.');
  }
  if (name.endsWith('.ip6.arpa')) {
    const nibbles = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    const hex = nibbles.reverse().join('');
    return canonicalIPv6(hex.match(/.{4}/g)!.join(':'));
  }
  return undefined;
}

/** canonicalIPv6 writes an IPv6 address in the shortest RFC 5952 form. */
export function canonicalIPv6(addr: string): string {
  const expanded = expandIPv6(addr);
  if (!expanded) return addr;
  const groups = expanded.map((g) => g.replace(/^0+(?=.)/, ''));
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { start: i, len: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.len).join(':')}`;
}

function expandIPv6(addr: string): string[] | undefined {
  const halves = addr.toLowerCase().split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const all = [...head, ...Array<string>(fill).fill('0'), ...tail];
  if (all.length !== 8 || !all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return all.map((g) => g.padStart(4, '0'));
}

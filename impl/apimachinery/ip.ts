/**
 * IP and CIDR validation with upstream messages (`k8s.io/apimachinery/pkg/util/validation/ip.go`,
 * strict mode as in 1.35): sloppy-parse failures, leading zeros, IPv4-mapped IPv6, and for CIDRs
 * bits set beyond the prefix length. Also address arithmetic used by IP allocators.
 */
import { isIP } from 'node:net';
import type { FieldPath } from './field-path.ts';
import { invalidValue, type FieldError } from './field-errors.ts';

const SLOPPY_V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** parseIP returns the address as a bigint and its family, or undefined (leading zeros accepted, as Go's ParseIPSloppy). */
export function parseIP(value: string): { family: 4 | 6; value: bigint } | undefined {
  const m = SLOPPY_V4.exec(value);
  if (m) {
    const parts = m.slice(1).map((p) => Number.parseInt(p, 10));
    if (parts.some((p) => p > 255)) return undefined;
    return { family: 4, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (isIP(value) !== 6) return undefined;
  let v = value;
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(v);
  if (v4tail) {
    const tail = parseIP(v4tail[1]!);
    if (!tail) return undefined;
    v = `${v.slice(0, -v4tail[1]!.length)}${(tail.value >> 16n).toString(16)}:${(tail.value & 0xffffn).toString(16)}`;
  }
  const [head, rest] = v.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const r = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  if (groups.length !== 8) return undefined;
  return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
}

/** formatIP renders an address canonically (dotted quad, or RFC 5952 IPv6). */
export function formatIP(ip: { family: 4 | 6; value: bigint }): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(16 * (7 - i))) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function isIPv4Mapped(ip: { family: 4 | 6; value: bigint }): boolean {
  return ip.family === 6 && ip.value >> 32n === 0xffffn;
}

/** isValidIP validates an IP address field (upstream IsValidIP, strict). */
export function isValidIP(path: FieldPath, value: string): FieldError[] {
  const ip = parseIP(value);
  if (!ip) return [invalidValue(path, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
  const errs: FieldError[] = [];
  if (ip.family === 4 && isIP(value) !== 4) errs.push(invalidValue(path, value, 'must not have leading 0s'));
  if (isIPv4Mapped(ip)) errs.push(invalidValue(path, value, 'must not be an IPv4-mapped IPv6 address'));
  return errs;
}

/** parseCIDR returns the address, prefix length and family, or undefined. */
export function parseCIDR(value: string): { family: 4 | 6; value: bigint; prefix: number } | undefined {
  const i = value.indexOf('/');
  if (i < 0) return undefined;
  const ip = parseIP(value.slice(0, i));
  const p = value.slice(i + 1);
  if (!ip || !/^\d+$/.test(p)) return undefined;
  const prefix = Number.parseInt(p, 10);
  if (prefix > (ip.family === 4 ? 32 : 128)) return undefined;
  return { ...ip, prefix };
}

/** isValidCIDR validates a subnet in CIDR notation (upstream IsValidCIDR, strict). */
export function isValidCIDR(path: FieldPath, value: string): FieldError[] {
  const c = parseCIDR(value);
  if (!c) return [invalidValue(path, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
  const errs: FieldError[] = [];
  const [ipPart, prefixPart] = value.split('/') as [string, string];
  if ((c.family === 4 && isIP(ipPart) !== 4) || (prefixPart.length > 1 && prefixPart.startsWith('0'))) {
    errs.push(invalidValue(path, value, 'must not have leading 0s in IP or prefix length'));
  }
  if (isIPv4Mapped(c)) errs.push(invalidValue(path, value, 'must not have an IPv4-mapped IPv6 address'));
  const bits = c.family === 4 ? 32 : 128;
  const hostMask = (1n << BigInt(bits - c.prefix)) - 1n;
  if ((c.value & hostMask) !== 0n) errs.push(invalidValue(path, value, 'must not have bits set beyond the prefix length'));
  return errs;
}

/**
 * Allocators for Service ClusterIPs and NodePorts. Allocation state is derived from the stored
 * Services themselves (read on first use, then kept in memory and updated on every create and
 * delete), so it persists across restarts without a separate range object.
 *
 * upstream: pkg/registry/core/service/ipallocator and portallocator (which keep a bitmap in a
 * RangeAllocation object; deriving it from the services is the repair loop's view of the same data).
 */
import { formatIP, parseCIDR, parseIP } from '#impl/apimachinery/index.ts';

/** parseCidr parses an IPv4 CIDR into its base address (as a number), size and prefix. */
export function parseCidr(cidr: string): { base: number; size: number; prefix: number } {
  const c = parseCIDR(cidr.trim());
  if (!c || c.family !== 4) throw new Error(`invalid IPv4 CIDR ${cidr}`);
  const size = 2 ** (32 - c.prefix);
  return { base: Number(c.value) - (Number(c.value) % size), size, prefix: c.prefix };
}

/** ipToString renders an IPv4 address held as a number. */
export function ipToString(n: number): string {
  return formatIP({ family: 4, value: BigInt(n) });
}

/** ipToNumber parses an IPv4 address, or undefined. */
export function ipToNumber(s: string): number | undefined {
  const ip = parseIP(s);
  return ip?.family === 4 ? Number(ip.value) : undefined;
}

/** RangeAllocator hands out integers from [min, max] (IPs as numbers, or ports). */
export class RangeAllocator {
  private readonly used = new Set<number>();
  constructor(
    readonly min: number,
    readonly max: number,
  ) {}

  has(n: number): boolean {
    return this.used.has(n);
  }

  contains(n: number): boolean {
    return n >= this.min && n <= this.max;
  }

  /** allocate marks n as used; false when it is taken. */
  allocate(n: number): boolean {
    if (this.used.has(n)) return false;
    this.used.add(n);
    return true;
  }

  /** allocateNext picks a free value at random (upstream picks a random offset then scans). */
  allocateNext(): number | undefined {
    const span = this.max - this.min + 1;
    if (this.used.size >= span) return undefined;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const n = this.min + ((start + i) % span);
      if (!this.used.has(n)) {
        this.used.add(n);
        return n;
      }
    }
    return undefined;
  }

  release(n: number): void {
    this.used.delete(n);
  }
}

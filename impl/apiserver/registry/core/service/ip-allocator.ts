/**
 * Allocators for Service ClusterIPs and NodePorts. Allocation state is derived from the stored
 * Services themselves (read on first use, then kept in memory and updated on every create and
 * delete), so it persists across restarts without a separate range object.
 *
 * upstream: pkg/registry/core/service/ipallocator and portallocator (which keep a bitmap in a
 * RangeAllocation object; deriving it from the services is the repair loop's view of the same data).
 */

/** parseCidr parses an IPv4 CIDR into [base, size]. */
export function parseCidr(cidr: string): { base: number; size: number; prefix: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`invalid CIDR ${cidr}`);
  const ip = ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
  const prefix = Number(m[5]);
  const size = 2 ** (32 - prefix);
  return { base: (ip & ~(size - 1)) >>> 0, size, prefix };
}

/** ipToString renders an IPv4 number. */
export function ipToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** ipToNumber parses an IPv4 address, or undefined. */
export function ipToNumber(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m || m.slice(1).some((x) => Number(x) > 255)) return undefined;
  return ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
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

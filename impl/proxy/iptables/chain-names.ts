/**
 * Chain names of one proxy instance (upstream `pkg/proxy/iptables/proxier.go` constants and
 * `servicePortChainName`/`servicePortEndpointChainName`), with kubets' instance tag.
 *
 * Several kubets clusters run on one machine at once, on one pod bridge and one service CIDR,
 * each with its own proxy. So every chain a proxy owns carries its instance tag (5 characters
 * of `[a-z2-7]`, see {@link clusterTag}): the fixed chains are `KUBE-SERVICES-<tag>`,
 * `KUBE-NODEPORTS-<tag>`... and the per-service chains `KUBE-SVC-<tag>-<HASH13>`,
 * `KUBE-SEP-<tag>-<HASH13>`... (upstream uses a 16-character hash; 13 keeps the name within
 * iptables' 28-character limit). {@link ownsChain} tells an instance's chains from everyone
 * else's, so a proxy never touches another cluster's rules.
 */
import { createHash } from 'node:crypto';

/** MAX_CHAIN_NAME is iptables' chain name limit (XT_EXTENSION_MAXNAMELEN - 1). */
export const MAX_CHAIN_NAME = 28;

/** TAG_LENGTH is the length of an instance tag. */
export const TAG_LENGTH = 5;

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** base32 encodes bytes with the RFC 4648 alphabet, unpadded (Go's `base32.StdEncoding` without `=`). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * clusterTag derives an instance tag from a seed that is unique per cluster on this machine
 * (`kubets up` uses its data directory; a standalone proxy the apiserver URL).
 */
export function clusterTag(seed: string): string {
  return base32(createHash('sha256').update(seed).digest()).slice(0, TAG_LENGTH).toLowerCase();
}

/** isValidTag checks a `--cluster-tag` value. */
export function isValidTag(tag: string): boolean {
  return new RegExp(`^[a-z0-9]{1,${TAG_LENGTH}}$`).test(tag);
}

/** ChainNames are the fixed chains of one instance. */
export interface ChainNames {
  tag: string;
  /** nat and filter `KUBE-SERVICES-<tag>`. */
  services: string;
  /** nat `KUBE-NODEPORTS-<tag>`. */
  nodePorts: string;
  /** nat `KUBE-POSTROUTING-<tag>`. */
  postrouting: string;
  /** nat `KUBE-MARK-MASQ-<tag>`. */
  markMasq: string;
  /** filter `KUBE-EXTERNAL-SERVICES-<tag>`. */
  externalServices: string;
  /** filter `KUBE-FORWARD-<tag>`. */
  forward: string;
}

/** chainNames returns the fixed chain names for `tag`. */
export function chainNames(tag: string): ChainNames {
  return {
    tag,
    services: `KUBE-SERVICES-${tag}`,
    nodePorts: `KUBE-NODEPORTS-${tag}`,
    postrouting: `KUBE-POSTROUTING-${tag}`,
    markMasq: `KUBE-MARK-MASQ-${tag}`,
    externalServices: `KUBE-EXTERNAL-SERVICES-${tag}`,
    forward: `KUBE-FORWARD-${tag}`,
  };
}

/** portProtoHash is upstream's hash of a service port name and protocol (plus the endpoint for SEP chains), cut to 13 characters. */
export function portProtoHash(...parts: string[]): string {
  return base32(createHash('sha256').update(parts.join('')).digest()).slice(0, 13);
}

/** servicePortChainName: `KUBE-<kind>-<tag>-<hash>` for kind SVC, SVL, EXT or FW (upstream `servicePortPolicyClusterChain` etc.). */
export function servicePortChainName(kind: 'SVC' | 'SVL' | 'EXT' | 'FW', tag: string, servicePortName: string, protocol: string): string {
  return `KUBE-${kind}-${tag}-${portProtoHash(servicePortName, protocol.toLowerCase())}`;
}

/** servicePortEndpointChainName: `KUBE-SEP-<tag>-<hash>` (upstream `servicePortEndpointChainName`). */
export function servicePortEndpointChainName(tag: string, servicePortName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${tag}-${portProtoHash(servicePortName, protocol.toLowerCase(), endpoint)}`;
}

/** ownsChain reports whether `chain` belongs to the instance with `tag` (fixed or per-service chain). */
export function ownsChain(tag: string, chain: string): boolean {
  return new RegExp(`^KUBE-[A-Z-]+-${tag}(-[A-Z2-7]{13})?$`).test(chain);
}

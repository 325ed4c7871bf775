/**
 * x509 client certificate authentication: a certificate chain that verifies against the client
 * CA bundle becomes user CN with groups O.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/authentication/request/x509/x509.go (CommonNameUserConversion)
 */
import { X509Certificate } from 'node:crypto';
import type { Authenticator, AuthenticatorRequest, AuthenticatorResponse } from './interfaces.ts';

/** CLIENT_AUTH_EKU is the ExtKeyUsageClientAuth OID. */
const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';

/** PeerCertificateLike is what `TLSSocket.getPeerCertificate(true)` returns, reduced to what is read. */
export interface PeerCertificateLike {
  raw?: Buffer;
  issuerCertificate?: PeerCertificateLike;
}

/** X509Options configures {@link newX509Authenticator}. */
export interface X509Options {
  /** PEM bundle of the CAs that sign client certificates (`--client-ca-file`). */
  clientCA: string | Buffer;
  /** Clock for validity checks. */
  now?: () => Date;
}

/** splitPemBundle splits a PEM bundle into its certificates. */
export function splitPemBundle(pem: string | Buffer): X509Certificate[] {
  const text = pem.toString();
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** subjectFields parses a Node subject string (`CN=x\nO=a\nO=b`) into a multi-map. */
export function subjectFields(subject: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of subject.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const k = line.slice(0, i);
    // Node renders multi-valued RDNs as `O=a + O=b` in some versions; accept both.
    for (const v of line.slice(i + 1).split(' + ')) {
      const val = v.startsWith(`${k}=`) ? v.slice(k.length + 1) : v;
      out.set(k, [...(out.get(k) ?? []), val]);
    }
  }
  return out;
}

/**
 * verifyClientChain checks that `leaf` (plus the `intermediates` the client sent) chains to one
 * of `roots`, that every certificate is within its validity period and that the leaf allows
 * client authentication. It returns an error text in upstream's words, or undefined when valid.
 */
export function verifyClientChain(leaf: X509Certificate, intermediates: readonly X509Certificate[], roots: readonly X509Certificate[], now: Date): string | undefined {
  const prefix = `verifying certificate SN=${BigInt(`0x${leaf.serialNumber}`).toString()}, SKID=, AKID= failed`;
  const valid = (c: X509Certificate): boolean => now >= new Date(c.validFrom) && now <= new Date(c.validTo);
  if (!valid(leaf)) return `${prefix}: x509: certificate has expired or is not yet valid: current time ${now.toISOString().replace(/\.\d+Z$/, 'Z')} is after ${new Date(leaf.validTo).toISOString().replace(/\.\d+Z$/, 'Z')}`;
  const eku = leaf.keyUsage;
  if (eku !== undefined && eku.length > 0 && !eku.includes(CLIENT_AUTH_EKU) && !eku.includes('2.5.29.37.0')) {
    return `${prefix}: x509: certificate specifies an incompatible key usage`;
  }
  let cur = leaf;
  const pool = [...intermediates];
  for (let depth = 0; depth < 8; depth++) {
    for (const r of roots) {
      if (cur.checkIssued(r) && cur.verify(r.publicKey) && valid(r)) return undefined;
    }
    const next = pool.find((i) => i !== cur && cur.checkIssued(i) && cur.verify(i.publicKey) && i.ca && valid(i));
    if (!next) break;
    cur = next;
  }
  return `${prefix}: x509: certificate signed by unknown authority`;
}

/**
 * newX509Authenticator authenticates a request by its TLS client certificate. No certificate
 * means no opinion; a certificate that does not verify is an error; a verified one yields user
 * CN and groups O (upstream CommonNameUserConversion). A certificate without CN is an error
 * (`common name of the provided certificate is empty`). Results are cached per socket.
 */
export function newX509Authenticator(opts: X509Options): Authenticator {
  const roots = splitPemBundle(opts.clientCA);
  const now = opts.now ?? (() => new Date());
  const cache = new WeakMap<object, AuthenticatorResponse | Error>();
  return {
    async authenticate(req: AuthenticatorRequest): Promise<AuthenticatorResponse | undefined> {
      const sock = req.socket as { getPeerCertificate?: (detailed: boolean) => PeerCertificateLike | null } | undefined;
      if (!sock || typeof sock.getPeerCertificate !== 'function') return undefined;
      const hit = cache.get(sock);
      if (hit instanceof Error) throw hit;
      if (hit) return hit;
      const peer = sock.getPeerCertificate(true);
      if (!peer || !peer.raw || peer.raw.length === 0) return undefined;
      const result = authenticateChain(peerChain(peer), roots, now());
      cache.set(sock, result);
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

/** peerChain flattens a detailed peer certificate into DER buffers, leaf first. */
export function peerChain(peer: PeerCertificateLike): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<PeerCertificateLike>();
  for (let c: PeerCertificateLike | undefined = peer; c && c.raw && !seen.has(c); c = c.issuerCertificate) {
    seen.add(c);
    out.push(c.raw);
  }
  return out;
}

/**
 * authenticateChain verifies a DER chain (leaf first) and maps it to a user; it returns an Error
 * value for an invalid chain, so callers can cache either outcome.
 */
export function authenticateChain(chain: readonly Buffer[], roots: readonly X509Certificate[], now: Date): AuthenticatorResponse | Error {
  let certs: X509Certificate[];
  try {
    certs = chain.map((d) => new X509Certificate(d));
  } catch (err) {
    return new Error(`x509: malformed certificate: ${err instanceof Error ? err.message : String(err)}`);
  }
  const [leaf, ...rest] = certs;
  if (!leaf) return new Error('x509: no certificate');
  const problem = verifyClientChain(leaf, rest, roots, now);
  if (problem) return new Error(problem);
  const subject = subjectFields(leaf.subject);
  const cn = subject.get('CN')?.[0] ?? '';
  if (cn === '') return new Error('common name of the provided certificate is empty');
  return { user: { name: cn, groups: subject.get('O') ?? [] } };
}

/**
 * PKI for the apiserver: a self-signed CA, a serving certificate and the admin client certificate,
 * created on first start under `<dataDir>/pki/` and reused afterwards.
 *
 * upstream: cmd/kubeadm/app/phases/certs (ca.crt, apiserver.crt, admin.conf's client cert).
 * Keys are generated with node:crypto (native, fast); node-forge only builds and signs the
 * X.509 certificates.
 */
import { X509Certificate, generateKeyPair, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type forge from 'node-forge';

let forgeModule: typeof forge | undefined;
/** nodeForge loads node-forge on first use: only issuing a certificate needs it, a restart does not. */
function nodeForge(): typeof forge {
  return (forgeModule ??= createRequire(import.meta.url)('node-forge') as typeof forge);
}

/** Pki holds the PEM files the apiserver and its clients use. */
export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
}

/** PKI_FILES names the files under `<dataDir>/pki/`, like kubeadm's layout. */
export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  servingCert: 'apiserver.crt',
  servingKey: 'apiserver.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
} as const;

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

type RsaKey = { pem: string; forgeKey: forge.pki.rsa.PrivateKey; forgePub: forge.pki.rsa.PublicKey };

function newRsaKey(privateKey: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey): RsaKey {
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = nodeForge().pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  const forgePub = nodeForge().pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  return { pem, forgeKey, forgePub };
}

interface CertRequest {
  subject: forge.pki.CertificateField[];
  publicKey: forge.pki.PublicKey;
  isCA: boolean;
  extKeyUsage?: { serverAuth?: boolean; clientAuth?: boolean };
  altNames?: Array<{ type: 2; value: string } | { type: 7; ip: string }>;
  issuer?: { cert: forge.pki.Certificate; key: forge.pki.PrivateKey };
  selfKey?: forge.pki.PrivateKey;
  now: Date;
}

function signCert(req: CertRequest): forge.pki.Certificate {
  const cert = nodeForge().pki.createCertificate();
  cert.publicKey = req.publicKey;
  // Positive serial: first byte below 0x80.
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(req.now.getTime() - 60_000);
  cert.validity.notAfter = new Date(req.now.getTime() + TEN_YEARS_MS);
  cert.setSubject(req.subject);
  cert.setIssuer(req.issuer ? req.issuer.cert.subject.attributes : req.subject);
  const exts: unknown[] = [
    { name: 'basicConstraints', cA: req.isCA, critical: true },
    req.isCA
      ? { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
  if (req.extKeyUsage) exts.push({ name: 'extKeyUsage', ...req.extKeyUsage });
  if (req.altNames) exts.push({ name: 'subjectAltName', altNames: req.altNames });
  cert.setExtensions(exts as never[]);
  cert.sign((req.issuer?.key ?? req.selfKey) as forge.pki.rsa.PrivateKey, nodeForge().md.sha256.create());
  return cert;
}

/** EnsurePkiOptions tunes {@link ensurePki}. */
export interface EnsurePkiOptions {
  /** The data dir; files go to `<dataDir>/pki/`. */
  dataDir: string;
  /** Extra SANs for the serving certificate (DNS names or IPs). */
  extraSans?: string[];
  /** Clock, for tests. */
  now?: () => Date;
}

/**
 * ensurePki loads the PKI from `<dataDir>/pki/`, creating whatever is missing: a CA, a serving
 * certificate for localhost, 127.0.0.1, ::1 and the host name, and an admin client certificate
 * with CN `kubernetes-admin` and O `system:masters`.
 */
/** newRsaKeys generates keys on the libuv thread pool, in parallel. */
async function newRsaKeys(n: number): Promise<RsaKey[]> {
  const keys = await Promise.all(
    Array.from({ length: n }, () => new Promise<KeyObject>((resolve, reject) => generateKeyPair('rsa', { modulusLength: 2048 }, (err, _pub, priv) => (err ? reject(err) : resolve(priv))))),
  );
  return keys.map((k) => newRsaKey(k));
}

export async function ensurePki(opts: EnsurePkiOptions): Promise<Pki> {
  const dir = join(opts.dataDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (k: keyof typeof PKI_FILES) => join(dir, PKI_FILES[k]);
  const have = (Object.keys(PKI_FILES) as Array<keyof typeof PKI_FILES>).every((k) => existsSync(path(k)));
  if (have) {
    return {
      dir,
      caCert: readFileSync(path('caCert'), 'utf8'),
      caKey: readFileSync(path('caKey'), 'utf8'),
      servingCert: readFileSync(path('servingCert'), 'utf8'),
      servingKey: readFileSync(path('servingKey'), 'utf8'),
      adminCert: readFileSync(path('adminCert'), 'utf8'),
      adminKey: readFileSync(path('adminKey'), 'utf8'),
    };
  }
  const now = (opts.now ?? (() => new Date()))();
  const [ca, serving, admin] = (await newRsaKeys(3)) as [RsaKey, RsaKey, RsaKey];
  const caCert = signCert({
    subject: [{ name: 'commonName', value: 'kubernetes' }],
    publicKey: ca.forgePub,
    isCA: true,
    selfKey: ca.forgeKey,
    now,
  });
  const issuer = { cert: caCert, key: ca.forgeKey };
  const host = hostname();
  const dnsNames = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', host];
  const ips = ['127.0.0.1', '::1'];
  for (const s of opts.extraSans ?? []) (/^[\d.]+$|:/.test(s) ? ips : dnsNames).push(s);
  const servingCert = signCert({
    subject: [{ name: 'commonName', value: 'kube-apiserver' }],
    publicKey: serving.forgePub,
    isCA: false,
    extKeyUsage: { serverAuth: true },
    altNames: [
      ...[...new Set(dnsNames)].map((value) => ({ type: 2 as const, value })),
      ...[...new Set(ips)].map((ip) => ({ type: 7 as const, ip })),
    ],
    issuer,
    now,
  });
  const adminCert = signCert({
    subject: [
      { name: 'organizationName', value: 'system:masters' },
      { name: 'commonName', value: 'kubernetes-admin' },
    ],
    publicKey: admin.forgePub,
    isCA: false,
    extKeyUsage: { clientAuth: true },
    issuer,
    now,
  });
  const pki: Pki = {
    dir,
    caCert: nodeForge().pki.certificateToPem(caCert),
    caKey: ca.pem,
    servingCert: nodeForge().pki.certificateToPem(servingCert),
    servingKey: serving.pem,
    adminCert: nodeForge().pki.certificateToPem(adminCert),
    adminKey: admin.pem,
  };
  for (const k of Object.keys(PKI_FILES) as Array<keyof typeof PKI_FILES>) {
    writeFileSync(path(k), pki[k], { mode: k.endsWith('Key') ? 0o600 : 0o644 });
  }
  return pki;
}

/**
 * issueClientCert signs a client certificate with the cluster CA (for other components and
 * tests): CN is the user name, each O a group.
 */
export function issueClientCert(pki: Pki, user: string, groups: string[] = [], now: Date = new Date()): { cert: string; key: string } {
  const caCert = nodeForge().pki.certificateFromPem(pki.caCert);
  const caKey = nodeForge().pki.privateKeyFromPem(pki.caKey);
  const k = newRsaKey();
  const cert = signCert({
    subject: [...groups.map((value) => ({ name: 'organizationName', value })), { name: 'commonName', value: user }],
    publicKey: k.forgePub,
    isCA: false,
    extKeyUsage: { clientAuth: true },
    issuer: { cert: caCert, key: caKey },
    now,
  });
  return { cert: nodeForge().pki.certificateToPem(cert), key: k.pem };
}

/**
 * ensureClientCert loads the client certificate `<pki dir>/<name>.crt|.key` (kubeadm layout, e.g.
 * `apiserver-kubelet-client`), issuing it from the cluster CA when it is missing, names another
 * subject, or was not signed by the current CA. Restarts reuse it: issuing one costs an RSA key
 * generation and a signature, a third of a second on the development machine.
 */
export function ensureClientCert(pki: Pki, name: string, user: string, groups: string[] = []): { cert: string; key: string } {
  const certPath = join(pki.dir, `${name}.crt`);
  const keyPath = join(pki.dir, `${name}.key`);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    const key = readFileSync(keyPath, 'utf8');
    try {
      const x = new X509Certificate(cert);
      const subject = [...groups.map((g) => `O=${g}`), `CN=${user}`].join('\n');
      if (x.checkIssued(new X509Certificate(pki.caCert)) && x.subject === subject && Date.parse(x.validTo) > Date.now()) return { cert, key };
    } catch {
      // unreadable: issue a new one below
    }
  }
  const issued = issueClientCert(pki, user, groups);
  writeFileSync(keyPath, issued.key, { mode: 0o600 });
  writeFileSync(certPath, issued.cert, { mode: 0o644 });
  return issued;
}

/** buildKubeconfig renders a kubeconfig (YAML-compatible JSON) with embedded certificates. */
export function buildKubeconfig(opts: { server: string; caCert: string; clientCert: string; clientKey: string; user?: string; cluster?: string }): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const cluster = opts.cluster ?? 'kubets';
  const user = opts.user ?? 'kubernetes-admin';
  const ctx = `${user}@${cluster}`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${cluster}`,
    '  cluster:',
    `    server: ${opts.server}`,
    `    certificate-authority-data: ${b64(opts.caCert)}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    client-certificate-data: ${b64(opts.clientCert)}`,
    `    client-key-data: ${b64(opts.clientKey)}`,
    'contexts:',
    `- name: ${ctx}`,
    '  context:',
    `    cluster: ${cluster}`,
    `    user: ${user}`,
    `current-context: ${ctx}`,
    'preferences: {}',
    '',
  ].join('\n');
}

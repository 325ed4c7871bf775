/**
 * The kubelet's serving certificate (upstream: cmd/kubelet/app/server.go
 * InitializeTLS): `--tls-cert-file`/`--tls-private-key-file` when given, else a self-signed
 * certificate for the node's hostname and IPs kept in `<root-dir>/pki/kubelet.{crt,key}` and
 * reused across restarts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';

/** ServingCert is a PEM certificate and key. */
export interface ServingCert {
  cert: string;
  key: string;
}

/** ensureServingCert loads or creates the self-signed serving certificate under `pkiDir`. */
export async function ensureServingCert(pkiDir: string, hostname: string, ips: string[]): Promise<ServingCert> {
  const certFile = path.join(pkiDir, 'kubelet.crt');
  const keyFile = path.join(pkiDir, 'kubelet.key');
  if (existsSync(certFile) && existsSync(keyFile)) return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  const notAfter = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: `${hostname}@${Math.floor(Date.now() / 1000)}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: hostname }, ...ips.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  } as Parameters<typeof generate>[1]);
  mkdirSync(pkiDir, { recursive: true });
  writeFileSync(certFile, pems.cert, { mode: 0o644 });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  return { cert: pems.cert, key: pems.private };
}

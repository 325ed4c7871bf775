import test from 'ava';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { KubeletClient, type KubeletClientConfig } from './kubelet-client.ts';

const cn = (s: string) => [{ name: 'commonName', value: s }];
const tlsOpts = (ip?: string) =>
  ({ keyType: 'ec', curve: 'P-256', algorithm: 'sha256', extensions: ip ? [{ name: 'subjectAltName', altNames: [{ type: 7, ip }] }] : [] }) as Parameters<typeof generate>[1];

let port = 0;
let server: https.Server;
let kubeletCert = '';
let otherCert = '';
let client: { cert: string; key: string };

test.before(async () => {
  const pems = await generate(cn('kubelet'), tlsOpts('127.0.0.1'));
  kubeletCert = pems.cert;
  otherCert = (await generate(cn('other'), tlsOpts('127.0.0.1'))).cert;
  const c = await generate(cn('kube-apiserver-kubelet-client'), tlsOpts());
  client = { cert: c.cert, key: c.private };
  server = https.createServer({ cert: pems.cert, key: pems.private }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});

test.after.always(() => {
  server?.closeAllConnections();
  server?.close();
});

interface TlsCase {
  name: string;
  config: () => Partial<KubeletClientConfig>;
  insecure?: boolean;
  ok: boolean;
}

const tlsCases: TlsCase[] = [
  { name: 'no CA: the self-signed serving cert is accepted', config: () => ({}), ok: true },
  { name: 'the right CA verifies the serving cert', config: () => ({ caCert: kubeletCert }), ok: true },
  { name: 'a wrong CA is refused', config: () => ({ caCert: otherCert }), ok: false },
  { name: 'insecureSkipTLSVerifyBackend skips a wrong CA', config: () => ({ caCert: otherCert }), insecure: true, ok: true },
];

for (const tc of tlsCases) {
  test(`request: ${tc.name}`, async (t) => {
    const k = new KubeletClient({ ...client, ...tc.config() });
    try {
      const p = k.request({ host: '127.0.0.1', port }, '/healthz', { insecureSkipTLSVerify: tc.insecure });
      if (!tc.ok) {
        const err = await t.throwsAsync(p);
        t.regex(err!.message, /^error trying to reach service: dial tcp 127\.0\.0\.1:\d+: /);
        return;
      }
      const res = await p;
      t.is(res.statusCode, 200);
      res.resume();
    } finally {
      k.close();
    }
  });
}

interface AddressCase {
  name: string;
  addresses: Array<{ type: string; address: string }>;
  port?: number;
  preferred?: string[];
  want?: { host: string; port: number };
  error?: RegExp;
}

const addressCases: AddressCase[] = [
  { name: 'InternalIP first by default', addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.1' }], port: 10255, want: { host: '10.0.0.1', port: 10255 } },
  { name: 'preferred types are honoured', addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.1' }], preferred: ['Hostname'], port: 1, want: { host: 'n1', port: 1 } },
  { name: 'no daemon endpoint falls back to 10250', addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], want: { host: '10.0.0.1', port: 10250 } },
  { name: 'no usable address is 400', addresses: [], error: /^no preferred addresses found; known addresses: \[\]$/ },
];

for (const tc of addressCases) {
  test(`connectionInfo: ${tc.name}`, (t) => {
    const k = new KubeletClient({ ...client, preferredAddressTypes: tc.preferred });
    const node = { metadata: { name: 'n1' }, status: { addresses: tc.addresses, ...(tc.port ? { daemonEndpoints: { kubeletEndpoint: { Port: tc.port } } } : {}) } };
    if (tc.error) t.throws(() => k.connectionInfo(node), { message: tc.error });
    else t.deepEqual(k.connectionInfo(node), tc.want);
    k.close();
  });
}

/**
 * Test helper: a local HTTPS server with a fresh self-signed CA that requires client
 * certificates, plus a matching kubeconfig. Used by the client's and the conformance
 * runner's unit tests in place of a real apiserver.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

/** TestTLSServer is a running test server and the credentials to reach it. */
export interface TestTLSServer {
  url: string;
  ca: string;
  clientCert: string;
  clientKey: string;
  /** A kubeconfig (YAML) with inline CA and client cert data, current-context `test`. */
  kubeconfig: string;
  server: https.Server;
  close(): Promise<void>;
}

/** startTestTLSServer listens on 127.0.0.1:0 and serves `handler` over mutual TLS. */
export async function startTestTLSServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestTLSServer> {
  const pems = await generate([{ name: 'commonName', value: 'kubets-test-ca' }], {
    keySize: 2048,
    algorithm: 'sha256',
    clientCertificate: { cn: 'kubernetes-admin' },
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const server = https.createServer(
    { key: pems.private, cert: pems.cert, ca: pems.cert, requestCert: true, rejectUnauthorized: true },
    handler,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'current-context: test',
    'clusters:',
    '- name: test',
    '  cluster:',
    `    server: ${url}`,
    `    certificate-authority-data: ${b64(pems.cert)}`,
    'users:',
    '- name: admin',
    '  user:',
    `    client-certificate-data: ${b64(pems.clientcert ?? '')}`,
    `    client-key-data: ${b64(pems.clientprivate ?? '')}`,
    'contexts:',
    '- name: test',
    '  context:',
    '    cluster: test',
    '    user: admin',
    '',
  ].join('\n');
  return {
    url,
    ca: pems.cert,
    clientCert: pems.clientcert ?? '',
    clientKey: pems.clientprivate ?? '',
    kubeconfig,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

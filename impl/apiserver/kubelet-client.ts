/**
 * The apiserver's kubelet client: finds a node's kubelet endpoint and talks HTTPS to it with the
 * apiserver's kubelet client certificate, for pods/log, exec, attach, portforward and the proxies.
 *
 * upstream: pkg/kubelet/client/kubelet_client.go (NodeConnectionInfoGetter, KubeletClientConfig)
 * and staging/src/k8s.io/apimachinery/pkg/util/proxy/upgradeaware.go (the upgrade pipe).
 *
 * TLS: the kubelet's serving certificate is self-signed by default (kubets kubelet, like upstream's
 * default), so without `caCert` (`--kubelet-certificate-authority`) the serving certificate is NOT
 * verified — the same as upstream when that flag is unset. Give `caCert` to verify it (chain and
 * the node address in its SANs).
 */
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { badRequest, serviceUnavailable } from '#impl/apimachinery/index.ts';
import type { KubeObject } from './registry/rest/strategy.ts';
import { issueClientCert, type Pki } from './pki.ts';

/** KUBELET_CLIENT_USER is the CN of the apiserver's kubelet client certificate (as kubeadm). */
export const KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';

/** DEFAULT_PREFERRED_ADDRESS_TYPES orders node address types (`--kubelet-preferred-address-types`). */
export const DEFAULT_PREFERRED_ADDRESS_TYPES = ['InternalIP', 'InternalDNS', 'ExternalIP', 'ExternalDNS', 'Hostname'];

/** KubeletClientConfig configures a {@link KubeletClient}. */
export interface KubeletClientConfig {
  /** Client certificate and key (PEM) the kubelet authenticates the apiserver by. */
  cert: string;
  key: string;
  /** `--kubelet-certificate-authority`: verify the kubelet's serving cert; unset = no verification. */
  caCert?: string;
  /** `--kubelet-preferred-address-types` (default {@link DEFAULT_PREFERRED_ADDRESS_TYPES}). */
  preferredAddressTypes?: string[];
  /** `--kubelet-port` used when the node reports no daemon endpoint (default 10250). */
  defaultPort?: number;
}

/** ConnectionInfo locates a kubelet. */
export interface ConnectionInfo {
  host: string;
  port: number;
}

/** KubeletClient connects to kubelets. */
export class KubeletClient {
  private readonly agent: https.Agent;
  private readonly insecureAgent: https.Agent;

  constructor(readonly config: KubeletClientConfig) {
    const base = { cert: config.cert, key: config.key, keepAlive: true };
    this.agent = new https.Agent(config.caCert ? { ...base, ca: config.caCert, rejectUnauthorized: true } : { ...base, rejectUnauthorized: false });
    this.insecureAgent = new https.Agent({ ...base, rejectUnauthorized: false });
  }

  /** fromPki issues the kubelet client certificate (CN kube-apiserver-kubelet-client, O system:masters) from the cluster CA. */
  static fromPki(pki: Pki, opts: Omit<KubeletClientConfig, 'cert' | 'key'> = {}): KubeletClient {
    const { cert, key } = issueClientCert(pki, KUBELET_CLIENT_USER, ['system:masters']);
    return new KubeletClient({ ...opts, cert, key });
  }

  /** connectionInfo reads the kubelet address and port from a Node (upstream NodeConnectionInfoGetter). */
  connectionInfo(node: KubeObject): ConnectionInfo {
    const addrs: Array<{ type?: string; address?: string }> = node.status?.addresses ?? [];
    let host: string | undefined;
    for (const t of this.config.preferredAddressTypes ?? DEFAULT_PREFERRED_ADDRESS_TYPES) {
      host = addrs.find((a) => a.type === t && a.address)?.address;
      if (host) break;
    }
    if (!host) throw badRequest(`no preferred addresses found; known addresses: ${JSON.stringify(addrs)}`);
    const reported = Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0);
    const port = reported > 0 ? reported : (this.config.defaultPort ?? 10250);
    return { host, port };
  }

  /** request sends one HTTP request to a kubelet and resolves with its response (any status). */
  request(loc: ConnectionInfo, path: string, opts: { method?: string; headers?: IncomingHttpHeaders; body?: NodeJS.ReadableStream; insecureSkipTLSVerify?: boolean; signal?: AbortSignal } = {}, retried = false): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: loc.host,
          port: loc.port,
          path,
          method: opts.method ?? 'GET',
          headers: { ...forwardHeaders(opts.headers ?? {}), host: hostPort(loc) },
          agent: opts.insecureSkipTLSVerify ? this.insecureAgent : this.agent,
          signal: opts.signal,
        },
        resolve,
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive connection the kubelet closed just as it was reused: send a request without
        // a body once more on a fresh one (the race Node's http docs describe for reusedSocket).
        if (req.reusedSocket && err.code === 'ECONNRESET' && !opts.body && !retried && !opts.signal?.aborted) {
          resolve(this.request(loc, path, opts, true));
          return;
        }
        reject(unreachable(loc, err));
      });
      if (opts.body) opts.body.pipe(req);
      else req.end();
    });
  }

  /**
   * upgrade forwards an upgrade request (SPDY/3.1 or WebSocket) to the kubelet at `path` and pipes
   * the connection both ways: the kubelet's answer (101, or an error response) reaches the client
   * unchanged, as upstream's UpgradeAwareHandler does. `takeClient` is called once the backend
   * connection is up (before that, failures are still answered with a Status).
   */
  upgrade(loc: ConnectionInfo, path: string, req: IncomingMessage, takeClient: () => Duplex, head: Buffer): Promise<void> {
    return proxyUpgrade({ ...loc, tls: { cert: this.config.cert, key: this.config.key, ca: this.config.caCert } }, path, req, takeClient, head);
  }

  close(): void {
    this.agent.destroy();
    this.insecureAgent.destroy();
  }
}

function isIP(h: string): boolean {
  return /^[\d.]+$/.test(h) || h.includes(':');
}

function hostPort(loc: ConnectionInfo): string {
  return `${loc.host.includes(':') ? `[${loc.host}]` : loc.host}:${loc.port}`;
}

function unreachable(loc: ConnectionInfo, err: Error): Error {
  if (err.name === 'AbortError') return err;
  return serviceUnavailable(`error trying to reach service: dial tcp ${hostPort(loc)}: ${err.message}`);
}

/** Headers never forwarded: hop-by-hop ones (except the upgrade pair) and the client's credentials. */
const DROPPED = new Set(['host', 'authorization', 'proxy-authorization', 'keep-alive', 'te', 'trailer', 'proxy-connection']);

/** forwardHeaders copies request headers for the kubelet, dropping credentials and impersonation. */
export function forwardHeaders(h: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    const lk = k.toLowerCase();
    if (DROPPED.has(lk) || lk.startsWith('impersonate-')) continue;
    out[lk] = v;
  }
  return out;
}

/** pipeBoth copies bytes both ways and tears both sides down when either ends. */
export function pipeBoth(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
  const done = () => {
    a.destroy();
    b.destroy();
  };
  a.on('close', done);
  b.on('close', done);
  a.on('error', done);
  b.on('error', done);
}

/** UpgradeTarget is where {@link proxyUpgrade} connects: plain TCP, or TLS with optional client cert/CA. */
export interface UpgradeTarget extends ConnectionInfo {
  tls?: { cert?: string; key?: string; ca?: string };
}

/**
 * proxyUpgrade sends the upgrade request head to the target and pipes both connections
 * (upstream UpgradeAwareHandler.tryUpgrade, without interpreting the answer).
 */
export function proxyUpgrade(target: UpgradeTarget, path: string, req: IncomingMessage, takeClient: () => Duplex, head: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = target.tls;
    const backend: Duplex = t
      ? tls.connect({
          host: target.host,
          port: target.port,
          servername: isIP(target.host) ? undefined : target.host,
          cert: t.cert,
          key: t.key,
          ca: t.ca,
          rejectUnauthorized: t.ca !== undefined,
          ...(t.ca === undefined ? { checkServerIdentity: () => undefined } : {}),
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect({ host: target.host, port: target.port });
    const onError = (err: Error) => reject(unreachable(target, err));
    backend.once('error', onError);
    backend.once(t ? 'secureConnect' : 'connect', () => {
      backend.off('error', onError);
      const headers = { ...forwardHeaders(req.headers), host: hostPort(target) };
      const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`];
      for (const [k, v] of Object.entries(headers)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${one}`);
      }
      backend.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) backend.write(head);
      pipeBoth(takeClient(), backend);
      resolve();
    });
  });
}

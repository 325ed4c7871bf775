/**
 * An upgrade-aware reverse proxy for one request (upstream:
 * k8s.io/apimachinery/pkg/util/proxy/upgradeaware.go, as the kubelet uses it to hand exec, attach
 * and port-forward sessions to the CRI streaming server): dial the target URL's host (TCP, or TLS
 * for `https:`/`wss:`), send the client's request line and headers for the target's path and
 * query (Host rewritten), then pipe both sockets raw — the runtime's `101 Switching Protocols`
 * (or its error response) goes back to the client unchanged, and everything after it flows both
 * ways until either side closes.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** ProxyUpgradeOptions configure {@link proxyUpgrade}. */
export interface ProxyUpgradeOptions {
  /** target is the runtime's streaming URL (`http://127.0.0.1:PORT/exec/TOKEN`). */
  target: string;
  /** req is the client's upgrade request; socket its connection; head the bytes read past the headers. */
  req: IncomingMessage;
  socket: Duplex;
  head?: Buffer;
  /** dialTimeoutMs bounds connecting to the target; default 10 s. */
  dialTimeoutMs?: number;
}

/** requestHead renders the request line and headers sent to the target. */
export function requestHead(method: string, target: URL, rawHeaders: string[]): string {
  const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    if (name.toLowerCase() === 'host') continue;
    lines.push(`${name}: ${rawHeaders[i + 1] ?? ''}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * proxyUpgrade connects the client socket to `target` and pipes them. Resolves once the
 * connection to the target is made (the pipe then runs on its own); rejects when the target
 * cannot be dialled, leaving the client socket for the caller to answer.
 */
export function proxyUpgrade(opts: ProxyUpgradeOptions): Promise<void> {
  const target = new URL(opts.target);
  const secure = target.protocol === 'https:' || target.protocol === 'wss:';
  const port = Number(target.port) || (secure ? 443 : 80);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    // The runtime's streaming server is local and serves a self-signed certificate when TLS is on.
    const upstream: net.Socket = secure
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: false })
      : net.connect({ host, port });
    const timer = setTimeout(() => upstream.destroy(new Error(`dial ${target.host}: timeout`)), opts.dialTimeoutMs ?? 10_000);
    const onDialError = (err: Error): void => {
      clearTimeout(timer);
      reject(new Error(`dial ${target.host}: ${err.message}`, { cause: err }));
    };
    upstream.once('error', onDialError);
    upstream.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      upstream.off('error', onDialError);
      upstream.setNoDelay(true);
      upstream.write(requestHead(opts.req.method ?? 'GET', target, opts.req.rawHeaders));
      if (opts.head?.length) upstream.write(opts.head);
      const teardown = (): void => {
        upstream.destroy();
        opts.socket.destroy();
      };
      upstream.on('error', teardown);
      opts.socket.on('error', teardown);
      upstream.on('close', teardown);
      opts.socket.on('close', teardown);
      upstream.pipe(opts.socket);
      opts.socket.pipe(upstream);
      resolve();
    });
  });
}

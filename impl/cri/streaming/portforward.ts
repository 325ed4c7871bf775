/**
 * Client side of CRI PortForward URLs over WebSocket (upstream:
 * k8s.io/kubelet/pkg/cri/streaming/portforward/websocket.go, served by containerd 1.6): the
 * request names the pod port with `?port=N`; the server opens two channels per port, data (0) and
 * error (1), and first writes the port number (uint16 little endian) on each. Bytes on the data
 * channel are the TCP stream to the port inside the pod's network namespace; text on the error
 * channel is a forwarding error.
 *
 * A streaming URL is single-use (the server consumes its token), and a WebSocket session cannot
 * carry more than one TCP connection per port, so {@link forwardLocalPort} asks for a fresh URL
 * per accepted connection. SPDY (one session, many connections) is not implemented.
 */
import { Duplex } from 'node:stream';
import net from 'node:net';
import WebSocket from 'ws';
import { V4_CHANNEL_PROTOCOL, decodeFrame, encodeFrame, toBuffer } from './channel-protocol.ts';

const DATA = 0;
const ERROR = 1;

/** PortForwardError is a failed forward (refused by the server or reported on the error channel). */
export class PortForwardError extends Error {
  override readonly name = 'PortForwardError';
}

/** OpenPortForwardOptions configure {@link openPortForward}. */
export interface OpenPortForwardOptions {
  /** url is the URL from CRI PortForward. */
  url: string;
  /** port inside the pod. */
  port: number;
  /** timeoutMs bounds the WebSocket handshake; default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * openPortForward connects one TCP stream to `port` in the pod and returns it as a Duplex:
 * writes go to the pod, reads come from it, end-of-stream when the pod side closes. Errors on
 * the error channel destroy the stream with a PortForwardError.
 */
export async function openPortForward(opts: OpenPortForwardOptions): Promise<Duplex> {
  const u = new URL(opts.url.replace(/^http(s?):\/\//, 'ws$1://'));
  u.searchParams.append('port', String(opts.port));
  const ws = new WebSocket(u.toString(), [V4_CHANNEL_PROTOCOL], {
    perMessageDeflate: false,
    handshakeTimeout: opts.timeoutMs ?? 10_000,
  });
  const seenPrefix = [false, false];
  let errorText = '';

  const stream = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== WebSocket.OPEN) return cb(new PortForwardError('port-forward connection is closed'));
      ws.send(encodeFrame(DATA, chunk), cb);
    },
    final(cb) {
      // The channel protocol cannot half-close; closing the session ends both directions.
      ws.close();
      cb();
    },
    read() {
      if (ws.isPaused) ws.resume();
    },
    destroy(err, cb) {
      ws.terminate();
      cb(err);
    },
  });

  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const frame = decodeFrame(toBuffer(raw));
    if (!frame || (frame.channel !== DATA && frame.channel !== ERROR)) return;
    let data = frame.data;
    if (!seenPrefix[frame.channel]) {
      // The first two bytes on each channel are the port number.
      seenPrefix[frame.channel] = true;
      data = data.subarray(2);
    }
    if (data.length === 0) return;
    if (frame.channel === ERROR) {
      errorText += data.toString('utf8');
      return;
    }
    if (!stream.push(data)) ws.pause();
  });
  ws.on('close', () => {
    if (errorText) stream.destroy(new PortForwardError(errorText));
    else stream.push(null);
  });
  ws.on('error', (err) => stream.destroy(new PortForwardError(`port-forward ${opts.url}: ${err.message}`, { cause: err })));

  const onAbort = (): void => {
    stream.destroy(new PortForwardError('port-forward aborted'));
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  stream.once('close', () => opts.signal?.removeEventListener('abort', onAbort));

  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => reject(new PortForwardError(`streaming server answered ${res.statusCode}: ${body.trim()}`)));
    });
    ws.once('error', (err) => reject(new PortForwardError(`port-forward ${opts.url}: ${err.message}`, { cause: err })));
  });
  return stream;
}

/** ForwardLocalPortOptions configure {@link forwardLocalPort}. */
export interface ForwardLocalPortOptions {
  /** newUrl returns a fresh PortForward URL (e.g. `() => runtime.portForward({podSandboxId, port:[p]}).then(r => r.url)`). */
  newUrl: () => Promise<string>;
  /** port inside the pod. */
  port: number;
  /** localPort to listen on (127.0.0.1); default 0 = any free port. */
  localPort?: number;
  /** onError hears per-connection failures (default: ignored; the connection is closed). */
  onError?: (err: Error) => void;
}

/** LocalForward is a running {@link forwardLocalPort} listener. */
export interface LocalForward {
  /** port is the local port actually bound. */
  port: number;
  close(): Promise<void>;
}

/**
 * forwardLocalPort listens on 127.0.0.1 and forwards every accepted connection to `port` in the
 * pod through its own PortForward session (what `kubectl port-forward` does, one session per
 * connection here because WebSocket sessions carry one stream per port).
 */
export async function forwardLocalPort(opts: ForwardLocalPortOptions): Promise<LocalForward> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    sock.pause();
    opts
      .newUrl()
      .then((url) => openPortForward({ url, port: opts.port }))
      .then((remote) => {
        sock.pipe(remote).pipe(sock);
        remote.on('error', (err) => {
          opts.onError?.(err);
          sock.destroy();
        });
        sock.on('error', () => remote.destroy());
        sock.resume();
      })
      .catch((err: Error) => {
        opts.onError?.(err);
        sock.destroy();
      });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.localPort ?? 0, '127.0.0.1', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

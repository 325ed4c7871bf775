/**
 * Connect subresources (pods/log, exec, attach, portforward, proxy; nodes/proxy): the request is
 * handed to the subresource as is, and HTTP upgrade requests (SPDY, WebSocket) reach it with the
 * raw client connection.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go ConnectResource and
 * rest.Connecter. Node's http server emits upgrade requests as a separate `upgrade` event;
 * {@link upgradeListener} feeds them through the normal handler chain (authentication,
 * authorization, routing) with a ServerResponse bound to the socket, so errors still leave as a
 * Status, and {@link upgradeOf} gives the connect handler the socket to take over.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Upgrade is the raw client connection of an upgrade request. */
export interface Upgrade {
  socket: Duplex;
  /** Bytes the client sent after the request head. */
  head: Buffer;
  /** take detaches the socket from the HTTP response; the caller owns it afterwards. */
  take(): Duplex;
}

/** ConnectRequest is what a connect subresource receives. */
export interface ConnectRequest {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** The path after the subresource (`proxy/a/b` -> `a/b`), without a leading slash. */
  path: string;
  /** Set for upgrade requests. */
  upgrade?: Upgrade;
}

const upgrades = new WeakMap<IncomingMessage, Upgrade>();

/** upgradeOf returns the raw connection of an upgrade request handled by {@link upgradeListener}. */
export function upgradeOf(req: IncomingMessage): Upgrade | undefined {
  return upgrades.get(req);
}

/** upgradeListener adapts a request handler to the server's `upgrade` event. */
export function upgradeListener(handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    let taken = false;
    upgrades.set(req, {
      socket,
      head,
      take: () => {
        taken = true;
        res.detachSocket(socket as Socket);
        return socket;
      },
    });
    socket.on('error', () => socket.destroy());
    res.on('finish', () => {
      if (!taken) socket.end();
    });
    handler(req, res);
  };
}

/**
 * WebSocket access to pod subresources for the node cases, like upstream's
 * e2ewebsocket.OpenWebSocketForURL: the suite's credentials (client certificate, bearer token
 * or basic auth) and TLS settings from the RestConfig, a chosen subprotocol, and every binary
 * message collected until the server closes the connection. {@link execInContainer} runs a
 * command through `pods/exec` with the `v4.channel.k8s.io` protocol (stdout channel 1, stderr 2,
 * the exit status on channel 3), as kubectl's WebSocket executor does.
 */
import WebSocket from 'ws';
import { buildQuery, type QueryValue } from '#impl/client/index.ts';
import type { CaseContext } from '../framework/context.ts';

/** WebSocketSession is what a finished WebSocket conversation returned. */
export interface WebSocketSession {
  /** protocol is the subprotocol the server chose. */
  protocol: string;
  /** messages are the binary/text messages in arrival order. */
  messages: Buffer[];
}

/**
 * readWebSocket opens `path?query` on the apiserver with `protocols`, collects messages until the
 * server closes, and fails on a handshake error (with the server's status body) or the timeout.
 */
export function readWebSocket(ctx: CaseContext, path: string, query: Record<string, QueryValue>, protocols: string[], timeoutMs = 60_000): Promise<WebSocketSession> {
  const cfg = ctx.client.config;
  const base = new URL(cfg.server);
  const url = `${base.protocol === 'https:' ? 'wss:' : 'ws:'}//${base.host}${base.pathname.replace(/\/+$/, '')}${path}${buildQuery(query)}`;
  const headers: Record<string, string> = {};
  if (cfg.token) headers.Authorization = `Bearer ${cfg.token}`;
  else if (cfg.username !== undefined) headers.Authorization = `Basic ${Buffer.from(`${cfg.username}:${cfg.password ?? ''}`).toString('base64')}`;
  if (cfg.impersonate) headers['Impersonate-User'] = cfg.impersonate.user;
  const ws = new WebSocket(url, protocols, {
    headers,
    ca: cfg.ca,
    cert: cfg.cert,
    key: cfg.key,
    rejectUnauthorized: !cfg.insecureSkipTLSVerify,
    ...(cfg.tlsServerName ? ({ servername: cfg.tlsServerName } as object) : {}),
    perMessageDeflate: false,
    handshakeTimeout: Math.min(timeoutMs, 30_000),
  });
  return new Promise<WebSocketSession>((resolve, reject) => {
    const messages: Buffer[] = [];
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`websocket ${path}: no close within ${timeoutMs / 1000}s (${messages.length} messages so far)`));
    }, timeoutMs);
    const onAbort = (): void => {
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(`websocket ${path}: aborted`));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        reject(new Error(`websocket ${path}: handshake answered ${res.statusCode}: ${body}`));
      });
    });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      messages.push(Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      reject(new Error(`websocket ${path}: ${err.message}`));
    });
    ws.on('close', () => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      resolve({ protocol: ws.protocol, messages });
    });
  });
}

/** ExecResult is the output of {@link execInContainer}. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  /** status is the v4 error channel's Status object (undefined when the server sent none). */
  status?: { status?: string; message?: string; reason?: string; details?: { causes?: Array<{ reason?: string; message?: string }> } };
}

/** execInContainer runs `command` in a container through pods/exec (v4.channel.k8s.io). */
export async function execInContainer(ctx: CaseContext, pod: string, container: string, command: string[], ns = ctx.ns): Promise<ExecResult> {
  const session = await readWebSocket(ctx, `/api/v1/namespaces/${ns}/pods/${pod}/exec`, { container, command, stdout: 'true', stderr: 'true' }, ['v4.channel.k8s.io']);
  const out: Record<number, Buffer[]> = { 1: [], 2: [], 3: [] };
  for (const m of session.messages) if (m.length > 1 && out[m[0]]) out[m[0]].push(m.subarray(1));
  const errText = Buffer.concat(out[3]).toString('utf8');
  let status: ExecResult['status'];
  if (errText) {
    try {
      status = JSON.parse(errText) as ExecResult['status'];
    } catch {
      status = { status: 'Failure', message: errText };
    }
  }
  return { stdout: Buffer.concat(out[1]).toString('utf8'), stderr: Buffer.concat(out[2]).toString('utf8'), status };
}

/** execOrFail runs {@link execInContainer} and fails unless the command exited 0; returns stdout. */
export async function execOrFail(ctx: CaseContext, pod: string, container: string, command: string[], ns = ctx.ns): Promise<string> {
  const r = await execInContainer(ctx, pod, container, command, ns);
  if (r.status && r.status.status !== 'Success') throw new Error(`exec ${JSON.stringify(command)} in ${ns}/${pod}/${container}: ${r.status.message ?? JSON.stringify(r.status)}; stderr: ${r.stderr}`);
  return r.stdout;
}

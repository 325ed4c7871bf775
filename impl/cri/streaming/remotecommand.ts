/**
 * Client side of the Kubernetes remotecommand protocol for CRI Exec and Attach URLs, over
 * WebSocket with the `v4.channel.k8s.io` subprotocol (containerd 1.6's streaming server serves
 * it next to SPDY; upstream: k8s.io/kubelet/pkg/cri/streaming/remotecommand/websocket.go).
 *
 * Frames: stdin 0, stdout 1, stderr 2, error 3 (a JSON metav1.Status when the command ends:
 * `Success`, or `Failure` with reason `NonZeroExitCode` and the exit code in
 * `details.causes[{reason: "ExitCode"}]`), resize 4 (TTY). The server sends one empty frame per
 * output channel first; those are ignored.
 *
 * Limitation (protocol v4): stdin cannot be half-closed. A command that reads stdin to EOF (`cat`)
 * never sees EOF; end the session with {@link RemoteCommandSession.close} or let the command
 * decide when it has read enough. (`v5.channel.k8s.io` added a close signal; containerd 1.6 does
 * not speak it.) SPDY is not implemented by this client.
 */
import WebSocket from 'ws';
import { REMOTE_COMMAND_CHANNELS as CH, V4_CHANNEL_PROTOCOL, decodeFrame, encodeFrame, toBuffer } from './channel-protocol.ts';

/** StreamStatus is the subset of metav1.Status written on the error channel. */
export interface StreamStatus {
  status?: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

/** RemoteCommandResult is how a session ended. */
export interface RemoteCommandResult {
  /** exitCode is 0 on Success, the command's code on NonZeroExitCode. */
  exitCode: number;
  /** status is the raw Status from the error channel (absent if the server sent none). */
  status?: StreamStatus;
}

/** RemoteCommandError is a session that failed for a reason other than a non-zero exit code. */
export class RemoteCommandError extends Error {
  override readonly name = 'RemoteCommandError';
  constructor(
    message: string,
    readonly status?: StreamStatus,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** OutputSink receives output bytes (a Writable, or anything with `write`). */
export interface OutputSink {
  write(chunk: Buffer): unknown;
}

/** OpenRemoteCommandOptions configure {@link openRemoteCommand}. */
export interface OpenRemoteCommandOptions {
  /** url is the URL from CRI Exec/Attach (`http://...` is dialled as `ws://...`). */
  url: string;
  stdout?: OutputSink;
  stderr?: OutputSink;
  /** timeoutMs bounds the whole session (connect to end); 0 or absent = none. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** RemoteCommandSession is an open exec/attach session. */
export interface RemoteCommandSession {
  /** write sends bytes to the command's stdin (the request must have had `stdin: true`). */
  write(data: Uint8Array | string): void;
  /** resize sends a terminal size (TTY sessions). */
  resize(width: number, height: number): void;
  /** close ends the session from the client side (the command may keep running, as upstream). */
  close(): void;
  /** done settles when the server ends the session: exit code, or a RemoteCommandError. */
  done: Promise<RemoteCommandResult>;
}

/** exitCodeFromStatus interprets the v4 error-channel Status (upstream: client-go remotecommand v4). */
export function exitCodeFromStatus(status: StreamStatus): RemoteCommandResult {
  if (status.status === 'Success') return { exitCode: 0, status };
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number.parseInt(cause?.message ?? '', 10);
    if (Number.isInteger(code)) return { exitCode: code, status };
    throw new RemoteCommandError(`malformed NonZeroExitCode status: ${JSON.stringify(status)}`, status);
  }
  throw new RemoteCommandError(`remote command failed: ${status.message ?? JSON.stringify(status)}`, status);
}

function wsUrl(url: string): string {
  return url.replace(/^http(s?):\/\//, 'ws$1://');
}

/** openRemoteCommand dials an Exec/Attach URL and returns the session once connected. */
export async function openRemoteCommand(opts: OpenRemoteCommandOptions): Promise<RemoteCommandSession> {
  const ws = new WebSocket(wsUrl(opts.url), [V4_CHANNEL_PROTOCOL], { perMessageDeflate: false });
  let errorText = '';
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const cleanup = (): void => {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  };
  const onAbort = (): void => ws.terminate();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.timeoutMs) {
    timer = setTimeout(() => {
      timedOut = true;
      ws.terminate();
    }, opts.timeoutMs);
  }

  const done = new Promise<RemoteCommandResult>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      cleanup();
      fn();
    };
    ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
      const frame = decodeFrame(toBuffer(raw));
      if (!frame || frame.data.length === 0) return;
      if (frame.channel === CH.stdout) opts.stdout?.write(frame.data);
      else if (frame.channel === CH.stderr) opts.stderr?.write(frame.data);
      else if (frame.channel === CH.error) errorText += frame.data.toString('utf8');
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () =>
        finish(() => reject(new RemoteCommandError(`streaming server answered ${res.statusCode}: ${body.trim()}`))),
      );
    });
    ws.on('error', (err) => finish(() => reject(new RemoteCommandError(`stream ${opts.url}: ${err.message}`, undefined, { cause: err }))));
    ws.on('close', () =>
      finish(() => {
        if (opts.signal?.aborted) return reject(new RemoteCommandError('remote command aborted', undefined, { cause: opts.signal.reason }));
        if (timedOut) return reject(new RemoteCommandError(`remote command timed out after ${opts.timeoutMs}ms`));
        if (errorText === '') return resolve({ exitCode: 0 });
        let status: StreamStatus;
        try {
          status = JSON.parse(errorText) as StreamStatus;
        } catch {
          return reject(new RemoteCommandError(`remote command failed: ${errorText}`));
        }
        try {
          resolve(exitCodeFromStatus(status));
        } catch (err) {
          reject(err);
        }
      }),
    );
  });

  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    done.catch(reject);
  });
  return {
    write: (data) => ws.send(encodeFrame(CH.stdin, data)),
    resize: (width, height) => ws.send(encodeFrame(CH.resize, JSON.stringify({ Width: width, Height: height }))),
    close: () => ws.close(),
    done,
  };
}

/** RunRemoteCommandOptions configure {@link runRemoteCommand}. */
export interface RunRemoteCommandOptions {
  url: string;
  /** stdin is written once the session is open (it is not closed afterwards: see the module note). */
  stdin?: Uint8Array | string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** RemoteCommandOutput is the collected output and exit code of {@link runRemoteCommand}. */
export interface RemoteCommandOutput extends RemoteCommandResult {
  stdout: Buffer;
  stderr: Buffer;
}

/** runRemoteCommand opens a session, writes `stdin`, and collects stdout/stderr until it ends. */
export async function runRemoteCommand(opts: RunRemoteCommandOptions): Promise<RemoteCommandOutput> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const session = await openRemoteCommand({
    url: opts.url,
    stdout: { write: (c) => out.push(c) },
    stderr: { write: (c) => err.push(c) },
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
  });
  if (opts.stdin !== undefined) session.write(opts.stdin);
  const result = await session.done;
  return { ...result, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

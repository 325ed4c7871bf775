/**
 * The Kubernetes WebSocket "channel" framing (upstream: k8s.io/apiserver/pkg/util/wsstream,
 * vendored into containerd's CRI streaming server): every binary WebSocket message is one byte of
 * channel number followed by the payload. With the `base64.` protocols the channel is an ASCII
 * digit and the payload is base64 text. containerd 1.6's streaming server accepts these
 * subprotocols for exec/attach (`v4.channel.k8s.io`, `v4.base64.channel.k8s.io`,
 * `channel.k8s.io`, `base64.channel.k8s.io`) and for port-forward (`v4.channel.k8s.io`,
 * `v4.base64.channel.k8s.io`, or none), besides SPDY.
 */

/** REMOTE_COMMAND_CHANNELS are the exec/attach channel numbers. */
export const REMOTE_COMMAND_CHANNELS = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  /** error carries a JSON metav1.Status in v4 (exit code in details.causes[ExitCode]). */
  error: 3,
  /** resize takes JSON `{"Width":N,"Height":N}` (TTY sessions only). */
  resize: 4,
} as const;

/** V4_CHANNEL_PROTOCOL is the binary v4 subprotocol (Status JSON on the error channel). */
export const V4_CHANNEL_PROTOCOL = 'v4.channel.k8s.io';
/** V4_BASE64_CHANNEL_PROTOCOL is the text variant of v4. */
export const V4_BASE64_CHANNEL_PROTOCOL = 'v4.base64.channel.k8s.io';

/** encodeFrame builds one binary channel message. */
export function encodeFrame(channel: number, data: Uint8Array | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([Buffer.from([channel]), payload]);
}

/** decodeFrame splits a message into channel and payload; undefined for an empty message. */
export function decodeFrame(message: Buffer, base64 = false): { channel: number; data: Buffer } | undefined {
  if (message.length === 0) return undefined;
  const first = message[0] ?? 0;
  if (base64) return { channel: first - 0x30, data: Buffer.from(message.subarray(1).toString('ascii'), 'base64') };
  return { channel: first, data: message.subarray(1) };
}

/** toBuffer normalizes what `ws` hands to 'message' listeners. */
export function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

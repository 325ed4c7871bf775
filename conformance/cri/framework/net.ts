/**
 * Host-side network helpers for the networking and port-forward cases: an HTTP GET with a deadline
 * and a free local port. Traffic only goes to 127.0.0.1 and to pod IPs of sandboxes the suite made.
 */
import http from 'node:http';
import { freePort } from '../../../tools/runtime/index.ts';

/** HttpResult is a finished HTTP exchange. */
export interface HttpResult {
  status: number;
  body: string;
}

/** httpGet fetches url with a deadline (no keep-alive, so no socket outlives the case). */
export function httpGet(url: string, timeoutMs = 5_000, signal?: AbortSignal): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new Error(`GET ${url}: ${err.message}`, { cause: err })));
  });
}

/** freeLocalPort asks the kernel for a free TCP port on 127.0.0.1 (for host ports and forwards). */
export const freeLocalPort = (): Promise<number> => freePort('127.0.0.1');

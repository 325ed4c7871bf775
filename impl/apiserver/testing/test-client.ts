/**
 * A minimal HTTPS client for apiserver tests: client-certificate auth with the admin cert,
 * JSON in and out, raw access to status, headers and body.
 */
import { request as httpsRequest, type Agent } from 'node:https';
import { Agent as HttpsAgent } from 'node:https';
import type { Pki } from '../pki.ts';

/** TestResponse is one response. */
export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** TestRequestOptions tunes one request. */
export interface TestRequestOptions {
  body?: unknown;
  /** Raw body bytes (sent as is). */
  raw?: Buffer | string;
  headers?: Record<string, string>;
  /** Send no client certificate. */
  anonymous?: boolean;
}

/** TestClient sends requests to a running apiserver. */
export class TestClient {
  private readonly agent: Agent;
  private readonly anonAgent: Agent;
  constructor(
    readonly baseUrl: string,
    pki: Pki,
  ) {
    this.agent = new HttpsAgent({ ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey, keepAlive: true });
    this.anonAgent = new HttpsAgent({ ca: pki.caCert, keepAlive: true });
  }

  request(method: string, path: string, opts: TestRequestOptions = {}): Promise<TestResponse> {
    const body = opts.raw !== undefined ? Buffer.from(opts.raw) : opts.body !== undefined ? Buffer.from(JSON.stringify(opts.body)) : undefined;
    // Content-Length always: Node sends DELETE bodies without framing otherwise, and the server sees none.
    const headers: Record<string, string> = { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } : {}), ...(opts.headers ?? {}) };
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        new URL(path, this.baseUrl),
        { method, headers, agent: opts.anonymous ? this.anonAgent : this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body) req.end(body);
      else req.end();
    });
  }

  get(path: string, opts?: TestRequestOptions) {
    return this.request('GET', path, opts);
  }
  post(path: string, body: unknown, opts?: TestRequestOptions) {
    return this.request('POST', path, { ...opts, body });
  }
  put(path: string, body: unknown, opts?: TestRequestOptions) {
    return this.request('PUT', path, { ...opts, body });
  }
  patch(path: string, body: unknown, contentType: string, opts?: TestRequestOptions) {
    return this.request('PATCH', path, { ...opts, body, headers: { 'Content-Type': contentType, ...(opts?.headers ?? {}) } });
  }
  delete(path: string, opts?: TestRequestOptions) {
    return this.request('DELETE', path, opts);
  }

  close(): void {
    this.agent.destroy();
    this.anonAgent.destroy();
  }
}

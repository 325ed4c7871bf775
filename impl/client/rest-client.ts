/**
 * RestClient is a small Kubernetes REST client over node:https (or node:http) with a
 * keep-alive agent, JSON bodies, per-request timeouts and AbortSignals. Non-2xx answers
 * become {@link ApiError} carrying the server's `Status` (client-go `rest.Request.Do`).
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ApiError, type ApiStatus } from './api-error.ts';
import type { RestConfig } from './kubeconfig.ts';
import { ResourceClient } from './resource-client.ts';

/** QueryValue is one query parameter value; arrays repeat the key, undefined drops it. */
export type QueryValue = string | number | boolean | undefined | null | readonly string[];

/** RequestOptions describes one HTTP request against the apiserver. */
export interface RequestOptions {
  /** HTTP method, default GET. */
  method?: string;
  /** Absolute path below the server URL, e.g. `/api/v1/namespaces`. */
  path: string;
  /** Query parameters. */
  query?: Record<string, QueryValue>;
  /** Body: strings and Buffers are sent as they are, anything else as JSON. */
  body?: unknown;
  /** Content-Type of the body, default `application/json`. */
  contentType?: string;
  /** Accept header, default `application/json`. */
  accept?: string;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Aborts the request (and a streaming response). */
  signal?: AbortSignal;
  /** Per-request timeout in ms (0 = none); default the client's `timeoutMs`. */
  timeoutMs?: number;
}

/** RawResponse is an answer read completely, whatever its status code. */
export interface RawResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** RestClientOptions tunes a {@link RestClient}. */
export interface RestClientOptions {
  /** Default per-request timeout in ms (not applied to streams); default 30000. */
  timeoutMs?: number;
  /** Called with each `Warning` header value the server sends. */
  onWarning?: (warning: string, request: string) => void;
}

/** buildQuery renders query parameters in a stable order. */
export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function combineSignals(signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal | undefined {
  const signals: AbortSignal[] = [];
  if (signal) signals.push(signal);
  if (timeoutMs && timeoutMs > 0) signals.push(AbortSignal.timeout(timeoutMs));
  if (signals.length === 0) return undefined;
  return signals.length === 1 ? signals[0] : AbortSignal.any(signals);
}

function parseStatus(body: string): ApiStatus | undefined {
  try {
    const parsed = JSON.parse(body) as ApiStatus;
    return parsed && parsed.kind === 'Status' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** RestClient talks to one apiserver described by a {@link RestConfig}. */
export class RestClient {
  /** The configuration this client was built from. */
  readonly config: RestConfig;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly onWarning: RestClientOptions['onWarning'];

  constructor(config: RestConfig, opts: RestClientOptions = {}) {
    this.config = config;
    this.base = new URL(config.server);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.onWarning = opts.onWarning;
    if (this.base.protocol === 'https:') {
      this.agent = new https.Agent({
        keepAlive: true,
        maxSockets: 64,
        ca: config.ca,
        cert: config.cert,
        key: config.key,
        rejectUnauthorized: !config.insecureSkipTLSVerify,
        servername: config.tlsServerName,
      });
    } else {
      this.agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    }
  }

  /** resource returns a client for one group/version/resource (group '' for core). */
  resource(group: string, version: string, resource: string): ResourceClient {
    return new ResourceClient(this, { group, version, resource });
  }

  /** request sends a request and parses the JSON answer; non-2xx throws {@link ApiError}. */
  async request<T = unknown>(opts: RequestOptions): Promise<T> {
    const res = await this.requestRaw(opts);
    if (res.statusCode < 200 || res.statusCode > 299) {
      throw new ApiError({ code: res.statusCode, status: parseStatus(res.body), request: this.describe(opts), body: res.body });
    }
    if (res.body === '') return undefined as T;
    const type = String(res.headers['content-type'] ?? '');
    if (type.includes('json') || /^\s*[[{]/.test(res.body)) {
      try {
        return JSON.parse(res.body) as T;
      } catch (err) {
        throw new Error(`${this.describe(opts)}: invalid JSON in response`, { cause: err });
      }
    }
    return res.body as T;
  }

  /** requestRaw sends a request and reads the whole answer without interpreting the status. */
  async requestRaw(opts: RequestOptions): Promise<RawResponse> {
    const res = await this.open(opts, opts.timeoutMs ?? this.timeoutMs);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return { statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
  }

  /**
   * stream opens a request and returns the response once its headers arrived (for watch and
   * log streams). Non-2xx answers are read and thrown as {@link ApiError}. No default timeout.
   */
  async stream(opts: RequestOptions): Promise<IncomingMessage> {
    const res = await this.open(opts, opts.timeoutMs ?? 0);
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      throw new ApiError({ code, status: parseStatus(body), request: this.describe(opts), body });
    }
    return res;
  }

  /** close drops idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private describe(opts: RequestOptions): string {
    return `${opts.method ?? 'GET'} ${opts.path}${buildQuery(opts.query)}`;
  }

  private open(opts: RequestOptions, timeoutMs: number): Promise<IncomingMessage> {
    const method = opts.method ?? 'GET';
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const path = `${basePath}${opts.path}${buildQuery(opts.query)}`;
    const headers: Record<string, string> = {
      Accept: opts.accept ?? 'application/json',
      'User-Agent': this.config.userAgent ?? 'kubets-client/0.1',
      ...opts.headers,
    };
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.isBuffer(opts.body)
        ? opts.body
        : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body), 'utf8');
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    else if (this.config.username !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${this.config.username}:${this.config.password ?? ''}`).toString('base64')}`;
    }
    if (this.config.impersonate) {
      headers['Impersonate-User'] = this.config.impersonate.user;
    }
    const signal = combineSignals(opts.signal, timeoutMs);
    const request = this.describe(opts);
    const mod = this.base.protocol === 'https:' ? https : http;
    return new Promise<IncomingMessage>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(request, signal));
        return;
      }
      const req = mod.request({
        protocol: this.base.protocol,
        hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
        port: this.base.port || (this.base.protocol === 'https:' ? 443 : 80),
        method,
        path,
        headers: this.config.impersonate?.groups?.length
          ? { ...headers, 'Impersonate-Group': this.config.impersonate.groups }
          : headers,
        agent: this.agent,
        signal,
      });
      req.on('response', (res) => {
        const warn = res.headers.warning;
        if (warn && this.onWarning) for (const w of String(warn).split(/,(?=\s*\d{3} )/)) this.onWarning(w.trim(), request);
        resolve(res);
      });
      req.on('error', (err) => {
        reject(signal?.aborted ? abortError(request, signal) : new Error(`${request}: ${err.message}`, { cause: err }));
      });
      req.end(payload);
    });
  }
}

function abortError(request: string, signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  return new Error(`${request}: ${timedOut ? 'request timed out' : 'request aborted'}`, { cause: reason });
}

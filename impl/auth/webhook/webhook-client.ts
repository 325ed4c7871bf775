/**
 * The HTTPS client the webhook authenticator, authorizer and admission plugins share: POST a JSON
 * document to a remote, with a CA bundle, optional client credentials, a timeout and a signal.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/util/webhook/webhook.go (GenericWebhook)
 */
import https from 'node:https';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseKubeconfig, type RestConfig } from '#impl/client/kubeconfig.ts';

/** WebhookTarget is where and how to call a webhook. */
export interface WebhookTarget {
  /** Full URL (path and query included). */
  url: string;
  /** PEM CA bundle to verify the server; undefined = system roots. */
  ca?: Buffer | string;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
}

/** WebhookResponse is the remote's answer. */
export interface WebhookResponse {
  statusCode: number;
  body: unknown;
}

/** WebhookTimeoutError marks a call that ran into its deadline. */
export class WebhookTimeoutError extends Error {
  constructor(url: string, ms: number) {
    super(`Post "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers) after ${ms}ms`);
    this.name = 'WebhookTimeoutError';
  }
}

/** targetFromKubeconfigFile reads a webhook kubeconfig (`--authentication-token-webhook-config-file`...). */
export function targetFromKubeconfigFile(path: string): WebhookTarget {
  return targetFromRestConfig(parseKubeconfig(readFileSync(path, 'utf8'), { baseDir: dirname(path), source: path }));
}

/** targetFromRestConfig turns a kubeconfig's cluster+user into a target (server is the full URL, as upstream). */
export function targetFromRestConfig(c: RestConfig): WebhookTarget {
  return {
    url: c.server,
    ...(c.ca ? { ca: c.ca } : {}),
    ...(c.cert ? { cert: c.cert } : {}),
    ...(c.key ? { key: c.key } : {}),
    ...(c.token ? { token: c.token } : {}),
    ...(c.insecureSkipTLSVerify ? { insecureSkipTLSVerify: true } : {}),
    ...(c.tlsServerName ? { tlsServerName: c.tlsServerName } : {}),
  };
}

/**
 * postJson sends `body` as JSON and parses the JSON answer. It rejects on network errors, on a
 * timeout (WebhookTimeoutError) and when `signal` aborts; non-2xx answers resolve with their code.
 */
export function postJson(target: WebhookTarget, body: unknown, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<WebhookResponse> {
  const u = new URL(target.url);
  const payload = Buffer.from(JSON.stringify(body));
  const isHttps = u.protocol === 'https:';
  return new Promise<WebhookResponse>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | undefined, v?: WebhookResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(v!);
    };
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      Accept: 'application/json, */*',
      'Content-Length': payload.length,
    };
    if (target.token) headers.Authorization = `Bearer ${target.token}`;
    const reqOpts: https.RequestOptions = {
      method: 'POST',
      hostname: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port || (isHttps ? 443 : 80),
      path: `${u.pathname}${u.search}`,
      headers,
      agent: false,
    };
    if (isHttps) {
      if (target.ca) reqOpts.ca = target.ca;
      if (target.cert) reqOpts.cert = target.cert;
      if (target.key) reqOpts.key = target.key;
      if (target.insecureSkipTLSVerify) reqOpts.rejectUnauthorized = false;
      if (target.tlsServerName) reqOpts.servername = target.tlsServerName;
    }
    const req = (isHttps ? https : http).request(reqOpts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => finish(e));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          // keep the text: callers report it
        }
        finish(undefined, { statusCode: res.statusCode ?? 0, body: parsed });
      });
    });
    const timer = setTimeout(() => {
      finish(new WebhookTimeoutError(target.url, opts.timeoutMs));
      req.destroy();
    }, opts.timeoutMs);
    const onAbort = () => {
      finish(new Error(`Post "${target.url}": context canceled`));
      req.destroy();
    };
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => finish(new Error(`Post "${target.url}": ${e.message}`, { cause: e })));
    req.end(payload);
  });
}

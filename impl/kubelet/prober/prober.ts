/**
 * Prober runs one probe once (upstream: pkg/kubelet/prober/prober.go and pkg/probe/{exec,http,tcp}):
 * exec through CRI ExecSync (exit 0 = success; a timeout is a failure), httpGet against the pod
 * IP (status 200-399 = success; redirects to other hosts are successes with a warning upstream,
 * not followed here), tcpSocket (a connection within the timeout = success), grpc (the gRPC health
 * protocol against the pod IP, ./grpc-probe.ts: SERVING = success).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Container, Pod, Probe } from '#generated/k8s/index.ts';
import type { RuntimeService } from '../kuberuntime/cri-services.ts';
import { grpcProbe } from './grpc-probe.ts';

/** PROBE_RESULTS are the outcomes of a probe (upstream probe.Result). */
export type ProbeResult = 'success' | 'failure' | 'unknown';

/** ProbeOutcome is a result with the output upstream puts in the Unhealthy event. */
export interface ProbeOutcome {
  result: ProbeResult;
  output: string;
}

/** ProbeTarget is what a probe runs against. */
export interface ProbeTarget {
  pod: Pod;
  container: Container;
  containerId: string;
  podIP: string;
}

/** resolvePort turns an int-or-string port (a number or a named container port) into a number. */
export function resolvePort(port: number | string | undefined, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function httpProbe(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method: 'GET', headers: { 'User-Agent': 'kube-probe/1.35', Accept: '*/*', ...headers }, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        if (body.length < 10 * 1024) body += d.toString('utf8');
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 400) resolve({ result: 'success', output: body });
        else resolve({ result: 'failure', output: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (err) => resolve({ result: 'failure', output: err.message }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ result: 'failure', output: `Get "${url.href}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (err) => resolve({ result: 'failure', output: `Get "${url.href}": ${err.message}` }));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ result: 'failure', output: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ result: 'success', output: '' });
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      resolve({ result: 'failure', output: `dial tcp ${host}:${port}: ${err.message}` });
    });
  });
}

/** runProbe runs `probe` once against `target` (upstream prober.runProbe). */
export async function runProbe(probe: Probe, target: ProbeTarget, runtime: Pick<RuntimeService, 'execSync'>): Promise<ProbeOutcome> {
  const timeoutSeconds = probe.timeoutSeconds ?? 1;
  const timeoutMs = timeoutSeconds * 1000;
  if (probe.exec) {
    try {
      const r = await runtime.execSync({ containerId: target.containerId, cmd: probe.exec.command ?? [], timeout: String(timeoutSeconds) });
      const output = Buffer.from(r.stdout).toString('utf8') + Buffer.from(r.stderr).toString('utf8');
      return { result: r.exitCode === 0 ? 'success' : 'failure', output };
    } catch (err) {
      const msg = (err as { details?: string }).details ?? (err as Error).message;
      if (/timeout|deadline/i.test(msg)) return { result: 'failure', output: `command timed out: "${(probe.exec.command ?? []).join(' ')}" timed out after ${timeoutSeconds}s` };
      return { result: 'unknown', output: msg };
    }
  }
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port as number | string, target.container);
    if (port === undefined) return { result: 'unknown', output: `couldn't find port: ${String(probe.httpGet.port)}` };
    const host = probe.httpGet.host || target.podIP;
    const scheme = (probe.httpGet.scheme ?? 'HTTP').toLowerCase();
    let p = probe.httpGet.path ?? '/';
    if (!p.startsWith('/')) p = `/${p}`;
    const url = new URL(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${p}`);
    const headers: Record<string, string> = {};
    for (const h of probe.httpGet.httpHeaders ?? []) headers[h.name] = h.value;
    return httpProbe(url, headers, timeoutMs);
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port as number | string, target.container);
    if (port === undefined) return { result: 'unknown', output: `couldn't find port: ${String(probe.tcpSocket.port)}` };
    return tcpProbe(probe.tcpSocket.host || target.podIP, port, timeoutMs);
  }
  if (probe.grpc) {
    return grpcProbe({ host: target.podIP, port: probe.grpc.port, service: probe.grpc.service ?? '', timeoutMs });
  }
  return { result: 'unknown', output: 'missing probe handler (exec, httpGet, tcpSocket or grpc)' };
}

/**
 * Container lifecycle hooks (upstream: pkg/kubelet/lifecycle/handlers.go HandlerRunner): a
 * postStart or preStop handler runs an exec command in the container (CRI ExecSync), an HTTP
 * GET against the pod IP (2xx/3xx = success) or a sleep. tcpSocket handlers are accepted and
 * ignored, as upstream does. Failures are values, with upstream-like messages.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Container, LifecycleHandler, Pod } from '#generated/k8s/index.ts';
import { runProbe } from '../prober/prober.ts';
import type { RuntimeService } from './cri-services.ts';

/** HandlerResult is the outcome of one hook. */
export type HandlerResult = { ok: true } | { ok: false; message: string };

/** HandlerTarget is the container a hook runs for. */
export interface HandlerTarget {
  pod: Pod;
  container: Container;
  containerId: string;
  podIP: string;
}

/** runLifecycleHandler runs one hook, bounded by `timeoutSeconds`. */
export async function runLifecycleHandler(
  handler: LifecycleHandler,
  target: HandlerTarget,
  runtime: Pick<RuntimeService, 'execSync'>,
  timeoutSeconds: number,
  signal?: AbortSignal,
): Promise<HandlerResult> {
  if (handler.exec) {
    const cmd = handler.exec.command ?? [];
    try {
      const r = await runtime.execSync({ containerId: target.containerId, cmd, timeout: String(Math.max(1, timeoutSeconds)) }, { signal });
      if (r.exitCode === 0) return { ok: true };
      const out = Buffer.from(r.stdout).toString('utf8') + Buffer.from(r.stderr).toString('utf8');
      return { ok: false, message: `command '${cmd.join(' ')}' exited with ${r.exitCode}: ${out}` };
    } catch (err) {
      return { ok: false, message: (err as { details?: string }).details ?? (err as Error).message };
    }
  }
  if (handler.httpGet) {
    const r = await runProbe({ httpGet: handler.httpGet, timeoutSeconds: Math.max(1, timeoutSeconds) }, target, runtime);
    return r.result === 'success' ? { ok: true } : { ok: false, message: r.output };
  }
  if (handler.sleep) {
    const ms = Math.min(handler.sleep.seconds, Math.max(0, timeoutSeconds)) * 1000;
    await sleep(ms, undefined, { signal }).catch(() => {});
    return { ok: true };
  }
  return { ok: true }; // tcpSocket: deprecated, ignored (upstream)
}

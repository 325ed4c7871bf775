/**
 * Helpers shared by integration tests that drive a real apiserver with the real kubectl:
 * polling until a condition holds, and running kubectl asynchronously (the apiserver under test
 * usually lives in the test's own process, so a synchronous spawn would deadlock it).
 */
import { spawn } from 'node:child_process';
import { waitFor } from '#impl/client/wait.ts';

/** until polls `fn` every 300 ms until it yields a value; errors are retried and the last one reported on timeout. */
export function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  return waitFor(fn, { timeoutMs, intervalMs: 300, message: what, ignoreErrors: true });
}

/** KubectlRun is what one kubectl invocation printed and how it exited (-1 when killed). */
export interface KubectlRun {
  code: number;
  out: string;
  err: string;
}

/** runKubectl runs `kubectl --kubeconfig K ...args`, killed after `timeoutMs` (default 60 s). */
export function runKubectl(kubeconfig: string, args: readonly string[], timeoutMs = 60_000): Promise<KubectlRun> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.stderr!.on('data', (d: Buffer) => (err += d));
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out, err });
    });
  });
}

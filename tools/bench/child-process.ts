/**
 * Helpers for benchmarks that run components in their own processes: stop a child by PID
 * (SIGTERM, then SIGKILL after a grace period) and read its resident memory.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** stopChild sends SIGTERM and waits for the exit, with SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

/** rssMiBOf reads a process's resident set size (VmRSS) in MiB from /proc. */
export function rssMiBOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

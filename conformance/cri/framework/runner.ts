/**
 * runCases is the one runner for CRI validation cases: select by focus/skip regexes, run the
 * parallel cases on N workers and then the serial ones alone, bound every case (and its cleanup)
 * by a deadline, and stop early with a clear message when the runtime stops answering.
 */
import * as grpc from '@grpc/grpc-js';
import { SkipError, type CaseResult, type CriCase } from './case.ts';
import { Framework, type Suite } from './framework.ts';
import { isCriCallError } from './raw-client.ts';

/** RunOptions configures runCases. */
export interface RunOptions {
  cases: readonly CriCase[];
  suite: Suite;
  /** focus keeps only cases whose name matches (ginkgo's -focus). */
  focus?: RegExp;
  /** skip drops cases whose name matches (ginkgo's -skip). */
  skip?: RegExp;
  /** parallel is the number of cases run at once (default 1). */
  parallel?: number;
  /** caseTimeoutMs bounds one case unless the case sets its own (default 3 min). */
  caseTimeoutMs?: number;
  /** cleanupTimeoutMs bounds one case's cleanup (default 90 s). */
  cleanupTimeoutMs?: number;
  /** onStart / onResult report progress (the CLI prints a line per case). */
  onStart?: (c: CriCase) => void;
  onResult?: (r: CaseResult, done: number, total: number) => void;
  /** signal stops the run: running cases are aborted, the rest are not started. */
  signal?: AbortSignal;
}

/** selectCases applies focus and skip. */
export function selectCases(cases: readonly CriCase[], focus?: RegExp, skip?: RegExp): CriCase[] {
  return cases.filter((c) => (!focus || focus.test(c.name)) && !(skip && skip.test(c.name)));
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

function isUnavailable(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (isCriCallError(e, grpc.status.UNAVAILABLE) || isCriCallError(e, grpc.status.DEADLINE_EXCEEDED)) return true;
  }
  return false;
}

async function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => void, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)}s`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** runCase runs one case with its deadline and cleanup and returns its result (never throws). */
export async function runCase(c: CriCase, suite: Suite, caseTimeoutMs: number, cleanupTimeoutMs: number, outer?: AbortSignal): Promise<CaseResult> {
  const ctl = new AbortController();
  const onOuter = (): void => ctl.abort(new Error('run aborted'));
  outer?.addEventListener('abort', onOuter, { once: true });
  const f = new Framework(suite, ctl.signal);
  const started = Date.now();
  let status: CaseResult['status'] = 'passed';
  let message = '';
  try {
    const timeout = c.timeoutMs ?? caseTimeoutMs;
    await withDeadline(c.run(f), timeout, () => ctl.abort(new Error(`case timed out after ${timeout / 1000}s`)), 'case');
  } catch (err) {
    if (err instanceof SkipError) {
      status = 'skipped';
      message = err.message;
    } else {
      status = 'failed';
      message = messageOf(err);
      if (ctl.signal.aborted && !/timed out|did not finish/.test(message)) message = `${messageOf(ctl.signal.reason)}: ${message}`;
    }
  }
  try {
    await withDeadline(f.runCleanups(), cleanupTimeoutMs, () => undefined, 'cleanup');
  } catch (err) {
    f.step(messageOf(err));
  }
  outer?.removeEventListener('abort', onOuter);
  return { name: c.name, status, message, durationMs: Date.now() - started, log: f.log };
}

/**
 * runCases runs the selected cases and returns their results in catalog order. When a case fails
 * because the runtime is unreachable and a Version probe confirms it, the cases not yet started
 * fail at once with "not run: the runtime stopped answering".
 */
export async function runCases(opts: RunOptions): Promise<CaseResult[]> {
  const selected = selectCases(opts.cases, opts.focus, opts.skip);
  const results = new Map<CriCase, CaseResult>();
  const total = selected.length;
  const caseTimeout = opts.caseTimeoutMs ?? 180_000;
  const cleanupTimeout = opts.cleanupTimeoutMs ?? 90_000;
  let runtimeGone = '';
  let done = 0;

  const record = (c: CriCase, r: CaseResult): void => {
    results.set(c, r);
    done++;
    opts.onResult?.(r, done, total);
  };

  const runOne = async (c: CriCase): Promise<void> => {
    if (runtimeGone || opts.signal?.aborted) {
      const why = runtimeGone ? `not run: the runtime stopped answering (${runtimeGone})` : 'not run: the run was aborted';
      record(c, { name: c.name, status: 'failed', message: why, durationMs: 0, log: [] });
      return;
    }
    opts.onStart?.(c);
    const r = await runCase(c, opts.suite, caseTimeout, cleanupTimeout, opts.signal);
    if (r.status === 'failed' && !runtimeGone && /Unavailable|DeadlineExceeded|UNAVAILABLE|DEADLINE_EXCEEDED/.test(r.message)) {
      try {
        await opts.suite.cri.runtime.version({ version: '0.1.0' }, { timeoutMs: 5_000 });
      } catch (err) {
        if (isUnavailable(err)) runtimeGone = messageOf(err);
      }
    }
    record(c, r);
  };

  const parallelCases = selected.filter((c) => !c.serial);
  const serialCases = selected.filter((c) => c.serial);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 1, parallelCases.length || 1)) }, async () => {
    while (next < parallelCases.length) await runOne(parallelCases[next++]!);
  });
  await Promise.all(workers);
  for (const c of serialCases) await runOne(c);
  return selected.map((c) => results.get(c)!);
}

/** Counts totals results by status. */
export interface Counts {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

/** countResults totals results by status. */
export function countResults(results: readonly CaseResult[]): Counts {
  const c: Counts = { total: results.length, passed: 0, failed: 0, skipped: 0 };
  for (const r of results) c[r.status]++;
  return c;
}

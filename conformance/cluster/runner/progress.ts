/**
 * Progress prints a live line while the suite runs: done/total, passed/failed, and the cases
 * in flight. On a TTY the line is rewritten in place; otherwise each finished case is one
 * plain line (CI logs).
 */
import type { CaseResult } from './results.ts';

/** ProgressSink is what the runner reports to. */
export interface ProgressSink {
  start(total: number): void;
  caseStarted(id: string, codename: string): void;
  caseFinished(result: CaseResult): void;
  message(text: string): void;
  end(): void;
}

/** newProgress writes to `out` (default stderr), rewriting in place when it is a TTY. */
export function newProgress(out: NodeJS.WriteStream = process.stderr, opts: { tty?: boolean } = {}): ProgressSink {
  const tty = opts.tty ?? Boolean(out.isTTY);
  let total = 0;
  let done = 0;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const running = new Map<string, string>();
  const counts = (): string => `[${done}/${total}] pass ${passed} fail ${failed}${skipped ? ` skip ${skipped}` : ''}`;
  const draw = (): void => {
    if (!tty) return;
    const current = [...running.keys()].join(', ');
    const width = out.columns || 120;
    const line = `${counts()} ${current ? `running: ${current}` : ''}`;
    out.write(`\r\x1b[K${line.slice(0, width - 1)}`);
  };
  const clear = (): void => {
    if (tty) out.write('\r\x1b[K');
  };
  return {
    start(n) {
      total = n;
      draw();
    },
    caseStarted(id, codename) {
      running.set(id, codename);
      draw();
    },
    caseFinished(r) {
      running.delete(r.id);
      done++;
      if (r.status === 'passed') passed++;
      else if (r.status === 'failed') failed++;
      else skipped++;
      clear();
      const mark = r.status === 'passed' ? 'PASS' : r.status === 'failed' ? 'FAIL' : 'SKIP';
      const why = r.status === 'passed' ? '' : `\n      ${(r.message ?? '').split('\n')[0]}`;
      out.write(`${counts()} ${mark} ${r.id} ${r.codename} (${(r.durationMs / 1000).toFixed(1)}s)${why}\n`);
      draw();
    },
    message(text) {
      clear();
      out.write(`${text}\n`);
      draw();
    },
    end() {
      clear();
    },
  };
}

/** silentProgress discards everything (tests). */
export const silentProgress: ProgressSink = { start() {}, caseStarted() {}, caseFinished() {}, message() {}, end() {} };

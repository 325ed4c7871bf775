/**
 * Text output of a validation run: the progress line per case and the summary table (counts per
 * Describe group, then every failure and skip with its reason).
 */
import type { CaseResult } from './case.ts';
import { countResults } from './runner.ts';

const MARK: Record<CaseResult['status'], string> = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' };

/** progressLine is the line printed when a case ends: `[ 3/64] PASS  1.2s name (reason)`. */
export function progressLine(r: CaseResult, done: number, total: number): string {
  const w = String(total).length;
  const why = r.message && r.status !== 'passed' ? `\n          ${r.message.split('\n')[0]}` : '';
  return `[${String(done).padStart(w)}/${total}] ${MARK[r.status]} ${(r.durationMs / 1000).toFixed(1).padStart(5)}s ${r.name}${why}`;
}

/** groupOf returns the Describe group of a case name (`[k8s.io] Container ...` -> `Container`). */
export function groupOf(name: string): string {
  const m = /^\[[^\]]+\]\s+(.*)$/.exec(name);
  const rest = m ? m[1]! : name;
  const known = [
    'Runtime info', 'PodSandbox', 'Container Mount Propagation', 'Container OOM', 'Container Mount Readonly', 'Container',
    'Idempotence', 'Image Manager', 'Image Consistency', 'Image Identifier Consistency', 'Multiple Containers', 'Networking',
    'Streaming', 'Security Context', 'Resources', 'Stats', 'Bad input',
  ];
  for (const k of known) if (rest.startsWith(k)) return k;
  return rest.split(' ')[0] ?? rest;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** summaryTable renders per-group counts, totals, and the failures and skips with their reasons. */
export function summaryTable(results: readonly CaseResult[]): string {
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) {
    const g = groupOf(r.name);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(r);
  }
  const rows = [['GROUP', 'CASES', 'PASS', 'FAIL', 'SKIP']];
  for (const [g, rs] of groups) {
    const c = countResults(rs);
    rows.push([g, String(c.total), String(c.passed), String(c.failed), String(c.skipped)]);
  }
  const t = countResults(results);
  rows.push(['TOTAL', String(t.total), String(t.passed), String(t.failed), String(t.skipped)]);
  const out = [table(rows)];
  const ran = t.total - t.skipped;
  out.push(`\n${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped` + (ran > 0 ? ` (${((100 * t.passed) / ran).toFixed(1)}% of the cases that ran passed)` : ''));
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    out.push('\nFailures:');
    for (const r of failed) out.push(`  - ${r.name}\n      ${r.message.replace(/\n/g, '\n      ')}`);
  }
  const skipped = results.filter((r) => r.status === 'skipped');
  if (skipped.length > 0) {
    out.push('\nSkipped:');
    for (const r of skipped) out.push(`  - ${r.name}\n      ${r.message}`);
  }
  return out.join('\n');
}

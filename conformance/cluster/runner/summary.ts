/**
 * The per-area summary: for each area the catalog size, feasible tests, implemented cases,
 * and this run's passed / failed / skipped, plus the pass rate over all the list's tests
 * (passed / tests, the project's progress meter; tests tagged not feasible on one node count too,
 * since a kube-proxy and cluster DNS made several of them pass).
 */
import { isFeasible, type Catalog } from '../catalog.ts';
import type { SuiteResult } from './results.ts';

/** AreaSummary is one row of the table. */
export interface AreaSummary {
  area: string;
  total: number;
  feasible: number;
  implemented: number;
  passed: number;
  failed: number;
  skipped: number;
  /** passed / total, 0..1. */
  passRate: number;
}

/** summarize builds one row per area plus a `total` row, over the v1.32 list. */
export function summarize(run: SuiteResult | undefined, catalog: Catalog): AreaSummary[] {
  const byCodename = new Map((run?.results ?? []).map((r) => [r.codename, r]));
  const rows = new Map<string, AreaSummary>();
  const total: AreaSummary = { area: 'total', total: 0, feasible: 0, implemented: 0, passed: 0, failed: 0, skipped: 0, passRate: 0 };
  for (const e of catalog.entries) {
    if (e.list !== 'v1.32') continue;
    let row = rows.get(e.area);
    if (!row) rows.set(e.area, (row = { area: e.area, total: 0, feasible: 0, implemented: 0, passed: 0, failed: 0, skipped: 0, passRate: 0 }));
    const r = byCodename.get(e.codename);
    for (const x of [row, total]) {
      x.total++;
      if (isFeasible(e.tag)) x.feasible++;
      if (e.status === 'implemented') x.implemented++;
      if (r?.status === 'passed') x.passed++;
      else if (r?.status === 'failed') x.failed++;
      else if (r?.status === 'skipped') x.skipped++;
    }
  }
  const out = [...rows.values(), total];
  for (const x of out) x.passRate = x.total ? x.passed / x.total : 0;
  return out;
}

/** renderSummaryTable renders the rows as an aligned text table. */
export function renderSummaryTable(rows: readonly AreaSummary[]): string {
  const head = ['area', 'tests', 'feasible', 'implemented', 'passed', 'failed', 'skipped', 'pass rate'];
  const body = rows.map((r) => [r.area, r.total, r.feasible, r.implemented, r.passed, r.failed, r.skipped, `${(r.passRate * 100).toFixed(1)}%`].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(head), sep, ...body.slice(0, -1).map(fmt), sep, fmt(body.at(-1)!)].join('\n');
}

/** renderSummaryMarkdown renders the rows as a Markdown table (for the README block). */
export function renderSummaryMarkdown(rows: readonly AreaSummary[]): string {
  const lines = ['| area | tests | feasible | implemented | passed | failed | skipped | pass rate (of tests) |', '|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    const area = r.area === 'total' ? '**total**' : r.area;
    lines.push(`| ${area} | ${r.total} | ${r.feasible} | ${r.implemented} | ${r.passed} | ${r.failed} | ${r.skipped} | ${(r.passRate * 100).toFixed(1)}% |`);
  }
  return lines.join('\n');
}

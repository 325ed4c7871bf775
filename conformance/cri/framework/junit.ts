/**
 * toJUnitXml renders validation results as JUnit XML (the shape ginkgo's --junit-report writes and
 * CI dashboards read): one testsuite, one testcase per case, `<failure>` or `<skipped>` with the
 * message, and the case's step log as system-out.
 */
import type { CaseResult } from './case.ts';
import { countResults } from './runner.ts';

/** xmlEscape escapes text for XML attributes and content and drops characters XML 1.0 forbids. */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** JUnitOptions names the suite and adds properties (endpoint, runtime version). */
export interface JUnitOptions {
  suiteName?: string;
  properties?: Record<string, string>;
  timestamp?: Date;
}

/** toJUnitXml renders results as a JUnit XML document. */
export function toJUnitXml(results: readonly CaseResult[], opts: JUnitOptions = {}): string {
  const c = countResults(results);
  const secs = (ms: number): string => (ms / 1000).toFixed(3);
  const totalMs = results.reduce((a, r) => a + r.durationMs, 0);
  const name = xmlEscape(opts.suiteName ?? 'CRI validation');
  const ts = (opts.timestamp ?? new Date()).toISOString().replace(/\.\d+Z$/, '');
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<testsuites name="${name}" tests="${c.total}" failures="${c.failed}" errors="0" skipped="${c.skipped}" time="${secs(totalMs)}">`);
  lines.push(`  <testsuite name="${name}" tests="${c.total}" failures="${c.failed}" errors="0" skipped="${c.skipped}" time="${secs(totalMs)}" timestamp="${ts}">`);
  const props = Object.entries(opts.properties ?? {});
  if (props.length > 0) {
    lines.push('    <properties>');
    for (const [k, v] of props) lines.push(`      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`);
    lines.push('    </properties>');
  }
  for (const r of results) {
    const open = `    <testcase name="${xmlEscape(r.name)}" classname="${name}" time="${secs(r.durationMs)}"`;
    if (r.status === 'passed' && r.log.length === 0) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    if (r.status === 'failed') lines.push(`      <failure message="${xmlEscape(r.message)}" type="failure">${xmlEscape(r.message)}</failure>`);
    if (r.status === 'skipped') lines.push(`      <skipped message="${xmlEscape(r.message)}"/>`);
    if (r.log.length > 0) lines.push(`      <system-out>${xmlEscape(r.log.join('\n'))}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

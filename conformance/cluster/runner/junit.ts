/**
 * renderJUnit writes the JUnit XML Sonobuoy and the e2e framework produce (`junit_01.xml`):
 * one `<testsuite name="Kubernetes e2e suite">` with tests/failures/errors/skipped/time, one
 * `<testcase>` per catalog entry named by its codename; entries not run (filtered out or not
 * implemented) are `<skipped>`, as Ginkgo lists specs outside the focus.
 */
import type { Catalog } from '../catalog.ts';
import type { SuiteResult } from './results.ts';

const SUITE = 'Kubernetes e2e suite';

/** escapeXml escapes text for attributes and element content, dropping invalid characters. */
export function escapeXml(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const secs = (ms: number): string => (ms / 1000).toFixed(3);

/** renderJUnit renders the run as JUnit XML over the catalog's entries. */
export function renderJUnit(run: SuiteResult, catalog: Catalog): string {
  const byCodename = new Map(run.results.map((r) => [r.codename, r]));
  const entries = catalog.entries.filter((e) => e.list === 'v1.32' || byCodename.has(e.codename));
  let failures = 0;
  let skipped = 0;
  const cases: string[] = [];
  for (const e of entries) {
    const r = byCodename.get(e.codename);
    const name = escapeXml(e.codename);
    if (!r || r.status === 'skipped') {
      skipped++;
      const why = r?.message ?? (e.status === 'missing' ? 'not implemented in kubets conformance' : 'not selected by --focus/--skip');
      cases.push(
        `    <testcase name="${name}" classname="${SUITE}" status="skipped" time="${secs(r?.durationMs ?? 0)}">\n` +
          `      <skipped message="${escapeXml(why)}"></skipped>\n    </testcase>`,
      );
      continue;
    }
    const out = r.steps.length ? `\n      <system-err>${escapeXml(r.steps.join('\n'))}</system-err>` : '';
    if (r.status === 'failed') {
      failures++;
      const first = (r.message ?? 'failed').split('\n')[0] ?? 'failed';
      cases.push(
        `    <testcase name="${name}" classname="${SUITE}" status="failed" time="${secs(r.durationMs)}">\n` +
          `      <failure message="${escapeXml(first)}" type="failed">${escapeXml(`[FAILED] ${r.message ?? ''}\nIn [It] at: ${r.file}\n\n${r.details ?? ''}`)}</failure>${out}\n    </testcase>`,
      );
    } else {
      cases.push(`    <testcase name="${name}" classname="${SUITE}" status="passed" time="${secs(r.durationMs)}">${out}\n    </testcase>`);
    }
  }
  const total = entries.length;
  const time = secs(run.durationMs);
  const props = [
    ['SuiteSucceeded', String(failures === 0 && run.leftoverNamespaces.length === 0)],
    ['SuiteHasProgrammaticFocus', 'false'],
    ['SpecialSuiteFailureReason', run.leftoverNamespaces.length ? `test namespaces left behind: ${run.leftoverNamespaces.join(', ')}` : ''],
    ['FocusStrings', run.focus ?? ''],
    ['SkipStrings', run.skip ?? ''],
    ['Server', run.server],
    ['ServerVersion', run.serverVersion ?? ''],
  ]
    .map(([k, v]) => `      <property name="${escapeXml(k!)}" value="${escapeXml(v!)}"></property>`)
    .join('\n');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites tests="${total}" disabled="${skipped}" errors="0" failures="${failures}" time="${time}">\n` +
    `  <testsuite name="${SUITE}" package="/" tests="${total}" disabled="0" skipped="${skipped}" errors="0" failures="${failures}" time="${time}" timestamp="${run.startedAt.replace(/\.\d+Z$/, '')}">\n` +
    `    <properties>\n${props}\n    </properties>\n` +
    `${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`
  );
}

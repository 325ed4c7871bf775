/**
 * runConformanceCommand is the body of `kubets conformance`: load the kubeconfig and the
 * catalog, select cases, run them, write JUnit/JSON reports, print the per-area summary and
 * return the exit code: 0 all passed, 1 a case failed, 3 test namespaces were left behind.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RestClient, loadKubeconfig } from '#impl/client/index.ts';
import { loadCatalog } from '../catalog.ts';
import { resolveTestImages } from '../framework/images.ts';
import { parseDuration } from './duration.ts';
import { renderJUnit } from './junit.ts';
import { renderCatalogList } from './list.ts';
import { newProgress } from './progress.ts';
import { runSuite } from './run-suite.ts';
import { selectCases } from './select.ts';
import { renderSummaryTable, summarize } from './summary.ts';

/** ConformanceCommandOptions are the CLI flags. */
export interface ConformanceCommandOptions {
  kubeconfig?: string;
  context?: string;
  focus?: string;
  skip?: string;
  parallel?: string | number;
  junit?: string;
  report?: string;
  timeout?: string;
  list?: boolean;
  newer?: boolean;
  imagePrefix?: string;
  testImages?: string;
  namespaceDeletionTimeout?: string;
  nodeSchedulableTimeout?: string;
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** runConformanceCommand runs the command and returns the process exit code. */
export async function runConformanceCommand(opts: ConformanceCommandOptions, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const catalog = loadCatalog();
  if (opts.list) {
    out.write(renderCatalogList(catalog, { focus: opts.focus, skip: opts.skip, newer: opts.newer }));
    return 0;
  }
  const { cases } = await import('../registry.ts');
  const selected = selectCases(cases, { focus: opts.focus, skip: opts.skip });
  const config = loadKubeconfig({ path: opts.kubeconfig, context: opts.context });
  const client = new RestClient(config, { timeoutMs: 60_000 });
  const areas = new Map(catalog.entries.map((e) => [e.codename, e.area]));
  const ctrl = new AbortController();
  const onSignal = (): void => ctrl.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    out.write(`Running ${selected.length} of ${cases.length} implemented cases (${catalog.listSize} in the upstream list) against ${config.server}\n`);
    const run = await runSuite({
      client,
      cases: selected,
      images: resolveTestImages({ imagePrefix: opts.imagePrefix, testImagesFile: opts.testImages }),
      parallel: Number(opts.parallel ?? 1),
      timeoutMs: opts.timeout ? parseDuration(opts.timeout) : undefined,
      namespaceDeletionTimeoutMs: opts.namespaceDeletionTimeout ? parseDuration(opts.namespaceDeletionTimeout) : undefined,
      nodeSchedulableTimeoutMs: opts.nodeSchedulableTimeout ? parseDuration(opts.nodeSchedulableTimeout) : undefined,
      progress: newProgress(process.stderr),
      signal: ctrl.signal,
      focus: opts.focus,
      skip: opts.skip,
      areaOf: (c) => areas.get(c) ?? 'unknown',
    });
    const summary = summarize(run, catalog);
    if (opts.junit) write(opts.junit, renderJUnit(run, catalog));
    if (opts.report) write(opts.report, JSON.stringify({ ...run, summary }, null, 2) + '\n');
    const failed = run.results.filter((r) => r.status === 'failed');
    const passed = run.results.filter((r) => r.status === 'passed').length;
    const skipped = run.results.filter((r) => r.status === 'skipped').length;
    out.write('\n' + renderSummaryTable(summary) + '\n\n');
    if (failed.length) {
      out.write(`Summarizing ${failed.length} Failure(s):\n`);
      for (const f of failed) out.write(`  [FAIL] ${f.id} ${f.codename}\n         ${(f.message ?? '').split('\n')[0]}\n`);
      out.write('\n');
    }
    for (const p of run.problems) out.write(`problem: ${p}\n`);
    if (run.leftoverNamespaces.length) out.write(`test namespaces left behind: ${run.leftoverNamespaces.join(', ')}\n`);
    out.write(`Ran ${run.results.length} of ${catalog.listSize} Specs in ${(run.durationMs / 1000).toFixed(1)} seconds\n`);
    const ok = failed.length === 0 && run.leftoverNamespaces.length === 0;
    out.write(`${ok ? 'SUCCESS!' : 'FAIL!'} -- ${passed} Passed | ${failed.length} Failed | 0 Pending | ${skipped} Skipped\n`);
    // 1: cases failed; 3: test namespaces were left behind (a cleanup bug, worse than a failing case).
    return run.leftoverNamespaces.length ? 3 : ok ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    client.close();
  }
}

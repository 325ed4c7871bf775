/**
 * runSuite runs conformance cases against a cluster: each case in a fresh namespace, with a
 * per-case timeout (AbortSignal), cleanup even on failure, [Serial] cases after the parallel
 * pass one at a time, and a final check that no test namespace is left behind.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { RestClient } from '#impl/client/index.ts';
import type { ConformanceCase } from '../framework/case.ts';
import { newCaseContext } from '../framework/context.ts';
import { SkipCase } from '../framework/expect.ts';
import type { TestImages } from '../framework/images.ts';
import { NamespaceTracker } from './namespaces.ts';
import { silentProgress, type ProgressSink } from './progress.ts';
import type { CaseResult, SuiteResult } from './results.ts';

/** RunSuiteOptions configure {@link runSuite}. */
export interface RunSuiteOptions {
  client: RestClient;
  cases: readonly ConformanceCase[];
  images: TestImages;
  /** Concurrent cases in the parallel pass; default 1. */
  parallel?: number;
  /** Per-case timeout (ms); [Slow] cases get twice this. Default 180000. */
  timeoutMs?: number;
  /** Time to wait at the end for test namespaces to disappear (ms). Default 120000. */
  namespaceDeletionTimeoutMs?: number;
  /**
   * Like the e2e framework's start-up check: wait this long (ms) for at least one Ready,
   * schedulable node before running; on timeout print a note and run anyway. Default 120000.
   */
  nodeSchedulableTimeoutMs?: number;
  /** Default ServiceAccount wait when a ServiceAccount controller exists (ms). */
  serviceAccountWaitMs?: number;
  progress?: ProgressSink;
  /** Cancels the run (running cases are aborted, cleanup still happens). */
  signal?: AbortSignal;
  focus?: string;
  skip?: string;
  /** Area lookup (from the catalog) by codename. */
  areaOf?: (codename: string) => string;
}

function areaFromCodename(codename: string): string {
  return /^\[sig-([a-z-]+)\]/.exec(codename)?.[1] ?? 'unknown';
}

function describeError(err: unknown): { message: string; details: string } {
  if (err instanceof Error) {
    const causes: string[] = [];
    let c: unknown = err.cause;
    for (let i = 0; c !== undefined && i < 4; i++) {
      causes.push(c instanceof Error ? `caused by: ${c.message}` : `caused by: ${inspect(c)}`);
      c = c instanceof Error ? c.cause : undefined;
    }
    return { message: err.message, details: [err.stack ?? err.message, ...causes].join('\n') };
  }
  return { message: String(err), details: inspect(err) };
}

/** runCase runs one case with its namespace, timeout and cleanups. */
async function runCase(c: ConformanceCase, opts: RunSuiteOptions, tracker: NamespaceTracker, problems: string[]): Promise<CaseResult> {
  const started = Date.now();
  const timeoutMs = (opts.timeoutMs ?? 180_000) * (c.codename.includes('[Slow]') ? 2 : 1);
  const caseTimeout = c.timeoutMs ?? timeoutMs;
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(new Error(`case timed out after ${caseTimeout / 1000}s`)), caseTimeout);
  const onRunAbort = (): void => ctrl.abort(new Error('run cancelled'));
  opts.signal?.addEventListener('abort', onRunAbort, { once: true });
  const sink = { steps: [] as string[], cleanups: [] as Array<() => Promise<unknown> | unknown> };
  // Namespaces are attributed per case (cases run concurrently with --parallel).
  const own: string[] = [];
  const namespaces = {
    create: async (baseName: string, labels?: Record<string, string>, signal?: AbortSignal): Promise<string> => {
      const n = await tracker.create(baseName, labels, signal, (name) => own.push(name));
      return n;
    },
  };
  const result: CaseResult = {
    id: c.id,
    codename: c.codename,
    area: opts.areaOf?.(c.codename) ?? areaFromCodename(c.codename),
    status: 'passed',
    durationMs: 0,
    steps: sink.steps,
    namespaces: [],
    file: c.file,
  };
  let body: Promise<void> = Promise.resolve();
  try {
    body = (async () => {
      const baseName = c.id.toLowerCase();
      sink.steps.push(`STEP: Creating a namespace ${baseName}-*`);
      const ns = await namespaces.create(baseName, {}, ctrl.signal);
      const ctx = newCaseContext({ client: opts.client, ns, signal: ctrl.signal, images: opts.images, namespaces, sink });
      await c.run(ctx);
    })();
    // A case that ignores its signal must not hang the suite: race it with the abort.
    const aborted = new Promise<never>((_, reject) => {
      if (ctrl.signal.aborted) reject(ctrl.signal.reason);
      ctrl.signal.addEventListener('abort', () => reject(ctrl.signal.reason), { once: true });
    });
    body.catch(() => {});
    await Promise.race([body, aborted]);
  } catch (caught) {
    let err = caught;
    if (ctrl.signal.aborted && err === ctrl.signal.reason) {
      // Give the case a moment to fail with its own, more precise error (e.g. what a wait was waiting for).
      const own = await Promise.race([body.then(() => undefined, (e: unknown) => e), new Promise((r) => setTimeout(r, 1000, undefined))]);
      if (own instanceof Error && own !== ctrl.signal.reason) err = own;
    }
    if (err instanceof SkipCase) {
      result.status = 'skipped';
      result.message = err.message;
    } else {
      result.status = 'failed';
      const d = describeError(err);
      const lastStep = [...sink.steps].reverse().find((s) => s.includes('STEP:'));
      result.message = ctrl.signal.aborted && lastStep ? `${d.message} (during: ${lastStep.replace(/^\[[^\]]*\] /, '')})` : d.message;
      result.details = d.details;
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onRunAbort);
    for (const fn of sink.cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        sink.steps.push(`cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    result.namespaces = own;
    problems.push(...(await tracker.deleteNamespaces(result.namespaces)));
    result.durationMs = Date.now() - started;
  }
  return result;
}

/** SA_CONTROLLER_GRACE_MS is how long a run waits for `default/default` to appear before going on without it. */
const SA_CONTROLLER_GRACE_MS = 10_000;

/** waitForSchedulableNode returns undefined once a Ready node without NoSchedule taints exists, else a note. */
async function waitForSchedulableNode(client: RestClient, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let seen = 'no nodes';
  for (;;) {
    try {
      const nodes = await client.resource('', 'v1', 'nodes').list({ timeoutMs: 10_000, signal });
      const ready = nodes.items.filter(
        (n) =>
          !n.spec?.unschedulable &&
          !(n.spec?.taints ?? []).some((t: { effect?: string }) => t.effect === 'NoSchedule' || t.effect === 'NoExecute') &&
          (n.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True'),
      );
      if (ready.length > 0) return undefined;
      seen = `${nodes.items.length} node(s), none Ready and schedulable`;
    } catch (err) {
      seen = `listing nodes failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() >= deadline || signal?.aborted) return `no Ready schedulable node after ${timeoutMs / 1000}s (${seen}); cases that run pods will fail`;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** runSuite runs `opts.cases` and returns the results (it never throws for case failures). */
export async function runSuite(opts: RunSuiteOptions): Promise<SuiteResult> {
  const startedAt = new Date();
  const progress = opts.progress ?? silentProgress;
  const runId = `${startedAt.toISOString().replace(/[-:T.Z]/g, '').slice(0, 14)}-${randomBytes(2).toString('hex')}`;
  const tracker = new NamespaceTracker({ client: opts.client, runId, serviceAccountWaitMs: opts.serviceAccountWaitMs });
  const problems: string[] = [];
  let serverVersion: string | undefined;
  try {
    const v = await opts.client.request<{ gitVersion?: string }>({ path: '/version', timeoutMs: 10_000 });
    serverVersion = v?.gitVersion;
  } catch (err) {
    problems.push(`GET /version: ${err instanceof Error ? err.message : String(err)}`);
  }
  const nodeNote = await waitForSchedulableNode(opts.client, opts.nodeSchedulableTimeoutMs ?? 120_000, opts.signal);
  if (nodeNote) {
    progress.message(`note: ${nodeNote}`);
    problems.push(nodeNote);
  }
  // The controller-manager may still be starting (leader election, caches): give its
  // ServiceAccount controller a moment to show itself before deciding not to wait per namespace.
  const saGraceEnd = Date.now() + Math.min(SA_CONTROLLER_GRACE_MS, opts.nodeSchedulableTimeoutMs ?? 120_000);
  while (!(await tracker.hasServiceAccountController()) && Date.now() < saGraceEnd && !opts.signal?.aborted) await new Promise((r) => setTimeout(r, 500));
  if (!(await tracker.hasServiceAccountController())) {
    progress.message('note: default/default ServiceAccount not found; not waiting for per-namespace default ServiceAccounts');
  }
  const parallelCases = opts.cases.filter((c) => !c.codename.includes('[Serial]'));
  const serialCases = opts.cases.filter((c) => c.codename.includes('[Serial]'));
  const results = new Map<ConformanceCase, CaseResult>();
  progress.start(opts.cases.length);

  const runOne = async (c: ConformanceCase): Promise<void> => {
    progress.caseStarted(c.id, c.codename);
    let r: CaseResult;
    if (opts.signal?.aborted) {
      r = { id: c.id, codename: c.codename, area: opts.areaOf?.(c.codename) ?? areaFromCodename(c.codename), status: 'skipped', durationMs: 0, message: 'run cancelled', steps: [], namespaces: [], file: c.file };
    } else {
      r = await runCase(c, opts, tracker, problems);
    }
    results.set(c, r);
    progress.caseFinished(r);
  };

  const queue = [...parallelCases];
  const workers = Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 1, queue.length || 1)) }, async () => {
    for (let c = queue.shift(); c; c = queue.shift()) await runOne(c);
  });
  await Promise.all(workers);
  for (const c of serialCases) await runOne(c);

  progress.message(`verifying that ${tracker.created.length} test namespace(s) are gone...`);
  const leftoverNamespaces = tracker.created.length ? await tracker.leftovers(opts.namespaceDeletionTimeoutMs ?? 120_000) : [];
  progress.end();
  const finishedAt = new Date();
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    server: opts.client.config.server,
    serverVersion,
    focus: opts.focus,
    skip: opts.skip,
    images: { ...opts.images },
    results: opts.cases.map((c) => results.get(c)!).filter(Boolean),
    leftoverNamespaces,
    problems,
  };
}

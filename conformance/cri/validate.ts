/**
 * runCriValidate is `kubets cri-validate`: connect to any CRI runtime, check that it answers,
 * run the selected cases with a progress line each, print the summary table, and write JUnit XML
 * and a JSON report on request.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { VersionResponse } from '#generated/cri/api.ts';
import { criCases } from './catalog.ts';
import type { CaseResult, CriCase } from './framework/case.ts';
import { Suite, type AuthImage, type TestImages } from './framework/framework.ts';
import { toJUnitXml } from './framework/junit.ts';
import { dialCri, isCriCallError, normalizeEndpoint, type RawCri } from './framework/raw-client.ts';
import { countResults, runCases, type Counts } from './framework/runner.ts';
import { progressLine, summaryTable } from './framework/summary.ts';

/** DEFAULT_TEST_IMAGES are the ordinary names the suite pulls, as critest pulls its images. */
export const DEFAULT_TEST_IMAGES: TestImages = {
  busybox: 'busybox',
  pause: 'registry.k8s.io/pause:3.10',
  testServer: 'docker.io/kubets/test-server:1.0',
  busyboxAlias: 'registry.k8s.io/e2e-test-images/busybox:1.29-2',
};

/** CriValidateOptions are `kubets cri-validate`'s flags. */
export interface CriValidateOptions {
  runtimeEndpoint: string;
  imageEndpoint?: string;
  focus?: string;
  skip?: string;
  parallel?: number;
  /** junit is a file to write JUnit XML to. */
  junit?: string;
  /** report is a file to write the JSON report to. */
  report?: string;
  /** caseTimeoutMs bounds each case (default 3 min). */
  caseTimeoutMs?: number;
  /** connectTimeoutMs bounds the first Version call (default 10 s). */
  connectTimeoutMs?: number;
  /** stateTimeoutMs bounds each wait for a container state (default 60 s, as critest). */
  stateTimeoutMs?: number;
  images?: Partial<TestImages>;
  runtimeHandler?: string;
  authImage?: AuthImage;
  /** cases replaces the catalog (tests). */
  cases?: readonly CriCase[];
  /** write receives the progress lines and the summary (default: stdout). */
  write?: (text: string) => void;
  signal?: AbortSignal;
}

/** CriValidateReport is the outcome of a run (also the JSON report's shape). */
export interface CriValidateReport {
  runtimeEndpoint: string;
  imageEndpoint: string;
  runtime: { name: string; version: string; apiVersion: string };
  startedAt: string;
  durationMs: number;
  counts: Counts;
  results: Array<Omit<CaseResult, 'log'>>;
}

/** CriUnreachableError says the endpoint is not a working CRI runtime; its message says why. */
export class CriUnreachableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CriUnreachableError';
  }
}

/** checkSocketFile fails early, with the reason, when a unix endpoint's file is missing or not a socket. */
function checkSocketFile(where: string, what: string): void {
  if (!where.startsWith('unix://')) return;
  const file = where.slice('unix://'.length);
  if (!existsSync(file)) throw new CriUnreachableError(`cannot reach a ${what} at ${where}: ${file} does not exist`);
  if (!statSync(file).isSocket()) throw new CriUnreachableError(`cannot reach a ${what} at ${where}: ${file} is not a unix socket`);
}

/**
 * preflight calls Version within the connect deadline and explains a failure: no socket file, a
 * socket nobody listens on, a server that is not a CRI runtime, or no answer at all.
 */
export async function preflight(cri: RawCri, endpoint: string, timeoutMs: number, signal?: AbortSignal): Promise<VersionResponse> {
  const where = normalizeEndpoint(endpoint);
  checkSocketFile(where, 'CRI runtime');
  try {
    return await cri.runtime.version({ version: '0.1.0' }, { timeoutMs, signal });
  } catch (err) {
    if (!isCriCallError(err)) throw err;
    const details = err.details.replace(/\s*Resolution note:.*$/s, '').replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)/, '');
    let why: string;
    if (err.grpcCode === grpc.status.UNIMPLEMENTED) why = 'the endpoint speaks gRPC but does not implement runtime.v1.RuntimeService/Version (not a CRI v1 runtime)';
    else if (err.grpcCode === grpc.status.DEADLINE_EXCEEDED) why = `no answer to Version within ${timeoutMs / 1000}s (is it a CRI runtime? is it hung?)`;
    else if (/protocol error|http2|http status|content-type|malformed|RST_STREAM|INTERNAL/i.test(err.message)) why = `the endpoint is not a gRPC/CRI server: ${details}`;
    else why = `${grpc.status[err.grpcCode]}: ${details}`;
    throw new CriUnreachableError(`cannot reach a CRI runtime at ${where}: ${why}`, { cause: err });
  }
}

/** runCriValidate runs the suite and returns the report; it throws CriUnreachableError up front. */
export async function runCriValidate(opts: CriValidateOptions): Promise<CriValidateReport> {
  const write = opts.write ?? ((s: string) => void process.stdout.write(s));
  const connectTimeout = opts.connectTimeoutMs ?? 10_000;
  const cri = dialCri({ runtimeEndpoint: opts.runtimeEndpoint, imageEndpoint: opts.imageEndpoint, defaultTimeoutMs: 120_000 });
  const started = new Date();
  try {
    const v = await preflight(cri, opts.runtimeEndpoint, connectTimeout, opts.signal);
    if (opts.imageEndpoint && opts.imageEndpoint !== opts.runtimeEndpoint) {
      checkSocketFile(cri.imageEndpoint, 'CRI image service');
      try {
        await cri.image.listImages({}, { timeoutMs: connectTimeout, signal: opts.signal });
      } catch (err) {
        throw new CriUnreachableError(`cannot reach a CRI image service at ${cri.imageEndpoint}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    write(`CRI runtime ${v.runtimeName} ${v.runtimeVersion} (API ${v.runtimeApiVersion}) at ${cri.runtimeEndpoint}\n`);
    const suite = new Suite(cri, {
      images: { ...DEFAULT_TEST_IMAGES, ...opts.images },
      runtimeHandler: opts.runtimeHandler ?? '',
      authImage: opts.authImage,
      pollIntervalMs: 250,
      stateTimeoutMs: opts.stateTimeoutMs,
    });
    const results = await runCases({
      cases: opts.cases ?? criCases,
      suite,
      focus: opts.focus ? new RegExp(opts.focus) : undefined,
      skip: opts.skip ? new RegExp(opts.skip) : undefined,
      parallel: opts.parallel ?? 1,
      caseTimeoutMs: opts.caseTimeoutMs,
      onResult: (r, done, total) => write(progressLine(r, done, total) + '\n'),
      signal: opts.signal,
    });
    write('\n' + summaryTable(results) + '\n');
    const report: CriValidateReport = {
      runtimeEndpoint: cri.runtimeEndpoint,
      imageEndpoint: cri.imageEndpoint,
      runtime: { name: v.runtimeName, version: v.runtimeVersion, apiVersion: v.runtimeApiVersion },
      startedAt: started.toISOString(),
      durationMs: Date.now() - started.getTime(),
      counts: countResults(results),
      results: results.map(({ log: _log, ...r }) => r),
    };
    if (opts.junit) {
      await mkdir(path.dirname(path.resolve(opts.junit)), { recursive: true });
      await writeFile(opts.junit, toJUnitXml(results, {
        timestamp: started,
        properties: { runtimeEndpoint: cri.runtimeEndpoint, runtime: `${v.runtimeName} ${v.runtimeVersion}` },
      }));
    }
    if (opts.report) {
      await mkdir(path.dirname(path.resolve(opts.report)), { recursive: true });
      await writeFile(opts.report, JSON.stringify(report, null, 2) + '\n');
    }
    return report;
  } finally {
    cri.close();
  }
}

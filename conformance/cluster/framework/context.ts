/**
 * CaseContext is what a case gets from the runner: a client, a fresh namespace, an
 * AbortSignal that fires at the per-case timeout, the test images and helpers for extra
 * namespaces and cleanups (all undone by the runner even when the case fails).
 */
import { randomBytes } from 'node:crypto';
import type { RestClient, ResourceClient } from '#impl/client/index.ts';
import { waitFor, type WaitOptions } from '#impl/client/index.ts';
import type { TestImages } from './images.ts';

/** CaseContext is passed to {@link ConformanceCase.run}. */
export interface CaseContext {
  /** A client with the suite's credentials. */
  client: RestClient;
  /** The case's own namespace (fresh, created with generateName). */
  ns: string;
  /** Aborted at the per-case timeout or when the run is cancelled. */
  signal: AbortSignal;
  /** Images to use. */
  images: TestImages;
  /** A short random id for this case run (for unique names and labels). */
  uid: string;
  /** step records a step (shown in the report, like Ginkgo's STEP:). */
  step(message: string): void;
  /** log records a detail line. */
  log(message: string): void;
  /** defer registers a cleanup, run in reverse order after the case. */
  defer(fn: () => Promise<unknown> | unknown): void;
  /** createNamespace creates one more namespace (deleted and checked by the runner). */
  createNamespace(baseName: string, labels?: Record<string, string>): Promise<string>;
  /** core returns a core/v1 resource client bound to `ns` (default the case namespace). */
  core(resource: string, ns?: string): ResourceClient;
  /** api returns a resource client; pass `ns` (or `true` for the case namespace) when namespaced. */
  api(group: string, version: string, resource: string, ns?: string | true): ResourceClient;
  /** waitFor polls with the case's signal. */
  waitFor<T>(condition: () => Promise<T | undefined | null | false> | T | undefined | null | false, opts: WaitOptions): Promise<T>;
  /** uniqueName returns `prefix-<random>` (a DNS-1123 label). */
  uniqueName(prefix: string): string;
}

/** NamespaceManager creates and tracks test namespaces; implemented by the runner. */
export interface NamespaceManager {
  create(baseName: string, labels?: Record<string, string>, signal?: AbortSignal): Promise<string>;
}

/** newCaseContext builds a {@link CaseContext}; steps and cleanups are collected in `sink`. */
export function newCaseContext(opts: {
  client: RestClient;
  ns: string;
  signal: AbortSignal;
  images: TestImages;
  namespaces: NamespaceManager;
  sink: { steps: string[]; cleanups: Array<() => Promise<unknown> | unknown> };
}): CaseContext {
  const { client, ns, signal, images, namespaces, sink } = opts;
  const start = Date.now();
  const stamp = (): string => `${((Date.now() - start) / 1000).toFixed(1)}s`;
  return {
    client,
    ns,
    signal,
    images,
    uid: randomBytes(3).toString('hex'),
    step: (m) => sink.steps.push(`[${stamp()}] STEP: ${m}`),
    log: (m) => sink.steps.push(`[${stamp()}] ${m}`),
    defer: (fn) => sink.cleanups.push(fn),
    createNamespace: (baseName, labels) => namespaces.create(baseName, labels, signal),
    core: (resource, n) => client.resource('', 'v1', resource).namespace(n ?? ns),
    api: (group, version, resource, n) => {
      const r = client.resource(group, version, resource);
      return n === undefined ? r : r.namespace(n === true ? ns : n);
    },
    waitFor: (condition, o) => waitFor(condition, { ...o, signal: o.signal ?? signal }),
    uniqueName: (prefix) => `${prefix}-${randomBytes(3).toString('hex')}`,
  };
}
